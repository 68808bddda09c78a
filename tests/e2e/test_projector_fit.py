"""Projector mode fits the room's screen: every screen at 1366 x 768 and 1920 x 1080 is drawn
without scrolling, nothing overflows the window, overlaps, hides under Streamlit's header or is
cut with "...", and the n and filters line is always in view.

Measured in Debian's Chromium on a real `streamlit run`: for each screen (stepped with Next)
the text of every element is measured glyph by glyph (DOM ranges), every text of every plotly
figure by its SVG box; a box that leaves the window or meets another box fails the test with
the screen, the two texts and their positions.

The same walks prove how the mode is driven, which only a browser shows: the sidebar is
hidden; each Next steps exactly one screen (the navigation's "k/N · title" follows the
heading) and the link keeps ``present=1`` and ``present.slide=k``; the link's grouping splits
Table 1 (its screens follow the plain Table 1); on the first survival screen the log-rank p is
in view and, in the first walk, the right and left arrow keys press Next and Previous. (These
were a walk of their own in tests/e2e/test_deliverables.py; the screens' texts and numbers
are tests/pages/test_present_page.py's.)
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import expect_no_error, link, wait_idle

pytestmark = pytest.mark.e2e

VIEWS = {
    "MRD positive by sex": {"mrd_pre_status": "positive", "survival.by": "sex",
                            "competing.by": "sex"},
    "ELN groups": {"survival.by": "eln2022_risk", "survival.landmarks": "12, 24, 36"},
}
CASES = [("ELN groups", (1366, 768)), ("MRD positive by sex", (1920, 1080))]
"""Every screen is walked at both sizes; each size with one view. The densest view (three
groups, three landmarks) goes on the small screen, the view with a filter and a long filter
line on the large one. The views share their layout code, so walking every view at every size
(six walks, five minutes of a 2-core machine) adds time, not coverage."""
FIRST_DRAW = 120_000
"""Milliseconds for the first screen: every section (Cox, Firth, competing risks) is computed
when the mode opens; a loaded 2-core machine is the slow case."""
TOLERANCE = 1.0
"""Pixels two boxes may share (anti-aliased edges) before they count as overlapping."""

MEASURE = r"""
() => {
  const boxes = [];
  const main = document.querySelector('[data-testid="stMain"]');
  const visible = (el) => {
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden' || s.opacity === '0') return false;
    }
    return true;
  };
  // every text outside the figures, line by line (a wrapped paragraph is several boxes)
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  const blocks = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || el.closest('svg') || el.closest('style') || el.closest('script')
        || !visible(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const block = el.closest('[data-testid="stElementContainer"]');
    for (const r of range.getClientRects()) {
      if (r.width < 0.5 || r.height < 0.5) continue;
      boxes.push({kind: 'text', text: text.slice(0, 60), owner: blocks.indexOf(block) >= 0
                  ? blocks.indexOf(block) : blocks.push(block) - 1,
                  left: r.left, top: r.top, right: r.right, bottom: r.bottom});
    }
  }
  // every text of every plotly figure, and the figure itself
  const figures = [...main.querySelectorAll('.js-plotly-plot')].filter(visible);
  figures.forEach((plot, f) => {
    const r = plot.getBoundingClientRect();
    boxes.push({kind: 'figure', text: `figure ${f}`, owner: -1 - f, left: r.left,
                top: r.top, right: r.right, bottom: r.bottom});
    for (const t of plot.querySelectorAll('text')) {
      if (!t.textContent.trim() || !visible(t)) continue;
      const b = t.getBoundingClientRect();
      if (b.width < 0.5 || b.height < 0.5) continue;
      boxes.push({kind: 'svg', text: t.textContent.trim().slice(0, 40), owner: -1 - f,
                  left: b.left, top: b.top, right: b.right, bottom: b.bottom});
    }
  });
  // text cut with an ellipsis
  const truncated = [];
  for (const el of main.querySelectorAll('*')) {
    const s = getComputedStyle(el);
    if (s.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1 && visible(el))
      truncated.push(el.textContent.trim().slice(0, 80));
  }
  const header = document.querySelector('[data-testid="stHeader"]');
  return {boxes, truncated, width: window.innerWidth, height: window.innerHeight,
          header: header ? header.getBoundingClientRect().bottom : 0,
          scroll: [main.scrollHeight, main.clientHeight, document.documentElement.scrollHeight],
          figures: figures.length};
}
"""


def _overlaps(a: dict, b: dict) -> bool:
    return (min(a["right"], b["right"]) - max(a["left"], b["left"]) > TOLERANCE
            and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > TOLERANCE)


def problems(measured: dict) -> list[str]:
    """Everything on the screen that does not fit, in words."""
    found = []
    width, height = measured["width"], measured["height"]
    main, client, document = measured["scroll"]
    if main > client + TOLERANCE or document > height + TOLERANCE:
        found.append(f"the page scrolls: content {main} px in a {client} px window")
    boxes = measured["boxes"]
    for box in boxes:
        where = f"{box['text']!r} at ({box['left']:.0f}, {box['top']:.0f})-" \
                f"({box['right']:.0f}, {box['bottom']:.0f})"
        if box["bottom"] > height + TOLERANCE or box["right"] > width + TOLERANCE \
                or box["left"] < -TOLERANCE:
            found.append(f"outside the {width}x{height} window: {where}")
        elif box["kind"] == "text" and box["top"] < measured["header"] - TOLERANCE:
            found.append(f"under Streamlit's header: {where}")
    texts = [b for b in boxes if b["kind"] == "text"]
    for i, a in enumerate(texts):  # texts of different elements never share pixels
        for b in texts[i + 1:]:
            if a["owner"] != b["owner"] and _overlaps(a, b):
                found.append(f"{a['text']!r} overlaps {b['text']!r}")
    svg = [b for b in boxes if b["kind"] == "svg"]
    for i, a in enumerate(svg):  # inside a figure: ticks, titles, at-risk numbers, legend
        for b in svg[i + 1:]:
            if a["owner"] == b["owner"] and _overlaps(a, b):
                found.append(f"in a figure, {a['text']!r} overlaps {b['text']!r}")
    for figure in (b for b in boxes if b["kind"] == "figure"):
        for text in texts:
            if _overlaps(figure, text):
                found.append(f"{text['text']!r} lies on a figure")
    found += [f"cut with an ellipsis: {t!r}" for t in measured["truncated"]]
    return found


def _settled(page) -> dict:
    """Measure once every figure has stopped relayouting (two equal readings)."""
    previous = None
    for _ in range(20):
        page.wait_for_timeout(250)
        measured = page.evaluate(MEASURE)
        if measured == previous:
            return measured
        previous = measured
    return measured


GROUPED = {"ELN groups": "ELN 2022 risk", "MRD positive by sex": "Sex"}
"""The label of each view's grouping (``survival.by``), which Table 1 is split by."""
KM = "Relapse-free survival (RFS; study: relapse only)"
"""The first survival screen: its figure, key numbers and log-rank p."""


def survival_screen(page, heading, number: int, arrows: bool) -> None:
    """On the survival screen ``number``: its log-rank p is in view and the link holds the
    screen; with ``arrows``, the right and left arrow keys press Next and Previous (the
    mode's script)."""
    expect(page.get_by_text(re.compile(r"^Log-rank p: ."))).to_be_in_viewport()
    assert "present=1" in page.url and f"present.slide={number}" in page.url
    if not arrows:
        return
    heading.click()  # focus the page (not an input) so the arrow keys step
    page.keyboard.press("ArrowRight")
    expect(heading).to_contain_text(f"{KM} · hazard ratios")
    wait_idle(page)
    page.keyboard.press("ArrowLeft")
    expect(heading).to_have_text(KM)
    wait_idle(page)


@pytest.mark.parametrize(("view", "size"), CASES, ids=[f"{v}-{w}x{h}" for v, (w, h) in CASES])
def test_every_projector_screen_fits_the_window(server, page, view, size):
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    page.goto(link(server.url, "Present", {**VIEWS[view], "present": "1"}))
    heading = page.locator('[data-testid="stMain"] h2').first
    expect(heading).to_be_visible(timeout=FIRST_DRAW)
    wait_idle(page)
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    line = page.locator('[data-testid="stMain"] p').filter(
        has_text=re.compile(r"^\d+ of \d+ patients · ")).first
    position = page.locator('[data-testid="stSelectbox"] input').first  # "1/16 · Baseline..."
    count = int(re.match(r"1/(\d+) · ", position.input_value()).group(1))
    failures, titles = [], []
    for number in range(1, count + 1):
        if number > 1:
            page.get_by_role("button", name="Next").click()
            expect(heading).not_to_have_text(titles[-1])
            wait_idle(page)
        titles.append(heading.inner_text())
        assert position.input_value() == f"{number}/{count} · {titles[-1]}"  # one step
        expect(line).to_be_in_viewport()  # n and the filters, below Streamlit's header
        measured = _settled(page)
        failures += [f"screen {number} ({titles[-1]}): {p}" for p in problems(measured)]
        if titles[-1] == KM:
            survival_screen(page, heading, number, arrows=view == CASES[0][0])
    expect_no_error(page)
    assert not failures, "\n".join(failures[:40])
    split = titles.index(f"Baseline characteristics by {GROUPED[view]} · 1/"
                         f"{sum(t.startswith('Baseline characteristics by') for t in titles)}")
    assert titles[split - 1].startswith("Baseline characteristics")  # after the plain Table 1
    assert KM in titles

"""What only a browser shows: figures as plotly.js draws them (issues 17 and 18).

- Every number-at-risk row of a grouped Kaplan-Meier plot lies inside the table's drawing
  area as rendered (its text box within the subplot's box), on the page at 1366 x 768.
- A category value written as HTML is drawn as typed in the legends (no ``<a>`` element, no
  bold): tests/e2e/test_inert_text.py's walk of an uploaded hostile file.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import RENDER_TIMEOUT
from tests.e2e.helpers import expect_count, link, wait_idle

pytestmark = pytest.mark.e2e

def boxes(page, selector: str) -> list[dict]:
    return page.locator(selector).evaluate_all(
        "els => els.map(e => { const b = e.getBoundingClientRect();"
        " return {top: b.top, bottom: b.bottom, text: e.textContent}; })")


def settled_layout(page) -> tuple[dict, list[dict]]:
    """The table area and its at-risk texts once plotly.js has stopped moving them: measured
    until two readings 100 ms apart agree (a relayout after the page's width settles would
    otherwise catch the texts and the area from two different drawings)."""
    def reading():
        return (boxes(page, '[data-testid="stPlotlyChart"] .draglayer .x2y2 .nsewdrag')[0],
                boxes(page, '[data-testid="stPlotlyChart"] .subplot.x2y2 .textpoint text'))
    last = reading()
    for _ in range(50):
        page.wait_for_timeout(100)
        now = reading()
        if now == last:
            return now
        last = now
    return last


@pytest.mark.parametrize("query", [
    {"survival.endpoint": "rfs", "survival.by": "eln2022_risk"},
    {"survival.endpoint": "os", "survival.by": "mrd_pre_status", "survival.counts": "True"},
], ids=["rfs-by-eln", "os-by-mrd-with-counts"])
def test_every_at_risk_row_is_drawn_inside_its_table(server, page, query):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(link(server.url, "Survival", query))
    expect_count(page, 19)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    expect(chart.locator(".subplot.x2y2 .textpoint text").first).to_be_attached(
        timeout=RENDER_TIMEOUT)
    wait_idle(page)
    area, rows = settled_layout(page)
    assert rows, "no at-risk numbers drawn"
    outside = [r for r in rows if r["top"] < area["top"] - 0.5
               or r["bottom"] > area["bottom"] + 0.5]
    assert outside == [], f"at-risk text outside the table area {area}: {outside[:3]}"
    top_row = min(r["top"] for r in rows)
    assert top_row - area["top"] >= 2  # the first row has room above it (it was clipped)

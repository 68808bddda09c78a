"""The Survival page on a laptop (1366 x 768, issue 24): the Kaplan-Meier curve and its
number-at-risk table are on screen together, the page starts under Streamlit's header, and
plotly's toolbar does not cover the legend. The same drawing shows plotly.js holding both
groups' curves and at-risk rows (``gd.data``: what AppTest's figure JSON cannot show).

One browser session on the shared server; under 30 s on the 2-core machine.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import RENDER_TIMEOUT
from tests.e2e.helpers import expect_count, expect_no_error, link, wait_idle

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}


def box(locator) -> dict:
    return locator.evaluate("e => { const b = e.getBoundingClientRect();"
                            " return {top: b.top, bottom: b.bottom, left: b.left,"
                            " right: b.right}; }")


def test_km_curve_by_mrd_and_its_at_risk_table_fit_one_laptop_screen(server, page):
    """RFS by MRD, the KMunicate rows on: scrolled to the figure, the curve's plot area and
    the last at-risk row are both inside the 768 px window, below Streamlit's header."""
    page.set_viewport_size(LAPTOP)
    page.goto(link(server.url, "Survival", {"survival.endpoint": "rfs",
                                            "survival.by": "mrd_pre_status"}))
    expect_count(page, 19)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    rows = chart.locator(".subplot.x2y2 .textpoint text")
    expect(rows.first).to_be_attached(timeout=RENDER_TIMEOUT)
    wait_idle(page)
    expect_no_error(page)
    names = chart.locator(".js-plotly-plot").evaluate("el => el.data.map(t => t.name)")
    assert {"negative (n=15)", "positive (n=4)", "negative at risk", "positive at risk"} <= \
        set(names)
    curve = chart.locator(".draglayer .xy .nsewdrag").first
    chart.evaluate("e => e.scrollIntoView({block: 'end'})")
    page.wait_for_timeout(300)
    header = box(page.locator('[data-testid="stHeader"]'))
    top, last = box(curve), max(b["bottom"] for b in rows.evaluate_all(
        "els => els.map(e => { const b = e.getBoundingClientRect();"
        " return {bottom: b.bottom}; })"))
    assert top["top"] >= header["bottom"] - 1, (top, header)  # the curve is not under it
    assert last <= LAPTOP["height"], last  # the last at-risk row is on screen
    # plotly's toolbar, shown while the pointer is on the figure, leaves the legend readable
    chart.hover()
    toolbar = chart.locator(".modebar")
    expect(toolbar).to_be_visible()
    bar, legend = box(toolbar), box(chart.locator(".legend").first)
    apart = (bar["bottom"] <= legend["top"] + 1 or bar["top"] >= legend["bottom"] - 1
             or bar["right"] <= legend["left"] + 1 or bar["left"] >= legend["right"] - 1)
    assert apart, (bar, legend)  # a row of buttons across the top covered "positive (n=4)"
    # the page's first line starts just under Streamlit's header (assets/layout.css), not
    # 6rem down as Streamlit's default leaves it (36 px of blank space at this size)
    page.locator('[data-testid="stMain"]').evaluate("e => e.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    first = box(page.locator('[data-testid="stMainBlockContainer"] '
                             '[data-testid="stElementContainer"]').first)
    assert first["top"] - header["bottom"] < 20, (first, header)

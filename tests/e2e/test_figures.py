"""Figures in a real browser: the Kaplan-Meier plot renders in plotly and follows the filters.

AppTest sees only the figure's JSON; here plotly.js has drawn it and we read the traces that
the browser holds (``gd.data`` of the plot element). RFS by MRD, both groups with their
at-risk rows, is read in the laptop-layout test's drawing of that view
(tests/e2e/test_laptop_layout.py).
"""

import pytest
from playwright.sync_api import Page, expect

from core.cohort.schema import LABELS
from tests.e2e.helpers import choose, expect_count, expect_no_error, link, wait_idle

pytestmark = pytest.mark.e2e

TRACE_NAMES = "el => el.data.map(t => t.name)"


def km_trace_names(page: Page) -> list[str]:
    plot = page.locator('[data-testid="stMain"] .js-plotly-plot').first
    expect(plot.locator(".main-svg").first).to_be_visible()
    return plot.evaluate(TRACE_NAMES)


def test_km_curves_follow_the_filters(server, page):
    page.goto(link(server.url, "Survival", {"survival.endpoint": "rfs",
                                            "survival.by": "none"}))
    expect_count(page, 19)
    assert "All (n=19)" in km_trace_names(page)
    choose(page, LABELS["sorafenib_timing"], "consolidation")
    expect_count(page, 5)
    wait_idle(page)
    expect(page.locator('[data-testid="stMain"] .js-plotly-plot').first).to_be_visible()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stMain] .js-plotly-plot')"
        ".data.some(t => t.name === 'All (n=5)')")
    assert "All (n=19)" not in km_trace_names(page)
    expect_no_error(page)


def test_cox_forest_plot_is_drawn_with_one_row_per_term(server, page):
    """Default model RFS ~ MRD + ELN (3 levels): three terms, drawn by plotly.js."""
    page.goto(link(server.url, "Cox"))
    expect_count(page, 19)
    expect(page.get_by_text("Hazard ratios for relapse-free survival")).to_be_visible()
    forest = page.locator('[data-testid="stMain"] .js-plotly-plot').first
    expect(forest.locator(".main-svg").first).to_be_visible()
    labels = forest.evaluate("el => el.layout.yaxis.ticktext.map(t => t.replace('<br>', ' '))")
    assert labels == ["MRD before maintenance: positive vs negative (n=4, events=2)",
                      "ELN 2022 risk: intermediate vs favorable (n=9, events=0)",
                      "ELN 2022 risk: adverse vs favorable (n=7, events=4)"]
    expect_no_error(page)

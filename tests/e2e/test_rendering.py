"""What only a browser shows: figures as plotly.js draws them (issues 17 and 18).

- Every number-at-risk row of a grouped Kaplan-Meier plot lies inside the table's drawing
  area as rendered (its text box within the subplot's box), on the page at 1366 x 768.
- A category value written as HTML (``<a href=...>``, ``<b>``) is drawn as typed in legends
  and tick labels: no ``<a>`` element, no bold, on the Survival and Patients pages.
"""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from core.cohort.exports import table_to_csv
from core.cohort.read import load_seed_cohort
from tests.e2e.conftest import RENDER_TIMEOUT
from tests.e2e.helpers import expect_count, expect_no_error, link, sidebar_link, wait_idle

pytestmark = pytest.mark.e2e

LINK = '<a href="https://example.org">x</a>'


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


def hostile_csv() -> bytes:
    cohort = load_seed_cohort()
    cohort["mrd_pre_status"] = cohort["mrd_pre_status"].astype(object)
    cohort["fab_class"] = cohort["fab_class"].astype(object)
    cohort.loc[cohort["fab_class"] == "M5", "fab_class"] = "<b>bold</b>"
    cohort.loc[cohort["fab_class"] == "M1", "fab_class"] = LINK
    return table_to_csv(cohort)


def test_category_values_written_as_html_are_drawn_as_typed(server, page):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(server.url)
    expect_count(page, 19)
    sidebar = page.locator('[data-testid="stSidebar"]')
    uploader = sidebar.locator('input[type="file"]')
    if uploader.count() == 0:
        sidebar.get_by_text("Cohort data", exact=True).click()
    uploader.first.set_input_files(files=[{"name": "hostile.csv", "mimeType": "text/csv",
                                           "buffer": io.BytesIO(hostile_csv()).getvalue()}])
    expect(page.locator('[data-testid="stMain"]').get_by_text("Uploaded file hostile.csv")) \
        .to_be_visible(timeout=RENDER_TIMEOUT)
    expect_count(page, 19)

    sidebar_link(page, "Survival").click()
    expect_count(page, 19)
    page.get_by_label("Compare groups by").click()
    page.get_by_role("option", name="FAB class", exact=True).click()
    wait_idle(page)
    legend = page.locator('[data-testid="stPlotlyChart"] .legend').first
    expect(legend).to_contain_text(LINK, timeout=RENDER_TIMEOUT)
    expect(legend).to_contain_text("<b>bold</b>")
    expect(page.locator('[data-testid="stPlotlyChart"] svg a')).to_have_count(0)
    expect_no_error(page)

    sidebar_link(page, "Patients").click()
    expect_count(page, 19)
    page.get_by_label("Colour lanes by").click()
    page.get_by_role("option", name="FAB class", exact=True).click()
    wait_idle(page)
    swimmer = page.locator('[data-testid="stPlotlyChart"]').first
    expect(swimmer.locator(".legend")).to_contain_text(LINK, timeout=RENDER_TIMEOUT)
    expect(swimmer.locator("svg a")).to_have_count(0)
    expect(swimmer.locator(".legend text[style*='bold']")).to_have_count(0)
    expect_no_error(page)

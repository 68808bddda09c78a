"""One endpoint flow in a real browser: OS by MRD before maintenance shows the delayed-entry
comparison beside the naive curve; switching to EFS (ELN 2022 RFS) redraws the curve and keeps
the choice in the link."""

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import choose, expect_count, expect_no_error, link, wait_idle

pytestmark = pytest.mark.e2e

NAMES = "el => el.data.map(t => t.name)"


def test_os_by_mrd_then_efs(server, page):
    page.goto(link(server.url, "Survival", {"survival.endpoint": "os",
                                            "survival.by": "mrd_pre_status"}))
    expect_count(page, 19)
    expect(page.get_by_text("OS from diagnosis, naive and with delayed entry at maintenance "
                            "start")).to_be_visible()
    expect(page.get_by_text("Guarantee-time bias:", exact=False)).to_be_visible()
    choose(page, "Endpoint", "Event-free survival (EFS; ELN 2022 RFS: relapse or death)")
    wait_idle(page)
    page.wait_for_function("() => location.search.includes('survival.endpoint=efs')")
    plot = page.locator('[data-testid="stMain"] .js-plotly-plot').first
    expect(plot.locator(".main-svg").first).to_be_visible()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stMain] .js-plotly-plot')"
        ".layout.yaxis.title.text.startsWith('Event-free survival')")
    assert {"negative (n=15)", "positive (n=4)"} <= set(plot.evaluate(NAMES))
    expect(page.get_by_text("OS from diagnosis, naive and with delayed entry")).to_have_count(0)
    expect_no_error(page)

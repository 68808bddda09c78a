"""Clicking a lane of the swimmer plot opens that patient's card (plotly selection events).

AppTest cannot click a plotly figure, so this is tested only here, in a real browser.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import expect_count, expect_no_error, link, wait_idle

pytestmark = pytest.mark.e2e


def test_click_on_patient_9_lane_opens_card(server, page):
    page.goto(link(server.url, "Patients", {"patient": "1"}))
    expect_count(page, 19)
    plot = page.locator('[data-testid="stMain"] .js-plotly-plot').first
    tick = plot.locator("g.ytick text").filter(has_text=re.compile(r"^9$"))
    expect(tick).to_have_count(1)
    tick_box = tick.bounding_box()
    area = plot.locator("rect.nsewdrag").first.bounding_box()
    # a point on patient 9's bar, just right of the time origin
    page.mouse.click(area["x"] + 12, tick_box["y"] + tick_box["height"] / 2)
    expect(page).to_have_url(re.compile(r"[?&]patient=9(&|$)"))
    wait_idle(page)
    expect(page.get_by_text("Where patient 9 sits on the cohort's")).to_be_visible()
    expect_no_error(page)

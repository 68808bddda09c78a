"""Clicking a lane of the swimmer plot opens that patient's card (plotly selection events)
and scrolls it into view.

AppTest cannot click a plotly figure, so this is tested only here, in a real browser.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import expect_count, expect_no_error, link, wait_idle

pytestmark = pytest.mark.e2e

LANE_POSITION = """label => {
  const plot = document.querySelector('[data-testid=stMain] .js-plotly-plot');
  if (!plot) return null;
  const tick = [...plot.querySelectorAll('g.ytick text')].find(t => t.textContent === label);
  const area = plot.querySelector('rect.nsewdrag');
  if (!tick || !area) return null;
  tick.scrollIntoView({block: 'center'});
  const t = tick.getBoundingClientRect(), a = area.getBoundingClientRect();
  if (!t.height || !a.width) return null;
  return {x: a.left + 12, y: t.top + t.height / 2};
}"""


def test_click_on_patient_9_lane_opens_card(server, page):
    page.goto(link(server.url, "Patients", {"patient": "1"}))
    expect_count(page, 19)
    wait_idle(page)
    # plotly redraws the figure once its width settles, detaching the old nodes: read both
    # positions in one script call, retry until the figure is laid out, and click again when
    # a redraw moved the lane between reading its position and the click
    for attempt in range(5):
        where = None
        for _ in range(40):
            where = page.evaluate(LANE_POSITION, "9")
            if where:
                break
            page.wait_for_timeout(250)
        assert where, "the swimmer plot never showed a lane labelled 9"
        card = page.locator("#patient-card")
        if attempt == 0:  # the lane is centred, the card below the plot out of sight
            expect(card).not_to_be_in_viewport()
        page.mouse.click(where["x"], where["y"])
        try:
            expect(page).to_have_url(re.compile(r"[?&]patient=9(&|$)"), timeout=5_000)
            break
        except AssertionError:
            if attempt == 4:
                raise
            wait_idle(page)
    wait_idle(page)
    # the click scrolls the card into view (ui.scroll.scroll_to): no hunting for it below
    expect(page.locator("#patient-card")).to_be_in_viewport()
    expect(page.get_by_text("Where patient 9 sits on the cohort's")).to_be_visible()
    expect_no_error(page)

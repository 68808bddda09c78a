"""Custom groups in a real browser (issue 16): build "ELN adverse AND MRD-positive vs everyone
else" on the Subgroups page, compare it on the Survival page, copy the page's link, open it in
a new browser context (a new session: nothing carried over but the link) and see the same
curves and the same log-rank test; there, the group as a sidebar filter goes into the link and
"Clear all filters" takes it out.

Log-rank of these groups on RFS (R: survdiff(Surv(rfs_months, rfs_event) ~ g), see
tests/pages/test_subgroups_page.py): chi-square 5.34, p 0.021.

(Issue 14's buttons, the competing-risk section of the deck and the Cohort page's figure menu,
are downloaded in tests/e2e/test_deliverables.py.)
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from core.cohort.groups import GroupDefinition
from core.survival.endpoint import RFS
from tests.e2e.helpers import choose, expect_count, expect_no_error, link, sidebar_link, wait_idle
from tests.e2e.test_deliverables import _select

pytestmark = pytest.mark.e2e

PRESET = "ELN adverse AND MRD-positive vs everyone else"
RULE = ("Adverse & MRD+ = ELN 2022 risk == adverse AND MRD before maintenance == positive; "
        "Everyone else = every other patient")
FIGURE_DATA = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(
    plot => plot.data.map(t => ({name: t.name || null, x: Array.from(t.x || []),
                                 y: Array.from(t.y || [])})))"""


def _metrics(page) -> list[str]:
    return page.locator('[data-testid="stMetric"]').all_inner_texts()


PLOTS_DRAWN = """n => { const plots = document.querySelectorAll('.js-plotly-plot');
    return plots.length >= n && Array.from(plots).every(p => p.data && p.data.length > 0); }"""


def _survival_view(page, n_plots: int = 1) -> tuple[list, list[str]]:
    """(every trace of every plotly figure: name, x, y; the metric texts). The metrics can
    arrive before plotly.js has drawn the figures, so wait for ``n_plots`` drawn figures."""
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="Log-rank p")
           ).to_be_visible()
    wait_idle(page)
    page.wait_for_function(PLOTS_DRAWN, arg=n_plots, timeout=30_000)
    return page.evaluate(FIGURE_DATA), _metrics(page)


def test_custom_group_link_reopens_the_same_curves(server, page, new_context):
    page.goto(link(server.url, "Subgroups"))
    expect_count(page, 19)
    page.get_by_role("button", name=PRESET).click()
    wait_idle(page)
    expect(page.get_by_text("Custom groups:", exact=False).first).to_be_visible()
    expect_no_error(page)
    definition = GroupDefinition.from_json(parse_qs(urlparse(page.url).query)["groups"][0])
    assert [g.name for g in definition.groups] == ["Adverse & MRD+"]

    sidebar_link(page, "Survival").click()
    expect_count(page, 19)
    _select(page, "Compare groups by", "Custom group")
    _select(page, "Endpoint", RFS.label)
    # the rerun for RFS may start after the OS view's metrics were read: wait for RFS's number
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="Log-rank chi-square")
           ).to_contain_text("5.34")
    wait_idle(page)
    figures, metrics = _survival_view(page)
    expect_no_error(page)
    assert any("Log-rank chi-square" in m and "5.34" in m for m in metrics)
    assert any("Log-rank p" in m and "0.021" in m for m in metrics)
    names = {t["name"] for plot in figures for t in plot if t["name"]}
    assert {"Adverse &amp; MRD+ (n=3)", "Everyone else (n=16)"} <= names
    expect(page.get_by_text(RULE, exact=False).first).to_be_visible()  # the rule, not a name
    copied = page.url
    query = parse_qs(urlparse(copied).query)
    assert query["survival.by"] == ["Custom group"] and query["survival.endpoint"] == ["rfs"]
    assert "groups" in query

    fresh = new_context().new_page()  # a new browser context: no cookies, no session
    fresh.goto(copied)
    expect_count(fresh, 19)
    again, metrics_again = _survival_view(fresh, n_plots=len(figures))
    expect_no_error(fresh)
    assert json.dumps(again, sort_keys=True) == json.dumps(figures, sort_keys=True)
    assert metrics_again == metrics
    expect(fresh.get_by_text(RULE, exact=False).first).to_be_visible()

    # the group as a filter: into the link when chosen, out of it with "Clear all filters"
    # (a link holding it opens filtered: tests/pages/test_custom_group_everywhere.py)
    choose(fresh, "Custom group", "Adverse & MRD+")
    expect_count(fresh, 3)
    assert "group_filter" in parse_qs(urlparse(fresh.url).query)
    fresh.get_by_role("button", name="Clear all filters").click()
    expect_count(fresh, 19)
    assert "group_filter" not in parse_qs(urlparse(fresh.url).query)
    expect_no_error(fresh)

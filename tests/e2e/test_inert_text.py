"""Issue 25: no user text ever becomes a link, on any page.

Hostile values go everywhere a user can put text: every link key of every page, a custom
group's name, an uploaded file's name, its patient ids, category values and column names.
Every page is then walked and the test fails on any anchor (``<a href>``) that leads to
another host: Streamlit's Markdown turns a bare ``www.`` or ``https://`` into a live link, so
a value that reaches Markdown unescaped shows up here as an anchor.

The uploaded file's walk also proves what only plotly.js shows (issues 17 and 18; it was a
walk of its own in tests/e2e/test_rendering.py): a category value written as HTML
(``<a href=...>``, ``<b>``) is drawn as typed in the figures' legends, no ``<a>`` element and
no bold, on the Survival page (grouped by it) and the Patients page (lanes coloured by it).
"""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import RENDER_TIMEOUT, UPLOAD_TIMEOUT
from tests.e2e.helpers import expect_no_error, link, sidebar_link, url_path, wait_idle

pytestmark = pytest.mark.e2e

URL = "www.evil-login.example/reset"
HOSTILE = [URL, "https://evil.example/x", "mail@evil.example", "[x](https://evil.example/y)",
           '<a href="https://evil.example/z">z</a>']
PAGES = ["app.py", "pages/0_Your_data.py", "pages/1_Survival.py",
         "pages/4_Competing_risks.py", "pages/2_Cox.py", "pages/7_Subgroups.py",
         "pages/3_Patients.py", "pages/6_During_follow_up.py", "pages/5_Paper_check.py",
         "pages/9_About.py", "pages/8_Present.py"]  # projector mode hides the sidebar: last
LABELS = {"app.py": "Cohort", "pages/0_Your_data.py": "Your data",
          "pages/1_Survival.py": "Survival", "pages/4_Competing_risks.py": "Competing risks",
          "pages/2_Cox.py": "Cox regression", "pages/7_Subgroups.py": "Subgroups & cut-points",
          "pages/3_Patients.py": "Patients", "pages/6_During_follow_up.py": "During follow-up",
          "pages/5_Paper_check.py": "Paper check", "pages/8_Present.py": "Projector mode",
          "pages/9_About.py": "About & definitions"}
GROUPS = json.dumps({"groups": [{"name": URL, "conditions": [["eln2022_risk", "in",
                                                                ["adverse"]]]}],
                     "other": "https://evil.example/other"})


def hostile_query(value: str) -> dict[str, str]:
    """Every link key the pages read, each holding ``value``."""
    keys = ["fab_class", "sex", "co_mutations", "age_min", "co_mutation_mode",
            f"x.{value}", f"x.{value}.min", "survival.endpoint", "survival.by", "survival.ci",
            "survival.landmarks", "survival.horizon", "competing.by", "competing.rule",
            "competing.cause", "competing.model", "cox.endpoint", "cox.covariates",
            "cox.model", "cox.ties", "cox.age_scale", "cox.patient", "patients.mode",
            "patients.color_by", "patients.sort", "patient", "timedep.switch",
            "timedep.clock", "timedep.landmark", "cut.marker", "cut.endpoint", "cut.range",
            "forest.endpoint", "forest.factor", "forest.by", "forest.models", "present.slide",
            "group_filter"]
    return {key: value for key in keys} | {"groups": GROUPS}


def foreign_anchors(page: Page, origin: str) -> list[str]:
    """Anchors of the page whose target is not the app's own origin."""
    hrefs = page.eval_on_selector_all("a[href]", """els => els.map(e => {
        const where = [];
        for (let n = e.parentElement; n; n = n.parentElement) {
            const id = n.getAttribute && n.getAttribute('data-testid');
            if (id && where.length < 3) where.push(id);
        }
        return e.href + ' | ' + e.textContent.slice(0, 60) + ' | ' + where.join('<');
    })""")
    host = urlsplit(origin).netloc
    return [h for h in hrefs if urlsplit(h.split(" | ")[0]).netloc != host]


LINK_VALUE = " ".join(HOSTILE[:3])
"""One value holding the three kinds of text Markdown turns into a link (a bare ``www.``
address, an ``https://`` URL, an e-mail address): a value drawn unescaped shows all three as
anchors, so one walk per page tests all three."""


@pytest.mark.parametrize("script", PAGES)
def test_hostile_link_values_never_become_links(server, page, script):
    page.goto(link(server.url, url_path(script), hostile_query(LINK_VALUE)))
    wait_idle(page)
    expect(page.locator('[data-testid="stMain"]')).to_be_visible(timeout=RENDER_TIMEOUT)
    expect_no_error(page)
    assert foreign_anchors(page, server.url) == []


LINK, BOLD = HOSTILE[4], "<b>bold</b>"
FAB = ["M2", URL, LINK, BOLD]
"""The uploaded FAB classes, six patients each: a plain one, a bare address, and two written
as HTML, which the figures must draw as typed."""


def hostile_csv() -> bytes:
    out = io.StringIO()
    rows = csv.writer(out, lineterminator="\n")
    rows.writerow(["patient_id", "os_months", "os_event", "rfs_months", "rfs_event",
                   "fab_class", "site", URL.replace("/", "_")])
    for i in range(24):
        rows.writerow([HOSTILE[i % 3] + f"-{i}", 5 + i, i % 2, 3 + i, (i + 1) % 2,
                       FAB[i % 4], HOSTILE[i % 3], URL if i % 3 else "https://evil.example/v"])
    return out.getvalue().encode()


def group_by_fab(page: Page, label: str) -> Locator:
    """Choose "FAB class" in the selectbox ``label``; the first figure's legend."""
    page.get_by_label(label).click()
    page.get_by_role("option", name="FAB class", exact=True).click()
    wait_idle(page)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    expect(chart.locator(".legend")).to_contain_text(LINK, timeout=RENDER_TIMEOUT)
    expect(page.locator('[data-testid="stPlotlyChart"] svg a')).to_have_count(0)
    expect_no_error(page)
    return chart.locator(".legend")


def test_an_uploaded_hostile_file_never_becomes_links_on_any_page(server, page):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(link(server.url, "Your_data", {"groups": GROUPS}))
    main = page.locator('[data-testid="stMain"]')
    main.locator('input[type="file"]').first.set_input_files(files=[{
        "name": "www.evil-login.example.csv", "buffer": hostile_csv(), "mimeType": "text/csv"}])
    expect(main.get_by_text("Which column is which?")).to_be_visible(timeout=UPLOAD_TIMEOUT)
    wait_idle(page)
    main.get_by_role("button", name="Check and use this cohort").click()
    expect(main.get_by_text("In use: Uploaded file www")).to_be_visible(timeout=RENDER_TIMEOUT)
    assert foreign_anchors(page, server.url) == []
    for script in PAGES:
        sidebar_link(page, LABELS[script]).click()
        wait_idle(page)
        expect_no_error(page)
        found = foreign_anchors(page, server.url)
        assert found == [], f"{LABELS[script]}: {found}"
        if script == "pages/1_Survival.py":
            expect(group_by_fab(page, "Compare groups by")).to_contain_text(BOLD)
        elif script == "pages/3_Patients.py":
            expect(group_by_fab(page, "Colour lanes by").locator("text[style*='bold']")
                   ).to_have_count(0)
        assert foreign_anchors(page, server.url) == [], LABELS[script]

"""The app in a real browser: the first view and deep links opened first on a fresh server.

The sidebar filter and every page reached from the sidebar with it are walked once, in
tests/e2e/test_privacy.py, which records that walk's requests as well."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import RENDER_TIMEOUT
from tests.e2e.helpers import (
    expect_count,
    expect_no_error,
    header_line,
    link,
    page_title,
    sidebar_link,
    title,
    url_path,
)
from ui.shell import APP_NAME, PAGES

pytestmark = pytest.mark.e2e


def test_app_opens_with_all_patients(server, page):
    page.goto(server.url)
    expect(title(page)).to_have_text("Cohort")
    expect(page).to_have_title(f"Cohort · {APP_NAME}")
    expect_count(page, 19)
    expect(header_line(page)).to_have_text("19 of 19 patients · no filters")
    patients = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').first
    expect(patients).to_be_visible()
    expect_no_error(page)


FRESH = ["pages/2_Cox.py", "pages/3_Patients.py", "pages/8_Present.py"]
"""Pages opened first on a server no session has run on: the heaviest page (Cox models and
Firth), the one with the largest figure, and projector mode (no sidebar; its own way back).
Every page is also opened by a link as the first page of a new session on the shared server
(tests/e2e/test_inert_text.py, with hostile values in every key) and reached with the filter
from the sidebar (above): what a first session depends on is per session (state, sidebar),
and what a fresh server adds (imports, process caches) is shared by all pages, so one fresh
server per page (12 servers, four minutes) added time, not coverage. For the same reason the
three links are opened together on one fresh server, each in its own tab (its own session),
before any of them has drawn: their first runs overlap on the cold server, its imports and
empty caches (a server each cost two more server starts and two more first loads of the
app's JavaScript, which the browser caches per origin)."""


def _open_by_link(page, url: str, script: str) -> None:
    """Start opening ``script`` with the MRD filter by a link (returns once the server
    answered; :func:`_check_link` waits for the page)."""
    page.goto(link(url, url_path(script), {"mrd_pre_status": "positive"}), wait_until="commit")


COLD_TIMEOUT = 3 * RENDER_TIMEOUT
"""Milliseconds a first run may take here: the three share the cold server's one Python
process (one interpreter lock), so each may take up to three times as long as alone."""


def _check_link(page, script: str) -> None:
    """The page opened by :func:`_open_by_link`, filtered, and its way back."""
    expect(title(page)).to_have_text(page_title(script), timeout=COLD_TIMEOUT)
    expect(page.locator('[data-testid="stApp"]')).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=COLD_TIMEOUT)  # the first run ended
    expect_count(page, 4)
    expect(header_line(page)).to_have_text(
        "4 of 19 patients · MRD before maintenance: positive")
    expect_no_error(page)
    # the shared sidebar was drawn by the page itself and links back with the filter
    expect(sidebar_link(page, PAGES[0][1])).to_have_attribute(
        "href", re.compile(r"mrd_pre_status=positive"))
    back = sidebar_link(page, PAGES[0][1])
    if not back.is_visible():  # projector mode hides the sidebar: its own link leads back
        back = page.locator('[data-testid="stMain"] [data-testid="stPageLink-NavLink"]').filter(
            has=page.get_by_text("Leave", exact=True))
        expect(back).to_have_attribute("href", re.compile(r"mrd_pre_status=positive"))
    back.click()
    expect(title(page)).to_have_text(page_title(PAGES[0][0]))
    expect_count(page, 4)


def test_deep_links_first_on_a_fresh_server(fresh_server, page, tabs, request):
    """A filtered link to each page of :data:`FRESH`, opened in its own tab (its own
    session) before any other session ran on the server: the three start together."""
    pages = [page, *(tabs.new_page() for _ in FRESH[1:])]
    request.node._e2e_pages = pages  # screenshots on failure
    for tab in pages[1:]:
        request.addfinalizer(tab.close)
    for tab, script in zip(pages, FRESH, strict=True):
        _open_by_link(tab, fresh_server.url, script)
    for tab, script in zip(pages, FRESH, strict=True):
        _check_link(tab, script)

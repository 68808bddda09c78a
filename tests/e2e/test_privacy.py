"""Clinical data stay on the app's own server: a whole session talks to no other host.

The session is also the navigation walk (the sidebar filter, then every page from the sidebar
with the filter kept): one walk records the requests and checks each page, where two walks of
every page (here and in test_navigation.py) drew each page twice for the same checks."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from core.cohort.schema import LABELS
from tests.e2e.helpers import (
    choose,
    click_sidebar_link,
    expect_count,
    expect_no_error,
    header_line,
    page_title,
    title,
    url_path,
    wait_idle,
)
from ui.shell import PAGES

pytestmark = pytest.mark.e2e

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _host(url: str) -> str | None:
    """The host a URL goes to; None for URLs that never leave the browser (data:, about:)."""
    if url.startswith("blob:"):
        url = url[len("blob:"):]
    parts = urlsplit(url)
    if parts.scheme in ("data", "about", "chrome", "chrome-error"):
        return None
    return parts.hostname


def test_a_full_session_keeps_its_filter_on_every_page_and_contacts_only_the_app(
        server, new_context):
    """A sidebar filter changes the count, the header line and the link; each page of
    ui.shell.PAGES, reached by its sidebar link, keeps the filter (count and link) and renders
    without an error; a CSV download follows; and no request of it all leaves the app's
    server."""
    assert len(PAGES) >= 2
    context = new_context()
    requests: list[str] = []
    kinds: dict[str, str] = {}
    sockets: list[str] = []

    def record(request) -> None:
        requests.append(request.url)
        kinds[request.url] = request.resource_type

    context.on("request", record)
    page = context.new_page()
    page.on("websocket", lambda socket: sockets.append(socket.url))

    page.goto(server.url)
    expect_count(page, 19)
    choose(page, LABELS["mrd_pre_status"], "positive")
    expect_count(page, 4)
    expect(header_line(page)).to_have_text(
        "4 of 19 patients · MRD before maintenance: positive")
    expect(page).to_have_url(re.compile(r"[?&]mrd_pre_status=positive(&|$)"))
    expect_no_error(page)

    def come_back() -> None:  # a fresh load of the first page, with the filter in its link
        page.goto(f"{server.url}/?mrd_pre_status=positive")
        expect_count(page, 4)

    for script, label, _icon in PAGES:
        click_sidebar_link(page, label, come_back)
        expect(title(page)).to_have_text(page_title(script))
        expect(page).to_have_url(re.compile(
            rf"^{re.escape(server.url)}/{re.escape(url_path(script))}\?"
            r"(.*&)?mrd_pre_status=positive(&|$)"))
        expect_count(page, 4)
        expect_no_error(page)
    click_sidebar_link(page, PAGES[0][1], come_back)
    expect(title(page)).to_have_text(page_title(PAGES[0][0]))
    expect_count(page, 4)
    with page.expect_download() as caught:
        page.get_by_role("button", name="Download CSV", exact=True).click()
    caught.value.path()
    wait_idle(page)
    page.wait_for_timeout(500)  # late requests (fonts, icons) after the last run

    assert requests, "no request was recorded: the recorder is broken"
    assert any(_host(url) in LOCAL_HOSTS for url in sockets), \
        f"no websocket to the app server was recorded: {sockets}"
    foreign = sorted({url for url in requests + sockets
                      if _host(url) is not None and _host(url) not in LOCAL_HOSTS})
    assert not foreign, "requests to hosts other than the app server:\n" + "\n".join(
        f"{url} ({kinds.get(url, 'websocket')})" for url in foreign)

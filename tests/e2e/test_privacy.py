"""Clinical data stay on the app's own server: a whole session talks to no other host.

The session is also the navigation walk (the sidebar filter, then every page from the sidebar
with the filter kept): one walk records the requests and checks each page, where two walks of
every page (here and in test_navigation.py) drew each page twice for the same checks. And it
is the deployment walk (issue 18): the browser reaches the app through nginx with
docs/deployment.md's security headers, which forbid framing and every other origin, and every
page draws with that policy enforced (no violation in the console), where a walk of its own
(tests/e2e/test_deployment.py) drew five pages again. It needs nginx
(``apt-get install -y nginx``) and skips with that reason without it."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from core.cohort.schema import LABELS
from tests.e2e import nginx
from tests.e2e.conftest import _free_port
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


@pytest.fixture
def front(server, tmp_path):
    """The URL of nginx in front of the worker's server with the documented headers."""
    port = _free_port()
    process = nginx.with_security_headers(server.url, tmp_path, port)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def test_a_full_session_keeps_its_filter_on_every_page_and_contacts_only_the_app(
        front, new_context):
    """Behind the documented headers, a sidebar filter changes the count, the header line
    and the link; each page of ui.shell.PAGES, reached by its sidebar link, keeps the filter
    (count and link) and renders without an error, the survival curve drawn; a CSV download
    follows; no request of it all leaves the app's server, and the policy was never
    violated."""
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
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)

    answer = page.goto(front)
    assert answer.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    expect_count(page, 19)
    choose(page, LABELS["mrd_pre_status"], "positive")
    expect_count(page, 4)
    expect(header_line(page)).to_have_text(
        "4 of 19 patients · MRD before maintenance: positive")
    expect(page).to_have_url(re.compile(r"[?&]mrd_pre_status=positive(&|$)"))
    expect_no_error(page)

    def come_back() -> None:  # projector mode hides the sidebar: its own link leads back
        page.locator('[data-testid="stMain"] [data-testid="stPageLink-NavLink"]').filter(
            has=page.get_by_text("Leave", exact=True)).click()
        expect(title(page)).to_have_text(page_title(PAGES[0][0]))
        expect_count(page, 4)

    for script, label, _icon in PAGES:
        click_sidebar_link(page, label, come_back)
        expect(title(page)).to_have_text(page_title(script))
        expect(page).to_have_url(re.compile(
            rf"^{re.escape(front)}/{re.escape(url_path(script))}\?"
            r"(.*&)?mrd_pre_status=positive(&|$)"))
        expect_count(page, 4)
        expect_no_error(page)
        expect(page.locator('[data-testid="stMain"] h1')).to_have_count(1)
        if script == "pages/1_Survival.py":  # a figure, drawn under the policy
            expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible()
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
    assert violations == []

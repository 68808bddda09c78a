"""Sign-in in a real browser against a real OpenID Connect provider (issue 26).

The provider is npm's OpenID-certified ``oidc-provider`` on Node.js, started by the test on
127.0.0.1 (tests/e2e/idp.py) with three accounts, one per role; the app runs as a hospital
would start it (``streamlit run serve.py`` with a secrets.toml naming the provider). Chromium
signs in through the provider's password form: a deep link before sign-in shows nothing, a
wrong password is refused, a signed-in user sees their name and role and can sign out, an
expired sign-in must be repeated, a viewer cannot open a patient, ``/_stcore/metrics`` answers
only signed-in users, and the audit log of a whole session verifies and holds no patient value.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import NamedTuple

import pytest

from core.access.audit_verify import verify_chain
from core.cohort.text import WORD_JOINER  # an address is drawn inert: x\u2060@y
from tests.core.access.patient_values import patient_values_in
from tests.e2e.conftest import StreamlitServer, _free_port, start_server
from tests.e2e.helpers import page_title, sidebar_link, title, wait_idle
from tests.e2e.idp import ACCOUNTS, secrets_toml, start_provider
from ui.shell import PAGES

pytestmark = pytest.mark.e2e
LIFETIME = 8
"""Seconds a sign-in lasts on the second server (the expired-session test): long enough for
the app to greet the user ("Signed in as", drawn once the sign-in's age is checked) after the
provider's redirect on a loaded 2-core machine (0.8 s measured at load 10), short enough that
the wait for expiry is not the test's whole time."""
EXPIRY_POLL = 250
"""Milliseconds between the browser's requests to /_stcore/metrics while it waits for the
server to refuse the expired sign-in."""
REFUSED = """() => {
    fetch('/_stcore/metrics').then(answer => { window.metricsStatus = answer.status; });
    return window.metricsStatus === 403;
}"""
"""Asks for /_stcore/metrics and says whether the previous answer was 403 (a polled
predicate must answer at once; the request it starts is read by the next poll)."""


class Servers(NamedTuple):
    """What :func:`servers` starts (the provider is stopped with them)."""

    app: StreamlitServer
    short: StreamlitServer
    plain: StreamlitServer
    folder: Path


@pytest.fixture(scope="module")
def servers(chromium_path):
    """The provider, the app (8 h sign-ins), a second app whose sign-ins last
    :data:`LIFETIME` seconds, and ``plain``: ``streamlit run app.py`` (no guard) with the
    first app's secrets. The three start side by side."""
    ports = [_free_port(), _free_port()]
    provider = start_provider(ports)
    folder = Path(tempfile.mkdtemp(prefix="signin-"))
    started = []
    try:
        for port, extra in zip(ports, ({}, {"max_session_seconds": LIFETIME}), strict=True):
            sub = folder / str(port)
            sub.mkdir()
            secrets = secrets_toml(sub, port, provider, sub / "audit.jsonl", **extra)
            started.append(start_server(script="serve.py", port=port, wait=False,
                                        args=("--secrets.files", str(secrets))))
        started.append(start_server(wait=False, args=(
            "--secrets.files", str(folder / str(ports[0]) / "secrets.toml"))))
        for server in started:
            server.wait_until_healthy()
        yield Servers(*started, folder)
    finally:
        for server in started:
            server.stop()
        provider.stop()


SCRIPTS = {label: script for script, label, _ in PAGES}
"""The page script behind each sidebar label."""


def audit_path(folder: Path, server) -> Path:
    return folder / str(server.port) / "audit.jsonl"


def sign_in(page, user: str, password: str | None = None) -> None:
    """From the app's sign-in screen through the provider's form (back on the app)."""
    from playwright.sync_api import expect

    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password or ACCOUNTS[user][0])
    page.get_by_role("button", name="Sign in").click()
    if password is None:
        expect(page.get_by_text(f"Signed in as {ACCOUNTS[user][1]}")).to_be_visible()


def expect_sign_in_screen(page) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_text("patients", exact=False)).to_have_count(0)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)


def metrics_status(page, url: str) -> int:
    return page.request.get(f"{url}/_stcore/metrics").status


def test_signing_in_and_out_as_an_analyst_then_as_a_viewer(servers, page):
    """One tab, one sign-in screen after another: a deep link before sign-in shows the
    sign-in screen only, and a wrong password typed from there is refused and leaves the app
    signed out; an analyst signs in (name, role, data, metrics) and out (the sign-in screen
    again, metrics refused, a link shows nothing, the audit log's first and last events of
    hers are login and logout); then a viewer signs in from a page's sign-in screen and
    cannot open a patient by link."""
    from playwright.sync_api import expect

    app, folder = servers.app, servers.folder
    page.goto(f"{app.url}/Patients?patient=9&eln2022_risk=adverse")
    expect_sign_in_screen(page)
    assert "Sign in with your hospital account" in page.inner_text("body")
    assert metrics_status(page, app.url) == 403
    sign_in(page, "ana", "not-her-password")
    expect(page.get_by_text("Wrong user name or password.")).to_be_visible()
    page.goto(app.url)
    expect_sign_in_screen(page)

    sign_in(page, "ana")
    signed_in = f"Signed in as Ana Analyst (ana{WORD_JOINER}@hospital.example) · analyst"
    expect(page.get_by_text(signed_in)).to_be_visible()
    expect(page.get_by_text("19 of 19 patients")).to_be_visible()
    assert metrics_status(page, app.url) == 200
    page.get_by_role("button", name="Sign out").click(timeout=90_000)  # a busy page
    expect_sign_in_screen(page)
    assert metrics_status(page, app.url) == 403
    page.goto(f"{app.url}/Survival")
    expect_sign_in_screen(page)
    categories = [json.loads(x)["category"] for x in audit_path(folder, app).read_text()
                  .splitlines() if "ana@hospital.example" in x]
    assert categories[0] == "login" and categories[-1] == "logout"

    sign_in(page, "vera")
    expect(page.get_by_text("aggregate results only")).to_be_visible()
    page.goto(f"{app.url}/Patients?patient=9")
    expect(page.get_by_text("Your role (viewer) may not see patient rows")).to_be_visible()
    expect(page.get_by_text("Recorded value")).to_have_count(0)


def test_started_without_the_guard_a_configured_app_shows_nothing(servers, page):
    """``streamlit run app.py`` would leave /_stcore/metrics open: the pages refuse."""
    from playwright.sync_api import expect

    page.goto(servers.plain.url)
    expect(page.get_by_text("Start it with streamlit run serve.py")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)


def test_expired_session_must_sign_in_again(servers, page):
    from playwright.sync_api import expect

    short = servers.short
    page.goto(short.url)
    sign_in(page, "ana")  # the ID token is issued during this call; the app greets her
    assert metrics_status(page, short.url) == 200  # the server, too, takes the sign-in
    # once the sign-in is LIFETIME seconds old (the ID token's whole-second "iat"), the
    # server refuses it: the browser asks until it does (never, if the age is not checked)
    page.wait_for_function(REFUSED, polling=EXPIRY_POLL, timeout=(LIFETIME + 30) * 1000)
    page.goto(f"{short.url}/Survival")
    expect(page.get_by_text("Your session has expired")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    assert metrics_status(page, short.url) == 403
    sign_in(page, "ana")  # the provider asks for the password again (prompt=login)
    expect(page.get_by_text("Signed in as Ana Analyst")).to_be_visible()


def test_a_whole_session_leaves_a_verified_log_without_patient_values(servers, page):
    """A data manager opens a patient by link and pages from the sidebar, filters, downloads
    de-identified and identified CSVs, reads the audit page and signs out; then the chain
    verifies and no string in the log, nor any word of it, is a value of the cohort.

    Two pages are reached from the sidebar (the sign-in holds across its links, in the same
    browser session); every page opened by every role, with the same check of the audit log
    and of the header, is in tests/pages/test_access.py."""
    from playwright.sync_api import expect

    app, folder = servers.app, servers.folder
    page.goto(f"{app.url}/?eln2022_risk=adverse")
    sign_in(page, "dan")
    page.goto(f"{app.url}/Patients?patient=9")  # a patient's card, opened by its link
    expect(page.get_by_text("Signed in as Dan Manager")).to_be_visible()
    for label in ("Cox regression", "Your data"):
        # the sidebar's links change pages in the same browser session (no page load)
        wait_idle(page)
        sidebar_link(page, label).click()
        expect(title(page)).to_have_text(page_title(SCRIPTS[label]))
        expect(page.get_by_text("Signed in as Dan Manager")).to_be_visible()
    page.goto(f"{app.url}/?mrd_pre_status=positive")
    expect(page.get_by_text("of 19 patients")).to_be_visible()
    for switch in (True, False):  # a data manager's exports start identified
        page.get_by_text("De-identify exports").click(timeout=90_000)  # a busy page
        expect(page.get_by_role("switch", name="De-identify exports")).to_be_checked(
            checked=switch)
        # the browser flips the switch at once; the button that carries the new choice is
        # drawn by the rerun (a click before it ends exports under the previous choice)
        wait_idle(page)
        with page.expect_download() as caught:
            page.get_by_role("button", name="Download CSV", exact=True).click(timeout=90_000)
        data = Path(caught.value.path()).read_text(encoding="utf-8")
        assert ("P-" in data) is switch
    wait_idle(page)
    sidebar_link(page, "Audit log").click()
    expect(page.get_by_text("Chain intact")).to_be_visible()
    page.get_by_role("button", name="Sign out").click(timeout=90_000)  # a busy page
    expect_sign_in_screen(page)

    log = audit_path(folder, app)
    assert verify_chain(log).ok  # (`python -m core.access verify`: tests/core/access)
    events = [json.loads(x) for x in log.read_text().splitlines()]
    mine = [e for e in events if e["agent"]["who"] == "dan@hospital.example"]
    assert {"login", "cohort", "view", "export", "audit", "logout"} <= \
        {e["category"] for e in mine}
    exports = [e["entity"]["detail"] for e in mine if e["category"] == "export"]
    assert [d["deidentified"] for d in exports] == [True, False]
    assert patient_values_in(events) == set()

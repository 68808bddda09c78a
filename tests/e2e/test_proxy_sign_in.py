"""Sign-in at a reverse proxy (docs/deployment.md): the documented nginx ``location /`` block,
with a stand-in for oauth2-proxy answering nginx's ``auth_request``, in front of ``streamlit
run serve.py`` configured to trust the user header from the proxy's address.

Checks, in Chromium: without the proxy's sign-in nothing of the app is reached; signed in, the
user's name and role (from the groups header) are in the app's header and audit log, and the
user is in nginx's access log; the same header from an address that is not the configured proxy
is not believed (for a browser with the cookie ``peer=elsewhere`` nginx connects to the app
from 127.0.0.2, which the app does not trust: one app and one nginx serve both cases). Needs
nginx (``apt-get install -y nginx``; skips without it).
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple

import pytest

from core.cohort.text import WORD_JOINER  # an address is drawn inert: x\u2060@y
from tests.e2e import nginx
from tests.e2e.conftest import ROOT, StreamlitServer, _free_port, start_server
from tests.e2e.idp import PSEUDONYM_KEY

pytestmark = pytest.mark.e2e
DOC = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
USERS = {"ana": ("ana@hospital.example", "hem-physicians"),
         "vera": ("vera@hospital.example", "hem-staff,other")}


def documented(pattern: str) -> str:
    match = re.search(pattern, DOC, re.S)
    assert match, f"docs/deployment.md has no {pattern!r}"
    return match.group(0)


class StandIn(BaseHTTPRequestHandler):
    """oauth2-proxy's two answers to nginx: /oauth2/auth (202 with X-Auth-Request-* or 401)
    and /oauth2/sign_in (its sign-in page); the signed-in user is the cookie ``who``."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        who = re.search(r"who=(\w+)", self.headers.get("Cookie", ""))
        if self.path.startswith("/oauth2/auth"):
            if who and who.group(1) in USERS:
                email, groups = USERS[who.group(1)]
                self.send_response(202)
                self.send_header("X-Auth-Request-Email", email)
                self.send_header("X-Auth-Request-Groups", groups)
            else:
                self.send_response(401)
            self.end_headers()
            return
        body = b"<html><body><h1>Stand-in hospital sign-in</h1></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def proxy_settings(folder: Path, proxies: list[str]) -> Path:
    access = {"trusted_user_header": "X-Forwarded-User",
              "trusted_groups_header": "X-Forwarded-Groups",
              "client_address_header": "X-Real-IP", "trusted_proxies": proxies,
              "viewer": ["hem-staff"], "analyst": ["hem-physicians"],
              "pseudonym_key": PSEUDONYM_KEY, "audit_log": str(folder / "audit.jsonl")}
    path = folder / "secrets.toml"
    path.write_text("[access]\n" + "".join(f"{k} = {json.dumps(v)}\n"
                                           for k, v in access.items()))
    return path


OTHER_ADDRESS = "127.0.0.2"
"""The loopback address nginx connects to the app from when the browser's cookie ``peer`` is
``elsewhere``: not a trusted proxy. The choice is a cookie, not a second nginx port, so the
tests share one origin and the browser compiles the app's JavaScript once."""


def start_nginx(folder: Path, app_port: int, stand_in: int) -> tuple[subprocess.Popen, str]:
    """nginx with the documented location in front of the app; returns the process and its
    URL. It connects to the app from 127.0.0.1 (the configured proxy), or from
    :data:`OTHER_ADDRESS` for a browser whose cookie ``peer`` is ``elsewhere``."""
    port = _free_port()
    location = documented(r"    # BEGIN relapse-explorer app location\n.*?"
                          r"# END relapse-explorer app location\n")
    log_format = documented(r"log_format combined_no_query .*?;\n")
    url = f"http://127.0.0.1:{port}"
    process = nginx.start(folder, f"""
    {log_format}
    upstream relapse_explorer {{ server 127.0.0.1:{app_port}; }}
    map $cookie_peer $app_peer {{ default 127.0.0.1; elsewhere {OTHER_ADDRESS}; }}
    server {{
        listen 127.0.0.1:{port};
        proxy_bind $app_peer;
        location /oauth2/ {{ proxy_pass http://127.0.0.1:{stand_in}; }}
        location = /oauth2/auth {{
            internal;
            proxy_pass http://127.0.0.1:{stand_in};
            proxy_set_header Content-Length "";
            proxy_pass_request_body off;
        }}
{location}
        access_log {folder}/access.log combined_no_query;
    }}""", [f"{url}/oauth2/sign_in"])
    return process, url


class Proxied(NamedTuple):
    """What :func:`proxied` starts: nginx's URL, the folder of the app's audit log and
    nginx's access log, and the app."""

    url: str
    folder: Path
    app: StreamlitServer


@pytest.fixture(scope="module")
def proxied(chromium_path):
    """An app trusting the proxy at 127.0.0.1, behind nginx (:func:`start_nginx`)."""
    stand_in = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    threading.Thread(target=stand_in.serve_forever, daemon=True).start()
    folder = Path(tempfile.mkdtemp(prefix="proxy-"))
    app = start_server(script="serve.py",
                       args=("--secrets.files", str(proxy_settings(folder, ["127.0.0.1"]))))
    front = None
    try:
        front, url = start_nginx(folder, app.port, stand_in.server_address[1])
        yield Proxied(url, folder, app)
    finally:
        if front is not None:
            front.terminate()
            front.wait(timeout=10)
        app.stop()
        stand_in.shutdown()


def signed_in_page(page, url: str, user: str | None, peer: str | None = None):
    """``page`` (a tab of the worker's context, no cookies yet) as the stand-in's signed-in
    ``user``, reaching the app through nginx from ``peer`` (``elsewhere``: not the proxy)."""
    cookies = {"who": user, "peer": peer}
    page.context.add_cookies([{"name": k, "value": v, "url": url}
                              for k, v in cookies.items() if v])
    return page


def test_without_the_proxys_sign_in_nothing_of_the_app_is_reached(proxied, page):
    from playwright.sync_api import expect

    url, app = proxied.url, proxied.app
    page = signed_in_page(page, url, None)
    page.goto(f"{url}/Patients?patient=9")
    expect(page.get_by_text("Stand-in hospital sign-in")).to_be_visible()
    assert "patients" not in page.inner_text("body").lower()
    assert page.request.get(f"{app.url}/_stcore/metrics").status == 403


def test_the_user_reaches_the_app_its_audit_log_and_nginxs_access_log(proxied, page):
    from playwright.sync_api import expect

    url, folder = proxied.url, proxied.folder
    page = signed_in_page(page, url, "vera")
    page.goto(url)
    expect(page.get_by_text(f"Signed in as vera{WORD_JOINER}@hospital.example")).to_be_visible()
    expect(page.get_by_text("· viewer")).to_be_visible()
    expect(page.get_by_text("aggregate results only")).to_be_visible()
    assert page.request.get(f"{url}/_stcore/metrics").status == 200
    events = [json.loads(x) for x in (folder / "audit.jsonl").read_text().splitlines()]
    assert events[0]["category"] == "login" and \
        events[0]["agent"]["who"] == "vera@hospital.example"
    assert events[0]["agent"]["role"] == "viewer" and events[0]["agent"]["network"] == "127.0.0.1"
    logged = (folder / "access.log").read_text()
    # 304 when this worker's browser has loaded the page before (another test on the same
    # origin): the page was still asked for by vera, through nginx, and logged under her name
    assert re.search(r'^127\.0\.0\.1 - vera@hospital\.example \[.*\] "GET /" (200|304) ',
                     logged, re.M)
    assert "?" not in logged  # no query strings (filters) in the access log


def test_the_header_is_not_believed_from_another_address(proxied, page):
    from playwright.sync_api import expect

    url, folder = proxied.url, proxied.folder
    page = signed_in_page(page, url, "ana", peer="elsewhere")
    page.goto(url)
    expect(page.get_by_text("this request did not come through it")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    log = folder / "audit.jsonl"  # vera's events, when her test ran first: none of this one's
    events = [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []
    assert [e for e in events if e["agent"]["who"] == "ana@hospital.example"
            or e["agent"]["network"] == OTHER_ADDRESS] == []

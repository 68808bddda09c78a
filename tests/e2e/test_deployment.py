"""Safe defaults for serving the app (issue 18): localhost binding, and the proxy's headers.

- ``.streamlit/config.toml`` binds the server to 127.0.0.1, and a server started the plain way
  (no ``--server.address``) listens on the loopback interface only (read from /proc/net/tcp).
- docs/deployment.md's security-header block, put in front of the app with nginx exactly as
  written, sends X-Frame-Options and a Content-Security-Policy, and every page still draws in
  Chromium with the policy enforced (no CSP violation in the console). This part needs nginx
  (``apt-get install -y nginx``) and skips with that reason without it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import StreamlitServer, _free_port

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "deployment.md"
SNIPPET = re.compile(r"# BEGIN relapse-explorer security headers\n.*?"
                     r"# END relapse-explorer security headers\n", re.S)


def header_block() -> str:
    match = SNIPPET.search(DOC.read_text(encoding="utf-8"))
    if match is None:
        raise AssertionError("docs/deployment.md has no 'BEGIN relapse-explorer security "
                             "headers' block")
    return match.group(0)


def test_config_binds_to_localhost():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["enableXsrfProtection"] is True
    assert config["browser"]["gatherUsageStats"] is False


def test_documented_headers_forbid_framing_and_other_origins():
    block = header_block()
    assert "add_header X-Frame-Options DENY always;" in block
    policy = re.search(r'add_header Content-Security-Policy "([^"]+)" always;', block).group(1)
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "http:" not in policy and "https:" not in policy and "*" not in policy


def _listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp[6]) listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                found.add(address)
    return found


def test_started_the_plain_way_the_server_listens_on_loopback_only(chromium_path):
    """``streamlit run app.py`` with no address flag (the README's command) binds 127.0.0.1."""
    port = _free_port()
    log = Path(tempfile.mkstemp(prefix=f"streamlit-plain-{port}-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.fileWatcherType", "none"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    server = StreamlitServer(process=process, port=port, log=log)
    try:
        deadline = time.monotonic() + 60
        while not _listening_addresses(port):
            assert process.poll() is None, log.read_text(errors="replace")[-2000:]
            assert time.monotonic() < deadline, "server did not start listening in 60 s"
            time.sleep(0.2)
        assert server.health(timeout=5) == "ok"
        assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1, and nothing else
    finally:
        server.stop()


# ---- nginx with the documented headers in front of the app ----------------------------------

@pytest.fixture
def nginx_proxy(server, tmp_path):
    """nginx on a free port, proxying to the test server with docs/deployment.md's headers."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    if nginx is None:
        pytest.skip("nginx not installed: apt-get install -y nginx")
    port = _free_port()
    (tmp_path / "headers.conf").write_text(header_block())
    (tmp_path / "nginx.conf").write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fcgi; uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{port};
        include {tmp_path}/headers.conf;
        location / {{
            proxy_pass {server.url};
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_read_timeout 600s;
            proxy_buffering off;
        }}
    }}
}}
""")
    process = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                                "-g", "daemon off;"], stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"nginx did not start: {process.stderr.read().decode()[-1000:]}")
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_proxy_sends_the_headers_and_every_page_draws_under_the_policy(nginx_proxy, page):
    from playwright.sync_api import expect

    from tests.e2e.helpers import expect_no_error, link, url_path, wait_idle

    with urllib.request.urlopen(nginx_proxy, timeout=10) as answer:
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    for script in ("app.py", "pages/1_Survival.py", "pages/2_Cox.py", "pages/3_Patients.py",
                   "pages/9_About.py"):
        page.goto(link(nginx_proxy, url_path(script)))
        wait_idle(page)
        expect_no_error(page)
        expect(page.locator('[data-testid="stMain"] h1')).to_have_count(1)
    page.goto(link(nginx_proxy, url_path("pages/1_Survival.py"),
                   {"survival.by": "mrd_pre_status"}))
    expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible()
    assert violations == []

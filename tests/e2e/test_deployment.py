"""Safe defaults for serving the app (issue 18): localhost binding, and the proxy's headers.

- ``.streamlit/config.toml`` binds the server to 127.0.0.1, and a server started the plain way
  (no ``--server.address``) listens on the loopback interface only (read from /proc/net/tcp).
- docs/deployment.md's security-header block forbids framing and other origins. Put in front
  of the app with nginx exactly as written, it sends X-Frame-Options and a
  Content-Security-Policy, and every page still draws in Chromium with the policy enforced:
  the browser's walk of every page (tests/e2e/test_privacy.py) goes through it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from tests.e2e.nginx import header_block

ROOT = Path(__file__).resolve().parents[2]


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


def test_started_the_plain_way_the_server_listens_on_loopback_only(server):
    """``streamlit run app.py`` with no address flag (the README's command) binds 127.0.0.1:
    the worker's shared server is started so (tests/e2e/conftest.py, ``start_server``)."""
    assert "--server.address" not in server.process.args
    assert server.health(timeout=5) == "ok"
    assert _listening_addresses(server.port) == {"0100007F"}  # 127.0.0.1, and nothing else

"""nginx in front of a test server, as docs/deployment.md configures it (needs Debian's nginx:
``apt-get install -y nginx``; the tests that use it skip with that reason without it)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "deployment.md"
HEADERS = re.compile(r"# BEGIN relapse-explorer security headers\n.*?"
                     r"# END relapse-explorer security headers\n", re.S)


def header_block() -> str:
    """docs/deployment.md's security-header block, as written."""
    match = HEADERS.search(DOC.read_text(encoding="utf-8"))
    if match is None:
        raise AssertionError("docs/deployment.md has no 'BEGIN relapse-explorer security "
                             "headers' block")
    return match.group(0)


def nginx_or_skip() -> str:
    """The nginx binary, or skip the test with the way to install it."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    if nginx is None:
        pytest.skip("nginx not installed: apt-get install -y nginx")
    return nginx


def start(folder: Path, http: str, ready: list[str]) -> subprocess.Popen:
    """Run nginx with ``http`` as its http block's body (temporary files in ``folder``) and
    wait until every URL of ``ready`` answers; the caller terminates it."""
    nginx = nginx_or_skip()
    (folder / "nginx.conf").write_text(f"""
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fcgi; uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
{http}
}}
""")
    process = subprocess.Popen([nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"),
                                "-g", "daemon off;"], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 15
    while True:
        try:
            for url in ready:
                urllib.request.urlopen(url, timeout=1).read()
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"nginx did not start: {process.stderr.read().decode()[-1000:]}")
            time.sleep(0.1)


def with_security_headers(upstream: str, folder: Path, port: int) -> subprocess.Popen:
    """nginx on 127.0.0.1:``port`` proxying to ``upstream`` (a test server's URL) with
    docs/deployment.md's security-header block."""
    (folder / "headers.conf").write_text(header_block())
    return start(folder, f"""
    access_log off;
    server {{
        listen 127.0.0.1:{port};
        include {folder}/headers.conf;
        location / {{
            proxy_pass {upstream};
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_read_timeout 600s;
            proxy_buffering off;
        }}
    }}""", [f"http://127.0.0.1:{port}/_stcore/health"])

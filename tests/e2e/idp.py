"""A real OpenID Connect provider for the browser tests: npm's OpenID-certified
``oidc-provider`` (tests/idp/, installed by scripts/run_tests.sh with ``npm ci``) on Node.js,
listening on 127.0.0.1, and the ``.streamlit/secrets.toml`` that points the app at it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IDP = ROOT / "tests" / "idp"
CLIENT_ID = "relapse-explorer"
CLIENT_SECRET = "test-client-secret-not-used-anywhere-else"
PSEUDONYM_KEY = "test-pseudonym-key-0123456789-abcdefghijklmnop"
ACCOUNTS = {  # user name -> (password, display name, e-mail, groups)
    "vera": ("vera-pw-1", "Vera Viewer", "vera@hospital.example", ["hem-staff"]),
    "ana": ("ana-pw-2", "Ana Analyst", "ana@hospital.example", ["hem-physicians"]),
    "dan": ("dan-pw-3", "Dan Manager", "dan@hospital.example", ["hem-data", "hem-staff"]),
}


@dataclass
class Provider:
    process: subprocess.Popen
    port: int

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def node_or_skip() -> str:
    """Node.js and the installed provider, or skip (fail under CI) with the reason."""
    node = shutil.which("node")
    reason = None
    if node is None:
        reason = "Node.js is not installed (the test provider runs on it)"
    elif not (IDP / "node_modules" / "oidc-provider").exists():
        reason = "the test provider is not installed: npm ci --prefix tests/idp"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: scripts/run_tests.sh installs it)", pytrace=False)
        pytest.skip(reason)
    return node


def start_provider(app_ports: list[int]) -> Provider:
    """Start the provider with one client whose redirect URIs are the apps' on ``app_ports``."""
    node = node_or_skip()
    callbacks = [f"http://127.0.0.1:{port}/oauth2callback" for port in app_ports]
    config = {"port": 0, "client": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                                    "redirect_uris": callbacks,
                                    "post_logout_redirect_uris": callbacks},
              "accounts": [{"id": user, "password": pw, "name": name, "email": email,
                            "groups": groups}
                           for user, (pw, name, email, groups) in ACCOUNTS.items()]}
    path = Path(tempfile.mkstemp(prefix="idp-", suffix=".json")[1])
    path.write_text(json.dumps(config))
    log = Path(tempfile.mkstemp(prefix="idp-", suffix=".log")[1])
    process = subprocess.Popen([node, "provider.mjs", str(path)], cwd=IDP,
                               stdout=subprocess.PIPE, stderr=log.open("wb"), text=True)
    deadline = time.monotonic() + 30
    line = process.stdout.readline()
    while not line.startswith("listening") and time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the provider exited: {log.read_text()[-2000:]}")
        line = process.stdout.readline()
    return Provider(process, int(line.split()[1]))


def secrets_toml(folder: Path, app_port: int, provider: Provider, audit_log: Path,
                 **access) -> Path:
    """A secrets.toml with [auth] pointing at ``provider`` and [access] mapping its groups."""
    settings = {"viewer": ["hem-staff"], "analyst": ["hem-physicians"],
                "data_manager": ["hem-data"], "pseudonym_key": PSEUDONYM_KEY,
                "audit_log": str(audit_log), **access}
    lines = [
        "[auth]",
        f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"',
        f'cookie_secret = "{"test-cookie-secret-" * 3}"',
        f'client_id = "{CLIENT_ID}"',
        f'client_secret = "{CLIENT_SECRET}"',
        f'server_metadata_url = "{provider.issuer}/.well-known/openid-configuration"',
        'client_kwargs = { prompt = "login", scope = "openid email profile groups" }',
        "", "[access]",
        *(f"{key} = {json.dumps(value)}" for key, value in settings.items()),
    ]
    path = folder / "secrets.toml"
    path.write_text("\n".join(lines) + "\n")
    return path

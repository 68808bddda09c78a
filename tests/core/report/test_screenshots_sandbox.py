"""scripts/screenshots.py starts Chromium under the rule of core.report.sandbox."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from core.report.sandbox import NO_SANDBOX_ENV

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "screenshots.py"


@pytest.fixture
def script():
    spec = importlib.util.spec_from_file_location("screenshots", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_script_never_asks_for_no_sandbox_itself():
    assert "--no-sandbox" not in SCRIPT.read_text()  # Playwright adds it when told to


def test_an_ordinary_user_keeps_the_sandbox(script, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setenv(NO_SANDBOX_ENV, "1")
    assert script.chromium_sandbox() is True


def test_root_runs_without_it_only_when_opted_in(script, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setenv(NO_SANDBOX_ENV, "1")
    assert script.chromium_sandbox() is False
    monkeypatch.delenv(NO_SANDBOX_ENV)
    with pytest.raises(SystemExit, match=r"^scripts/screenshots\.py runs as root, where "
                       r"Chromium works only without its sandbox\. Fix: run it as an ordinary "
                       r"user, or set RRE_CHROMIUM_NO_SANDBOX=1 to accept the risk\.$"):
        script.chromium_sandbox()

"""Fixtures of the report tests: rendering needs Debian's Chromium (kaleido drives it; no
browser is downloaded). Without it the rendering tests skip with the reason, except under
CI=true, where they fail (CI installs it)."""

from __future__ import annotations

import os

import pytest

from core.report import images


@pytest.fixture(scope="session")
def chromium() -> str:
    path = images.chromium_path()
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but chromium is not on PATH (scripts/run_tests.sh installs it)")
        pytest.skip("Chromium not installed (apt-get install -y chromium): figures are "
                    "rendered by kaleido through Debian's Chromium")
    return path

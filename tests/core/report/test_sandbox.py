"""The decision to start Chromium for figure export (core.report.sandbox)."""

from __future__ import annotations

import logging

import pytest

from core.errors import AnalysisError
from core.report.sandbox import NO_SANDBOX_ENV, chromium_options


def test_an_ordinary_user_always_gets_the_sandbox():
    assert chromium_options(1000, {}) == {"enable_sandbox": True}
    assert chromium_options(1000, {NO_SANDBOX_ENV: "1"}) == {"enable_sandbox": True}


@pytest.mark.parametrize("value", [None, "", "0", "yes", "true"])
def test_root_without_the_opt_in_gets_no_chromium_and_the_log_says_why(value, caplog):
    environ = {} if value is None else {NO_SANDBOX_ENV: value}
    with caplog.at_level(logging.ERROR, logger="core.report.sandbox"), \
            pytest.raises(AnalysisError, match=r"^Figures are not rendered on this server: it "
                                               r"runs as root, where Chromium would have to run "
                                               r"without its sandbox\. Fix: use the camera "
                                               r"button on the figure"):
        chromium_options(0, environ)
    assert "RRE_CHROMIUM_NO_SANDBOX=1 to accept the risk" in caplog.text


def test_root_with_the_opt_in_runs_without_the_sandbox_and_the_log_says_so(caplog):
    with caplog.at_level(logging.WARNING, logger="core.report.sandbox"):
        assert chromium_options(0, {NO_SANDBOX_ENV: "1"}) == {"enable_sandbox": False}
    assert "WITHOUT its sandbox" in caplog.text


def test_the_renderer_asks_before_it_starts(monkeypatch):
    from core.report import images

    monkeypatch.setattr(images, "_STARTED", False)
    monkeypatch.setattr(images, "chromium_path", lambda: "/usr/bin/chromium")
    monkeypatch.setenv(NO_SANDBOX_ENV, "0")
    monkeypatch.setattr("os.geteuid", lambda: 0)
    with pytest.raises(AnalysisError, match="runs as root"):
        images._renderer()
    assert images._STARTED is False

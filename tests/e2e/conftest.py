"""Fixtures for the real-browser tests: a `streamlit run` server on 127.0.0.1 and Debian's Chromium.

- Chromium is Debian's binary on PATH (``apt-get install -y chromium``); no browser is ever
  downloaded. Without it the tests skip with a reason, except under ``CI=true``, where they fail.
- Each pytest(-xdist) worker starts its own server on a free port (``server``, session scope);
  :func:`start_server` starts another one for tests that need a cold server.
- ``page`` is a new tab of the worker's one browser context (``tabs``: its own Streamlit
  session, the app's JavaScript cached); ``new_context`` gives separate contexts.
- When a test fails, a full-page screenshot of each of its pages goes to ``tests/e2e/artifacts/``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

CHROMIUM_ARGS = [  # no --no-sandbox: Playwright adds it when chromium_sandbox() is False
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def chromium_sandbox() -> bool:
    """Chromium's sandbox by the app's rule (core.report.sandbox): kept for an ordinary user;
    as root left off, which tests/conftest.py opts in to for the test machines."""
    from core.report.sandbox import chromium_options

    return chromium_options()["enable_sandbox"]


SERVER_START_TIMEOUT = 60.0
"""Seconds a `streamlit run` server may take to answer /_stcore/health."""
RENDER_TIMEOUT = 30_000
"""Milliseconds a page may take to draw (a cold server on a 2-core machine is the slow case)."""
UPLOAD_TIMEOUT = 3 * RENDER_TIMEOUT
"""Milliseconds an upload may take to reach its mapping form: a server's first upload starts
the reading worker process (a fresh interpreter importing pandas and the file readers,
``core.cohort.isolated``), the cold path; it overran 30 s once in CI at load average 15."""


# ---- server ----------------------------------------------------------------------------------

@dataclass
class StreamlitServer:
    """A running ``streamlit run app.py`` on 127.0.0.1."""

    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def health(self, timeout: float = 2.0) -> str:
        """The body of /_stcore/health ("ok"); raises when the server does not answer."""
        with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=timeout) as answer:
            return answer.read().decode()

    def wait_until_healthy(self) -> StreamlitServer:
        """Wait until /_stcore/health answers "ok" (raises with the log's tail when the
        process exits or :data:`SERVER_START_TIMEOUT` passes); returns the server."""
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {self.process.returncode}:\n"
                                   f"{self.log.read_text(errors='replace')[-3000:]}")
            try:
                if self.health(timeout=1) == "ok":
                    return self
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"streamlit did not answer /_stcore/health on port "
                                   f"{self.port} within {SERVER_START_TIMEOUT:.0f} s:\n"
                                   f"{self.log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(env: dict[str, str] | None = None, script: str = "app.py",
                 args: tuple[str, ...] = (), port: int | None = None,
                 wait: bool = True) -> StreamlitServer:
    """Start a fresh ``streamlit run app.py`` on a free port and wait until it is healthy.

    ``env`` adds environment variables (e.g. ``RRE_REGISTRY_PATH`` for registry mode);
    ``script`` is the entry (``serve.py`` for the sign-in tests), ``args`` more flags
    (``--secrets.files``), ``port`` a port chosen beforehand. With ``wait=False`` it returns
    at once (servers started together then start side by side; the caller waits with
    :meth:`StreamlitServer.wait_until_healthy`). The caller stops it
    (:meth:`StreamlitServer.stop`).
    """
    port = port or _free_port()
    log = Path(tempfile.mkstemp(prefix=f"streamlit-{port}-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen(
            # no --server.address: .streamlit/config.toml binds 127.0.0.1, as for the README's
            # command (test_deployment.py reads the shared server's listening address)
            [sys.executable, "-m", "streamlit", "run", script, *args,
             "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             # a test server runs the code as it was at start, whatever is edited meanwhile
             "--server.fileWatcherType", "none", "--server.runOnSave", "false"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    server = StreamlitServer(process=process, port=port, log=log)
    return server.wait_until_healthy() if wait else server


@pytest.fixture(scope="session")
def server(chromium_path: str) -> Iterator[StreamlitServer]:
    """One server per pytest(-xdist) worker, shared by the worker's tests.

    Depends on ``chromium_path`` so that no server starts when the tests skip.
    """
    running = start_server()
    yield running
    running.stop()


@pytest.fixture
def fresh_server(chromium_path: str) -> Iterator[StreamlitServer]:
    """A server started for this test alone: no session has run on it yet."""
    running = start_server()
    yield running
    running.stop()


# ---- browser ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        reason = "Chromium not installed: apt-get install -y chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the browser tests must run; scripts/run_tests.sh "
                        "installs it)", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=RENDER_TIMEOUT)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, headless=True,
                                              args=CHROMIUM_ARGS,
                                              chromium_sandbox=chromium_sandbox())
        yield launched
        launched.close()


CONTEXT = {"viewport": {"width": 1400, "height": 1000}, "accept_downloads": True,
           "reduced_motion": "reduce"}
"""Options of every browser context (a test may give others to :func:`new_context`).

The browser asks for reduced motion, as a user's system setting can: Streamlit then draws
elements without their entry animations and transitions, while what is drawn, and where, is
the same. Chromium otherwise renders animation frames the whole time a page loads or a script
runs, which the tests spend waiting (tests/e2e/test_custom_groups.py, four runs alternated at
load average 23-26, CPU-seconds of the tests, server and browser: 102 and 105 with motion, 78
and 96 with reduced motion; the runs with motion also failed three of their six tests). The
saving is in the waits, so it grows with the load: on a quiet machine (load 2-6) the projector
walk, tests/e2e/test_projector_fit.py, took 78 CPU-seconds with motion and 81 without."""


def _context(browser, **options):
    context = browser.new_context(**{**CONTEXT, **options})
    context.set_default_timeout(RENDER_TIMEOUT)
    return context


@pytest.fixture
def new_context(browser, request):
    """Factory for browser contexts (independent sessions: no cookies, storage or cache in
    common); all are closed after the test.

    Every page of every context is screenshotted when the test fails.
    """
    contexts = []

    def make(**options):
        context = _context(browser, **options)
        contexts.append(context)
        return context

    request.node._e2e_contexts = contexts
    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def tabs(browser):
    """The browser context whose tabs :func:`page` opens, one per pytest(-xdist) worker.

    A tab is its own Streamlit session (a session is one websocket); what the tabs share is
    the context's HTTP cache, so the app's JavaScript is fetched and compiled once per worker
    and server, not once per test (measured: a first page load in a new context 4.5-5.0
    CPU-seconds, in a context that loaded the app before 2.3). Cookies are cleared before each
    test. A test that needs what only a separate context gives (no shared storage or cache,
    its own cookies beside another session's) asks :func:`new_context`.
    """
    context = _context(browser)
    yield context
    context.close()


@pytest.fixture
def page(tabs, request):
    """A new tab (its own Streamlit session) without the cookies of an earlier test; closed
    after the test."""
    tabs.clear_cookies()
    opened = tabs.new_page()
    request.node._e2e_pages = [opened]
    yield opened
    opened.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call" and report.failed:
        _screenshot(item)
    return report


def _screenshot(item: pytest.Item) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^0-9A-Za-z_.-]+", "_", item.nodeid)[-150:]
    shots = 0
    pages = [*getattr(item, "_e2e_pages", []),
             *(p for context in getattr(item, "_e2e_contexts", []) for p in context.pages)]
    for open_page in pages:
        if not open_page.is_closed():
            target = ARTIFACTS / f"{stem}-{shots}.png"
            try:
                open_page.screenshot(path=str(target), full_page=True, timeout=10_000)
                shots += 1
            except Exception as error:  # the page may be gone; the test already failed
                print(f"e2e: no screenshot of {open_page.url}: {error}", file=sys.stderr)

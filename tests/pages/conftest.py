"""Settings for the AppTest page tests.

Every new ``AppTest`` scans the metadata of every installed Python distribution for Streamlit
components (``streamlit.components.v2.manifest_scanner.scan_component_manifests``: about 0.2
CPU-s on this machine's ~170 distributions, once per test of a page). A server does that once
at start; the installed packages do not change while the tests run, so here the scan is done
once per test process and its answer handed to every AppTest. The components registered are
the same ones (the app uses none: the list is empty). Measured 2026-12-07 (load ~20, cpurun,
back to back): tests/pages/test_access.py 36.8 -> 20.5 CPU-s.

Likewise every ``AppTest.run`` makes two new ``ScriptCache`` objects (one for its pages
manager, one for its script runner), so each run read, magic-transformed and compiled
``app.py`` and the page again (about 25 CPU-ms per run on this machine). A server keeps one
``ScriptCache`` for all its sessions and runs; here one per test process serves every run.
The page files do not change while the tests run; the bytecode is the same.
"""

from __future__ import annotations

import functools

import pytest
from streamlit.components.v2 import manifest_scanner
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import app_test, local_script_runner

_SCAN = manifest_scanner.scan_component_manifests


@functools.cache
def _installed_components() -> tuple:
    return tuple(_SCAN())


@pytest.fixture(autouse=True, scope="session")
def _scan_components_once():
    """Scan installed distributions for components once per process, not once per AppTest."""
    manifest_scanner.scan_component_manifests = lambda *a, **k: list(_installed_components())
    try:
        yield
    finally:
        manifest_scanner.scan_component_manifests = _SCAN


_SHARED_SCRIPTS = ScriptCache()


@pytest.fixture(autouse=True, scope="session")
def _compile_each_page_once():
    """One ``ScriptCache`` per test process for every AppTest run, as a server has one."""
    made = (app_test.ScriptCache, local_script_runner.ScriptCache)
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: _SHARED_SCRIPTS
    try:
        yield
    finally:
        app_test.ScriptCache, local_script_runner.ScriptCache = made

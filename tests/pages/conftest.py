"""Settings for the AppTest page tests.

Every new ``AppTest`` scans the metadata of every installed Python distribution for Streamlit
components (``streamlit.components.v2.manifest_scanner.scan_component_manifests``: about 0.2
CPU-s on this machine's ~170 distributions, once per test of a page). A server does that once
at start; the installed packages do not change while the tests run, so here the scan is done
once per test process and its answer handed to every AppTest. The components registered are
the same ones (the app uses none: the list is empty). Measured 2026-12-07 (load ~20, cpurun,
back to back): tests/pages/test_access.py 36.8 -> 20.5 CPU-s.
"""

from __future__ import annotations

import functools

import pytest
from streamlit.components.v2 import manifest_scanner

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

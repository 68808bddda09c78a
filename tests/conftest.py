"""Settings for every test run.

The test machines run as root, where Chromium for figure export starts only without its
sandbox, and the app refuses that unless the operator opts in (core.report.sandbox). The
tests opt in here, for this process and the app servers the browser tests start; a
deployment never should (docs/deployment.md).

Streamlit makes its own plotly template the default when its plotly module is imported; the app
imports Streamlit before ``core.style.plot`` (``streamlit run`` loads Streamlit first), so the
house template wins there. Test processes import them in the same order here, whatever test
comes first, so figures built in core tests and in page tests carry the template the app draws.
"""

from __future__ import annotations

import os

import streamlit.elements.plotly_chart  # noqa: F401  (before core.style.plot: as in the app)

import core.style.plot  # noqa: F401
from core.report.sandbox import NO_SANDBOX_ENV

os.environ.setdefault(NO_SANDBOX_ENV, "1")

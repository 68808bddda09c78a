"""Settings for every test run.

The test machines run as root, where Chromium for figure export starts only without its
sandbox, and the app refuses that unless the operator opts in (core.report.sandbox). The
tests opt in here, for this process and the app servers the browser tests start; a
deployment never should (docs/deployment.md).
"""

from __future__ import annotations

import os

from core.report.sandbox import NO_SANDBOX_ENV

os.environ.setdefault(NO_SANDBOX_ENV, "1")

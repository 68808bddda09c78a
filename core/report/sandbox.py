"""Whether this server may start Chromium for figure export, and with its sandbox.

Design: kaleido drives Debian's Chromium to render figures on the server, and its browser
library starts Chromium with ``--no-sandbox`` unless told otherwise. Chromium's sandbox is
what keeps a flaw in the renderer from acting with the server's rights, and it works only
for an ordinary user. So :func:`chromium_options` decides once per process: an ordinary user
gets the sandbox, always; root gets no Chromium at all (a clear error naming the fix, and
the figure's own camera button still downloads it in the browser) unless the operator opts
in with ``RRE_CHROMIUM_NO_SANDBOX=1`` (for a throwaway container or a test machine), which
is written to the server's log each time a renderer starts. ``docs/deployment.md`` says so.

References: Chromium, Linux sandboxing (``docs/linux/sandboxing.md``); choreographer's
``enable_sandbox`` option, passed through ``kaleido.start_sync_server``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from core.errors import AnalysisError

NO_SANDBOX_ENV = "RRE_CHROMIUM_NO_SANDBOX"
"""Set to ``1`` to let a server running as root start Chromium without its sandbox."""

_LOG = logging.getLogger(__name__)


def chromium_options(euid: int | None = None,
                     environ: Mapping[str, str] | None = None) -> dict[str, bool]:
    """The browser options for kaleido, or an error when Chromium may not start here.

    Parameters
    ----------
    euid : int, optional
        Effective user id of the server (default: this process's).
    environ : mapping, optional
        The environment (default ``os.environ``); only :data:`NO_SANDBOX_ENV` is read.

    Returns
    -------
    dict
        ``{"enable_sandbox": True}`` for an ordinary user; ``{"enable_sandbox": False}`` for
        root when :data:`NO_SANDBOX_ENV` is ``"1"`` (logged as a warning).

    Raises
    ------
    core.errors.AnalysisError
        For root without the opt-in (also logged as an error for the operator).
    """
    euid = os.geteuid() if euid is None else euid
    environ = os.environ if environ is None else environ
    if euid != 0:
        return {"enable_sandbox": True}
    if environ.get(NO_SANDBOX_ENV, "").strip() == "1":
        _LOG.warning("Chromium for figure export runs WITHOUT its sandbox: the server runs as "
                     "root and %s=1 is set. Run the app as an ordinary user instead "
                     "(docs/deployment.md).", NO_SANDBOX_ENV)
        return {"enable_sandbox": False}
    _LOG.error("Figure export on the server is off: the server runs as root, where Chromium "
               "works only without its sandbox. Run the app as an ordinary user "
               "(docs/deployment.md), or set %s=1 to accept the risk.", NO_SANDBOX_ENV)
    raise AnalysisError("Figures are not rendered on this server: it runs as root, where "
                        "Chromium would have to run without its sandbox. Fix: use the camera "
                        "button on the figure (it downloads a PNG in your browser), or ask the "
                        "administrator to run the app as an ordinary user (docs/deployment.md).")

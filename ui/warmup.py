"""Warm the Cox page's heavy imports once per server process, in a background thread.

The first visit to the Cox page after a server start used to take 5-11 s on the 2-core
machine, almost all of it importing scipy, plotly's subplots and the ``core.cox``
modules, and the first Firth fit. :func:`start` (called when ``ui.shell`` is first imported,
i.e. when the first browser session opens any page) does that work in a daemon thread, so it
overlaps with the user reading the first page. Python's per-module import locks make a page
that needs a module while the thread is importing it wait for that one import, never import
it twice. ``RRE_WARMUP=0`` in the environment turns it off (``bench/bench_startup.py``
measures both).

When it has finished, the thread freezes every object alive at that point out of the garbage
collector's sight (:func:`freeze_startup_objects`): Streamlit runs a full ``gc.collect(2)`` after
every script run (``runner.postScriptGC``), on the script thread and holding the GIL, before the
"script finished" message reaches the browser. With the app's imports that collection walked
about 190,000 objects, 0.1-0.5 s per run (more under load) on every page; frozen, it walks only
what the runs themselves made, and still frees it.
"""

from __future__ import annotations

import gc
import importlib
import os
import threading

MODULES = ("scipy.stats", "scipy.optimize", "plotly.graph_objects", "plotly.subplots",
           "core.likelihood.partial", "core.cox.fit", "core.cox.firth", "core.cox.ph",
           "core.cox.predict", "core.cox.display", "core.cox.figures", "core.cox.guardrails")
"""Imported by the warm-up thread, in this order."""

_lock = threading.Lock()
_thread: threading.Thread | None = None


def _warm() -> None:
    for name in MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # reported where the page itself imports it
            return
    from core.cohort.read import load_seed_cohort
    from core.cox.fit import fit_cox
    from core.errors import AnalysisError

    try:  # the first Firth fit also warms numpy/scipy code paths
        fit_cox(load_seed_cohort(), "rfs_months", "rfs_event", ["mrd_pre_status"], firth=True)
    except AnalysisError:
        return


def freeze_startup_objects() -> int:
    """Move every object the collector tracks now (imported modules, their classes and
    constants: what lives as long as the process) to its permanent generation
    (:func:`gc.freeze`), so later full collections skip them. Objects are still freed by
    reference counting; only a reference cycle among them is never collected: none among
    module-level objects, at most once the cycles of a script run in flight at that moment.
    Returns how many objects are frozen."""
    gc.freeze()
    return gc.get_freeze_count()


def _warm_then_freeze() -> None:
    _warm()
    freeze_startup_objects()


def start() -> threading.Thread | None:
    """Start the warm-up thread once per process (no-op afterwards, or with RRE_WARMUP=0).

    Returns
    -------
    threading.Thread or None
        The thread (already started), or None when turned off.
    """
    global _thread
    if os.environ.get("RRE_WARMUP", "1") == "0":
        return None
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_warm_then_freeze, name="cox-warmup", daemon=True)
            _thread.start()
    return _thread

"""The production settings in .streamlit/config.toml that no page test would notice."""

import tomllib
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"


def test_the_served_app_does_not_poll_its_source_files():
    """Streamlit's file watcher polls every source file (10-17 % of the server's time seen
    under load); a served app never reloads itself."""
    server = tomllib.loads(CONFIG.read_text())["server"]
    assert server["fileWatcherType"] == "none"
    assert server["runOnSave"] is False


def test_no_usage_statistics_and_no_tracebacks():
    config = tomllib.loads(CONFIG.read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["showErrorDetails"] == "none"


def test_the_warm_up_freezes_startup_objects_out_of_the_post_run_collection(monkeypatch):
    """Issue 24: Streamlit collects garbage (gc.collect(2)) after every script run, before the
    browser hears the run has finished; over the app's ~190,000 imported objects that took
    0.13-0.18 s of CPU per page opened. The warm-up thread freezes them when it is done, so the
    collection walks only what runs made, and still frees a new reference cycle."""
    import gc
    import weakref

    from ui import warmup

    monkeypatch.setattr(warmup, "_warm", lambda: None)  # the imports are this process's own
    try:
        warmup._warm_then_freeze()
        assert gc.get_freeze_count() > 10_000

        class Node:
            pass

        cycle = Node()
        cycle.self = cycle
        alive = weakref.ref(cycle)
        del cycle
        gc.collect(2)
        assert alive() is None
    finally:
        gc.unfreeze()

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

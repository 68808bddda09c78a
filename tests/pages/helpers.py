"""Shared helpers for AppTest page tests."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def run_page(page: str = "app.py", query: dict[str, str] | None = None,
             timeout: float = 30) -> AppTest:
    """Open ``page`` in a new session, optionally with URL query parameters.

    The session opens on ``page`` directly, as a browser does with a link to it: app.py (the
    Cohort page) is the entry script and runs only when it is the page asked for. Links opened
    first on a fresh server are tested for real in tests/e2e.
    """
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if page != "app.py":
        at.switch_page(page)
    return at.run()


def header_text(at: AppTest) -> str:
    """The 'n of N patients' line under the title."""
    for md in at.markdown:
        if " patients** · " in md.value:
            return md.value
    raise AssertionError("no 'n of N patients' header on the page")


def patient_table(at: AppTest):
    """The Cohort page's patient table (the dataframe with a Patient column)."""
    for frame in at.dataframe:
        if "Patient" in frame.value.columns:
            return frame.value
    raise AssertionError("no patient table on the page")


def baseline_table(at: AppTest):
    """The Cohort page's baseline-characteristics table."""
    for frame in at.dataframe:
        if "Characteristic" in frame.value.columns:
            return frame.value
    raise AssertionError("no baseline table on the page")

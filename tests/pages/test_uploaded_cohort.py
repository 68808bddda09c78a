"""Every page with a user's own cohort: only the required columns, and a 300-patient cohort.

The upload widget itself is exercised in a real browser (tests/e2e/test_robustness.py); here
the loaded cohort is placed in the session as the sidebar's uploader does after
``core.cohort.read.load_cohort`` accepted the file.
"""

import io

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.cohort.read import load_cohort, load_seed_cohort
from core.cohort.schema import REQUIRED
from tests.pages.helpers import ROOT, header_text
from ui.shell import PAGES


def minimal_cohort():
    """The study's patients with only the required columns, through the real loader."""
    data = load_seed_cohort()[list(REQUIRED)].to_csv(index=False).encode()
    return load_cohort(io.BytesIO(data))


def large_cohort(n=300, seed=7):
    rng = np.random.default_rng(seed)
    base = load_seed_cohort()
    rows = base.iloc[rng.integers(0, len(base), n)].reset_index(drop=True)
    rows["patient_id"] = np.arange(1, n + 1)
    rows["os_months"] = rows["os_months"] + rng.integers(0, 6, n)
    data = rows.to_csv(index=False).encode()
    return load_cohort(io.BytesIO(data))


def run_with(cohort, page, query=None):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["cohort.data"] = cohort
    at.session_state["cohort.source"] = "Uploaded file my_cohort.csv"
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    return at if page == "app.py" else at.switch_page(page).run()


@pytest.mark.parametrize("page", [path for path, _, _ in PAGES])
def test_every_page_with_only_the_required_columns(page):
    at = run_with(minimal_cohort(), page)
    assert not at.exception, page
    assert header_text(at).startswith("**19 of 19 patients**")
    assert any("Uploaded file my\\_cohort.csv" in c.value for c in at.caption)


@pytest.mark.parametrize("page", [path for path, _, _ in PAGES])
def test_every_page_with_300_patients(page):
    at = run_with(large_cohort(), page, {"survival.by": "eln2022_risk"})
    assert not at.exception, page
    assert header_text(at).startswith("**300 of 300 patients**")


def test_registry_size_table_shows_a_window_and_says_so():
    at = run_with(large_cohort(6000), "app.py")
    assert not at.exception
    assert header_text(at).startswith("**6000 of 6000 patients**")
    assert len(at.dataframe[0].value) == 5000
    assert at.info[0].value.startswith("Showing the first 5,000 of 6,000 patients.")
    assert at.dataframe[1].value.iloc[0].tolist() == ["Patients", "", "6000"]

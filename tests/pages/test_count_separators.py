"""The Subgroups and Relapse risk pages print 4-digit counts with thousands separators
("1,140 patients", as the header does), never "1140 patients" (issue 24)."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.cohort.read import load_seed_cohort
from tests.pages.helpers import ROOT


def _big() -> pd.DataFrame:
    """The seed cohort 60 times (1,140 patients, 360 relapses), each copy its own ids."""
    seed = load_seed_cohort()
    return pd.concat([seed.assign(patient_id=seed["patient_id"].astype(str) + f"-{i}")
                      for i in range(60)], ignore_index=True)


@pytest.mark.parametrize(("page", "words"), [
    ("pages/7_Subgroups.py", "; 1,140 patients, 360 events, 13 candidate cuts between "),
    ("pages/11_Relapse_risk.py", "The cohort has 360 events among 1,140 patients.")])
def test_a_4_digit_count_reads_with_its_separator(page, words):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["subgroups.tab"] = "Cut-point finder"  # the search runs in its open tab
    at.session_state["cohort.data"] = _big()
    at.session_state["cohort.source"] = "1,140 copies of the study cohort"
    at.switch_page(page)
    at.run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert any(words in c for c in captions), captions
    assert not any("1140" in c for c in captions)

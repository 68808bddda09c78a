"""The Relapse risk page's tables and starting profile (core.risk.display)."""

from dataclasses import replace

import pandas as pd
import pytest

from core.cohort.read import load_seed_cohort
from core.errors import AnalysisError
from core.risk.display import starting_profile, validation_table
from core.risk.model import CovariateCoding, ModelSpec, fit_risk_model
from core.risk.summary import risk_report


def test_starting_profile_is_median_and_most_frequent_level_not_a_row():
    """Seed cohort (Table 1): MRD negative in 15 of 19; ELN 2022 favorable 3, intermediate 9,
    adverse 7; median age rounded to a whole year."""
    cohort = load_seed_cohort()
    model = fit_risk_model(cohort, ModelSpec("cox", "os_months", "os_event",
                                             ("mrd_pre_status", "eln2022_risk", "age"), 24))
    assert starting_profile(model, cohort) == {
        "mrd_pre_status": "negative", "eln2022_risk": "intermediate",
        "age": float(round(cohort["age"].median()))}
    toy = pd.DataFrame({"age": [20.0, 30.0, 70.0, 80.0], "sex": ["M", "F", "F", "M"]})
    two = replace(model, codings=(CovariateCoding("age"), CovariateCoding("sex", ("M", "F"))))
    profile = starting_profile(two, toy)
    assert profile == {"age": 50.0, "sex": "M"}  # a tie takes the first of the model's levels
    assert (50.0, "M") not in set(toy.itertuples(index=False, name=None))
    with pytest.raises(AnalysisError, match=r"`age` is not recorded for any filtered patient"):
        starting_profile(model, cohort.assign(age=None))


def test_competing_risks_table_says_why_there_is_no_c_index():
    cohort = load_seed_cohort()
    report = risk_report(cohort, "cir", "fine_gray", ["mrd_pre_status", "age"], 24)
    table = validation_table(report.assessment).set_index("Figure")
    assert table.loc["Harrell's / Uno's C", "How to read it"].startswith(
        "not shown with competing events: the C-index is not a proper measure")
    assert table.index[1] == "Time-dependent AUC at 24 months"
    cox = validation_table(risk_report(cohort, "rfs", "cox", ["age"], 24).assessment)
    assert cox["Figure"].tolist()[:2] == ["Harrell's C", "Uno's C (to 24 months)"]

"""The hazard-ratio and median annotation of the Kaplan-Meier figures against R.

Golden values: ``tests/core/golden/group_comparisons_r_golden.json`` (``effects``), written by
``tests/core/golden/make_group_comparisons_golden.R``: ``coxph(Surv(time, event) ~ group)``
with the first level as reference (Efron ties; ``summary()$conf.int`` and Wald p) and
``summary(survfit(Surv(time, event) ~ group, conf.type = "log-log"))$table`` medians with
their log-log limits.
Tolerance 1e-6 (coxph stops Newton-Raphson at its own 1e-9 relative loglik change).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cohort import load_seed_cohort
from core.cox.annotation import NOT_ESTIMABLE, group_effects
from core.errors import AnalysisError

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "group_comparisons_r_golden.json"
CASES = json.loads(GOLDEN.read_text())["cases"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_hazard_ratios_and_medians_equal_coxph_and_survfit(name):
    """R: coxph(Surv(time, event) ~ group); summary(survfit(Surv(time, event) ~ group))."""
    case = CASES[name]
    expected = case["effects"]
    result = group_effects(pd.DataFrame(case["data"]), "time", "event", "group")
    table = result.table
    assert table["group"].tolist() == case["levels"]
    for column in ("median", "median_lower", "median_upper"):
        np.testing.assert_allclose(table[column], pd.Series(expected[column], dtype=float),
                                   rtol=1e-9, equal_nan=True, err_msg=f"{name}: {column}")
    assert table["events"].tolist() == expected["events"]
    if table["events"].iloc[0] == 0:  # R's estimates against an event-free reference diverge
        assert table["hr"].iloc[1:].isna().all()
        assert "No event in the reference group" in result.notes[0]
        assert set(result.display()["HR (95% CI)"].iloc[1:]) == {NOT_ESTIMABLE}
        return
    others = table.iloc[1:]
    for column in ("hr", "hr_lower", "hr_upper", "p_value"):
        np.testing.assert_allclose(others[column], expected[column], rtol=1e-6,
                                   err_msg=f"{name}: {column}")


def test_seed_cohort_adverse_vs_favorable_equals_r_despite_a_separated_level():
    """R: coxph(Surv(rfs_months, rfs_event) ~ relevel(factor(eln2022_risk), "favorable")):
    adverse HR 0.7183 (0.1157-4.459), p 0.722; intermediate has no relapse (coefficient
    -22.9, "coefficient may be infinite"): not estimable here, with the reason."""
    result = group_effects(load_seed_cohort(), "rfs_months", "rfs_event", "eln2022_risk")
    adverse = result.table.set_index("group").loc["adverse"]
    np.testing.assert_allclose([adverse["hr"], adverse["hr_lower"], adverse["hr_upper"]],
                               [0.7183, 0.1157, 4.459], rtol=1e-3)
    shown = result.display().set_index("Group")
    assert shown.at["intermediate", "HR (95% CI)"] == NOT_ESTIMABLE
    assert shown.at["favorable", "HR (95% CI)"] == "1 (reference)"
    # three significant digits, as every hazard ratio of the app (core.style.format_hr)
    assert shown.at["adverse", "HR (95% CI)"] == "0.718 (0.116–4.46)"
    assert any(n.startswith("intermediate: no event") for n in result.notes)


def test_errors_name_the_fix():
    df = load_seed_cohort()
    with pytest.raises(AnalysisError, match=r"Reference group 'low' is not among the groups "
                                            r"of `mrd_pre_status` \(negative, positive\)"):
        group_effects(df, "rfs_months", "rfs_event", "mrd_pre_status", reference="low")
    with pytest.raises(AnalysisError, match=r"Hazard ratios compare groups; `sex` has 1 group"):
        group_effects(df[df["sex"] == "M"], "rfs_months", "rfs_event", "sex")

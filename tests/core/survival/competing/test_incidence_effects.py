"""The Fine-Gray annotation table under a cumulative-incidence figure
(core.survival.competing.annotation) against R cmprsk::crr.

Golden values: ``tests/core/golden/incidence_effects_r_golden.json``, written by
``tests/core/golden/make_incidence_effects_golden.R`` (R 4.2, cmprsk 2.2-11) on seeded cohorts
with tied times, three groups, a few missing groups and a group without events of cause 2:
``crr(time, status, model.matrix(~ relevel(factor(grp), ref))[, -1], failcode = cause)``,
Wald interval ``exp(coef -/+ qnorm(0.975) * se)`` and ``p = 2 * pnorm(-abs(coef / se))`` with
``se = sqrt(diag(fit$var))``; n and events per level from ``table()``. Tolerance 1e-6 relative
(crr stops at a 1e-6 change in the score); a fit R reports as not converged shows no hazard
ratio here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cohort import load_seed_cohort
from core.errors import AnalysisError
from core.style.numbers import format_hr
from core.survival.competing.annotation import (
    NOT_ESTIMABLE,
    competing_effects,
    incidence_effects,
)

GOLDEN = json.loads((Path(__file__).resolve().parents[2] / "golden"
                     / "incidence_effects_r_golden.json").read_text())


@pytest.mark.parametrize("name", sorted(GOLDEN["cases"]))
def test_subdistribution_hazard_ratios_equal_crr(name):
    """R: crr(time, status, model.matrix(~ relevel(factor(grp), ref))[, -1], failcode)."""
    case = GOLDEN["cases"][name]
    cohort = pd.DataFrame(GOLDEN["cohorts"][case["cohort"]])
    result = incidence_effects(cohort, "time", "status", "grp", case["cause"],
                               reference=case["reference"])
    table = result.table.set_index("group").loc[case["levels"]]
    assert table["n"].tolist() == case["n"]
    assert table["events"].tolist() == case["events"]
    assert table.at[case["reference"], "hr"] == 1.0
    others = table.drop(index=case["reference"])
    if not case["converged"]:  # R: converged = FALSE: nothing is shown as a number
        assert others["hr"].isna().all()
        assert any("did not converge" in note for note in result.notes)
        assert set(result.display().set_index("Group").drop(index=case["reference"])[
            "SHR (95% CI)"]) == {NOT_ESTIMABLE}
        return
    for key in ("hr", "hr_lower", "hr_upper", "p_value"):
        np.testing.assert_allclose(others[key].to_numpy(float),
                                   np.asarray(case[key][1:], float), rtol=1e-6,
                                   err_msg=f"{name} {key}")


def test_display_names_the_cause_and_the_reference():
    case = GOLDEN["cases"]["ties_three_groups_cause1_refC"]
    cohort = pd.DataFrame(GOLDEN["cohorts"]["ties_three_groups"])
    shown = incidence_effects(cohort, "time", "status", "grp", 1, reference="C").display()
    assert list(shown.columns) == ["Group", "N", "Relapses", "SHR (95% CI)", "p"]
    assert shown["Group"].tolist() == ["A", "B", "C"]  # display order, not the reference's
    rows = shown.set_index("Group")
    assert rows.at["C", "SHR (95% CI)"] == "1 (reference)" and rows.at["C", "p"] == ""
    assert rows.at["A", "SHR (95% CI)"].startswith(f"{format_hr(case['hr'][1])} (")


def test_seed_cohort_relapse_by_mrd_equals_crr():
    """R on the seed cohort, deaths without relapse on the RFS clock kept censored:
    crr(rfs_months, status, mrd_pre_status == "positive", failcode = 1): SHR 2.490762
    (0.5087703-12.193901), p 0.2601224 (status 1 = rfs_event; no competing death there)."""
    result = competing_effects(load_seed_cohort(), "mrd_pre_status", cause=1)
    row = result.table.set_index("group").loc["positive"]
    np.testing.assert_allclose(row[["hr", "hr_lower", "hr_upper", "p_value"]].astype(float),
                               [2.490762, 0.5087703, 12.193901, 0.2601224], rtol=1e-5)
    assert (int(row["n"]), int(row["events"])) == (4, 2)


def test_errors_name_the_fix():
    cohort = pd.DataFrame(GOLDEN["cohorts"]["small"])
    with pytest.raises(AnalysisError, match=r"Reference group 'Z' is not among the groups of "
                                            r"`grp` \(A, B, C\)\. Fix: choose one of them\."):
        incidence_effects(cohort, "time", "status", "grp", 1, reference="Z")
    with pytest.raises(AnalysisError, match=r"Hazard ratios compare groups; `grp` has 1 group"):
        incidence_effects(cohort.assign(grp="A"), "time", "status", "grp", 1)

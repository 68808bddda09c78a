"""core.risk.time_auc and core.risk.brier_score against riskRegression::Score.

Golden values: ``tests/core/golden/risk_r_golden.json`` (section "score"), written by
``tests/core/golden/make_risk_golden.R`` (R 4.2, riskRegression 2022.11.28, prodlim), which
also generates the cohorts (continuous and whole-month times with events and censorings tied,
also at the horizon; no and heavy censoring; 2 and 3 causes, cause 1 and 2; tied and constant
risks; horizons at the last follow-up and before the first time; 8 to 2000 patients; the seed
cohort). The R call, per cohort::

    Score(list(model = risk), formula = Hist(time, status) ~ 1   # Surv(time, status) ~ 1
          data, times = horizon, cause = cause, cens.model = "km",
          metrics = c("auc", "brier"), summary = "ipa", conservative = FALSE, se.fit = TRUE)

AUC, Brier and IPA to 1e-10 (seen: 1e-15); their standard errors and intervals too, except
where riskRegression's own standard error reads the status codes as 1 = case, 2 = control
whatever ``cause`` is (cause 2, a third cause): there ours equals ``Score`` on the same
patients recoded so that its reading is right.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.risk import brier_score, time_auc

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "risk_r_golden.json"
CASES = json.loads(GOLDEN.read_text())["score"]
TOL = 1e-10
# riskRegression's AUC standard error for these cases is for other codes: compare with the case
# holding the same patients recoded (cause -> 1, other causes -> 2)
SE_FROM = {"cr_months_cause2": "cr_months_cause2_relabelled",
           "cr_three_causes": "cr_three_causes_merged"}


def cohort(name: str) -> pd.DataFrame:
    return pd.DataFrame(CASES[name]["data"])


def r_value(value) -> float:
    return math.nan if value is None else float(value)


def close(ours: float, theirs, what: str) -> None:
    np.testing.assert_allclose(ours, r_value(theirs), rtol=TOL, atol=TOL, equal_nan=True,
                               err_msg=what)


@pytest.mark.parametrize("name", sorted(CASES))
def test_time_auc_equals_score(name):
    case = CASES[name]
    got = time_auc(cohort(name), "time", "status", "risk", case["horizon"], case["cause"])
    close(got.auc, case["auc"], f"{name}: AUC")
    se_case = CASES[SE_FROM.get(name, name)]
    close(got.se, se_case["auc_se"], f"{name}: se")
    close(got.ci_lower, se_case["auc_lower"], f"{name}: lower")
    close(got.ci_upper, se_case["auc_upper"], f"{name}: upper")


@pytest.mark.parametrize("name", sorted(CASES))
def test_brier_score_and_ipa_equal_score(name):
    case = CASES[name]
    got = brier_score(cohort(name), "time", "status", "risk", case["horizon"], case["cause"])
    for ours, key in [(got.brier, "brier"), (got.se, "brier_se"), (got.ci_lower, "brier_lower"),
                      (got.ci_upper, "brier_upper"), (got.null_brier, "null_brier"),
                      (got.ipa, "ipa")]:
        close(ours, case[key], f"{name}: {key}")


def test_cases_cover_what_the_contract_names():
    """The golden cohorts hold ties, no censoring, heavy censoring, competing risks, tied
    risks and horizons at event times (a guard against a regenerated file losing them)."""
    tied_at_horizon = cohort("surv_months_tied_horizon")
    h = CASES["surv_months_tied_horizon"]["horizon"]
    at = tied_at_horizon[tied_at_horizon.time == h]
    assert {0, 1} <= set(at.status)
    assert (cohort("surv_no_censoring").status != 0).all()
    assert (cohort("surv_heavy_censoring").status == 0).mean() > 0.5
    assert set(cohort("cr_three_causes").status) == {0, 1, 2, 3}
    assert cohort("surv_risk_ties").risk.duplicated().sum() > 50
    assert len(cohort("surv_large")) == 2000


def test_auc_has_no_se_where_g_reaches_zero_at_the_horizon():
    """Horizon at the last time, censored there: riskRegression gives no standard error
    (0/0); the result says why."""
    case = CASES["cr_horizon_at_last"]
    got = time_auc(cohort("cr_horizon_at_last"), "time", "status", "risk", case["horizon"])
    assert math.isnan(got.se) and case["auc_se"] is None
    assert any("reaches 0" in w for w in got.warnings)


def test_counts_of_cases_controls_and_censored():
    df = pd.DataFrame({"time": [1, 2, 2, 3, 4, 5, 6], "status": [1, 0, 2, 1, 0, 0, 1],
                       "risk": [.9, .1, .2, .8, .3, .4, .5]})
    got = time_auc(df, "time", "status", "risk", 4)
    assert (got.cases, got.controls, got.censored_before, got.n) == (2, 3, 2, 7)
    assert "competing events are controls" in got.method

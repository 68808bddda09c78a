"""Riley et al.'s minimum sample size (core.risk.samplesize) as pmsampsize.

Golden values: ``tests/core/golden/risk_r_golden.json`` (section "samplesize"), written by
``tests/core/golden/make_risk_golden.R``: the expectations of pmsampsize's own tests
(``tests/testthat/test_surv.R`` of pmsampsize 1.1: ``pmsampsize(type = "s", rsquared,
parameters, rate, timepoint, meanfup)$results_table``) and the script's R transcription of
``pmsampsize_surv`` applied to cohorts' event rate and follow-up (R2 = 0.15 x max R2). Exact
(whole patients) and 1e-12.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.cohort import load_seed_cohort
from core.errors import AnalysisError
from core.risk.samplesize import cohort_sample_size, minimum_sample_size

GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "golden"
                     / "risk_r_golden.json").read_text())["samplesize"]


@pytest.mark.parametrize("case", GOLDEN["package"], ids=lambda c: str(c["args"]))
def test_pmsampsize_own_expectations(case):
    r2, p, rate, t, meanfup = case["args"]
    got = minimum_sample_size(r2, int(p), rate, t, meanfup)
    assert list(got[:4]) == case["sizes"]
    assert got[6] == case["epp"]


@pytest.mark.parametrize("name", sorted(GOLDEN["cohorts"]))
def test_cohorts_equal_the_r_transcription(name):
    case = GOLDEN["cohorts"][name]
    got = cohort_sample_size(np.asarray(case["time"], float), np.asarray(case["event"]) == 1,
                             case["parameters"], case["horizon"])
    assert got.r2 == pytest.approx(case["r2"], abs=1e-12)
    assert [*got.criteria, got.n_required] == case["sizes"]
    assert got.shrinkage == case["shrinkage"] and got.max_r2 == case["max_r2"]
    assert got.events_per_parameter == case["epp"]
    assert got.events_required == int(np.ceil(case["events"] - 1e-9))
    for ours, key in [(got.risk_at_horizon, "risk"), (got.risk_lower, "lower"),
                      (got.risk_upper, "upper")]:
        assert ours == pytest.approx(case[key], abs=1e-12)


def test_seed_cohort_falls_short_and_says_so():
    """pmsampsize_surv worked by hand for the embedded cohort, relapse with 2 parameters
    (MRD status, age), horizon 24 months:

    - 19 patients, 6 relapses, 599.0 patient-months: rate = 6 / 599 = 0.010017 per month,
      mean follow-up = 599 / 19 = 31.526 months (rate x mean follow-up = 6 / 19);
    - max R2: n = 10000, E = ceiling(10000 x 6 / 19) = 3158,
      lnL0 = 3158 ln(0.3158) - 3158 = -6798.057, max R2 = round(1 - exp(2 lnL0 / n), 2)
      = round(1 - 0.25676, 2) = 0.74; anticipated R2 = 0.15 x 0.74 = 0.111;
    - criterion 1 (shrinkage 0.9): 2 / (-0.1 ln(1 - 0.111 / 0.9)) = 2 / 0.0131628 = 151.94
      -> 152 patients;
    - criterion 2: S = round(0.111 / (0.111 + 0.05 x 0.74), 3) = 0.75,
      2 / (-0.25 ln(1 - 0.111 / 0.75)) = 49.95 -> 50;
    - criterion 3 (overall risk 1 - exp(-24 x 6 / 599) = 0.21369) needs max(152, 50) = 152;
    - 152 patients x 6 / 19 = 48 events; the cohort has 6.
    """
    seed = load_seed_cohort()
    got = cohort_sample_size(seed.rfs_months.to_numpy(float), seed.rfs_event.to_numpy() == 1,
                             2, 24)
    assert (got.n, got.events, seed.rfs_months.sum()) == (19, 6, 599.0)
    assert got.max_r2 == 0.74 and got.r2 == pytest.approx(0.111, abs=1e-15)
    assert got.criteria == (152, 50, 152) and got.shrinkage == 0.9
    assert (got.n_required, got.events_required) == (152, 48)
    assert got.risk_at_horizon == pytest.approx(0.21368725223984741, abs=1e-15)
    assert not got.sufficient
    assert got.label == "not validated: 6 events, 48 needed"


def test_errors():
    with pytest.raises(AnalysisError, match=r"anticipated R2 \(0\.9\) is larger than the "
                                            r"largest possible for this event rate"):
        minimum_sample_size(0.9, 5, 0.01, 12, 20)
    with pytest.raises(AnalysisError, match="No event in the cohort"):
        cohort_sample_size(np.array([1.0, 2.0]), np.array([False, False]), 2, 12)

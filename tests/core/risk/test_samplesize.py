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
    seed = load_seed_cohort()
    got = cohort_sample_size(seed.rfs_months.to_numpy(float), seed.rfs_event.to_numpy() == 1,
                             2, 24)
    assert not got.sufficient
    assert got.label == "not validated: 6 events, 48 needed"


def test_errors():
    with pytest.raises(AnalysisError, match=r"anticipated R2 \(0\.9\) is larger than the "
                                            r"largest possible for this event rate"):
        minimum_sample_size(0.9, 5, 0.01, 12, 20)
    with pytest.raises(AnalysisError, match="No event in the cohort"):
        cohort_sample_size(np.array([1.0, 2.0]), np.array([False, False]), 2, 12)

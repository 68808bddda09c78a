"""Bootstrap validation (core.risk.bootstrap) against rms::validate, replaying R's samples.

Golden values: ``tests/core/golden/risk_r_golden.json`` (section "validate"), written by
``tests/core/golden/make_risk_golden.R``: for two seeded cohorts (160 patients with whole-month
times, 40 samples; 120 with continuous times, 25 samples)::

    fit <- cph(Surv(time, status) ~ x + k, data = d, x = TRUE, y = TRUE, surv = TRUE)
    set.seed(s); v <- validate(fit, method = "boot", B = B)
    set.seed(s); samples <- replicate(B, sample(n, replace = TRUE))   # the same draws

``predab.resample`` draws exactly one ``sample(n, replace = TRUE)`` per replicate, so the JSON
holds the samples R used and the test replays them. The apparent indexes equal rms to 1e-10.
rms refits each sample with ``coxphFit(eps = 1e-4, iter.max = 10)``, stopping early; the
script's "replay" refits the same samples with coxph's default convergence and gives the
training and test means we match to 1e-8; against rms's own printout they differ by ~1e-5,
the size of its early stop (pinned at 5e-5). The replay also judges each refit's risk by 12
months (``1 - summary(survfit(f, newdata), times = 12)$surv``) with ``Score(..., times = 12,
cens.model = "km", metrics = c("auc", "brier"))`` on its sample and on the cohort: the
training and test means of the AUC and Brier rows, equal to 1e-8.
"""

from __future__ import annotations

import json
import math
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import AnalysisError
from core.risk.bootstrap import profile_interval, validate_model
from core.risk.model import ModelSpec

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "risk_r_golden.json"
CASES = json.loads(GOLDEN.read_text())["validate"]
SPEC = ModelSpec("cox", "time", "status", ("x", "k"), 12)


def dxy(c_index: float, column: str) -> float:
    """rms's Dxy from C (the optimism is a difference: no shift)."""
    return 2 * c_index if column == "optimism" else 2 * c_index - 1


@pytest.fixture(scope="module", params=sorted(CASES))
def replayed(request):
    case = CASES[request.param]
    result = validate_model(pd.DataFrame(case["data"]), SPEC,
                            samples=np.asarray(case["samples"]))
    return case, result


def test_apparent_indexes_equal_rms(replayed):
    case, result = replayed
    t = result.table
    assert dxy(t.loc["c_index", "apparent"], "apparent") == pytest.approx(
        case["index"]["Dxy"]["index.orig"], abs=1e-10)
    assert t.loc["r2", "apparent"] == pytest.approx(case["index"]["R2"]["index.orig"],
                                                    abs=1e-10)
    assert t.loc["slope", "apparent"] == 1


def test_training_and_test_equal_the_converged_replay(replayed):
    case, result = replayed
    t = result.table
    for index, r_name in [("c_index", "Dxy"), ("r2", "R2"), ("slope", "Slope"),
                          ("auc", "AUC"), ("brier", "Brier")]:
        for column in ("training", "test"):
            ours = dxy(t.loc[index, column], column) if index == "c_index" else \
                t.loc[index, column]
            assert ours == pytest.approx(case["replay"][r_name][column], abs=1e-8), \
                (index, column)


def test_rms_printout_within_its_early_stop(replayed):
    case, result = replayed
    t = result.table
    for index, r_name in [("c_index", "Dxy"), ("r2", "R2"), ("slope", "Slope")]:
        for column, r_column in [("optimism", "optimism"), ("corrected", "index.corrected")]:
            ours = dxy(t.loc[index, column], column) if index == "c_index" else \
                t.loc[index, column]
            assert ours == pytest.approx(case["index"][r_name][r_column], abs=5e-5)
        assert t.loc[index, "n"] == case["index"][r_name]["n"]
    assert (result.done, result.failed, result.cancelled) == (len(case["samples"][0]), 0, False)


def small_cohort(seed: int = 3, n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    k = rng.choice(["a", "b"], size=n)
    t = rng.exponential(1 / (0.08 * np.exp(0.7 * x + 0.5 * (k == "b"))))
    c = rng.exponential(25, size=n)
    return pd.DataFrame({"time": np.ceil(np.minimum(t, c)), "status": (t <= c).astype(int),
                         "x": x, "k": k})


def test_seeded_progress_and_cancel():
    df = small_cohort()
    seen = []
    first = validate_model(df, SPEC, n_boot=12, seed=5, progress=lambda d, b: seen.append(d))
    again = validate_model(df, SPEC, n_boot=12, seed=5)
    pd.testing.assert_frame_equal(first.table, again.table)
    assert seen == list(range(1, 13))
    stop = threading.Event()

    def halt(done, total):
        if done == 4:
            stop.set()

    threaded = validate_model(df, SPEC, n_boot=12, seed=5, workers=2)
    pd.testing.assert_frame_equal(first.table, threaded.table)  # draws do not depend on it
    cut = validate_model(df, SPEC, n_boot=12, seed=5, progress=halt, cancel=stop)
    assert (cut.done, cut.cancelled, len(cut.replicates)) == (4, True, 4)
    assert "cancelled after 4" in cut.method


def test_failed_refits_are_counted_with_their_reason():
    """A level held by two patients is absent from many samples: those refits fail."""
    df = small_cohort(n=50)
    df.loc[:1, "k"] = "rare"
    result = validate_model(df, SPEC, n_boot=30, seed=2)
    assert result.failed > 0
    assert result.failed + len(result.replicates) == 30
    assert all("×" in f for f in result.failures)
    assert int(result.table.loc["slope", "n"]) == len(result.replicates)


def test_profile_interval_brackets_the_point_estimate():
    df = small_cohort(n=120)
    result = validate_model(df, SPEC, n_boot=60, seed=1)
    x = result.model.design(pd.DataFrame({"x": [0.5], "k": ["b"]}))
    lower, upper = profile_interval(result, x)
    point = result.model.predict(x)[0]
    assert lower < point < upper
    assert all(math.isnan(v) for v in profile_interval(
        validate_model(df, SPEC, n_boot=5, seed=1), x))


def test_number_of_samples_is_checked():
    with pytest.raises(AnalysisError, match=r"bootstrap samples must be a whole number from 1 "
                                            r"to 2,000, not 0"):
        validate_model(small_cohort(), SPEC, n_boot=0)


def test_fine_gray_bootstrap_equals_the_r_replay():
    """Section "validate_fine_gray" (rms::validate has no Fine-Gray fit): R's 30 samples of a
    seeded competing-risks cohort of 150 patients, each refitted with ``crr``, its risk by 12
    months judged by ``Score(Hist(time, status) ~ 1, cause = 1, cens.model = "km")`` on its
    sample (training) and on the cohort (test), the test slope
    ``crr(time, status, log(-log(1 - risk)))$coef``. Means to 1e-10."""
    case = json.loads(GOLDEN.read_text())["validate_fine_gray"]
    result = validate_model(pd.DataFrame(case["data"]),
                            ModelSpec("fine_gray", "time", "status", ("x", "k"), 12),
                            samples=np.asarray(case["samples"]))
    t = result.table
    assert (result.done, result.failed) == (30, 0)
    assert t.loc["auc", "apparent"] == pytest.approx(case["apparent"]["auc"], abs=1e-10)
    assert t.loc["brier", "apparent"] == pytest.approx(case["apparent"]["brier"], abs=1e-10)
    for index, r_name in [("auc", "AUC"), ("brier", "Brier"), ("slope", "Slope")]:
        for column in ("training", "test"):
            assert t.loc[index, column] == pytest.approx(case[r_name][column], abs=1e-10), \
                (index, column)
    assert t.loc[["c_index", "r2"], "n"].tolist() == [0, 0]  # not defined: not shown

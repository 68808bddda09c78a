"""Properties of core.risk.time_auc / brier_score, a cross-check with scikit-survival where its
conventions agree (continuous times), hand-worked values and every error message."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sksurv.metrics import brier_score as sk_brier
from sksurv.metrics import cumulative_dynamic_auc
from sksurv.util import Surv

from core.errors import AnalysisError
from core.risk import brier_score, time_auc


def continuous(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lp = rng.normal(size=n)
    t = rng.exponential(1 / (0.1 * np.exp(lp)))
    c = rng.exponential(15, size=n)
    return pd.DataFrame({"time": np.minimum(t, c), "status": (t <= c).astype(int),
                         "risk": 1 / (1 + np.exp(-(lp + rng.normal(0, .5, n))))})


@pytest.mark.parametrize("seed", range(5))
def test_scikit_survival_agrees_on_continuous_times(seed):
    """On continuous times (no ties) riskRegression's and scikit-survival's censoring weights
    coincide: ``cumulative_dynamic_auc`` and ``brier_score`` (survival = 1 - risk)."""
    df = continuous(150, seed)
    horizon = float(np.quantile(df.time, 0.5))
    y = Surv.from_arrays(df.status.astype(bool), df.time)
    auc, _ = cumulative_dynamic_auc(y, y, df.risk.to_numpy(), [horizon])
    _, bs = sk_brier(y, y, 1 - df.risk.to_numpy()[:, None], [horizon])
    assert time_auc(df, "time", "status", "risk", horizon).auc == pytest.approx(auc[0], abs=1e-12)
    assert brier_score(df, "time", "status", "risk", horizon).brier == pytest.approx(bs[0],
                                                                                   abs=1e-12)


def test_hand_worked_without_censoring():
    """No censoring: every weight is 1. Cases (event by 3): risks .9, .4; controls: .5, .2 and
    the competing event .6. Pairs concordant: (.9 > all 3) + (.4 > .2) = 4 of 6."""
    df = pd.DataFrame({"time": [1, 3, 2, 5, 6], "status": [1, 1, 2, 1, 1],
                       "risk": [.9, .4, .6, .5, .2]})
    got = time_auc(df, "time", "status", "risk", 3)
    assert got.auc == pytest.approx(4 / 6, abs=1e-15)
    brier = brier_score(df, "time", "status", "risk", 3)
    expected = ((1 - .9) ** 2 + (1 - .4) ** 2 + .6 ** 2 + .5 ** 2 + .2 ** 2) / 5
    assert brier.brier == pytest.approx(expected, abs=1e-15)
    assert brier.null_risk == pytest.approx(2 / 5)  # Aalen-Johansen = the crude share


def test_tied_event_and_censoring_weight_is_events_first():
    """At time 2 an event and a censoring are tied; the event's weight is 1/G(2-) = 1 (the
    censoring is not before it), the patient followed past the horizon 3 gets 1/G(3) with
    G(3) = 1 - 1/(3 - 1) = 1/2 (the tied event leaves the risk set first)."""
    df = pd.DataFrame({"time": [1, 2, 2, 4], "status": [1, 1, 0, 0], "risk": [.8, .6, .1, .3]})
    got = brier_score(df, "time", "status", "risk", 3)
    assert got.brier == pytest.approx(((1 - .8) ** 2 + (1 - .6) ** 2 + .3 ** 2 * 2) / 4)


def cohorts():
    n = st.integers(min_value=4, max_value=40)
    return n.flatmap(lambda k: st.tuples(
        st.lists(st.integers(1, 8), min_size=k, max_size=k),
        st.lists(st.integers(0, 2), min_size=k, max_size=k),
        st.lists(st.integers(0, 10), min_size=k, max_size=k),
        st.integers(1, 8), st.randoms(use_true_random=False)))


def frame(cohort) -> tuple[pd.DataFrame, float]:
    times, status, grid, horizon, rnd = cohort
    df = pd.DataFrame({"time": times, "status": status, "risk": np.asarray(grid) / 10})
    return df, float(min(horizon, max(times)))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(cohorts())
def test_invariants(cohort):
    """Row order does not matter; the AUC depends on the risks' order only (a monotone
    transform keeps it, reversing it gives 1 - AUC); the Brier score is >= 0."""
    df, horizon = frame(cohort)
    got = time_auc(df, "time", "status", "risk", horizon)
    shuffled = df.sample(frac=1, random_state=cohort[4].randint(0, 10 ** 6))
    again = time_auc(shuffled, "time", "status", "risk", horizon)
    np.testing.assert_allclose(again.auc, got.auc, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(again.se, got.se, atol=1e-12, equal_nan=True)
    squashed = df.assign(risk=np.exp(3 * df.risk))
    np.testing.assert_allclose(time_auc(squashed, "time", "status", "risk", horizon).auc,
                               got.auc, atol=1e-12, equal_nan=True)
    flipped = time_auc(df.assign(risk=-df.risk), "time", "status", "risk", horizon)
    np.testing.assert_allclose(flipped.auc, 1 - got.auc, atol=1e-12, equal_nan=True)
    brier = brier_score(df, "time", "status", "risk", horizon)
    assert brier.brier >= 0
    assert math.isnan(got.auc) == bool(got.warnings and "not defined" in " ".join(got.warnings))


def test_missing_risk_is_left_out_and_counted():
    df = pd.DataFrame({"patient_id": ["a", "b", "c", "d", "e"], "time": [1, 2, 3, 4, np.nan],
                       "status": [1, 0, 1, 0, 1], "risk": [.5, np.nan, .4, .1, .3]})
    got = time_auc(df, "time", "status", "risk", 3)
    assert got.n == 3
    assert [(e.count, e.patients) for e in got.exclusions] == [(1, ("e",)), (1, ("b",))]
    assert "no predicted risk" in got.exclusions[1].reason


@pytest.mark.parametrize(("change", "horizon", "message"), [
    ({"risk": ["high", .2, .3]}, 2,
     r"Column `risk`: 1 value is not a number: patient row 2 \('high'\)"),
    ({"risk": [1.5, .2, .3]}, 2,
     r"1 value is not a probability between 0 and 1: patient row 2 \(1\.5\)"),
    ({}, 9, r"The horizon 9 lies beyond the last follow-up time \(3 in `time`\)"),
    ({}, 0, r"The horizon must be a time > 0 in the unit of `time` \(months\), not 0"),
    ({}, "soon", r"The horizon must be a time > 0 .* not 'soon'"),
    ({"status": [1, 0, -1]}, 2, r"Column `status`: 1 value\(s\) are not a status code"),
    ({"time": [1, -2, 3]}, 2, r"Column `time`: 1 value is negative"),
    ({"risk": [np.nan] * 3}, 2, r"No patient has a recorded `time`, `status` and `risk`"),
])
def test_errors_name_the_value_and_the_fix(change, horizon, message):
    df = pd.DataFrame({"time": [1, 2, 3], "status": [1, 0, 1], "risk": [.5, .2, .3]})
    df = df.assign(**change)
    with pytest.raises(AnalysisError, match=message):
        brier_score(df, "time", "status", "risk", horizon)


def test_unknown_column_and_cause():
    df = pd.DataFrame({"time": [1, 2, 3], "status": [1, 0, 1], "risk": [.5, .2, .3]})
    with pytest.raises(AnalysisError, match=r"Column `score` is not in the cohort"):
        time_auc(df, "time", "status", "score", 2)
    with pytest.raises(AnalysisError, match=r"cause must be a status code 1, 2, \.\.\., not 0"):
        time_auc(df, "time", "status", "risk", 2, cause=0)


def test_no_case_gives_nan_with_the_reason():
    df = pd.DataFrame({"time": [1, 2, 3], "status": [0, 0, 1], "risk": [.5, .2, .3]})
    got = time_auc(df, "time", "status", "risk", 2)
    assert math.isnan(got.auc)
    assert got.warnings == ("No patient had the event (cause 1) by 2: the AUC is not defined.",)


def test_ipcw_recovers_the_uncensored_truth():
    """A seeded simulation with a known model: the IPCW AUC and Brier score on censored data
    estimate what the same risks score on the complete (uncensored) event times, and the
    AUC of the true risk is near its theoretical value (the uncensored Mann-Whitney)."""
    rng = np.random.default_rng(11)
    n, horizon = 20_000, 12.0
    x = rng.normal(size=n)
    rate = 0.04 * np.exp(0.9 * x)
    event = rng.exponential(1 / rate)
    death = rng.exponential(60, n)  # competing
    censor = rng.uniform(0, 40, n)
    first = np.minimum(event, death)
    cause = np.where(event <= death, 1, 2)
    risk = rate / (rate + 1 / 60) * (1 - np.exp(-(rate + 1 / 60) * horizon))  # true CIF
    full = pd.DataFrame({"time": first, "status": cause, "risk": risk})
    seen = pd.DataFrame({"time": np.minimum(first, censor),
                         "status": np.where(first <= censor, cause, 0), "risk": risk})
    truth_auc = time_auc(full, "time", "status", "risk", horizon)
    truth_brier = brier_score(full, "time", "status", "risk", horizon)
    got_auc = time_auc(seen, "time", "status", "risk", horizon)
    got_brier = brier_score(seen, "time", "status", "risk", horizon)
    assert (seen.status == 0).mean() > 0.2
    assert got_auc.auc == pytest.approx(truth_auc.auc, abs=2.5 * got_auc.se)
    assert got_brier.brier == pytest.approx(truth_brier.brier, abs=2.5 * got_brier.se)
    # the uncensored AUC with no censoring weights is the plain Mann-Whitney of cases/controls
    case = (full.time <= horizon) & (full.status == 1)
    diff = risk[case.to_numpy()][:, None] - risk[~case.to_numpy()][None, :2000]
    mann_whitney = float(np.mean(diff > 0) + 0.5 * np.mean(diff == 0))
    assert truth_auc.auc == pytest.approx(mann_whitney, abs=0.01)

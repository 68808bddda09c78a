"""Tests of core.cox.concordance.harrell_c: the same numbers as scikit-survival's quadratic
``concordance_index_censored`` (C and every pair count), on many random small cohorts with
tied times, tied risk scores, risk scores within the tie tolerance and no comparable pair."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sksurv.exceptions import NoComparablePairException
from sksurv.metrics import concordance_index_censored

from core.cox.concordance import harrell_c
from core.errors import AnalysisError


def _cohorts():
    """Small cohorts: integer times 0-5 (many ties), events, risk scores on a coarse grid
    (many ties) plus an optional jitter below, at or above the 1e-8 tie tolerance."""
    size = st.integers(min_value=1, max_value=30)
    return size.flatmap(lambda n: st.tuples(
        st.lists(st.integers(0, 5), min_size=n, max_size=n),
        st.lists(st.booleans(), min_size=n, max_size=n),
        st.lists(st.integers(-3, 3), min_size=n, max_size=n),
        st.lists(st.sampled_from([0.0, 3e-9, 1e-8, 2e-8, 0.25]), min_size=n, max_size=n)))


@settings(max_examples=400, deadline=None, derandomize=True)
@given(_cohorts())
def test_same_numbers_as_scikit_survival(cohort):
    times, events, grid, jitter = (np.asarray(v) for v in cohort)
    risk = grid * 0.5 + jitter
    got = harrell_c(events, times.astype(float), risk)
    try:
        c, concordant, discordant, tied_risk, tied_time = concordance_index_censored(
            events.astype(bool), times.astype(float), risk)
    except (NoComparablePairException, ValueError):  # also "All samples are censored"
        assert got.comparable == 0 and math.isnan(got.c_index)
        return
    assert got.c_index == pytest.approx(c, abs=1e-12)
    assert (got.concordant, got.discordant, got.tied_risk, got.tied_time) == (
        concordant, discordant, tied_risk, tied_time)
    assert got.comparable == concordant + discordant + tied_risk


def test_continuous_scores_larger_cohort():
    """2,000 patients, continuous times and scores: one sort and the pair counts agree."""
    rng = np.random.default_rng(7)
    time = rng.exponential(12, 2000)
    event = rng.random(2000) < 0.6
    risk = rng.normal(size=2000) - 0.05 * time
    c, concordant, discordant, tied_risk, tied_time = concordance_index_censored(
        event, time, risk)
    got = harrell_c(event, time, risk)
    assert got.c_index == pytest.approx(c, abs=1e-12)
    assert (got.concordant, got.discordant, got.tied_risk, got.tied_time) == (
        concordant, discordant, tied_risk, tied_time)


def test_hand_case():
    """Times 1, 2, 3 (events, events, censored), risks 3, 2, 1: all 3 comparable pairs are
    concordant; reversing the risks makes them all discordant; equal risks give 0.5."""
    time, event = np.array([1.0, 2.0, 3.0]), np.array([1, 1, 0])
    assert harrell_c(event, time, [3, 2, 1]).c_index == 1.0
    assert harrell_c(event, time, [1, 2, 3]).c_index == 0.0
    result = harrell_c(event, time, [1, 1, 1])
    assert (result.c_index, result.tied_risk, result.comparable) == (0.5, 3, 3)


def test_censored_at_an_event_time_is_comparable_and_tied_events_are_not():
    """Two events at 2 are not comparable with each other; a patient censored at 2 is
    comparable with both (tied_time 2)."""
    result = harrell_c([1, 1, 0], [2.0, 2.0, 2.0], [2.0, 1.0, 0.0])
    assert (result.comparable, result.concordant, result.tied_time) == (2, 2, 2)


def test_no_comparable_pair_gives_nan():
    result = harrell_c([0, 0, 1], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert result.comparable == 0 and math.isnan(result.c_index)


def test_errors_are_pinned():
    with pytest.raises(AnalysisError, match=r"Concordance needs one event, time and risk score "
                                            r"per patient; got 2, 3 and 3\."):
        harrell_c([1, 0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    with pytest.raises(AnalysisError, match=r"Concordance needs finite times and risk scores; "
                                            r"found missing or infinite values\."):
        harrell_c([1, 0], [1.0, math.inf], [1.0, 2.0])


@pytest.mark.parametrize("model", [{}, {"strata": "site"}, {"entry": "start"}])
def test_a_fits_concordance_is_computed_when_read_and_kept_in_a_pickled_copy(model):
    """fit_cox computes Harrell's C at the first read (the Subgroups page's fits never show
    it): the value is harrell_c of the linear predictor, as fit_cox computed it before, and
    a pickled copy (a cached result) carries it."""
    import pickle

    import pandas as pd

    from core.cox.fit import fit_cox

    rng = np.random.default_rng(5)
    n = 400
    frame = pd.DataFrame({"t": rng.exponential(10, n).round(1) + 1, "e": rng.integers(0, 2, n),
                          "x": rng.normal(size=n), "g": rng.choice(["a", "b", "c"], n),
                          "site": rng.integers(0, 3, n), "start": rng.uniform(0, 1, n)})
    fit = fit_cox(frame, "t", "e", ["x", "g"], **model)
    assert "concordance" not in vars(fit)
    data = fit.data
    direct = harrell_c(fit.status, fit.times, fit.design @ fit.params, entry=data.entry,
                       strata=data.strata).c_index
    copy = pickle.loads(pickle.dumps(fit))
    assert vars(copy)["concordance"] == direct
    assert fit.concordance == direct and 0.4 < direct < 0.6

"""The maxstat permutation p drawn without scipy's factorial equals scipy's to the last bit.

:func:`core.survival.cutpoint.maxstat.permutation_max_logrank` draws its Monte Carlo orders
itself (:func:`scipy.stats.permutation_test` first computes n!, 0.2 CPU-s at 10^5 patients);
the reference here is the call it replaced: ``permutation_test`` on the same scores, the same
statistic, seed and batch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import permutation_test

from core.survival.cutpoint import maxstat
from core.survival.cutpoint.maxstat import permutation_max_logrank


def _cohort(n: int, seed: int, ties: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    marker = rng.integers(0, 12, n) if ties else rng.normal(50, 10, n)
    time = rng.exponential(20 / (1 + (marker > np.median(marker))), n)
    return pd.DataFrame({"t": time.round(0) + 1 if ties else time,
                         "e": rng.integers(0, 2, n), "x": marker})


def _scipy_p(frame: pd.DataFrame, n_resamples: int, seed: int) -> float:
    """What permutation_max_logrank returned before: scipy's permutation_test."""
    prep = maxstat._prepare(frame, "t", "e", "x", 0.1, 0.9)

    def statistic(y, axis=-1):
        return np.nanmax(maxstat._standardized(np.atleast_2d(y), prep.m, precise=False),
                         axis=-1)

    return float(permutation_test((prep.y,), statistic, permutation_type="pairings",
                                  vectorized=True, n_resamples=n_resamples,
                                  alternative="greater",
                                  batch=max(1, 2_000_000 // prep.y.size),
                                  rng=np.random.default_rng(seed)).pvalue)


@pytest.mark.parametrize(("n", "resamples", "seed", "ties"), [
    (7, 4_000, 1, True), (9, 200, 2, False), (40, 999, 3, True), (300, 2_000, 4, False),
    (1_500, 1_333, 5, True), (20_000, 130, 6, True), (50_000, 45, 7, True)])
def test_monte_carlo_p_is_scipys_to_the_last_bit(n, resamples, seed, ties):
    frame = _cohort(n, seed, ties)  # 50,000 patients: batches of 40 orders, one partial
    ours = permutation_max_logrank(frame, "t", "e", "x", n_resamples=resamples, seed=seed)
    assert not ours.exact and ours.n_resamples == resamples
    assert ours.p_value == _scipy_p(frame, resamples, seed)


def test_at_most_as_many_draws_as_orders_is_still_scipys_enumeration():
    frame = _cohort(6, 8, False)
    ours = permutation_max_logrank(frame, "t", "e", "x", n_resamples=720)
    assert ours.exact and ours.n_resamples == 720 and ours.seed is None
    assert ours.p_value == _scipy_p(frame, 720, 8)
    assert not permutation_max_logrank(frame, "t", "e", "x", n_resamples=719).exact

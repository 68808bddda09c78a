"""The Monte Carlo permutation p of :mod:`core.survival.km.relabel` is scipy's, bit for bit.

``monte_carlo_greater_p`` draws a batch of permutations at once (``Generator.permuted``)
where :func:`scipy.stats.permutation_test` draws one ``rng.permutation`` per resample in a
Python loop. The reference below is the scipy call the app made before (its statistic
wrapper kept here only as the reference): over random designs (2 and 3 groups, tied times,
patients in no group, odd sizes, batches that do not divide the resamples) every null
statistic, in order, and the p-value must be equal, not close.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import permutation_test

from core.survival.km.logrank import (
    _chi_square,
    _observed_minus_expected,
    label_permutation_p,
)
from core.survival.km.relabel import monte_carlo_greater_p


def _design(seed: int):
    """A random time-sorted design: tied times, some patients in no group (code -1)."""
    rng = np.random.default_rng(seed)
    k = 2 + seed % 2
    n = int(rng.integers(9, 24))
    time = np.sort(rng.integers(1, 8, n)).astype(float)  # few distinct times: ties
    event = (rng.random(n) < 0.6).astype(float)
    labels = rng.integers(-1 if seed % 3 else 0, k, n)
    for j in range(k):  # every group keeps at least 2 patients
        labels[rng.choice(np.flatnonzero(labels != j), 2, replace=False)] = j
    return time, event, labels, k


def _statistic_of(time, event):
    def chi_square(onehot):
        _, ome, cov = _observed_minus_expected(time, event, onehot)
        return _chi_square(ome, cov)
    return chi_square


def _scipy_reference(labels, k, statistic_of, n_resamples, seed, batch):
    """The former path: scipy's permutation_test over the groups' patient indices."""
    n = len(labels)

    def statistic(*parts, axis=-1):
        parts = [np.atleast_2d(p) for p in parts]
        onehot = np.zeros((parts[0].shape[0], k, n))
        for j, part in enumerate(parts):
            np.put_along_axis(onehot[:, j, :], part.astype(int), 1.0, axis=-1)
        return statistic_of(onehot)

    samples = tuple(np.flatnonzero(labels == j) for j in range(k))
    return permutation_test(samples, statistic, permutation_type="independent",
                            vectorized=True, n_resamples=n_resamples, alternative="greater",
                            batch=batch, rng=np.random.default_rng(seed))


@pytest.mark.parametrize("seed", range(12))
def test_monte_carlo_p_and_null_values_equal_scipys(seed):
    time, event, labels, k = _design(seed)
    statistic_of = _statistic_of(time, event)
    seen = []

    def recording(onehot):
        values = statistic_of(onehot)
        seen.append(values)
        return values

    n_resamples, batch = 301 + 17 * seed, 64 + seed  # batches that do not divide
    expected = _scipy_reference(labels, k, statistic_of, n_resamples, seed, batch)
    got = monte_carlo_greater_p(labels, k, recording, n_resamples,
                                np.random.default_rng(seed), batch)
    assert got == float(expected.pvalue)
    assert np.array_equal(np.concatenate(seen[1:]), expected.null_distribution)


def test_label_permutation_p_through_monte_carlo_equals_scipy():
    """The public entry (exact_limit 0 forces Monte Carlo), patients in no group included."""
    time, event, labels, k = _design(4)
    assert (labels == -1).any()
    statistic_of = _statistic_of(time, event)
    result = label_permutation_p(labels, [f"g{j}" for j in range(k)], statistic_of,
                                 exact_limit=0, n_resamples=500, seed=20261125, batch=128)
    expected = _scipy_reference(labels, k, statistic_of, 500, 20261125, 128)
    assert not result.exact and result.p_value == float(expected.pvalue)


def test_as_many_draws_as_assignments_is_reported_as_the_exact_p():
    """Asked for at least as many draws as there are assignments, scipy enumerates them all;
    the result then says exact, with every assignment counted and no simulation error (it
    said Monte Carlo, 10,000 draws, with a standard error, before)."""
    time, event, labels, _ = _design(0)
    labels = np.array([0, 0, 0, 1, 1, 1, 1] + [-1] * (len(labels) - 7))  # C(7, 3) = 35
    statistic_of = _statistic_of(time, event)
    result = label_permutation_p(labels, ["a", "b"], statistic_of, exact_limit=0,
                                 n_resamples=10_000, seed=1, batch=16)
    expected = _scipy_reference(labels, 2, statistic_of, 10_000, 1, 16)
    assert (result.exact, result.n_resamples, result.mc_standard_error, result.seed) == \
        (True, 35, 0.0, None)
    assert result.p_value == float(expected.pvalue)

"""Every distinct re-assignment of group labels, for exact permutation tests, in numpy.

Design: an exact permutation test scores every way of splitting ``n`` patients into groups of
the observed sizes (``n! / (n_1! ... n_K!)`` of them). :func:`scipy.stats.permutation_test`
builds each split in Python (about 1 s for the 92,378 splits of 19 patients into 9 and 10);
here assignment number ``t`` is decoded as mixed-radix digits, one per group but the last, each
digit indexing that group's combinations of the patients still unassigned, so a batch of
splits is built with a few array operations. The statistic is the caller's, evaluated on the
same one-hot arrays, so every value of the null distribution, and the p-value (scipy's rule:
the share of splits whose statistic is at least the observed one, within a relative
``100 * eps``), is what scipy's enumeration gives.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import chain, combinations

import numpy as np

TOLERANCE = np.finfo(np.float64).eps * 100
"""Relative tolerance under which a null value counts as equal to the observed one (scipy's
``permutation_test``: numerically distinct, theoretically equal values)."""


def exact_greater_p(labels: np.ndarray, k: int,
                    statistic_of: Callable[[np.ndarray], np.ndarray], batch: int) -> float:
    """Exact permutation p-value (``alternative="greater"``) over every distinct assignment.

    Parameters
    ----------
    labels : ndarray of int, shape (n,)
        Observed group code (0 .. k-1) of each patient.
    k : int
        Number of groups (each with at least one patient).
    statistic_of : callable
        Maps one-hot arrays of shape (b, k, n) to statistics of shape (b,).
    batch : int
        Assignments scored at once.

    Returns
    -------
    float
        Share of assignments whose statistic is >= the observed one (within
        :data:`TOLERANCE` relative).
    """
    members = np.flatnonzero((labels >= 0) & (labels < k))  # patients of no group stay out
    sizes = [int((labels == j).sum()) for j in range(k)]
    tables = [_combinations(len(members) - sum(sizes[:j]), sizes[j]) for j in range(k - 1)]
    total = math.prod(len(table) for table, _ in tables)

    def assignments(start: int, stop: int) -> np.ndarray:
        assigned = np.full((stop - start, len(labels)), -1, dtype=np.intp)
        assigned[:, members] = _assign(np.arange(start, stop), len(members), tables, k)
        return assigned

    return _count_at_least(labels, k, statistic_of, assignments, total, batch) / total


def monte_carlo_greater_p(labels: np.ndarray, k: int,
                          statistic_of: Callable[[np.ndarray], np.ndarray], n_resamples: int,
                          rng: np.random.Generator, batch: int) -> float:
    """Monte Carlo permutation p-value (``alternative="greater"``), as scipy computes it.

    Draws the very permutations :func:`scipy.stats.permutation_test`
    (``permutation_type="independent"``) draws, one ``rng.permutation`` of the grouped
    patients per resample, but a batch at once: ``Generator.permuted`` shuffles each row of
    a batch with the same Fisher-Yates steps and the same stream of random numbers, so the
    assignments, their statistics and the p-value ``(count + 1) / (n_resamples + 1)`` are
    scipy's (proven in ``tests/core/survival/km/test_relabel.py``).

    Parameters
    ----------
    labels, k, statistic_of, batch
        As :func:`exact_greater_p`.
    n_resamples : int
        Random assignments drawn.
    rng : numpy.random.Generator
        Source of the draws (advanced by ``n_resamples`` permutations).
    """
    pool = np.concatenate([np.flatnonzero(labels == j) for j in range(k)])  # scipy's data order
    codes = np.repeat(np.arange(k), [int((labels == j).sum()) for j in range(k)])

    def assignments(start: int, stop: int) -> np.ndarray:
        order = rng.permuted(np.broadcast_to(np.arange(pool.size), (stop - start, pool.size)),
                             axis=1)
        assigned = np.full((stop - start, len(labels)), -1, dtype=np.intp)
        assigned[np.arange(stop - start)[:, None], pool[order]] = codes
        return assigned

    count = _count_at_least(labels, k, statistic_of, assignments, n_resamples, batch)
    return min((count + 1) / (n_resamples + 1), 1.0)


def _count_at_least(labels: np.ndarray, k: int,
                    statistic_of: Callable[[np.ndarray], np.ndarray],
                    assignments: Callable[[int, int], np.ndarray], total: int,
                    batch: int) -> int:
    """Number of assignments ``0 .. total - 1`` (group codes from ``assignments(start,
    stop)``, scored ``batch`` at a time) whose statistic is at least the observed one, within
    :data:`TOLERANCE` relative (scipy's rule)."""
    groups = np.arange(k)[None, :, None]
    observed = statistic_of((labels[None, None, :] == groups).astype(float))[0]
    threshold = observed - abs(TOLERANCE * observed)
    count = 0
    for start in range(0, total, batch):
        assigned = assignments(start, min(start + batch, total))
        count += int(np.count_nonzero(statistic_of((assigned[:, None, :] == groups)
                                                   .astype(float)) >= threshold))
    return count


def _combinations(pool: int, size: int) -> tuple[np.ndarray, bool]:
    """Every choice of ``size`` of ``pool`` positions as rows of chosen positions, or of the
    left-out positions when fewer (flag ``True``): the table stays small either way."""
    complement = pool - size < size
    width = pool - size if complement else size
    flat = np.fromiter(chain.from_iterable(combinations(range(pool), width)), dtype=np.intp,
                       count=math.comb(pool, width) * width)
    return flat.reshape(-1, width), complement


def _assign(numbers: np.ndarray, n: int, tables: list[tuple[np.ndarray, bool]],
            k: int) -> np.ndarray:
    """Group codes (shape (len(numbers), n)) of the assignments with these numbers."""
    rows = np.arange(len(numbers))[:, None]
    assigned = np.full((len(numbers), n), k - 1, dtype=np.intp)
    rest = np.broadcast_to(np.arange(n), (len(numbers), n))  # unassigned patients, ascending
    radix = math.prod(len(table) for table, _ in tables)
    for j, (table, complement) in enumerate(tables):
        radix //= len(table)
        digit = (numbers // radix) % len(table)
        chosen = np.zeros(rest.shape, dtype=bool)
        chosen[rows, table[digit]] = True
        if complement:
            chosen = ~chosen
        assigned[rows, rest[chosen].reshape(len(numbers), -1)] = j
        rest = rest[~chosen].reshape(len(numbers), -1)
    return assigned

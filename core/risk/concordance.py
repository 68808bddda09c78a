"""Harrell's and Uno's concordance with their standard errors, as R ``survival::concordance``.

A pair of patients is comparable when the earlier time is an event (a patient censored at an
event time is taken to outlive it; two events at the same time are not comparable); it is
concordant when the patient with the earlier event has the higher risk, tied (one half) when
the risks are equal. Harrell's C weights every comparable pair alike. Uno's C weights a pair
by 1 / G(t-)^2 at the earlier event time t (G the Kaplan-Meier of the censoring times, events
first at tied times) and counts only events up to a truncation time tau, which makes it
independent of the censoring pattern (Uno et al. 2011); R ``concordance(..., timewt =
"n/G2", ymax = tau)``.

The standard error is R's infinitesimal jackknife: with c_i, d_i, t_i the weighted concordant,
discordant and risk-tied pairs patient i belongs to, and N the weighted comparable pairs,
dfbeta_i = (c_i - d_i) / N - D / N (c_i + d_i + t_i), D = Somers' d, var(C) = sum dfbeta^2 / 4
(the weights held fixed). The interval is C +/- z se.

The per-patient pair counts are two-dimensional dominance sums (earlier in time, lower in
risk), computed for every patient at once by a block decomposition of the time order: each
prefix is a union of at most log2(n) aligned blocks, each block sorted by risk once per level,
so the whole is O(n log^2 n) in numpy, never a loop over pairs.

References
----------
Harrell FE, Califf RM, Pryor DB, Lee KL, Rosati RA (1982). Evaluating the yield of medical
tests. JAMA 247:2543-2546.
Uno H, Cai T, Pencina MJ, D'Agostino RB, Wei LJ (2011). On the C-statistics for evaluating
overall adequacy of risk prediction procedures with censored survival data. Stat Med
30:1105-1117.
Therneau T, Atkinson E (2023). The concordance statistic (vignette of the R survival package).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from core.errors import AnalysisError


@dataclass(frozen=True)
class ConcordanceIndex:
    """A concordance index with its standard error.

    Attributes
    ----------
    kind : {"harrell", "uno"}
    c_index : float
        (concordant + tied / 2) / comparable (weighted for Uno); NaN without comparable pairs.
    se, ci_lower, ci_upper : float
        Infinitesimal-jackknife standard error and the interval c -/+ z se.
    conf_level : float
    truncation : float or None
        Events after this time do not count (Uno's tau; None for Harrell's C).
    concordant, discordant, tied_risk, comparable : float
        Pair counts (weighted by 1 / G^2 for Uno's C).
    n : int
    method : str
    """

    kind: str
    c_index: float
    se: float
    ci_lower: float
    ci_upper: float
    conf_level: float
    truncation: float | None
    concordant: float
    discordant: float
    tied_risk: float
    comparable: float
    n: int
    method: str


METHODS = {
    "harrell": "Harrell's C (every comparable pair alike), infinitesimal-jackknife standard "
               "error, as R survival::concordance",
    "uno": "Uno's C truncated at {tau:g} (pairs weighted by 1/G(t-)^2, G the Kaplan-Meier of "
           "censoring), infinitesimal-jackknife standard error, as R survival::concordance("
           "timewt = \"n/G2\", ymax = {tau:g})",
}


def concordance_index(time: np.ndarray, event: np.ndarray, risk: np.ndarray,
                      kind: Literal["harrell", "uno"] = "harrell",
                      truncation: float | None = None,
                      conf_level: float = 0.95) -> ConcordanceIndex:
    """Harrell's or Uno's C of a risk score (higher = event sooner), with its standard error.

    Parameters
    ----------
    time : array-like of float, shape (n,)
        Follow-up times.
    event : array-like of bool or {0, 1}, shape (n,)
    risk : array-like of float, shape (n,)
        E.g. the linear predictor or the predicted risk at a horizon.
    kind : {"harrell", "uno"}
    truncation : float, optional
        Only events at or before it count (required for Uno's C: the horizon).
    conf_level : float, default 0.95

    Returns
    -------
    ConcordanceIndex
        ``c_index``, ``se`` equal R ``concordance(Surv(time, event) ~ risk, reverse = TRUE,
        timewt = "n" | "n/G2", ymax = truncation)``: ``concordance`` and ``sqrt(var)``.

    Raises
    ------
    core.errors.AnalysisError
        Arrays of different lengths, missing values, an unknown kind, Uno's C without a
        truncation time.
    """
    time = np.asarray(time, dtype=float).ravel()
    event = np.asarray(event).astype(bool).ravel()
    risk = np.asarray(risk, dtype=float).ravel()
    if not len(time) == len(event) == len(risk):
        raise AnalysisError(f"Concordance needs one time, event and risk per patient; got "
                            f"{len(time)}, {len(event)} and {len(risk)}.")
    if not (np.isfinite(time).all() and np.isfinite(risk).all()):
        raise AnalysisError("Concordance needs finite times and risk scores; found missing or "
                            "infinite values.")
    if kind not in METHODS:
        raise AnalysisError(f"kind must be 'harrell' or 'uno', not {kind!r}.")
    if kind == "uno" and truncation is None:
        raise AnalysisError("Uno's C needs a truncation time (the horizon, in months).")
    n = time.size
    weight = _event_weights(time, event, kind, truncation)
    mine, theirs = _pair_counts(time, event, risk, weight)
    concordant, discordant, tied = (float(np.sum(weight * mine[k])) for k in range(3))
    comparable = concordant + discordant + tied
    if comparable == 0:
        c = se = math.nan
    else:
        somers = (concordant - discordant) / comparable
        c = (somers + 1) / 2
        per = [weight * mine[k] + theirs[k] for k in range(3)]
        dfbeta = (per[0] - per[1]) / comparable - somers / comparable * (per[0] + per[1]
                                                                          + per[2])
        se = math.sqrt(float(np.sum(dfbeta ** 2)) / 4)
    z = stats.norm.ppf(0.5 + conf_level / 2)
    method = METHODS[kind].format(tau=truncation) if kind == "uno" else METHODS[kind]
    if kind == "harrell" and truncation is not None:
        method += f", events up to {truncation:g}"
    return ConcordanceIndex(kind=kind, c_index=c, se=se, ci_lower=c - z * se,
                            ci_upper=c + z * se, conf_level=conf_level, truncation=truncation,
                            concordant=concordant, discordant=discordant, tied_risk=tied,
                            comparable=comparable, n=n, method=method)


def _event_weights(time: np.ndarray, event: np.ndarray, kind: str,
                   truncation: float | None) -> np.ndarray:
    """Weight of each patient's event: 1 (Harrell) or 1 / G(t-)^2 (Uno); 0 for a censored
    patient and for an event after the truncation time."""
    weight = event.astype(float)
    if kind == "uno":
        distinct, slot = np.unique(time, return_inverse=True)
        at_risk = time.size - np.concatenate(([0], np.cumsum(np.bincount(slot))[:-1]))
        events = np.bincount(slot, weights=event.astype(float), minlength=distinct.size)
        censored = np.bincount(slot, weights=(~event).astype(float), minlength=distinct.size)
        beyond = at_risk - events
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(censored > 0, 1 - censored / np.where(beyond > 0, beyond, 1), 1.0)
        g_before = np.concatenate(([1.0], np.cumprod(step)[:-1]))
        weight = weight / g_before[slot] ** 2
    if truncation is not None:
        weight[time > truncation] = 0.0
    return weight


def _pair_counts(time: np.ndarray, event: np.ndarray, risk: np.ndarray, weight: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Per patient: (lower, higher, equal) risks among the patients comparable with its own
    event (unweighted counts), and the weighted (concordant, discordant, tied) pairs it is
    the later member of."""
    n = time.size
    levels, rank = np.unique(risk, return_inverse=True)
    # as the earlier member: later times first; within a time censored before events, so the
    # patients comparable with an event are a prefix (up to the first event at its time)
    down = np.lexsort((event, -time))
    start = _group_start(time[down], event[down], first_kind=False)
    ones = np.ones(n)
    below = _dominance(rank[down], ones, start, rank[down], levels.size)
    not_above = _dominance(rank[down], ones, start, rank[down] + 1, levels.size)
    mine = np.zeros((3, n))
    mine[0, down] = below
    mine[1, down] = start - not_above
    mine[2, down] = not_above - below
    # as the later member: earlier times first, events before censorings; an event's earlier
    # partners end before its time, a censored patient's include the events at its time
    up = np.lexsort((~event, time))
    end = _group_start(time[up], ~event[up], first_kind=True)
    value = weight[up]
    total = np.concatenate(([0.0], np.cumsum(value)))[end]
    lower = _dominance(rank[up], value, end, rank[up], levels.size)
    not_higher = _dominance(rank[up], value, end, rank[up] + 1, levels.size)
    theirs = np.zeros((3, n))
    theirs[0, up] = total - not_higher
    theirs[1, up] = lower
    theirs[2, up] = not_higher - lower
    return mine, theirs


def _group_start(time: np.ndarray, flag: np.ndarray, first_kind: bool) -> np.ndarray:
    """Per sorted row, the prefix length of its comparable partners: the position of the
    first row of its time with ``flag`` True (rows of a time are ordered flag False first);
    with ``first_kind``, rows whose ``flag`` is True get that position, the others the start
    of their time."""
    new = np.r_[True, time[1:] != time[:-1]]
    starts = np.flatnonzero(new)
    group = np.cumsum(new) - 1
    first_true = starts + np.add.reduceat((~flag).astype(np.int64), starts)
    if first_kind:
        return np.where(flag, first_true[group], starts[group])
    return first_true[group]


def _dominance(rank: np.ndarray, value: np.ndarray, prefix: np.ndarray, bound: np.ndarray,
               n_levels: int) -> np.ndarray:
    """For each row q: the sum of ``value[j]`` over j < prefix[q] with rank[j] < bound[q].

    The prefix [0, p) is the union, over the set bits k of p, of the aligned block of size 2^k
    with index (p >> k) - 1; at level k every block is sorted by rank once, and each query is
    a ``searchsorted`` in its block and a difference of cumulative sums.
    """
    n = rank.size
    out = np.zeros(prefix.size)
    width = np.int64(n_levels + 1)
    positions = np.arange(n, dtype=np.int64)
    prefix = prefix.astype(np.int64)
    k = 0
    while (1 << k) <= n:
        hit = ((prefix >> k) & 1).astype(bool)
        if hit.any():
            keys = (positions >> k) * width + rank
            order = np.argsort(keys, kind="stable")
            keys = keys[order]
            sums = np.concatenate(([0.0], np.cumsum(value[order])))
            block = (prefix[hit] >> k) - 1
            top = np.searchsorted(keys, block * width + bound[hit], side="left")
            out[hit] += sums[top] - sums[block << k]
        k += 1
    return out

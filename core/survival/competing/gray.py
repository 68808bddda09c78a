"""Gray's K-sample test of equal cumulative incidence of one cause, and its permutation version.

Design: the score and its variance are those of R ``cmprsk::cuminc`` (Fortran ``crstm``/``crst``,
weight rho = 0, one stratum), computed over the distinct event times with arrays of shape
(times, groups, groups) and cumulative sums instead of the Fortran's loop: per group the
left-continuous Kaplan-Meier of being free of every cause and the cumulative incidence,
the score sum of d1_k - d1 · R_k / sum R (R_k = n_k (1 - F_k(t-)) / S_k(t-)), the matrices
``a`` and ``c`` of Gray's variance and its cause-1, cause-2 and final terms exactly as the
Fortran accumulates them. The statistic s' V^-1 s over the first K - 1 groups is chi-square
with K - 1 degrees of freedom. Cost O(times · K^2); K is the number of groups present.

The permutation version (small groups) re-evaluates the statistic over re-assignments of the
group labels through :mod:`core.survival.km.relabel`, as :mod:`core.survival.km.logrank` does for
the log-rank test: exact enumeration when feasible, else seeded Monte Carlo with the very draws
and p of :func:`scipy.stats.permutation_test` (batched in numpy; tested bitwise against it).

References
----------
Gray RJ. A class of K-sample tests for comparing the cumulative incidence of a competing risk.
Ann Stat 1988;16:1141-1154. Gray RJ. cmprsk (R package), ``cuminc`` ``$Tests``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from core.errors import AnalysisError
from core.survival.competing.input import CompetingData, competing_data, refuse_entry
from core.survival.km.logrank import (
    EXACT_LIMIT,
    MONTE_CARLO_RESAMPLES,
    SEED,
    PermutationResult,
    label_permutation_p,
)

METHOD = "Gray's K-sample test (R cmprsk::cuminc, rho = 0)"
MAX_CELLS = 20_000_000
"""Largest groups x groups x distinct-times array the test builds (about 160 MB per array);
beyond it the test refuses with a message rather than exhausting memory."""


@dataclass(frozen=True)
class GrayTestResult:
    """Gray's test of equal cumulative incidence of ``cause`` across groups.

    Attributes
    ----------
    statistic : float
        Chi-square statistic (NaN when the variance matrix is singular; R then reports -1).
    dof : int
        Number of groups with patients, minus 1.
    p_value : float
    cause : int
    groups : tuple of str
        Groups compared, in display order.
    events : tuple of int
        Events of the cause per group.
    method : str
    """

    statistic: float
    dof: int
    p_value: float
    cause: int
    groups: tuple[str, ...]
    events: tuple[int, ...]
    method: str = METHOD


def _prepare(data: CompetingData, cause: int) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                         list[str]]:
    if data.survival.entry is not None:  # checked rows with delayed entry
        refuse_entry("Gray's test", "entry")
    sizes = np.bincount(data.survival.group_code, minlength=len(data.groups))
    groups = [g for g, size in zip(data.groups, sizes, strict=True) if size]
    if len(groups) < 2:
        raise AnalysisError(f"Gray's test compares groups, and only {len(groups)} group has "
                            f"patients here ({', '.join(groups) or 'none'}). Fix: widen the "
                            "filters or choose another grouping.")
    if cause not in data.causes:
        raise AnalysisError(f"No patient has an event of cause {cause} (causes present: "
                            f"{list(data.causes) or 'none'}), so there is nothing to compare. "
                            "Fix: choose a cause that occurs, or widen the filters.")
    distinct = np.unique(data.time).size
    if len(groups) ** 2 * distinct > MAX_CELLS:
        raise AnalysisError(f"Gray's test over {len(groups)} groups and {distinct:,} distinct "
                            f"times exceeds this app's limit of {MAX_CELLS:,} cells "
                            "(groups x groups x times). Fix: compare fewer groups, or round the "
                            "times (e.g. to whole days or months).")
    order = data.__dict__.get("_by_time")
    if order is None:  # one stable sort by time per CompetingData, shared by both causes
        order = np.argsort(data.time, kind="stable")
        object.__setattr__(data, "_by_time", order)
    present = np.full(len(data.groups), -1, dtype=np.int64)  # display code -> label 0..k-1
    present[[data.groups.index(g) for g in groups]] = np.arange(len(groups))
    labels = present[data.survival.group_code[order]]
    status = data.status[order]
    code = np.where(status == cause, 1, np.where(status > 0, 2, 0))
    return data.time[order], code, labels, groups


def _statistic(time: np.ndarray, code: np.ndarray, onehot: np.ndarray) -> np.ndarray:
    """Gray's chi-square for a batch of assignments ``onehot`` (b, k, n); time sorted."""
    starts = np.flatnonzero(np.r_[True, time[1:] != time[:-1]])
    rs = np.cumsum(onehot[..., ::-1], axis=-1)[..., ::-1][..., starts]  # (b, k, m) at risk
    d1 = np.add.reduceat(onehot * (code == 1), starts, axis=-1)
    d2 = np.add.reduceat(onehot * (code == 2), starts, axis=-1)
    events = (d1 + d2).sum(axis=1) > 0  # (b, m): distinct times with any event
    has = rs > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(has, (rs - d1 - d2) / np.where(has, rs, 1.0), 1.0)
        skm = np.cumprod(step, axis=-1)
        skmm = np.concatenate([np.ones_like(skm[..., :1]), skm[..., :-1]], axis=-1)
        f1 = np.cumsum(np.where(has, skmm * d1 / np.where(has, rs, 1.0), 0.0), axis=-1)
        f1m = np.concatenate([np.zeros_like(f1[..., :1]), f1[..., :-1]], axis=-1)
        t1 = np.where(has, rs / skmm, 0.0)  # (b, k, m)
        tr = t1.sum(axis=1)  # (b, m)
        tq = np.where(has, rs * (1 - f1m) / skmm, 0.0).sum(axis=1)
        nd1 = d1.sum(axis=1)
        jump = np.where(events & (tr > 0), nd1 / np.where(tr > 0, tr, 1.0), 0.0)
        f = np.cumsum(jump, axis=-1)
        fm = f - jump
        # score for the first k - 1 groups
        score = np.where(has & events[:, None, :],
                         d1 - nd1[:, None, :] * rs * (1 - f1m) / (skmm * tq[:, None, :]), 0.0)
        score = np.nan_to_num(score).sum(axis=-1)[:, :-1]  # (b, k-1)
        trs = np.where(tr > 0, tr, 1.0)
        a = (t1[:, :, None, :] * (np.eye(t1.shape[1])[None, :, :, None])
             - t1[:, :, None, :] * t1[:, None, :, :] / trs[:, None, None, :])
        a = np.where(events[:, None, None, :], a, 0.0)  # (b, k, k, m)
        c_step = np.where((nd1 > 0) & (fm < 1), nd1 / (trs * (1 - fm)), 0.0)
        c = np.cumsum(a * c_step[:, None, None, :], axis=-1)
        # cause-1 terms
        t4 = np.where(skm > 0, 1 - (1 - f[:, None, :]) / np.where(skm > 0, skm, 1.0), 1.0)
        t5 = np.where(nd1[:, None, :] > 1,
                      1 - (nd1[:, None, :] - 1) / (tr[:, None, :] * skmm - 1), 1.0)
        t3 = np.where(has & (nd1[:, None, :] > 0),
                      t5 * skmm * nd1[:, None, :] / (trs[:, None, :] * np.where(has, rs, 1.0)),
                      0.0)
        t3 = np.nan_to_num(t3)
        v3 = (t4 ** 2 * t3).sum(axis=-1)  # (b, k)
        b1 = a[:, :-1] - t4[:, None, :, :] * c[:, :-1]  # (b, k-1, k, m)
        v2 = (b1 * (t4 * t3)[:, None]).sum(axis=-1)
        v = np.einsum("bikm,bjkm,bkm->bij", b1, b1, t3)
        # cause-2 terms
        other = (skm > 0) & (d2 > 0)
        u4 = np.where(other, (1 - f[:, None, :]) / np.where(skm > 0, skm, 1.0), 0.0)
        u5 = np.where(d2 > 1, 1 - (d2 - 1) / (rs - 1), 1.0)
        u3 = np.nan_to_num(np.where(other, u5 * skmm ** 2 * d2 / np.where(has, rs, 1.0) ** 2,
                                    0.0))
        w = u4 ** 2 * u3
        v3 = v3 + w.sum(axis=-1)
        c1 = c[:, :-1]
        v2 = v2 - (c1 * w[:, None]).sum(axis=-1)
        v = v + np.einsum("bikm,bjkm,bkm->bij", c1, c1, w)
    cf = c1[..., -1]  # final c, (b, k-1, k)
    v = (v + np.einsum("bik,bjk,bk->bij", cf, cf, v3) + np.einsum("bik,bjk->bij", cf, v2)
         + np.einsum("bjk,bik->bij", cf, v2))
    out = np.full(v.shape[0], np.nan)
    full = np.linalg.matrix_rank(v) == v.shape[1]  # one SVD per matrix, the whole batch
    if full.any():
        solved = np.linalg.solve(v[full], score[full][..., None])[..., 0]
        out[full] = np.einsum("bi,bi->b", score[full], solved)
    return out


def gray_test(df, time: str, status: str, by: str, cause: int = 1,
              entry: str | None = None) -> GrayTestResult:
    """Gray's test that the cumulative incidence of ``cause`` is equal across groups of ``by``.

    Parameters
    ----------
    df : pandas.DataFrame or core.cohort.engine.CohortSource
    time, status : str
        Follow-up time (months) and status (0 censored, 1, 2, ... causes) columns.
    by : str
        Grouping column (two or more groups; groups without patients are dropped, as R does).
    cause : int
        The cause compared (default 1).
    entry : str, optional
        Refused with an :class:`AnalysisError` naming the column: cmprsk has no delayed
        entry.

    Returns
    -------
    GrayTestResult
        Statistic, degrees of freedom and p as ``cmprsk::cuminc(time, status, by)$Tests``.
    """
    refuse_entry("Gray's test", entry)
    return gray_test_data(competing_data(df, time, status, by), cause)


def gray_test_data(data: CompetingData, cause: int = 1) -> GrayTestResult:
    """:func:`gray_test` on checked :class:`CompetingData`."""
    time, code, labels, groups = _prepare(data, cause)
    onehot = (labels[None, None, :] == np.arange(len(groups))[None, :, None]).astype(float)
    statistic = float(_statistic(time, code, onehot)[0])
    dof = len(groups) - 1
    p = float(chi2.sf(statistic, dof)) if math.isfinite(statistic) else math.nan
    events = tuple(int((code[labels == k] == 1).sum()) for k in range(len(groups)))
    return GrayTestResult(statistic=statistic, dof=dof, p_value=p, cause=int(cause),
                          groups=tuple(groups), events=events)


def permutation_gray(df, time: str, status: str, by: str, cause: int = 1, *,
                     exact_limit: int = EXACT_LIMIT, n_resamples: int = MONTE_CARLO_RESAMPLES,
                     seed: int = SEED, entry: str | None = None) -> PermutationResult:
    """Permutation p-value of Gray's statistic over re-assignments of the group labels.

    Under equal cumulative incidence (and equal competing incidence) the labels are
    exchangeable; group sizes are kept. Exact enumeration up to ``exact_limit`` assignments,
    otherwise ``n_resamples`` seeded random ones. ``entry`` is refused as by
    :func:`gray_test`.
    """
    refuse_entry("Gray's test", entry)
    return permutation_gray_data(competing_data(df, time, status, by), cause,
                                 exact_limit=exact_limit, n_resamples=n_resamples, seed=seed)


def permutation_gray_data(data: CompetingData, cause: int = 1, *,
                          exact_limit: int = EXACT_LIMIT,
                          n_resamples: int = MONTE_CARLO_RESAMPLES,
                          seed: int = SEED) -> PermutationResult:
    """:func:`permutation_gray` of rows already checked by
    :func:`core.survival.competing.input.competing_data`."""
    time_, code, labels, groups = _prepare(data, cause)
    k = len(groups)
    return label_permutation_p(
        labels, groups, lambda onehot: np.nan_to_num(_statistic(time_, code, onehot),
                                                     nan=-np.inf),
        exact_limit=exact_limit, n_resamples=n_resamples, seed=seed,
        batch=max(1, min(500, MAX_CELLS // (10 * k * k * time_.size))))

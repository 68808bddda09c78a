"""Comparing survival curves: the log-rank test, its exact permutation version, and the trend test.

All three share one statistic computed from per-time counts of events and patients at risk
in each group (the observed-minus-expected vector and its hypergeometric covariance, as R's
``survdiff``). The log-rank and trend tests take those counts from the risk tables of
:mod:`core.survival.km.risktables` (built from the event-count table; O(K^2 x distinct times),
so a registry of any size, in memory or in an engine, costs what its count table costs); the
same tables carry strata (``survdiff(... + strata(s))``: per-stratum sums) and the
Fleming-Harrington weights S(t-)^rho (``survdiff(rho = )``). The permutation version
re-evaluates that statistic over re-assignments of the group labels: by full enumeration
(:mod:`core.survival.km.relabel`, scipy's rule in numpy) when the number of distinct
assignments is small enough, otherwise by Monte Carlo with a fixed seed (the draws and p of
:func:`scipy.stats.permutation_test`, built in batches by the same module), reporting the
simulation standard error.

References
----------
Mantel N. Evaluation of survival data and two new rank order statistics arising in its
consideration. Cancer Chemother Rep 1966;50:163-170. Peto R, Peto J. Asymptotically efficient
rank invariant test procedures. J R Stat Soc A 1972;135:185-207. Collett D. Modelling Survival
Data in Medical Research, 3rd ed. CRC 2015, section 2.6 (the test for trend).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from core.errors import AnalysisError
from core.survival.input import Exclusion, SurvivalData
from core.survival.km.counts import SurvivalCounts, counts_of, survival_counts
from core.survival.km.relabel import exact_greater_p, monte_carlo_greater_p
from core.survival.km.risktables import (
    RiskTables,
    fleming_harrington_weights,
    risk_tables,
    tables_of_counts,
)

EXACT_LIMIT = 200_000
"""Largest number of distinct group assignments enumerated exactly."""
MONTE_CARLO_RESAMPLES = 20_000
SEED = 20261125
"""Seed of the Monte Carlo permutation test, so the same data give the same p-value."""


@dataclass(frozen=True)
class LogRankResult:
    """Log-rank test of equal survival across groups (R ``survdiff``), possibly weighted
    (Fleming-Harrington ``rho``) or stratified.

    Attributes
    ----------
    statistic : float
        Chi-square statistic.
    dof : int
        Degrees of freedom as R's ``survdiff`` counts them: groups with expected events > 0,
        minus 1 (a group censored before the first event does not count).
    p_value : float
        From the chi-square distribution (1 when ``dof`` is 0, NaN without any event).
    groups : tuple of str
    observed, expected : tuple of float
        Observed and expected events per group, summed over strata; weighted by S(t-)^rho
        when ``rho`` is not 0 (as R's ``survdiff`` prints them).
    rho : float
        Fleming-Harrington exponent (0: the log-rank test).
    strata : str or None
        The stratifying column, if any.
    n_strata : int
        Strata with patients (1 without ``strata``).
    exclusions : tuple of Exclusion
        Rows left out and why.
    delayed_entry : bool
        True for the test with delayed entry: the score test of the Breslow Cox model
        (:mod:`core.survival.km.entry_logrank`), R ``coxph(...)$sctest``, not ``survdiff``.
    """

    statistic: float
    dof: int
    p_value: float
    groups: tuple[str, ...]
    observed: tuple[float, ...]
    expected: tuple[float, ...]
    rho: float = 0.0
    strata: str | None = None
    n_strata: int = 1
    exclusions: tuple[Exclusion, ...] = ()
    delayed_entry: bool = False

    @property
    def method(self) -> str:
        """The test in words, with the R call it equals."""
        if self.delayed_entry:
            return ("Log-rank test with delayed entry: the score test of the Breslow Cox model, "
                    "R summary(coxph(Surv(entry, time, event) ~ group, ties = \"breslow\"))"
                    "$sctest")
        return f"Log-rank test (Mantel-Cox, R survdiff rho = {self.rho:g})"


@dataclass(frozen=True)
class PermutationResult:
    """Permutation p-value of the log-rank statistic.

    Attributes
    ----------
    p_value : float
        Proportion of label assignments whose statistic is at least the observed one.
    exact : bool
        True when every distinct assignment was enumerated.
    n_resamples : int
        Assignments evaluated.
    mc_standard_error : float
        Monte Carlo standard error of ``p_value`` (0 when exact).
    seed : int or None
    """

    p_value: float
    exact: bool
    n_resamples: int
    mc_standard_error: float
    seed: int | None

    def describe(self) -> str:
        if self.exact:
            return f"exact, all {self.n_resamples:,} group assignments enumerated"
        return (f"Monte Carlo, {self.n_resamples:,} random assignments (seed {self.seed}), "
                f"simulation SE {self.mc_standard_error:.4f}")


@dataclass(frozen=True)
class TrendResult:
    """Log-rank test for trend across ordered groups (1 degree of freedom).

    Attributes
    ----------
    statistic, p_value : float
    groups : tuple of str
        Groups in the order the scores follow.
    scores : tuple of float
    """

    statistic: float
    p_value: float
    groups: tuple[str, ...]
    scores: tuple[float, ...]


def _present(groups: list[str]) -> list[str]:
    """The groups with patients, or the error when fewer than two have any."""
    if len(groups) < 2:
        raise AnalysisError(
            "The log-rank test compares groups, and only "
            f"{len(groups)} group has patients here ({', '.join(groups) or 'none'}). "
            "Fix: widen the filters or choose another stratifier.")
    return groups


def _design(data: SurvivalData) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Order rows by time and mark the first row of each distinct time."""
    groups = _present([g for g in data.groups if (data.group == g).any()])
    order = np.argsort(data.time, kind="stable")
    time = data.time[order]
    index = {g: k for k, g in enumerate(groups)}
    labels = np.array([index.get(g, -1) for g in data.group[order]], dtype=int)
    return time, data.event[order], labels, groups


def _observed_minus_expected(time: np.ndarray, event: np.ndarray, onehot: np.ndarray
                             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """O - E per group and its covariance, for a batch of group assignments.

    Parameters
    ----------
    time, event : arrays, shape (n,), sorted by time
    onehot : array, shape (b, k, n)
        Group membership of each (time-sorted) row for ``b`` assignments.

    Returns
    -------
    observed, o_minus_e : arrays, shape (b, k)
    covariance : array, shape (b, k, k)
    """
    starts = np.flatnonzero(np.r_[True, time[1:] != time[:-1]])
    at_risk = np.cumsum(onehot[..., ::-1], axis=-1)[..., ::-1][..., starts]  # (b, k, m)
    deaths = np.add.reduceat(onehot * event, starts, axis=-1)  # (b, k, m)
    return _compare(at_risk, deaths)


def _compare(at_risk: np.ndarray, deaths: np.ndarray, weight: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed, O - E and covariance from at-risk and event tables of shape (b, k, m).

    ``weight`` (shape (m,), default 1) multiplies each time's observed and expected events
    and, squared, its covariance (R ``survdiff``: observed and expected are then weighted)."""
    w = np.ones(at_risk.shape[-1]) if weight is None else weight
    n = at_risk.sum(axis=1, keepdims=True)  # (b, 1, m)
    d = deaths.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n > 0, at_risk / n, 0.0)
        factor = np.where(n > 1, d * (n - d) / (n - 1), 0.0)  # hypergeometric variance factor
    expected = (w * d * share).sum(axis=-1)
    observed = (w * deaths).sum(axis=-1)
    weighted = share * factor * w ** 2
    covariance = (weighted.sum(axis=-1)[..., None] * np.eye(share.shape[1])
                  - np.einsum("bim,bjm->bij", weighted, share))
    return observed, observed - expected, covariance


def _chi_square(o_minus_e: np.ndarray, covariance: np.ndarray) -> np.ndarray:
    """Quadratic form (O-E)' V^- (O-E) with a generalised inverse (R ``survdiff``)."""
    v = covariance[:, :-1, :-1]
    u = o_minus_e[:, :-1]
    return np.einsum("bi,bij,bj->b", u, np.linalg.pinv(v, hermitian=True), u)


def logrank(df, time: str, event: str, by: str, rho: float = 0.0,
            strata: str | None = None, entry: str | None = None) -> LogRankResult:
    """Log-rank test of equal survival across the groups of column ``by``.

    Parameters
    ----------
    df : pandas.DataFrame or core.cohort.engine.CohortSource
        One row per patient (in memory or in an engine).
    time, event : str
        Columns of follow-up time (months) and event indicator.
    by : str
        Grouping column.
    rho : float
        Fleming-Harrington weight S(t-)^rho, S the pooled Kaplan-Meier estimate (R
        ``survdiff(rho = )``): 0 (default) the log-rank test, which weights every event time
        alike; 1 the Peto-Peto generalised Wilcoxon test, which weights early differences
        more (useful when curves cross or separate early and converge later).
    strata : str, optional
        Column of strata (e.g. centre): the groups are compared within each stratum and the
        differences summed (R ``survdiff(Surv(time, event) ~ by + strata(s))``). Rows
        without a stratum are left out and counted.
    entry : str, optional
        Column of delayed-entry times on the clock of ``time`` (left truncation): the test is
        then the score test of ``coxph(Surv(entry, time, event) ~ factor(by) [+ strata(s)],
        ties = "breslow")``, R ``summary(fit)$sctest``
        (:func:`core.survival.km.entry_logrank.logrank_with_entry`); ``rho`` must be 0.

    Returns
    -------
    LogRankResult
        Chi-square, degrees of freedom and p as R's ``survdiff`` (with ``entry``: as R's
        score test).
    """
    rho = _checked_rho(rho)
    if entry is not None:
        from core.survival.km.entry_logrank import logrank_with_entry  # imports this module

        return logrank_with_entry(df, time, event, by, entry, rho, strata)
    if strata is None:
        return logrank_counts(survival_counts(df, time, event, by), rho)
    return logrank_tables(risk_tables(df, time, event, by, strata), rho, strata)


def _checked_rho(rho) -> float:
    try:
        value = float(rho)
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value) or value < 0:
        raise AnalysisError(f"The weight exponent rho must be a number >= 0, not {rho!r}. "
                            "Fix: use 0 for the log-rank test or 1 for the Peto-Peto test.")
    return value


def logrank_data(data: SurvivalData) -> LogRankResult:
    """:func:`logrank` on checked :class:`SurvivalData`."""
    return logrank_counts(counts_of(data))


def logrank_counts(counts: SurvivalCounts, rho: float = 0.0) -> LogRankResult:
    """:func:`logrank` on a checked event-count table (no strata)."""
    return logrank_tables(tables_of_counts(counts), rho)


def logrank_tables(tables: RiskTables, rho: float = 0.0, strata: str | None = None
                   ) -> LogRankResult:
    """:func:`logrank` on risk tables (:mod:`core.survival.km.risktables`)."""
    _present(list(tables.groups))
    weight = fleming_harrington_weights(tables, rho)
    observed, ome, cov = _compare(tables.at_risk, tables.deaths, weight)
    statistic = float(_chi_square(ome, cov)[0])
    dof, p_value = _dof_and_p(statistic, observed[0] - ome[0])
    return LogRankResult(statistic=statistic, dof=dof, p_value=p_value,
                         groups=tuple(tables.groups), observed=tuple(observed[0].tolist()),
                         expected=tuple((observed[0] - ome[0]).tolist()), rho=rho,
                         strata=strata, n_strata=len(tables.strata),
                         exclusions=tables.counts.exclusions)


def _dof_and_p(statistic: float, expected: np.ndarray) -> tuple[int, float]:
    """Degrees of freedom and p as R's ``survdiff``: df counts only the groups with expected
    events > 0 (a group whose patients all left before the first event adds nothing to the
    statistic), minus 1. With one such group R reports df 0 and p 1; with none (no events
    at all) p is undefined (NaN)."""
    informative = int((expected > 0).sum())
    if informative == 0:
        return 0, float("nan")
    dof = informative - 1
    return dof, float(chi2.sf(statistic, dof)) if dof > 0 else 1.0


def _assignments(sizes: list[int]) -> int:
    total, count = sum(sizes), 1
    for size in sizes:
        count *= math.comb(total, size)
        total -= size
    return count


def permutation_logrank(df, time: str, event: str, by: str, *, exact_limit: int = EXACT_LIMIT,
                        n_resamples: int = MONTE_CARLO_RESAMPLES, seed: int = SEED
                        ) -> PermutationResult:
    """Permutation p-value of the log-rank statistic over re-assignments of group labels.

    Under the null hypothesis of equal survival the group labels are exchangeable, so the
    p-value is the share of label assignments (group sizes fixed) whose chi-square is at
    least the observed one. Valid without large-sample approximations, which matters with a
    handful of events.

    Parameters
    ----------
    exact_limit : int
        Enumerate every distinct assignment when there are at most this many.
    n_resamples : int
        Random assignments otherwise (Monte Carlo, seeded).
    seed : int
        Seed of the Monte Carlo draw.
    """
    data = survival_counts(df, time, event, by).rows()
    return permutation_logrank_data(data, exact_limit=exact_limit, n_resamples=n_resamples,
                                    seed=seed)


def permutation_logrank_data(data: SurvivalData, *, exact_limit: int = EXACT_LIMIT,
                             n_resamples: int = MONTE_CARLO_RESAMPLES, seed: int = SEED
                             ) -> PermutationResult:
    """:func:`permutation_logrank` on checked rows."""
    time_, event_, labels, groups = _design(data)
    event_ = event_.astype(float)

    def chi_square(onehot: np.ndarray) -> np.ndarray:
        _, ome, cov = _observed_minus_expected(time_, event_, onehot)
        return _chi_square(ome, cov)

    return label_permutation_p(labels, groups, chi_square, exact_limit=exact_limit,
                               n_resamples=n_resamples, seed=seed, batch=2000)


def label_permutation_p(labels: np.ndarray, groups, statistic_of, *, exact_limit: int,
                        n_resamples: int, seed: int, batch: int) -> PermutationResult:
    """Permutation p-value of a K-sample statistic over re-assignments of group labels.

    Shared by the log-rank test and Gray's test. Group sizes are kept; every assignment is
    enumerated when there are at most ``exact_limit`` of them
    (:func:`core.survival.km.relabel.exact_greater_p`), otherwise ``n_resamples`` seeded
    random ones (:func:`core.survival.km.relabel.monte_carlo_greater_p`: scipy
    ``permutation_test``'s draws and p, ``alternative="greater"``).

    Parameters
    ----------
    labels : ndarray of int, shape (n,)
        Group code (0 .. K-1) of each patient, in the order ``statistic_of`` expects.
    groups : sequence of str
        Group names (for the message when a group has fewer than 2 patients).
    statistic_of : callable
        Maps a one-hot array of shape (batch, K, n) to the statistics, shape (batch,).
    batch : int
        Assignments scored at once (memory: batch x K x n).
    """
    k = len(groups)
    sizes = [int((labels == j).sum()) for j in range(k)]
    if min(sizes) < 2:
        lone = ", ".join(g for g, size in zip(groups, sizes, strict=True) if size < 2)
        raise AnalysisError(f"The permutation test needs at least 2 patients in every group; "
                            f"{lone} has 1. Fix: widen the filters or group differently.")
    total = _assignments(sizes)
    exact = total <= exact_limit or n_resamples >= total  # no fewer draws than assignments:
    if exact:  # every assignment, as scipy enumerates then (an exact p, no simulation error)
        p = exact_greater_p(labels, k, statistic_of, batch)
    else:  # scipy's permutation_test draws, statistics and p, in batches (relabel)
        p = monte_carlo_greater_p(labels, k, statistic_of, n_resamples,
                                  np.random.default_rng(seed), batch)
    used = total if exact else n_resamples
    return PermutationResult(p_value=p, exact=exact, n_resamples=int(used),
                             mc_standard_error=0.0 if exact else float(np.sqrt(p * (1 - p) / used)),
                             seed=None if exact else seed)


def logrank_trend(df, time: str, event: str, by: str, order: tuple[str, ...] | None = None,
                  scores: tuple[float, ...] | None = None) -> TrendResult:
    """Log-rank test for trend across ordered groups.

    Statistic (w'(O - E))^2 / (w' V w) with scores w (default 1, 2, 3, ... in ``order``),
    chi-square with 1 degree of freedom (Collett 2015, 2.6.2).

    Parameters
    ----------
    order : tuple of str, optional
        Group order; default the schema's (ELN 2022: favorable, intermediate, adverse).
        Groups without patients are skipped.
    scores : tuple of float, optional
        One score per group of ``order`` present in the data.
    """
    return logrank_trend_counts(survival_counts(df, time, event, by), order, scores)


def logrank_trend_counts(counts: SurvivalCounts, order: tuple[str, ...] | None = None,
                         scores: tuple[float, ...] | None = None) -> TrendResult:
    """:func:`logrank_trend` on a checked event-count table."""
    tables = tables_of_counts(counts)
    at_risk, deaths, groups = tables.at_risk, tables.deaths, _present(list(tables.groups))
    order = tuple(g for g in (order or counts.groups) if g in groups)
    if sorted(order) != sorted(groups):
        raise AnalysisError(f"The trend order {order} must list every group ({groups}). "
                            "Fix: give each group a place in the order.")
    w = np.asarray(scores if scores is not None else range(1, len(order) + 1), dtype=float)
    if w.size != len(order):
        raise AnalysisError(f"{w.size} scores for {len(order)} groups. Fix: one score per group.")
    rows = [groups.index(g) for g in order]
    _, ome, cov = _compare(at_risk[:, rows], deaths[:, rows])
    numerator = float(w @ ome[0]) ** 2
    denominator = float(w @ cov[0] @ w)
    statistic = numerator / denominator if denominator > 0 else float("nan")
    return TrendResult(statistic=statistic, p_value=float(chi2.sf(statistic, 1)),
                       groups=order, scores=tuple(w.tolist()))

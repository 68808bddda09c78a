"""Maximally selected log-rank statistic: the best cut-point of a numeric marker, honestly tested.

Design: a data-driven cut-point is the cut with the largest standardized log-rank statistic
among all cuts of the marker's sorted values inside a trimmed range (by default the 10% to 90%
quantiles). Every cut is scored in one pass: the patients' log-rank scores (computed once from
the survival times, O(n log n)) are sorted by the marker and cumulatively summed, so the linear
statistic of the cut "marker <= c" is a prefix sum and its permutation mean and variance are
closed forms (O(n + cuts), no loop over patients). The maximum of many correlated tests is not
a single test: the p-value of the chosen cut must account for the search. Three honest
p-values are offered: Lausen & Schumacher's (1992) approximation (``p_value``, R's default),
the exact p of the Gaussian limit of the whole curve (``exact_gauss_p``, computed by a
one-dimensional recursion because the limit is a standardized Brownian bridge, a Markov
process: :mod:`.gauss`), and a seeded permutation p (:func:`permutation_max_logrank`). The
naive p of the chosen cut alone is never reported.

Conventions follow R's ``maxstat`` 0.7-25 (``maxstat.test(Surv(time, event) ~ marker,
smethod = "LogRank", pmethod = "Lau92")``) exactly:

- log-rank scores of ``exactRankTests::cscores.Surv``: ``event - cumsum(event / (N - r + 1))``
  where r is the rank of the time with ties given the *largest* rank (so tied times share the
  denominator of the last of them; with distinct times these are the usual log-rank scores);
- candidate cuts are the distinct marker values except the largest; the cut at value v puts
  m = #(marker <= v) patients in the lower group, and is kept when
  max(1, floor(N minprop)) <= m <= floor(N maxprop) (with ``minprop = 0, maxprop = 1``,
  maxstat keeps every cut but the first and the last distinct value: reproduced);
- the statistic of a cut is |S_m - m/N sum(y)| / sqrt(V_m), S_m the sum of the scores of the
  lower group and V_m = m (N - m) / (N^2 (N - 1)) (N sum(y^2) - sum(y)^2) the permutation
  (conditional) variance; not the ``survdiff`` chi-square;
- the cut-point reported (``estimate``) is the largest marker value of the lower group at the
  first cut reaching the maximum;
- ``pLausen92(b) = 4 phi(b) / b + phi(b) (b - 1 / b) log(maxprop (1 - minprop) /
  ((1 - maxprop) minprop))``, 1 when b < 1, floored at 0 and *not* capped at 1 (R's value; a
  wide range and a small statistic can give a value above 1, which reads "no evidence").

R accumulates sums in long double; so does this module where R does, so the same cut wins
when two cuts are equal up to rounding.

References
----------
Lausen B, Schumacher M. Maximally selected rank statistics. Biometrics 1992;48:73-85.
Hothorn T, Lausen B. On the exact distribution of maximally selected rank statistics. Comput
Stat Data Anal 2003;43:121-137. Hothorn T. maxstat: Maximally Selected Rank Statistics, R
package 0.7-25 (2017). Altman DG, Lausen B, Sauerbrei W, Schumacher M. Dangers of using
"optimal" cutpoints in the evaluation of prognostic factors. J Natl Cancer Inst 1994;86:829-835.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.stats import norm, permutation_test

from core.cohort.engine import columns_frame
from core.errors import AnalysisError
from core.survival.cutpoint.gauss import exact_gauss_p
from core.survival.input import Exclusion, survival_data
from core.survival.km.logrank import SEED, PermutationResult
from core.survival.km.relabel import TOLERANCE

METHOD = ("maximally selected log-rank statistic (standardized with the permutation variance; "
          "R maxstat, smethod = \"LogRank\")")
PERMUTATION_RESAMPLES = 2_000
PERMUTATION_BUDGET = 20_000_000
"""Patients x resamples a page computes (about 1.5 s); see :func:`permutation_resamples`."""
FIRST_MARKERS = ("age", "wbc", "blasts_pct")
CURVE_COLUMNS = ["cut", "n_below", "n_above", "events_below", "events_above", "statistic"]


@dataclass(frozen=True)
class CutpointResult:
    """The maximally selected log-rank statistic of one marker (R ``maxstat.test``).

    Attributes
    ----------
    cutpoint : float
        The chosen cut: groups are ``marker <= cutpoint`` and ``marker > cutpoint`` (R's
        ``estimate``), in the marker's unit.
    statistic : float
        The maximal standardized log-rank statistic (R's ``statistic``, "M").
    p_value : float
        Lausen & Schumacher (1992) approximation for the maximum over the cuts, with the
        ``minprop`` and ``maxprop`` asked for (R ``pmethod = "Lau92"``). May exceed 1 (R's
        formula is not capped); read a value >= 1 as "no evidence".
    exact_gauss_p : float or None
        P(max |Z| >= statistic) for the Gaussian limit of the curve (R ``pmethod =
        "exactGauss"``), None when the recursion would be too costly (see ``notes``).
    minprop, maxprop : float
        The trimmed range of the lower group's share.
    curve : pandas.DataFrame
        One row per candidate cut, columns ``cut`` (marker value, lower group is <= cut),
        ``n_below``, ``n_above``, ``events_below``, ``events_above``, ``statistic``
        (standardized, absolute).
    marker : str
    n, events : int
        Patients and events analysed.
    exclusions : tuple of Exclusion
        Rows left out (no time, event or marker value) and why.
    notes : tuple of str
    method : str
    """

    cutpoint: float
    statistic: float
    p_value: float
    exact_gauss_p: float | None
    minprop: float
    maxprop: float
    curve: pd.DataFrame
    marker: str
    n: int
    events: int
    exclusions: tuple[Exclusion, ...] = ()
    notes: tuple[str, ...] = ()
    method: str = METHOD

    @property
    def estimate(self) -> float:
        """R's name for :attr:`cutpoint`."""
        return self.cutpoint


@dataclass(frozen=True)
class _Prepared:
    x: np.ndarray          # marker sorted (stable), shape (N,)
    y: np.ndarray          # log-rank scores in the same order
    event: np.ndarray      # events in the same order
    m: np.ndarray          # lower-group sizes of the candidate cuts
    exclusions: tuple[Exclusion, ...]


def logrank_scores(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """Log-rank (Savage) scores of right-censored times, as ``exactRankTests::cscores.Surv``.

    Parameters
    ----------
    time : numpy.ndarray of float, shape (n,)
        Follow-up times (any unit).
    event : numpy.ndarray, shape (n,)
        1 for an event, 0 for censored.

    Returns
    -------
    numpy.ndarray of float, shape (n,)
        ``event - cumsum(event / (n - r + 1))`` evaluated at each patient's rank r, ties in
        time given the largest rank; O(n log n).
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    n = time.size
    order = np.argsort(time, kind="stable")
    sorted_time = time[order]
    # rank with ties -> the largest rank (number of times <= t), 1-based
    rank = np.searchsorted(sorted_time, time, side="right")
    fact = event[order] / (n - np.searchsorted(sorted_time, sorted_time, side="right") + 1)
    cumulative = np.cumsum(fact.astype(np.longdouble)).astype(float)
    return event - cumulative[rank - 1]


def _cut_sizes(x_sorted: np.ndarray, minprop: float, maxprop: float) -> np.ndarray:
    """Lower-group sizes m of maxstat's candidate cuts (``cmaxstat``)."""
    n = x_sorted.size
    first = np.r_[True, x_sorted[1:] != x_sorted[:-1]]
    m = np.flatnonzero(first).astype(float)  # number of patients below each distinct value
    if minprop == 0 and maxprop == 1:
        if m.size < 3:
            raise AnalysisError(f"minprop = 0 and maxprop = 1 need at least 3 distinct marker "
                                f"values; there are {m.size}. Fix: use a marker with more "
                                "values, or minprop > 0.")
        return m[1:-1]
    low, high = math.floor(n * minprop), math.floor(n * maxprop)
    if np.all(m < low):
        raise AnalysisError(f"minprop too large: with minprop = {minprop:g} the lower group "
                            f"needs at least {low} of {n} patients, and no cut gives that. "
                            "Fix: lower minprop.")
    # R's "maxprop too small" branch cannot fire: m always holds 0 (the first distinct value)
    m = m[(m >= max(1, low)) & (m <= high)]
    if m.size < 1:
        raise AnalysisError(f"No cut of the marker leaves between {minprop:.0%} and "
                            f"{maxprop:.0%} of the {n} patients in the lower group (ties in "
                            "the marker). Fix: widen minprop/maxprop.")
    return m


def _prepare(df: pd.DataFrame, time: str, event: str, marker: str, minprop: float,
             maxprop: float) -> _Prepared:
    if not (0 <= minprop <= maxprop <= 1) or (minprop == maxprop):
        raise AnalysisError(f"minprop and maxprop must satisfy 0 <= minprop < maxprop <= 1 "
                            f"(got minprop = {minprop!r}, maxprop = {maxprop!r}). Fix: e.g. "
                            "minprop = 0.1, maxprop = 0.9.")
    if marker not in df.columns:
        raise AnalysisError(f"Column `{marker}` is not in the cohort. Fix: choose a numeric "
                            "column of the cohort as the marker.")
    df = columns_frame(df, (time, event, marker))  # an engine source: these columns only
    values = pd.to_numeric(df[marker], errors="coerce")
    bad = df[marker].notna() & values.isna()
    if bad.any() or pd.api.types.is_bool_dtype(df[marker]):
        shown = ", ".join(map(repr, pd.unique(df.loc[bad, marker].astype(str))[:5]))
        raise AnalysisError(f"The marker `{marker}` must be numeric to be cut; it holds "
                            f"{shown or 'true/false values'}. Fix: choose a numeric column.")
    keep = [c for c in ("patient_id", time, event) if c in df.columns]
    work = df[keep].copy()
    work[marker] = values.astype(float)
    data = survival_data(work, time, event, by=marker, capped=False)  # a marker's values
    x = np.asarray(data.group, dtype=float)  # group labels round-trip the float exactly
    order = np.argsort(x, kind="stable")
    y = logrank_scores(data.time, data.event.astype(float))
    if data.n < 2 or not data.event.any():
        raise AnalysisError(f"The cut-point search needs events: {data.n} patients with "
                            f"{int(data.event.sum())} events. Fix: widen the filters or "
                            "choose another endpoint.")
    x_sorted = x[order]
    return _Prepared(x=x_sorted, y=y[order], event=data.event[order].astype(int),
                     m=_cut_sizes(x_sorted, minprop, maxprop), exclusions=data.exclusions)


def _standardized(y: np.ndarray, m: np.ndarray, precise: bool = True) -> np.ndarray:
    """|S_m - E_m| / sqrt(V_m) for scores ``y`` (shape (..., N)) at lower-group sizes m,
    in R's order of operations (long double sums, as R's ``sum`` and ``cumsum``, unless
    ``precise`` is False: the permutation resamples need no last-bit agreement)."""
    n = y.shape[-1]
    long = y.astype(np.longdouble) if precise else y
    ss = long.sum(axis=-1, keepdims=True).astype(float)
    sq = (y * y).astype(np.longdouble).sum(axis=-1, keepdims=True).astype(float)
    prefix = np.cumsum(long, axis=-1).astype(float)[..., m.astype(int) - 1]
    expected = m / n * ss
    variance = m * (n - m) / (float(n) ** 2 * (n - 1)) * (n * sq - ss ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.abs((prefix - expected) / np.sqrt(variance))


def lausen92_p(statistic: float, minprop: float = 0.1, maxprop: float = 0.9) -> float:
    """Lausen & Schumacher (1992) approximation of P(max statistic >= b), as R's
    ``maxstat::pLausen92`` (1 when b < 1, floored at 0, not capped at 1; infinite, as in R,
    when ``minprop = 0`` or ``maxprop = 1``: the approximation needs a trimmed range)."""
    b = float(statistic)
    if b < 1:
        return 1.0
    if minprop == 0 or maxprop == 1:
        return math.inf  # R: log(Inf); the approximation needs a trimmed range
    db = norm.pdf(b)
    p = 4 * db / b + db * (b - 1 / b) * math.log((maxprop * (1 - minprop))
                                                  / ((1 - maxprop) * minprop))
    return max(p, 0.0)


def lausen92_critical(alpha: float = 0.05, minprop: float = 0.1, maxprop: float = 0.9
                      ) -> float:
    """The statistic whose Lausen-Schumacher p is ``alpha`` (R ``maxstat::qLausen92``, which
    minimises |pLausen92(b) - alpha| over [0, 10]; solved here by root finding on [1, 10])."""
    return float(brentq(lambda b: lausen92_p(b, minprop, maxprop) - alpha, 1.0 + 1e-9, 10.0,
                        xtol=1e-12))


def max_logrank(df: pd.DataFrame, time: str, event: str, marker: str, minprop: float = 0.1,
                maxprop: float = 0.9) -> CutpointResult:
    """The cut of ``marker`` with the largest standardized log-rank statistic, and its
    search-corrected p-values (R ``maxstat.test(Surv(time, event) ~ marker, smethod =
    "LogRank", pmethod = "Lau92", minprop, maxprop)``).

    Parameters
    ----------
    df : pandas.DataFrame or core.cohort.engine.CohortSource
        One row per patient (from an engine, only the three columns are fetched).
    time, event : str
        Follow-up time (months) and event indicator (1 = event, 0 = censored) columns.
    marker : str
        Numeric column to cut (age in years, WBC x10^9/L, ...).
    minprop, maxprop : float
        The lower group holds between ``floor(N minprop)`` (at least 1) and
        ``floor(N maxprop)`` patients (defaults: the 10% to 90% range).

    Returns
    -------
    CutpointResult

    Raises
    ------
    AnalysisError
        The marker is absent or not numeric, there are no events, or no cut falls in the
        range (the message says which, and what to change).
    """
    prep = _prepare(df, time, event, marker, minprop, maxprop)
    stats = _standardized(prep.y, prep.m)
    if not np.isfinite(stats).any():
        raise AnalysisError("Every patient has the same log-rank score (all events at one "
                            "time, or none), so no cut can be scored. Fix: widen the filters.")
    best = float(np.nanmax(stats))
    chosen = int(np.flatnonzero(stats == best)[0])
    n = prep.x.size
    idx = prep.m.astype(int)
    events_below = np.cumsum(prep.event)[idx - 1]
    curve = pd.DataFrame({"cut": prep.x[idx - 1], "n_below": idx, "n_above": n - idx,
                          "events_below": events_below,
                          "events_above": int(prep.event.sum()) - events_below,
                          "statistic": stats})
    notes = []
    gauss = None
    if not (minprop == 0 and maxprop == 1):
        gauss = exact_gauss_p(best, prep.m, n)
        if gauss is None:
            notes.append(f"The exact Gaussian p is not computed for {prep.m.size} cuts of "
                         f"{n} patients (too costly); read the Lausen-Schumacher and "
                         "permutation p-values.")
    return CutpointResult(cutpoint=float(prep.x[idx[chosen] - 1]), statistic=best,
                          p_value=lausen92_p(best, minprop, maxprop), exact_gauss_p=gauss,
                          minprop=minprop, maxprop=maxprop, curve=curve, marker=marker, n=n,
                          events=int(prep.event.sum()), exclusions=prep.exclusions,
                          notes=tuple(notes))


def permutation_resamples(n: int) -> int:
    """Resamples for ``n`` patients within :data:`PERMUTATION_BUDGET`: 2,000 up to 10,000
    patients, fewer (at least 200) beyond, where the Gaussian p-values are accurate anyway."""
    return int(min(PERMUTATION_RESAMPLES, max(200, PERMUTATION_BUDGET // max(n, 1))))


def permutation_max_logrank(df: pd.DataFrame, time: str, event: str, marker: str,
                            minprop: float = 0.1, maxprop: float = 0.9, *,
                            n_resamples: int = PERMUTATION_RESAMPLES, seed: int = SEED
                            ) -> PermutationResult:
    """Permutation p-value of the maximally selected log-rank statistic (R ``maxstat``
    ``pmethod = "condMC"``).

    The marker values are re-assigned at random to the patients' (time, event) pairs; each
    re-assignment is searched over the same cuts as the data, so the p-value accounts for the
    search. Monte Carlo with a fixed seed: p = (1 + #{max* >= max}) / (1 + resamples) (every
    ordering is enumerated when there are at most ``n_resamples`` of them, i.e. n <= 6).
    Vectorised: the resamples are scored in batches of about 2 x 10^6 numbers.

    Parameters
    ----------
    n_resamples : int
        Random re-assignments (default 2,000).
    seed : int

    Returns
    -------
    PermutationResult
    """
    prep = _prepare(df, time, event, marker, minprop, maxprop)

    def statistic(y, axis=-1):
        return np.nanmax(_standardized(np.atleast_2d(y), prep.m, precise=False), axis=-1)

    batch = max(1, 2_000_000 // prep.y.size)
    rng = np.random.default_rng(seed)
    exact = _orders_at_most(prep.y.size, n_resamples)  # scipy then enumerates every order
    if exact:
        result = permutation_test((prep.y,), statistic, permutation_type="pairings",
                                  vectorized=True, n_resamples=n_resamples,
                                  alternative="greater", batch=batch, rng=rng)
        p, used = float(result.pvalue), math.factorial(prep.y.size)
    else:
        p, used = _monte_carlo_p(prep.y, statistic, n_resamples, batch, rng), n_resamples
    return PermutationResult(p_value=p, exact=exact, n_resamples=used,
                             mc_standard_error=0.0 if exact else float(np.sqrt(p * (1 - p) / used)),
                             seed=None if exact else seed)


def _orders_at_most(n: int, limit: int) -> bool:
    """Whether n! <= limit, without computing n! (math.factorial(10^5) takes 0.2 CPU-s)."""
    total = 1
    for k in range(2, n + 1):
        total *= k
        if total > limit:
            return False
    return True


def _monte_carlo_p(y: np.ndarray, statistic, n_resamples: int, batch: int,
                   rng: np.random.Generator) -> float:
    """The p-value of ``scipy.stats.permutation_test((y,), statistic, permutation_type=
    "pairings", vectorized=True, alternative="greater", n_resamples, batch, rng)`` when it
    draws at random (n! > n_resamples): the same orders from the same stream (scipy's
    ``rng.permuted`` of a (batch, 1, n) tile of indices per batch), the same comparison and
    rounding, without the factorial of n scipy computes first (proven bitwise equal in
    ``tests/core/survival/cutpoint/test_permutation.py``)."""
    observed = statistic(y, axis=-1)
    batch = min(batch, n_resamples)
    indices = np.tile(np.arange(y.size), (batch, 1, 1))
    null = []
    for start in range(0, n_resamples, batch):
        drawn = rng.permuted(indices, axis=-1)[:min(batch, n_resamples - start)]
        null.append(statistic(y[drawn[:, 0, :]], axis=-1))
    gamma = np.abs(TOLERANCE * observed)  # scipy's rule, as the log-rank's permutations
    count = np.count_nonzero(np.concatenate(null) >= observed - gamma, axis=0) + 1
    return float(np.clip(np.asarray(count, dtype=float) / (n_resamples + 1), 0.0, 1.0))


def marker_options(cohort: pd.DataFrame) -> list[str]:
    """Numeric columns that can be cut: age, WBC and blasts first, then any other numeric
    column with at least 3 distinct values (an uploaded marker), never the patient id or an
    endpoint's time or event column."""
    def usable(column: str) -> bool:
        values = cohort[column]
        return (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
                and values.dropna().nunique() >= 3)
    others = [c for c in cohort.columns if c not in FIRST_MARKERS and c != "patient_id"
              and not str(c).endswith(("_months", "_event"))]
    return [c for c in (*FIRST_MARKERS, *others) if c in cohort.columns and usable(c)]


def split_name(result: CutpointResult) -> str:
    """Name of the two-group column of :func:`with_split`, e.g. ``"age split at 69"``."""
    return f"{result.marker} split at {result.cutpoint:g}"


def with_split(cohort: pd.DataFrame, result: CutpointResult) -> pd.DataFrame:
    """``cohort`` with the column :func:`split_name`: ``"<= c"`` or ``"> c"`` (missing marker
    stays missing), for Kaplan-Meier curves of the chosen cut. The column is a pandas
    Categorical with the low group first, so every figure, table and model orders the two
    groups low, high (:mod:`core.cohort.coding`)."""
    values = pd.to_numeric(cohort[result.marker], errors="coerce")
    low, high = f"<= {result.cutpoint:g}", f"> {result.cutpoint:g}"
    labels = np.where(values <= result.cutpoint, low, high).astype(object)
    labels[values.isna().to_numpy()] = None
    split = pd.Categorical(labels, categories=[low, high])
    return cohort.assign(**{split_name(result): split})

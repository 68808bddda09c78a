"""Kaplan-Meier estimation, landmark survival, medians and numbers at risk.

Design: every estimate is computed from an *event-count table*, one row per group and
distinct time with the number of events and censorings (:func:`event_counts`). For the 19
patients of the study that table has a few dozen rows; for a registry of 10^6 patients it has
one row per distinct month per group, and the same table can come straight from a database::

    SELECT grp AS "group", time, SUM(event) AS n_event, SUM(1 - event) AS n_censor
    FROM cohort GROUP BY grp, time

and be handed to :func:`kaplan_meier_from_counts`. scikit-survival's
``kaplan_meier_estimator`` takes one row per patient and returns neither numbers at risk nor
standard errors, so the product-limit and Greenwood formulas are applied to the counts here;
the tests pin the results to scikit-survival's estimator (1e-12) and to R's ``survfit``
(1e-6).

Conventions follow R's survival package (``survfit``, ``summary.survfit``): Greenwood
variance; pointwise confidence intervals on the log-log scale (``conf.type = "log-log"``),
undefined (NaN) where the estimate is 1 or 0; medians and their intervals by the rules of
``print.survfit``; restricted means by those of ``print(fit, rmean = horizon)``.

References
----------
Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. J Am Stat Assoc
1958;53:457-481. Greenwood M. The natural duration of cancer. Rep Public Health Med Subj 1926;
33:1-26. Kalbfleisch JD, Prentice RL. The Statistical Analysis of Failure Time Data, 2nd ed.
Wiley 2002 (log-log intervals). Therneau TM. A Package for Survival Analysis in R (survival).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from core.errors import AnalysisError
from core.survival.input import ALL, Exclusion, SurvivalData, survival_data
from core.survival.km.counts import (
    SurvivalCounts,
    count_table,
    counts_of,
    risk_set_sizes,
    survival_counts,
)

KM_COLUMNS = ["group", "time", "n_risk", "n_event", "n_censor", "survival", "std_err",
              "ci_lower", "ci_upper"]
CI_METHOD = "Greenwood variance, log-log pointwise confidence interval"
ENTRY_METHOD = ("delayed entry (left truncation): a patient is at risk from entry to the end of "
                "follow-up, R Surv(entry, time, event)")
_TOLERANCE = np.sqrt(np.finfo(float).eps)  # R's tolerance when a curve sits exactly at 0.5


@dataclass(frozen=True)
class KaplanMeierResult:
    """A Kaplan-Meier fit, one table of parallel columns as R's ``survfit`` reports it.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``group, time, n_risk, n_event, n_censor, survival, std_err, ci_lower,
        ci_upper``: one row per distinct observed time (event or censoring) per group.
        ``std_err`` is the Greenwood standard error of ``survival`` (R's
        ``summary(fit)$std.err``); times in the unit of the input (months here).
    groups : tuple of str
        Groups in display order.
    n : dict of str to int
        Patients per group.
    events : dict of str to int
        Events per group.
    conf_level : float
        Level of the pointwise intervals.
    exclusions : tuple of Exclusion
        Rows left out and why.
    method : str
        The estimator and interval, for captions.
    delayed_entry : bool
        True when patients entered the risk sets at their entry times (``n_risk`` then
        counts patients with entry < time <= end, and can rise between two times).
    """

    table: pd.DataFrame
    groups: tuple[str, ...]
    n: dict[str, int]
    events: dict[str, int]
    conf_level: float
    exclusions: tuple[Exclusion, ...] = ()
    method: str = f"Kaplan-Meier product-limit estimate; {CI_METHOD}"
    delayed_entry: bool = False

    def group_table(self, group: str) -> pd.DataFrame:
        """The rows of one group (their positions are found once per fit)."""
        positions = self.__dict__.get("_positions")
        if positions is None:
            positions = _group_rows(self.table, self.groups, None)[1]
            object.__setattr__(self, "_positions", positions)
        return self.table.iloc[positions.get(group, np.zeros(0, np.int64))]


def event_counts(data: SurvivalData) -> pd.DataFrame:
    """Events and censorings per group and distinct time.

    Parameters
    ----------
    data : SurvivalData
        From :func:`core.survival.input.survival_data`.

    Returns
    -------
    pandas.DataFrame
        Columns ``group, time, n_event, n_censor`` sorted by group order then time.
    """
    return count_table(data)


def kaplan_meier_from_counts(counts: pd.DataFrame, conf_level: float = 0.95,
                             groups: tuple[str, ...] | None = None,
                             codes: np.ndarray | None = None) -> pd.DataFrame:
    """Kaplan-Meier table from an event-count table (the scalable core of this module).

    Parameters
    ----------
    counts : pandas.DataFrame
        Columns ``group, time, n_event, n_censor`` (one row per group and distinct time, as
        :func:`event_counts` or a ``GROUP BY`` query gives them). An optional ``n_risk``
        column (patients at risk just before each time) is used as given: counting-process
        data with late entry, where the risk set is not the reverse sum of later exits
        (:mod:`core.survival.timedep.km`); without it ``n_risk`` is that reverse sum.
    conf_level : float
        Level of the pointwise log-log intervals, in (0, 1).
    groups : tuple of str, optional
        Group order of the output; default: order of first appearance.
    codes : numpy.ndarray of int, optional
        Position in ``groups`` of each count row's group (spares matching labels row by row
        on long tables, e.g. continuous times of a registry).

    Returns
    -------
    pandas.DataFrame
        Columns ``group, time, n_risk, n_event, n_censor, survival, std_err, ci_lower,
        ci_upper`` (see :class:`KaplanMeierResult`).
    """
    if not 0 < conf_level < 1:
        raise AnalysisError(f"conf_level must be between 0 and 1, not {conf_level!r}. "
                            "Fix: use e.g. 0.95 for 95% intervals.")
    z = norm.ppf(0.5 + conf_level / 2)
    parts = []
    groups, positions = _group_rows(counts, groups, codes)
    for group in groups:
        rows = counts.iloc[positions.get(group, np.zeros(0, np.int64))]
        if not rows["time"].is_monotonic_increasing:
            rows = rows.sort_values("time", kind="stable")
        d = rows["n_event"].to_numpy(dtype=float)
        c = rows["n_censor"].to_numpy(dtype=float)
        n_risk = (rows["n_risk"].to_numpy(dtype=float) if "n_risk" in rows.columns
                  else np.cumsum((d + c)[::-1])[::-1])
        with np.errstate(divide="ignore", invalid="ignore"):
            surv = np.cumprod(1.0 - d / n_risk)
            terms = np.where(d > 0, d / (n_risk * (n_risk - d)), 0.0)
            var_log = np.cumsum(terms)  # Greenwood: var of log S (inf once S reaches 0)
            se_log = np.sqrt(var_log)
            std_err = np.where(surv > 0, surv * se_log, np.nan)
            defined = (surv > 0) & (surv < 1)
            log_s = np.log(np.where(defined, surv, 0.5))
            shift = z * se_log / log_s
            lower = np.where(defined, np.exp(-np.exp(np.log(-log_s) - shift)), np.nan)
            upper = np.where(defined, np.exp(-np.exp(np.log(-log_s) + shift)), np.nan)
        parts.append(pd.DataFrame({
            "group": group, "time": rows["time"].to_numpy(dtype=float),
            "n_risk": n_risk.astype(np.int64), "n_event": d.astype(np.int64),
            "n_censor": c.astype(np.int64), "survival": surv, "std_err": std_err,
            "ci_lower": lower, "ci_upper": upper}))
    if not parts:
        return pd.DataFrame({name: [] for name in KM_COLUMNS})
    return pd.concat(parts, ignore_index=True)[KM_COLUMNS]


def _group_rows(counts: pd.DataFrame, groups: tuple[str, ...] | None,
                codes: np.ndarray | None) -> tuple[tuple[str, ...], dict[str, np.ndarray]]:
    """The groups and the row positions of each in a count table."""
    if codes is None or groups is None:
        found, uniques = pd.factorize(counts["group"])
        labels = [str(u) for u in uniques]
        groups = groups or tuple(dict.fromkeys(labels))
        codes = np.array([groups.index(u) if u in groups else len(groups) for u in labels],
                         dtype=np.int64)[found] if len(counts) else np.zeros(0, np.int64)
    if codes.size and (np.diff(codes) >= 0).all():  # sorted by group: slices, no copy
        edges = np.searchsorted(codes, np.arange(len(groups) + 1))
        return groups, {g: slice(int(edges[k]), int(edges[k + 1]))
                        for k, g in enumerate(groups)}
    order = np.argsort(codes, kind="stable")
    edges = np.searchsorted(codes[order], np.arange(len(groups) + 1))
    return groups, {g: order[edges[k]:edges[k + 1]] for k, g in enumerate(groups)}


def kaplan_meier(df: pd.DataFrame, time: str, event: str, by: str | None = None,
                 conf_level: float = 0.95, entry: str | None = None) -> KaplanMeierResult:
    """Kaplan-Meier estimate per group with Greenwood log-log intervals (R ``survfit``).

    Parameters
    ----------
    df : pandas.DataFrame or core.cohort.engine.CohortSource
        One row per patient (in memory, or in an engine: :func:`core.cohort.open_cohort`).
    time, event : str
        Columns of follow-up time (months) and event indicator (1 = event, 0 = censored).
    by : str, optional
        Stratifying column; None gives one group labelled ``"All"``.
    conf_level : float
        Level of the pointwise intervals (default 0.95).
    entry : str, optional
        Column of delayed-entry times on the clock of ``time`` (left truncation): a patient
        is at risk at t when entry < t <= time, as R ``survfit(Surv(entry, time, event) ~
        by)``. A row whose entry equals its time is left out and counted (R drops it).

    Returns
    -------
    KaplanMeierResult
        ``.table`` has one row per distinct observed time (event or censoring; entry times
        alone make no row, as in R) per group (see the class).
    """
    return fit_counts(survival_counts(df, time, event, by, entry), conf_level)


def fit_counts(counts: SurvivalCounts, conf_level: float = 0.95) -> KaplanMeierResult:
    """:func:`kaplan_meier` from a checked count table
    (:func:`core.survival.km.counts.survival_counts`)."""
    table = kaplan_meier_from_counts(counts.table, conf_level, counts.groups, counts.codes)
    per_group = counts.per_group()
    method = KaplanMeierResult.method + (f"; {ENTRY_METHOD}" if counts.delayed_entry else "")
    fit = KaplanMeierResult(table=table, groups=counts.groups,
                            n={g: int(per_group.at[g, "n"]) for g in counts.groups},
                            events={g: int(per_group.at[g, "events"]) for g in counts.groups},
                            conf_level=conf_level, exclusions=counts.exclusions,
                            method=method, delayed_entry=counts.delayed_entry)
    # the KM table has the count table's rows, group after group: its slices are known
    edges = np.r_[0, np.cumsum(np.bincount(counts.codes, minlength=len(counts.groups)))]
    object.__setattr__(fit, "_positions", {g: slice(int(edges[k]), int(edges[k + 1]))
                                           for k, g in enumerate(counts.groups)})
    return fit


def _fit(data: SurvivalData, conf_level: float) -> KaplanMeierResult:
    return fit_counts(counts_of(data), conf_level)


def _lookup(rows: pd.DataFrame, times: np.ndarray, group: str) -> pd.DataFrame:
    """R's ``summary(fit, times)`` for one group's KM rows: the estimate at the last time
    <= t, and ``n.risk`` of the first time >= t (before the first time: its number at risk,
    the whole group without delayed entry)."""
    observed = rows["time"].to_numpy()
    out = []
    if observed.size == 0:
        return pd.DataFrame()
    for t in np.sort(np.atleast_1d(np.asarray(times, dtype=float))):
        if t > observed[-1]:
            continue  # R omits times after the group's last observation (extend = FALSE)
        if t < observed[0]:
            out.append((group, t, 1.0, 0.0, 1.0, 1.0, int(rows["n_risk"].iloc[0])))
            continue
        last = rows.iloc[int(np.searchsorted(observed, t, side="right")) - 1]
        at_risk = int(rows["n_risk"].iloc[int(np.searchsorted(observed, t, side="left"))])
        out.append((group, t, last["survival"], last["std_err"], last["ci_lower"],
                    last["ci_upper"], at_risk))
    return pd.DataFrame(out, columns=["group", "time", "survival", "std_err", "ci_lower",
                                      "ci_upper", "n_risk"])


def survival_at(df: pd.DataFrame, time: str, event: str, times, by: str | None = None,
                conf_level: float = 0.95, entry: str | None = None) -> pd.DataFrame:
    """Survival at fixed times with log-log intervals, as R's ``summary(fit, times = ...)``.

    Parameters
    ----------
    df : pandas.DataFrame or core.cohort.engine.CohortSource
        One row per patient (in memory or in an engine).
    time, event : str
        Columns of follow-up time (months) and event indicator.
    times : sequence of float
        Landmark times (months).
    by : str, optional
        Stratifying column.
    conf_level : float
        Level of the intervals.
    entry : str, optional
        Column of delayed-entry times (see :func:`kaplan_meier`); equals R's
        ``summary(survfit(Surv(entry, time, event) ~ by, conf.type = "log-log"), times =)``.

    Returns
    -------
    pandas.DataFrame
        Columns ``group, time, survival, std_err, ci_lower, ci_upper, n_risk``. A time before
        a group's first observation gives survival 1 with interval (1, 1); a time after its
        last observation is omitted (the curve is not extrapolated). ``n_risk`` is R's: the
        number at risk at the group's first observed time >= the time (without delayed
        entry, the patients still under observation at that time).
    """
    fit = kaplan_meier(df, time, event, by, conf_level, entry)
    return landmarks(fit, times)


def landmarks(fit: KaplanMeierResult, times) -> pd.DataFrame:
    """:func:`survival_at` from a fitted :class:`KaplanMeierResult`."""
    times = np.atleast_1d(np.asarray(times, dtype=float))
    if np.isnan(times).any() or (times < 0).any():
        raise AnalysisError(f"Landmark times must be months >= 0, not {times.tolist()}. "
                            "Fix: give times such as [12, 24].")
    parts = [_lookup(fit.group_table(g), times, g) for g in fit.groups]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=["group", "time", "survival", "std_err", "ci_lower",
                                     "ci_upper", "n_risk"])
    return pd.concat(parts, ignore_index=True)


def _first_below_half(values: np.ndarray, times: np.ndarray) -> float:
    """R's ``minmin``: first time a curve is <= 0.5, with the midpoint rule at exactly 0.5."""
    keep = ~np.isnan(values) & (values < 0.5 + _TOLERANCE)
    if not keep.any():
        return np.nan
    x, y = times[keep], values[keep]
    if abs(y[0] - 0.5) < _TOLERANCE and (y < y[0]).any():
        return float((x[0] + x[np.argmax(y < y[0])]) / 2)
    return float(x[0])


def medians(fit: KaplanMeierResult) -> pd.DataFrame:
    """Median survival per group with its confidence interval (R ``print.survfit``).

    The median is the first time the curve is at or below 0.5 (the midpoint to the next drop
    when the curve sits exactly at 0.5); the interval's limits are the same times read off
    the lower and upper pointwise log-log bands (Brookmeyer & Crowley 1982). NaN means "not
    reached".

    Returns
    -------
    pandas.DataFrame
        Columns ``group, n, events, median, median_lower, median_upper`` (months).
    """
    rows = []
    for g in fit.groups:
        t = fit.group_table(g)
        times = t["time"].to_numpy()
        rows.append((g, fit.n[g], fit.events[g],
                     _first_below_half(t["survival"].to_numpy(), times),
                     _first_below_half(t["ci_lower"].to_numpy(), times),
                     _first_below_half(t["ci_upper"].to_numpy(), times)))
    return pd.DataFrame(rows, columns=["group", "n", "events", "median", "median_lower",
                                       "median_upper"])


def at_risk_table(df: pd.DataFrame, time: str, event: str, times, by: str | None = None,
                  entry: str | None = None) -> pd.DataFrame:
    """Numbers at risk, cumulative events and cumulative censorings at given times.

    As survminer's risk table: ``n_risk`` at time t counts patients with follow-up >= t;
    ``cum_events`` and ``cum_censored`` count those that ended at or before t. With
    ``entry`` (delayed entry), ``n_risk`` counts patients with entry < t <= end (at t = 0,
    those entering at 0): patients join the table when they enter.

    Returns
    -------
    pandas.DataFrame
        Columns ``group, time, n_risk, cum_events, cum_censored``.
    """
    return counts_at_risk(survival_counts(df, time, event, by, entry), times)


def counts_at_risk(counts: SurvivalCounts, times) -> pd.DataFrame:
    """:func:`at_risk_table` of a checked count table (delayed entry included)."""
    table = at_risk_from_counts(counts.table, times, counts.groups, counts.codes)
    if counts.delayed_entry and len(table):
        codes = np.repeat(np.arange(len(counts.groups)), len(np.atleast_1d(times)))
        table["n_risk"] = risk_set_sizes(counts, codes, table["time"].to_numpy(float),
                                         at_zero=True)
    return table


def at_risk_from_counts(counts: pd.DataFrame, times, groups: tuple[str, ...] | None = None,
                        codes: np.ndarray | None = None) -> pd.DataFrame:
    """:func:`at_risk_table` from an event-count table (``codes`` as in
    :func:`kaplan_meier_from_counts`; every patient at risk from 0)."""
    times = np.atleast_1d(np.asarray(times, dtype=float))
    groups, positions = _group_rows(counts, groups, codes)
    rows = []
    for g in groups:
        c = counts.iloc[positions.get(g, np.zeros(0, np.int64))].sort_values("time")
        t = c["time"].to_numpy(float)
        total = int((c["n_event"] + c["n_censor"]).sum())
        cum_d = np.concatenate([[0], np.cumsum(c["n_event"].to_numpy())])
        cum_c = np.concatenate([[0], np.cumsum(c["n_censor"].to_numpy())])
        before = np.searchsorted(t, times, side="left")  # rows with time < tick
        upto = np.searchsorted(t, times, side="right")  # rows with time <= tick
        for tick, b, u in zip(times, before, upto, strict=True):
            rows.append((g, float(tick), int(total - cum_d[b] - cum_c[b]), int(cum_d[u]),
                         int(cum_c[u])))
    return pd.DataFrame(rows, columns=["group", "time", "n_risk", "cum_events", "cum_censored"])


def describe_exclusions(exclusions: tuple[Exclusion, ...]) -> list[str]:
    """Sentences for the screen, one per reason."""
    return [e.describe() for e in exclusions]


__all__ = ["ALL", "CI_METHOD", "KM_COLUMNS", "KaplanMeierResult", "at_risk_from_counts",
           "at_risk_table", "counts_at_risk", "describe_exclusions", "event_counts",
           "kaplan_meier", "kaplan_meier_from_counts", "landmarks", "medians", "survival_at",
           "survival_data"]

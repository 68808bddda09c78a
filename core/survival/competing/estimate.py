"""Cumulative incidence with competing risks: Aalen-Johansen estimates with Gray's variance.

Design: one pass over the distinct times of each group. With ``n`` at risk, ``d1`` events of the
cause and ``d`` events of any cause at each time, the cumulative incidence of the cause is
F(t) = sum over times <= t of S(u-) d1(u) / n(u), S being the Kaplan-Meier estimate of being
free of every cause (the Aalen-Johansen estimator). Its variance is the one R's
``cmprsk::cuminc`` computes (Fortran ``cinc``, Gray's delta-method formula with the
hypergeometric correction for ties), evaluated with cumulative sums instead of a loop, so the
cost is O(n log n) (the sort). :func:`cumulative_incidence_at` reads the step function at
fixed times as ``cmprsk::timepoints`` does (value at the last event time <= t; NaN after the
group's last follow-up). Gray's test and the Fine-Gray model live in
:mod:`core.survival.competing.gray` and :mod:`core.survival.competing.finegray`; the package
re-exports all three.

Delayed entry (left truncation, R ``survfit(Surv(entry, time, factor(status)) ~ by, id =)``):
a patient is at risk at t when entry < t <= time, so ``n`` above becomes entries before t
minus exits before t. Gray's variance is not defined for it; the standard error is then R
``survfit``'s multi-state one, the infinitesimal jackknife (:data:`VARIANCE_IJ`): the square
root of the sum over patients of the squared derivative of F(t) with respect to the
patient's case weight. Each derivative is a jump at the patient's exit minus cumulative
hazard-type sums over the times the patient was at risk, so the sum of squares at every time
comes from sorted cumulative sums over entries and exits (O(n log n), no patient x time
table).

Conventions: status 0 = censored, 1, 2, ... = causes (``cuminc``'s ``cencode = 0``); groups
labelled as R's factor prints them; ``se`` is the square root of ``cuminc``'s ``var``. R's
cmprsk prints no confidence interval; the pointwise interval here is on the log(-log) scale,
F^exp(±z·se / (F·log F)) (lower with the plus sign), the transform of R ``survfit``'s
``conf.type = "log-log"`` applied to the cumulative incidence; undefined (NaN) where F is 0 or 1.

References
----------
Aalen OO, Johansen S. An empirical transition matrix for non-homogeneous Markov chains based
on censored observations. Scand J Stat 1978;5:141-150. Gray RJ. A class of K-sample tests for
comparing the cumulative incidence of a competing risk. Ann Stat 1988;16:1141-1154 (variance:
section 2). Gray RJ. cmprsk (R package), ``cuminc`` and ``timepoints``. Marubini E, Valsecchi MG.
Analysing Survival Data from Clinical Trials and Observational Studies. Wiley 1995 (log-log
intervals for the cumulative incidence).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from core.errors import AnalysisError
from core.survival.competing.input import CompetingData, competing_data
from core.survival.input import Exclusion

CIF_COLUMNS = ["group", "time", "n_risk", "n_event", "n_competing", "n_censor", "cif", "se",
               "ci_lower", "ci_upper"]
AT_COLUMNS = ["group", "time", "cif", "se", "ci_lower", "ci_upper", "n_risk"]
VARIANCE = "Gray's variance (R cmprsk::cuminc)"
VARIANCE_IJ = "infinitesimal jackknife (R survfit multi-state)"
CI_METHOD = "log(-log) pointwise confidence interval"


@dataclass(frozen=True)
class CumulativeIncidence:
    """Aalen-Johansen cumulative incidence of one cause, per group.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``group, time, n_risk, n_event, n_competing, n_censor, cif, se, ci_lower,
        ci_upper``: one row per distinct observed time per group (months); ``n_event`` counts
        the cause, ``n_competing`` the other causes; ``se`` is Gray's standard error
        (:data:`VARIANCE`); the interval is :data:`CI_METHOD`.
    cause : int
    groups : tuple of str
    n, events : dict of str to int
        Patients and events of the cause per group.
    conf_level : float
    exclusions : tuple of Exclusion
    variance : str
        Which variance ``se`` is.
    method : str
        Estimator, variance and interval, for captions.
    """

    table: pd.DataFrame
    cause: int
    groups: tuple[str, ...]
    n: dict[str, int]
    events: dict[str, int]
    conf_level: float
    exclusions: tuple[Exclusion, ...] = ()
    variance: str = VARIANCE
    method: str = f"Aalen-Johansen estimate; {VARIANCE}; {CI_METHOD}"

    def group_table(self, group: str) -> pd.DataFrame:
        """The rows of one group (a slice: the table is written group after group)."""
        positions = self.__dict__.get("_positions")
        if positions is not None and group in positions:
            return self.table.iloc[positions[group]]
        return self.table[self.table["group"] == group]


def _z(conf_level: float) -> float:
    if not 0 < conf_level < 1:
        raise AnalysisError(f"conf_level must be between 0 and 1, not {conf_level!r}. "
                            "Fix: use e.g. 0.95 for 95% intervals.")
    return float(norm.ppf(0.5 + conf_level / 2))


def loglog_interval(cif: np.ndarray, se: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise log(-log) interval F^exp(±z·se/(F log F)); NaN where F is 0 or 1."""
    cif = np.asarray(cif, dtype=float)
    defined = (cif > 0) & (cif < 1)
    safe = np.where(defined, cif, 0.5)
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = z * np.asarray(se, dtype=float) / (safe * np.log(safe))
        lower = np.where(defined, safe ** np.exp(-shift), np.nan)
        upper = np.where(defined, safe ** np.exp(shift), np.nan)
    return lower, upper


def _group_curve(time: np.ndarray, status: np.ndarray, cause: int,
                 entry: np.ndarray | None = None) -> pd.DataFrame:
    """One group's Aalen-Johansen curve and Gray's variance at its distinct times (the
    infinitesimal jackknife with delayed entry); ``time`` sorted (:func:`by_group_and_time`)."""
    if entry is not None:
        return _entry_curve(entry, time, status, cause)
    times, first = np.unique(time, return_index=True)
    d1 = np.add.reduceat((status == cause).astype(float), first) if time.size else np.array([])
    d_all = np.add.reduceat((status > 0).astype(float), first) if time.size else np.array([])
    n_obs = np.diff(np.append(first, time.size)).astype(float)
    d2 = d_all - d1
    n_risk = time.size - first.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        s_after = np.cumprod(1.0 - d_all / n_risk)
    s_before = np.concatenate([[1.0], s_after[:-1]])
    cif = np.cumsum(s_before * d1 / n_risk)
    # Gray's variance, cmprsk Fortran `cinc`: running sums v1, v2, v3 over event times.
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_after = np.where(s_after > 0, 1.0 / np.where(s_after > 0, s_after, 1.0), 0.0)

        def t6(d):
            tie = np.where(d > 1, 1.0 - (d - 1.0) / (n_risk - 1.0), 1.0)
            return s_before ** 2 * tie * d / n_risk ** 2

        other = (d2 > 0) & (s_after > 0)
        t6o = np.where(other, t6(d2), 0.0)
        t4o = cif * inv_after
        own = d1 > 0
        t6c = np.where(own, t6(d1), 0.0)
        t4c = 1.0 + inv_after * cif
    v1 = np.cumsum(t4o ** 2 * t6o + t4c ** 2 * t6c)
    v2 = np.cumsum(inv_after * t4o * t6o + inv_after * t4c * t6c)
    v3 = np.cumsum(inv_after ** 2 * t6o + inv_after ** 2 * t6c)
    var_at_event = v1 + cif ** 2 * v3 - 2 * cif * v2
    # cuminc records the variance only at times with an event of the cause, then carries it.
    last_own = np.maximum.accumulate(np.where(own, np.arange(times.size), -1))
    var = np.where(last_own >= 0, var_at_event[np.maximum(last_own, 0)], 0.0)
    return pd.DataFrame({"time": times, "n_risk": n_risk.astype(np.int64),
                         "n_event": d1.astype(np.int64), "n_competing": d2.astype(np.int64),
                         "n_censor": (n_obs - d_all).astype(np.int64), "cif": cif,
                         "se": np.sqrt(np.maximum(var, 0.0))})


def _entry_curve(entry: np.ndarray, time: np.ndarray, status: np.ndarray, cause: int
                 ) -> pd.DataFrame:
    """One group's Aalen-Johansen curve with delayed entry and its infinitesimal-jackknife
    standard error (R ``survfit`` multi-state, one row per patient as its own ``id``).

    With hazards l(u) = d(u)/n(u), l1(u) = d1(u)/n(u), S the all-cause product limit and
    c(u) = 1/(1 - l(u)), patient i's influence on F(t) is a(t) - F(t) b(t), where
    a(t) = [exit <= t] J - (G(min(t, exit)) - G(entry)), b(t) likewise with K and H,
    J = (S(u-) [cause] + c F(u) [any event]) / n(u) and K = c [any event] / n(u) at the exit
    u, G and H the cumulative sums of g = (c F l + S(u-) l1)/n and h = c l / n.
    """
    times = np.unique(time)
    exit_at = np.searchsorted(times, time)
    n_risk = (np.searchsorted(np.sort(entry), times, side="left")
              - np.searchsorted(np.sort(time), times, side="left")).astype(float)
    events = status > 0
    d_all = np.bincount(exit_at, events, minlength=times.size)
    d1 = np.bincount(exit_at, status == cause, minlength=times.size)
    n_obs = np.bincount(exit_at, minlength=times.size)
    lam, lam1 = d_all / n_risk, d1 / n_risk  # n_risk >= 1 at every exit time
    s_before = np.r_[1.0, np.cumprod(1.0 - lam)[:-1]]
    cif = np.cumsum(s_before * lam1)
    c = np.where(lam < 1, 1.0 / np.where(lam < 1, 1.0 - lam, 1.0), 0.0)
    g_cum = np.cumsum((c * cif * lam + s_before * lam1) / n_risk)
    h_cum = np.cumsum(c * lam / n_risk)
    before_entry = np.searchsorted(times, entry, side="right") - 1  # last time <= entry
    u = np.where(before_entry >= 0, g_cum[np.maximum(before_entry, 0)], 0.0)
    v = np.where(before_entry >= 0, h_cum[np.maximum(before_entry, 0)], 0.0)
    jump_a = np.where(status == cause, s_before[exit_at], 0.0) + \
        np.where(events, c[exit_at] * cif[exit_at], 0.0)
    alpha = jump_a / n_risk[exit_at] - (g_cum[exit_at] - u)
    beta = np.where(events, c[exit_at], 0.0) / n_risk[exit_at] - (h_cum[exit_at] - v)

    def finished(values):  # sums over patients whose exit is at or before each time
        return np.cumsum(np.bincount(exit_at, values, minlength=times.size))

    order = np.argsort(entry, kind="stable")
    entered_before = np.searchsorted(entry[order], times, side="left")

    def entered(values):  # sums over patients whose entry is before each time
        return np.r_[0.0, np.cumsum(values[order])][entered_before]

    def active(values):  # entry < t < exit
        return entered(values) - finished(values)

    ones = np.ones(time.size)
    k = cif
    var_finished = finished(alpha ** 2) - 2 * k * finished(alpha * beta) + \
        k ** 2 * finished(beta ** 2)
    a0 = -g_cum + k * h_cum  # the active patients' influence is a0 + u - k v
    var_active = (a0 ** 2 * active(ones) + active(u ** 2) + k ** 2 * active(v ** 2)
                  + 2 * a0 * active(u) - 2 * a0 * k * active(v) - 2 * k * active(u * v))
    return pd.DataFrame({"time": times, "n_risk": n_risk.astype(np.int64),
                         "n_event": d1.astype(np.int64),
                         "n_competing": (d_all - d1).astype(np.int64),
                         "n_censor": (n_obs - d_all).astype(np.int64), "cif": cif,
                         "se": np.sqrt(np.maximum(var_finished + var_active, 0.0))})


def fit_data(data: CompetingData, cause: int = 1, conf_level: float = 0.95
             ) -> CumulativeIncidence:
    """:func:`cumulative_incidence` of rows already checked by
    :func:`core.survival.competing.input.competing_data` (no second validation; the sort by
    group and time is shared through :func:`by_group_and_time`)."""
    z = _z(conf_level)
    if not (isinstance(cause, (int, np.integer)) and cause >= 1):
        raise AnalysisError(f"cause must be a status code 1, 2, ..., not {cause!r}. Fix: use "
                            "1 for the event of interest (e.g. relapse).")
    time, status, code, edges, entry = by_group_and_time(data)
    parts = []
    for k, g in enumerate(data.groups):
        rows = slice(edges[k], edges[k + 1])
        part = _group_curve(time[rows], status[rows], int(cause),
                            None if entry is None else entry[rows])
        part.insert(0, "group", g)
        parts.append(part)
    table = (pd.concat(parts, ignore_index=True) if parts
             else pd.DataFrame({c: [] for c in CIF_COLUMNS[:-2]}))
    table["ci_lower"], table["ci_upper"] = loglog_interval(table["cif"].to_numpy(),
                                                           table["se"].to_numpy(), z)
    sizes = np.diff(edges)
    own = np.bincount(code[status == cause], minlength=len(data.groups))
    n = {g: int(sizes[k]) for k, g in enumerate(data.groups)}
    events = {g: int(own[k]) for k, g in enumerate(data.groups)}
    variance = VARIANCE if entry is None else VARIANCE_IJ
    method = f"Aalen-Johansen estimate; {variance}; {CI_METHOD}" + (
        "" if entry is None else "; delayed entry (at risk from entry to the end of follow-up)")
    fit = CumulativeIncidence(table=table[CIF_COLUMNS], cause=int(cause), groups=data.groups,
                              n=n, events=events, conf_level=conf_level,
                              exclusions=data.survival.exclusions, variance=variance,
                              method=method)
    ends = np.cumsum([len(p) for p in parts]).tolist()
    object.__setattr__(fit, "_positions", {g: slice(e - len(p), e) for g, p, e in
                                           zip(data.groups, parts, ends, strict=True)})
    return fit


def by_group_and_time(data: CompetingData) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                     np.ndarray, np.ndarray | None]:
    """The rows sorted by group (display order) then time, once per :class:`CompetingData`.

    Returns
    -------
    (time, status, group_code, edges, entry)
        Sorted arrays (``entry`` None without delayed entry), and ``edges``
        (len(groups) + 1,): group k is rows ``edges[k]:edges[k + 1]``. Cached on ``data``,
        so the two causes' curves, the report and the tests share one sort.
    """
    cached = data.__dict__.get("_by_group_and_time")
    if cached is None:
        code = data.survival.group_code
        order = np.lexsort((data.time, code))
        edges = np.r_[0, np.cumsum(np.bincount(code, minlength=len(data.groups)))]
        entry = data.survival.entry
        cached = (data.time[order], data.status[order], code[order], edges,
                  None if entry is None else entry[order])
        object.__setattr__(data, "_by_group_and_time", cached)
    return cached


def cumulative_incidence(df: pd.DataFrame, time: str, status: str, cause: int = 1,
                         by: str | None = None, conf_level: float = 0.95,
                         entry: str | None = None) -> CumulativeIncidence:
    """Aalen-Johansen cumulative incidence of ``cause`` per group (R ``cmprsk::cuminc``).

    Parameters
    ----------
    df : pandas.DataFrame or core.cohort.engine.CohortSource
        One row per patient.
    time : str
        Follow-up time column (months).
    status : str
        Status column: 0 censored, 1, 2, ... the cause that ended follow-up.
    cause : int
        The cause whose incidence is estimated (default 1).
    by : str, optional
        Grouping column; None for ``"All"``.
    conf_level : float
        Level of the pointwise log(-log) intervals.
    entry : str, optional
        Column of delayed-entry times on the clock of ``time``; the estimate is then R's
        ``survfit(Surv(entry, time, factor(status)) ~ by, id = )`` with its
        infinitesimal-jackknife standard error (:data:`VARIANCE_IJ`).

    Returns
    -------
    CumulativeIncidence
    """
    return fit_data(competing_data(df, time, status, by, entry), cause, conf_level)


def incidence_at(fit: CumulativeIncidence, times) -> pd.DataFrame:
    """:func:`cumulative_incidence_at` from a fitted :class:`CumulativeIncidence`."""
    times = np.atleast_1d(np.asarray(times, dtype=float))
    if np.isnan(times).any() or (times < 0).any():
        raise AnalysisError(f"Times must be months >= 0, not {times.tolist()}. Fix: give times "
                            "such as [12, 24].")
    times = np.unique(times)
    rows = []
    for g in fit.groups:
        t = fit.group_table(g)
        observed = t["time"].to_numpy()
        if observed.size == 0:
            continue
        upto = np.searchsorted(observed, times, side="right") - 1
        start = np.searchsorted(observed, times, side="left")
        n_risk = np.where(start < observed.size,
                          t["n_risk"].to_numpy()[np.minimum(start, observed.size - 1)], 0)
        beyond = times > observed[-1]
        values = {}
        for column, before in (("cif", 0.0), ("se", 0.0), ("ci_lower", np.nan),
                               ("ci_upper", np.nan)):
            picked = np.where(upto >= 0, t[column].to_numpy()[np.maximum(upto, 0)], before)
            values[column] = np.where(beyond, np.nan, picked)
        rows.append(pd.DataFrame({"group": g, "time": times, **values,
                                  "n_risk": n_risk.astype(np.int64)}))
    out = (pd.concat(rows, ignore_index=True)[AT_COLUMNS] if rows
           else pd.DataFrame({c: [] for c in AT_COLUMNS}))
    out.attrs.update({"se": fit.variance, "ci": CI_METHOD, "cause": fit.cause,
                      "conf_level": fit.conf_level})
    return out


def cumulative_incidence_at(df: pd.DataFrame, time: str, status: str, times, cause: int = 1,
                            by: str | None = None, conf_level: float = 0.95,
                            entry: str | None = None) -> pd.DataFrame:
    """Cumulative incidence of ``cause`` at fixed times (R ``timepoints(cuminc(...), times)``).

    Parameters
    ----------
    df : pandas.DataFrame or core.cohort.engine.CohortSource
    time, status : str
        Follow-up time (months) and status (0 censored, 1, 2, ... causes) columns.
    times : float or sequence of float
        Months at which to read the curves (sorted, duplicates dropped, as ``timepoints``).
    cause : int
    by : str, optional
    conf_level : float
    entry : str, optional
        Delayed entry (see :func:`cumulative_incidence`): the values are then R's
        ``summary(survfit(Surv(entry, time, factor(status)) ~ by, id = ), times =)``
        (``pstate`` and ``std.err`` of the cause's state, ``n.risk``), the standard error
        the infinitesimal jackknife.

    Returns
    -------
    pandas.DataFrame
        Columns ``group, time, cif, se, ci_lower, ci_upper, n_risk``: the value at the last
        distinct time <= each time; ``se`` is Gray's (square root of ``cuminc``'s ``var``),
        the interval log(-log) (NaN where ``cif`` is 0). After a group's last follow-up time
        ``cif``, ``se`` and the interval are NaN (``timepoints`` gives NA) and ``n_risk`` 0.
        ``n_risk`` is the number at risk at the group's first observed time >= the time
        (without delayed entry: the patients with follow-up >= the time). ``.attrs`` names
        the variance (``"se"``: :data:`VARIANCE` or :data:`VARIANCE_IJ`) and the interval
        (``"ci"``).
    """
    return incidence_at(cumulative_incidence(df, time, status, cause, by, conf_level, entry),
                        times)

"""Patients at risk and events per group and distinct time, the input of every log-rank test,
plain or stratified, with the Fleming-Harrington weights of the weighted test.

Design: a *risk table* is a pair of arrays of shape (1, K, M), patients at risk and events of
the K groups at the M columns, plus a boolean vector marking the first column of each stratum.
Without strata the M columns are the distinct times of the event-count table
(:mod:`core.survival.km.counts`); with strata they are the distinct (stratum, time) pairs,
ordered by stratum then time, and the patients at risk are counted within each stratum, so the
observed-minus-expected sums of R's ``survdiff(Surv(time, event) ~ by + strata(s))`` are sums
over all columns. Both come from count rows (one per group, stratum and time), never from
patient rows: a registry on an engine costs what its count table costs. Nothing here is
quadratic: one sort of the count rows and ``np.bincount``.

Fleming-Harrington weights are R ``survdiff``'s ``rho``: S(t-)^rho, where S is the Kaplan-Meier
estimate of all groups pooled (within the stratum), taken just before t.

References
----------
Fleming TR, Harrington DP. Counting Processes and Survival Analysis. Wiley 1991, section 7.4.
Harrington DP, Fleming TR. A class of rank test procedures for censored survival data.
Biometrika 1982;69:553-566. Therneau TM. survival package, ``survdiff2.c``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cohort.coding import categories_of, level_labels, order_levels
from core.cohort.columns import MAX_LEVELS, too_many_levels
from core.cohort.engine import is_source
from core.survival.input import check_columns, missing_reason
from core.survival.km.counts import SEPARATOR, SurvivalCounts, survival_counts

KEY = "\x1fgroup\x1fstratum"
"""Name of the temporary column joining group and stratum (no cohort column is called so)."""


@dataclass(frozen=True)
class RiskTables:
    """Patients at risk and events per group (rows) and column (distinct stratum and time).

    Attributes
    ----------
    at_risk, deaths : numpy.ndarray, shape (1, K, M)
        Patients at risk just before, and events at, each column's time, per group.
    stratum_start : numpy.ndarray of bool, shape (M,)
        True at the first column of each stratum (only column 0 without strata).
    groups : tuple of str
        The K groups (with patients), in display order.
    strata : tuple of str
        Strata in order (``("All",)`` without strata).
    counts : SurvivalCounts
        The checked count table the tables come from (its ``exclusions``, ``n_input``).
    """

    at_risk: np.ndarray
    deaths: np.ndarray
    stratum_start: np.ndarray
    groups: tuple[str, ...]
    strata: tuple[str, ...]
    counts: SurvivalCounts

    def subset(self, rows: list[int]) -> RiskTables:
        """The tables of some groups only (a pairwise comparison): their rows, same columns."""
        return RiskTables(at_risk=self.at_risk[:, rows], deaths=self.deaths[:, rows],
                          stratum_start=self.stratum_start,
                          groups=tuple(self.groups[r] for r in rows), strata=self.strata,
                          counts=self.counts)


def risk_tables(cohort, time: str, event: str, by: str, strata: str | None = None
                ) -> RiskTables:
    """Check the columns and build the risk tables of a log-rank test of ``by``.

    Parameters
    ----------
    cohort : pandas.DataFrame or core.cohort.engine.CohortSource
        One row per patient, in memory or in an engine.
    time, event : str
        Follow-up time (months) and event indicator (1 = event, 0 = censored).
    by : str
        Grouping column.
    strata : str, optional
        Column whose levels are tested separately and summed (R ``strata(s)``). Rows without
        a value in ``by`` or ``strata`` are left out and counted, with one reason.

    Returns
    -------
    RiskTables
    """
    if strata is None:
        counts = survival_counts(cohort, time, event, by)
        return tables_of_counts(counts)
    if is_source(cohort):
        counts = survival_counts(cohort, time, event, (by, strata))
    else:
        counts = _combined_counts(cohort, time, event, by, strata)
    groups, levels, g_of, s_of = split_groups(counts.groups, cohort, by, strata)
    table = counts.table
    return _tables(g_of[counts.codes], s_of[counts.codes], table["time"].to_numpy(float),
                   table["n_event"].to_numpy(float), table["n_censor"].to_numpy(float),
                   groups, levels, counts)


def tables_of_counts(counts: SurvivalCounts) -> RiskTables:
    """Risk tables of a checked count table without strata (cached on ``counts``: the
    log-rank, weighted and trend tests of one report share them)."""
    cached = counts.__dict__.get("_risk_tables")
    if cached is None:
        table = counts.table
        cached = _tables(counts.codes, np.zeros(len(table), dtype=np.int64),
                         table["time"].to_numpy(float), table["n_event"].to_numpy(float),
                         table["n_censor"].to_numpy(float), counts.groups, ("All",), counts)
        object.__setattr__(counts, "_risk_tables", cached)
    return cached


def _combined_counts(df: pd.DataFrame, time: str, event: str, by: str, strata: str
                     ) -> SurvivalCounts:
    """The count table of ``by`` x ``strata`` in memory, labelled as the engine labels it
    (the two values as text joined by :data:`SEPARATOR`), with the gatekeeper's rules."""
    counts = survival_counts(combined_frame(df, (time, event), by, strata), time, event, KEY,
                             capped=False)  # capped per column in split_groups
    return SurvivalCounts(table=counts.table, groups=counts.groups, n_input=counts.n_input,
                          exclusions=combined_exclusions(counts.exclusions, by, strata),
                          data=counts.data, codes=counts.codes)


def combined_frame(df: pd.DataFrame, columns: tuple[str, ...], by: str, strata: str
                   ) -> pd.DataFrame:
    """``columns`` of ``df`` (and ``patient_id``) with one more column :data:`KEY`: the group
    and stratum labels joined by :data:`SEPARATOR` (None where either is missing), so the
    survival gatekeeper checks and counts group x stratum as one grouping."""
    check_columns(df.columns, (*columns, by, strata))
    parts = []
    for column in (by, strata):
        codes, uniques = pd.factorize(df[column])
        labels = level_labels(pd.Series(uniques))
        parts.append((codes, np.asarray(labels, dtype=object)))
    (g, g_labels), (s, s_labels) = parts
    both = (g >= 0) & (s >= 0)
    key = np.full(len(df), None, dtype=object)
    if both.any():
        key[both] = g_labels[g[both]] + SEPARATOR + s_labels[s[both]]
    frame = pd.DataFrame({c: df[c].to_numpy() for c in dict.fromkeys(columns)})
    frame[KEY] = key
    if "patient_id" in df.columns:
        frame["patient_id"] = df["patient_id"].to_numpy()
    return frame


def combined_exclusions(exclusions: tuple, by: str, strata: str) -> tuple:
    """The gatekeeper's exclusions of a :func:`combined_frame`, the missing :data:`KEY`
    named as the engine names it ("no recorded `by`, `strata`")."""
    reason = "no recorded " + ", ".join(f"`{k}`" for k in (by, strata))
    return tuple(type(e)(reason, e.count, e.patients)
                 if e.reason == missing_reason(KEY) else e for e in exclusions)


def split_groups(labels: tuple[str, ...], cohort, by: str, strata: str
                 ) -> tuple[tuple[str, ...], tuple[str, ...], np.ndarray, np.ndarray]:
    """Groups and strata (each in display order) of combined group x stratum labels, and the
    group and stratum code of each label."""
    pairs = [label.split(SEPARATOR, 1) for label in labels]
    group_label = np.array([g for g, _ in pairs], dtype=object)
    stratum_label = np.array([s for _, s in pairs], dtype=object)
    in_memory = not is_source(cohort)
    groups = order_levels(set(group_label), by, categories_of(cohort[by]) if in_memory
                          else None)
    levels = order_levels(set(stratum_label), strata,
                          categories_of(cohort[strata]) if in_memory else None)
    for column, found in ((by, groups), (strata, levels)):  # the group cap, each column
        if len(found) > MAX_LEVELS:
            raise too_many_levels(column, len(found))
    g_of = np.array([groups.index(g) for g in group_label], dtype=np.int64)
    s_of = np.array([levels.index(s) for s in stratum_label], dtype=np.int64)
    return groups, levels, g_of, s_of


def _tables(group: np.ndarray, stratum: np.ndarray, time: np.ndarray, n_event: np.ndarray,
            n_censor: np.ndarray, groups: tuple[str, ...], strata: tuple[str, ...],
            counts: SurvivalCounts) -> RiskTables:
    """Risk tables from count rows (group code, stratum code, time, events, censorings)."""
    k = len(groups)
    order = np.lexsort((time, stratum))
    group, stratum, time = group[order], stratum[order], time[order]
    n_event, n_censor = n_event[order], n_censor[order]
    if time.size == 0:
        empty = np.zeros((1, k, 0))
        return RiskTables(empty, empty.copy(), np.zeros(0, bool), groups, strata, counts)
    new = np.r_[True, (stratum[1:] != stratum[:-1]) | (time[1:] != time[:-1])]
    column = np.cumsum(new) - 1
    m = int(column[-1]) + 1
    key = group * m + column
    deaths = np.bincount(key, weights=n_event, minlength=k * m).reshape(k, m)
    exits = np.bincount(key, weights=n_event + n_censor, minlength=k * m).reshape(k, m)
    column_stratum = stratum[new]
    stratum_start = np.r_[True, column_stratum[1:] != column_stratum[:-1]]
    # patients at risk: exits at or after the column's time within its stratum
    behind = np.cumsum(exits[:, ::-1], axis=1)[:, ::-1]
    starts = np.flatnonzero(stratum_start)
    next_start = np.r_[starts[1:], m][np.cumsum(stratum_start) - 1]
    at_risk = behind - np.hstack([behind, np.zeros((k, 1))])[:, next_start]
    return RiskTables(at_risk[None], deaths[None], stratum_start, groups, strata, counts)


def fleming_harrington_weights(tables: RiskTables, rho: float) -> np.ndarray:
    """Weight S(t-)^rho of each column: S is the Kaplan-Meier estimate of the groups in
    ``tables`` pooled, within the column's stratum, just before the column's time (R
    ``survdiff``'s ``rho``; rho = 0 gives weight 1, the log-rank test; rho = 1 the
    Peto-Peto-Prentice generalisation of the Wilcoxon test).

    Returns
    -------
    numpy.ndarray, shape (M,)
    """
    m = tables.at_risk.shape[-1]
    if rho == 0:
        return np.ones(m)
    n = tables.at_risk[0].sum(axis=0)
    d = tables.deaths[0].sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(n > 0, 1.0 - d / n, 1.0)
    zero = factor <= 0
    log_factor = np.log(np.where(zero, 1.0, factor))
    segment = np.cumsum(tables.stratum_start) - 1
    starts = np.flatnonzero(tables.stratum_start)
    log_before = np.cumsum(log_factor) - log_factor  # sum over earlier columns
    zeros_before = np.cumsum(zero) - zero
    log_before = log_before - log_before[starts][segment]
    zeros_before = zeros_before - zeros_before[starts][segment]
    survival_before = np.where(zeros_before > 0, 0.0, np.exp(log_before))
    return survival_before ** rho

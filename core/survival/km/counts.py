"""The event-count table every survival statistic starts from, from rows in memory or an engine.

Design: :func:`survival_counts` is the one entry point of the Kaplan-Meier, landmark,
at-risk, median, RMST and log-rank functions. It applies the rules of the survival gatekeeper
(:func:`core.survival.input.survival_data`: which rows are errors, which are left out and why)
and reduces the rows to one row per group and distinct time with the number of events and
censorings. A pandas DataFrame is checked row by row in memory and counted with
``np.bincount`` over integer group codes and time ranks (O(n log n), the sort of the times);
a :class:`core.cohort.engine.CohortSource` is checked and counted by the engine itself
(DuckDB, Spark; :mod:`core.survival.km.engine_counts`) in one scan::

    SELECT kind, grp, time, COUNT(*), SUM(event = 1) AS n_event, SUM(event = 0) AS n_censor
    FROM cohort WHERE <filters> GROUP BY kind, grp, time

where ``kind`` is 0 for a usable row, else the error or the reason it is left out, so a
registry never has to fit in pandas. Both paths give the same table, the same exclusion
counts and the same error messages (on an engine the patients named are the first ten by
``patient_id``, which has no row order of its own).

Delayed entry (left truncation, R ``Surv(entry, time, event)``) adds a second, smaller table
of *entries*: one row per group and distinct entry time with the number of patients entering
then (a second ``GROUP BY grp, entry`` on an engine). A patient is at risk at t when
entry < t <= time, so the number at risk just before each time is the entries before t minus
the exits before t (:func:`risk_set_sizes`); the count table then carries that ``n_risk``
column and every estimate reads it instead of the reverse sum of later exits.

Conventions: group labels and their order are the gatekeeper's (R factor style, schema order);
times in the unit of the column (months here).

References
----------
Therneau TM, Grambsch PM. Modeling Survival Data. Springer 2000, section 2.2 (the Kaplan-Meier
and log-rank statistics depend on the data only through per-time event and risk-set counts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cohort.engine import is_source
from core.errors import AnalysisError
from core.survival.input import (
    Exclusion,
    SurvivalData,
    survival_data,
)

COUNT_COLUMNS = ["group", "time", "n_event", "n_censor"]
ENTRY_COLUMNS = ["group", "time", "n_enter"]
ID_COLUMN = "patient_id"
SHOWN_IDS = 10
"""Patient ids an engine returns per exclusion reason or row error (the count is exact)."""
SEPARATOR = "\x1f"
"""Joins the values of several grouping columns into one group label."""


@dataclass(frozen=True)
class SurvivalCounts:
    """Checked survival data reduced to events and censorings per group and time.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``group, time, n_event, n_censor``: one row per group and distinct time,
        sorted by group (in ``groups`` order) then time (months).
    groups : tuple of str
        Groups with patients, in display order.
    n_input : int
        Rows handed in, before exclusions.
    exclusions : tuple of Exclusion
        Rows left out, one entry per reason.
    data : SurvivalData or None
        The checked rows, when they were in memory (None for an engine source).
    codes : numpy.ndarray of int, optional
        Position in ``groups`` of each row's group (computed from ``table`` when not given).
    entries : pandas.DataFrame or None
        With delayed entry: columns ``group, time, n_enter`` (one row per group and distinct
        entry time, in group order then time), and ``table`` then has a fourth count column
        ``n_risk`` (patients with entry < time <= their end, just before each time). None
        when every patient is at risk from 0.
    """

    table: pd.DataFrame
    groups: tuple[str, ...]
    n_input: int
    exclusions: tuple[Exclusion, ...] = ()
    data: SurvivalData | None = None
    codes: np.ndarray | None = None
    entries: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.codes is None:
            object.__setattr__(self, "codes", _codes(self.table["group"], self.groups))
        if self.entries is not None and "n_risk" not in self.table.columns:
            table = self.table.copy()
            table["n_risk"] = risk_set_sizes(self, self.codes, table["time"].to_numpy(float))
            object.__setattr__(self, "table", table)

    @property
    def delayed_entry(self) -> bool:
        """True when patients enter the risk set after time 0 (an ``entries`` table)."""
        return self.entries is not None

    @property
    def n(self) -> int:
        """Rows that enter the analysis."""
        return int(self.table["n_event"].sum() + self.table["n_censor"].sum())

    def per_group(self) -> pd.DataFrame:
        """Patients (``n``) and events (``events``) per group, indexed by group in order."""
        k = len(self.groups)
        events = np.bincount(self.codes, self.table["n_event"].to_numpy(float), minlength=k)
        censored = np.bincount(self.codes, self.table["n_censor"].to_numpy(float), minlength=k)
        return pd.DataFrame({"n": np.rint(events + censored).astype(np.int64),
                             "events": np.rint(events).astype(np.int64)},
                            index=pd.Index(list(self.groups), dtype=object))

    def rows(self) -> SurvivalData:
        """The rows the counts stand for (the in-memory rows when there were any, else one
        row per counted patient, ordered by group then time)."""
        if self.data is not None:
            return self.data
        if self.entries is not None:
            raise AnalysisError("The rows of an engine source with delayed entry cannot be "
                                "rebuilt from its counts (which entry belongs to which exit "
                                "is not kept). Fix: load the cohort into memory for this "
                                "statistic.")
        t = self.table
        reps = np.concatenate([t["n_event"].to_numpy(np.int64), t["n_censor"].to_numpy(np.int64)])
        time = np.repeat(np.concatenate([t["time"].to_numpy(float)] * 2), reps)
        event = np.repeat(np.r_[np.ones(len(t), bool), np.zeros(len(t), bool)], reps)
        group = np.repeat(np.concatenate([t["group"].to_numpy(object)] * 2), reps)
        order = np.lexsort((time, np.repeat(np.r_[np.zeros(len(t)), np.ones(len(t))], reps),
                            np.repeat(np.concatenate([self.codes] * 2), reps)))
        return SurvivalData(time=time[order], event=event[order], group=group[order],
                            groups=self.groups, n_input=self.n_input,
                            exclusions=self.exclusions)


def _codes(labels: pd.Series, groups: tuple[str, ...]) -> np.ndarray:
    """Position of each label in ``groups`` (factorized once, so cheap on long tables)."""
    if len(labels) == 0:
        return np.zeros(0, dtype=np.int64)
    codes, uniques = pd.factorize(labels)
    index = {g: k for k, g in enumerate(groups)}
    position = np.array([index.get(str(u), -1) for u in uniques], dtype=np.int64)
    return position[codes]


def survival_counts(cohort, time: str, event: str, by: str | None = None,
                    entry: str | None = None, capped: bool = True) -> SurvivalCounts:
    """Check a survival analysis's columns and count events and censorings per group and time.

    Parameters
    ----------
    cohort : pandas.DataFrame or core.cohort.engine.CohortSource
        One row per patient, in memory or in an engine.
    time, event : str
        Columns of follow-up time (months, >= 0) and event indicator (1 = event, 0 =
        censored).
    by : str, optional
        Grouping column; None for one group labelled ``"All"``. On an engine source also a
        tuple of columns, whose combination is the group (labels: the values as text joined
        by :data:`SEPARATOR`; used by the counts-based Cox model).
    entry : str, optional
        Column of delayed-entry times on the clock of ``time`` (months); the counts then
        carry an ``entries`` table and ``n_risk`` (see :class:`SurvivalCounts`).
    capped : bool
        False when the caller checks the group cap itself (a combined group x stratum key).

    Returns
    -------
    SurvivalCounts

    Raises
    ------
    AnalysisError
        As :func:`core.survival.input.survival_data`: a column is absent, a time or entry is
        negative or not a number, an entry is after the time, or an event is neither 0 nor 1.
    """
    if is_source(cohort):
        from core.survival.km.engine_counts import engine_counts  # needs this module

        return engine_counts(cohort, time, event, by, entry)
    data = survival_data(cohort, time, event, by, entry, capped=capped)
    return counts_of(data)


def counts_of(data: SurvivalData) -> SurvivalCounts:
    """:class:`SurvivalCounts` of rows already checked by the gatekeeper."""
    codes, table = _count_arrays(data)
    entries = None
    if data.entry is not None:
        entries = _count_arrays(SurvivalData(
            time=data.entry, event=np.zeros(data.n, bool), group=data.group,
            groups=data.groups, n_input=data.n_input, group_code=data.group_code))[1]
        entries = entries.rename(columns={"n_censor": "n_enter"})[ENTRY_COLUMNS]
    return SurvivalCounts(table=table, groups=data.groups, n_input=data.n_input,
                          exclusions=data.exclusions, data=data, codes=codes, entries=entries)


def risk_set_sizes(counts: SurvivalCounts, codes: np.ndarray, times: np.ndarray,
                   at_zero: bool = False) -> np.ndarray:
    """Patients at risk at each (group code, time): entry < t <= end, R's risk set of
    ``Surv(entry, time, event)``, as entries before t minus exits before t.

    Parameters
    ----------
    counts : SurvivalCounts
        The count table (exits) and, with delayed entry, its ``entries``.
    codes : numpy.ndarray of int
        Group position of each query.
    times : numpy.ndarray of float
        Query times (months).
    at_zero : bool
        Count entries at exactly t = 0 at time 0 (the at-risk table under a plot: patients
        entering at 0 are at risk from the start); R's risk sets never need it.

    Returns
    -------
    numpy.ndarray of int
        One size per query; O((rows + queries) log) by ranks and cumulative sums.
    """
    t = counts.table
    exit_codes, exit_times = counts.codes, t["time"].to_numpy(float)
    exits = (t["n_event"] + t["n_censor"]).to_numpy(np.int64)
    if counts.entries is None:  # every patient enters at 0
        entry_codes = np.arange(len(counts.groups), dtype=np.int64)
        entry_times = np.zeros(len(counts.groups))
        entered = np.bincount(exit_codes, exits, minlength=len(counts.groups)).astype(np.int64)
    else:
        e = counts.entries
        entry_codes = _codes(e["group"], counts.groups)
        entry_times, entered = e["time"].to_numpy(float), e["n_enter"].to_numpy(np.int64)
    times = np.asarray(times, dtype=float)
    codes = np.asarray(codes, dtype=np.int64)
    values = np.unique(np.concatenate([exit_times, entry_times, times]))
    m = values.size + 1

    def below(item_codes, item_times, weights, inclusive):
        """Sum of ``weights`` of the items of each query's group before (or at) its time."""
        keys = item_codes * m + np.searchsorted(values, item_times)
        order = np.argsort(keys, kind="stable")
        total = np.r_[0, np.cumsum(weights[order])]
        sorted_keys = keys[order]
        query = codes * m + np.searchsorted(values, times)
        upto = np.searchsorted(sorted_keys, query, side="right" if inclusive else "left")
        return total[upto] - total[np.searchsorted(sorted_keys, codes * m, side="left")]

    entered_before = below(entry_codes, entry_times, entered, False)
    if at_zero:
        entered_before = np.where(times == 0, below(entry_codes, entry_times, entered, True),
                                  entered_before)
    return (entered_before - below(exit_codes, exit_times, exits, False)).astype(np.int64)


def count_table(data: SurvivalData) -> pd.DataFrame:
    """Columns ``group, time, n_event, n_censor`` of checked rows, in group order then time.

    :func:`time_ranks` ranks the times; ``np.bincount`` counts over the key
    group code x number of distinct times + time rank, densely when that key space is at most
    a few times the number of rows, else over the distinct keys.
    """
    return _count_arrays(data)[1]


def _count_arrays(data: SurvivalData) -> tuple[np.ndarray, pd.DataFrame]:
    """Group codes of the count rows, and the count table."""
    if data.n == 0:
        return np.zeros(0, dtype=np.int64), _frame([], [], [], [])
    values, rank = time_ranks(data.time)
    m = values.size
    key = data.group_code * m + rank
    if len(data.groups) * m <= 4 * data.n + 1024:
        total = np.bincount(key, minlength=len(data.groups) * m)
        events = np.bincount(key, weights=data.event, minlength=len(data.groups) * m)
        keys = np.flatnonzero(total)
        total, events = total[keys], events[keys]
    else:
        keys, inverse = np.unique(key, return_inverse=True)
        total = np.bincount(inverse)
        events = np.bincount(inverse, weights=data.event)
    n_event = np.rint(events).astype(np.int64)
    codes = keys // m
    return codes, _frame(np.asarray(data.groups, dtype=object)[codes], values[keys % m],
                         n_event, total.astype(np.int64) - n_event)


def time_ranks(time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct times (sorted) and each time's position among them (``np.unique`` with
    ``return_inverse``), in O(n) without a sort when every time is exactly k / scale for a
    whole k and scale 1, 10 or 100 (whole months or days, months with one or two decimals) in
    a range no wider than a few times their count, else by one sort."""
    if time.size:
        low, high = float(time.min()), float(time.max())
        for scale in (1, 10, 100):  # whole numbers, or one or two decimals (12.5 months)
            if (high - low) * scale > 4 * time.size + 1024:
                break
            scaled = np.rint(time * scale)
            if not np.array_equal(scaled / scale if scale > 1 else scaled, time):
                continue  # not exactly k / scale for every time
            base = scaled.min()
            whole = (scaled - base).astype(np.int64)
            present = np.bincount(whole) > 0
            position = np.cumsum(present) - 1
            values = (base + np.flatnonzero(present)) / scale if scale > 1 else \
                base + np.flatnonzero(present).astype(float)
            return values, position[whole]
    return np.unique(time, return_inverse=True)


def _frame(group, time, n_event, n_censor) -> pd.DataFrame:
    """The count table from its four columns (one constructor, so both paths' dtypes agree)."""
    return pd.DataFrame({"group": np.asarray(group, dtype=object),
                         "time": np.asarray(time, dtype=float),
                         "n_event": np.asarray(n_event, dtype=np.int64),
                         "n_censor": np.asarray(n_censor, dtype=np.int64)})


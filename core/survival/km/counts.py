"""The event-count table every survival statistic starts from, from rows in memory or an engine.

Design: :func:`survival_counts` is the one entry point of the Kaplan-Meier, landmark,
at-risk, median, RMST and log-rank functions. It applies the rules of the survival gatekeeper
(:func:`core.survival.input.survival_data`: which rows are errors, which are left out and why)
and reduces the rows to one row per group and distinct time with the number of events and
censorings. A pandas DataFrame is checked row by row in memory and counted with
``np.bincount`` over integer group codes and time ranks (O(n log n), the sort of the times);
a :class:`core.cohort.engine.CohortSource` is checked and counted by the engine itself (DuckDB,
Spark), in two scans: one aggregate of the error and exclusion counts, then::

    SELECT grp, time, SUM(event = 1) AS n_event, SUM(event = 0) AS n_censor
    FROM cohort WHERE <filters> AND time IS NOT NULL AND event IS NOT NULL AND grp IS NOT NULL
    GROUP BY grp, time

so a registry never has to fit in pandas. Both paths give the same table, the same exclusion
counts and the same error messages (on an engine the patients named are the first ten by
``patient_id``, which has no row order of its own).

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

from core.cohort.coding import level_labels, order_levels
from core.cohort.engine import count_true, is_source, missing, numeric
from core.errors import AnalysisError
from core.survival.input import (
    ALL,
    BAD_EVENT,
    BAD_TIME,
    NEGATIVE_TIME,
    Exclusion,
    SurvivalData,
    check_columns,
    missing_reason,
    rows_message,
    survival_data,
)

COUNT_COLUMNS = ["group", "time", "n_event", "n_censor"]
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
    """

    table: pd.DataFrame
    groups: tuple[str, ...]
    n_input: int
    exclusions: tuple[Exclusion, ...] = ()
    data: SurvivalData | None = None
    codes: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.codes is None:
            object.__setattr__(self, "codes", _codes(self.table["group"], self.groups))

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


def survival_counts(cohort, time: str, event: str, by: str | None = None) -> SurvivalCounts:
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

    Returns
    -------
    SurvivalCounts

    Raises
    ------
    AnalysisError
        As :func:`core.survival.input.survival_data`: a column is absent, a time is negative
        or not a number, or an event is neither 0 nor 1.
    """
    if is_source(cohort):
        return _engine_counts(cohort, time, event, by)
    data = survival_data(cohort, time, event, by)
    return counts_of(data)


def counts_of(data: SurvivalData) -> SurvivalCounts:
    """:class:`SurvivalCounts` of rows already checked by the gatekeeper."""
    codes, table = _count_arrays(data)
    return SurvivalCounts(table=table, groups=data.groups, n_input=data.n_input,
                          exclusions=data.exclusions, data=data, codes=codes)


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


# ---- the same rules in an engine ------------------------------------------------------------

def _engine_counts(source, time: str, event: str, by) -> SurvivalCounts:
    """The gatekeeper's rules and the count table in one scan of ``source``.

    Each row gets a kind: an error (a time that is not a number, a negative time, an event that
    is not 0/1), a reason to leave it out (no time; no event; no group), or usable, the first
    that applies in that order. One ``GROUP BY kind, group, time`` then gives the count table
    (usable rows) and the tallies (the other kinds collapse to one row each). Only when a kind
    other than usable occurs does a second, small query fetch example patient ids for the
    message. ``by`` may also be a tuple of columns (the Cox model's covariate pattern): the group
    is their combination, labelled by the values as text joined with :data:`SEPARATOR`."""
    import ibis

    t = source.table
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    check_columns(source.columns, (time, event, *keys))
    time_value, event_value = numeric(t, time), numeric(t, event)
    bad_time = t[time].notnull() & time_value.isnull()
    negative = time_value < 0
    bad_event = t[event].notnull() & (event_value.isnull() | ~event_value.isin([0.0, 1.0]))
    no_time = time_value.isnull()
    no_event = event_value.isnull()
    checks = [(no_time, missing_reason(time)), (~no_time & no_event, missing_reason(event))]
    absent = None
    if keys:
        absent = missing(t, keys[0])
        for key in keys[1:]:
            absent = absent | missing(t, key)
        reason = (missing_reason(by) if isinstance(by, str)
                  else "no recorded " + ", ".join(f"`{k}`" for k in keys))
        checks.append((~no_time & ~no_event & absent, reason))
    # kinds: 1-3 errors (BAD_TIME, NEGATIVE_TIME, BAD_EVENT), 4.. the checks' reasons, 0 usable
    kinds = [bad_time, negative, bad_event, no_time, no_event,
             *([absent] if absent is not None else [])]
    kind = ibis.cases(*[(c.fill_null(False), k + 1) for k, c in enumerate(kinds)], else_=0)
    names = [f"key{j}" for j in range(len(keys))]
    usable = kind == 0
    rows = t.select(kind=kind, time=usable.ifelse(time_value, ibis.null("float64")),
                    flag=usable.ifelse(event_value, ibis.null("float64")),
                    **{n: usable.ifelse(t[k], ibis.null(t[k].type()))
                       for n, k in zip(names, keys, strict=True)})
    grouped = rows.group_by(["kind", *names, "time"]).aggregate(
        n=rows.count(), n_event=count_true(rows.flag == 1.0),
        n_censor=count_true(rows.flag == 0.0))
    raw = grouped.to_pyarrow().to_pandas()  # Arrow's conversion: fast on long tables
    tallies = raw.groupby("kind")["n"].sum()
    for k, mask, column, (problem, fix) in ((1, bad_time, time, BAD_TIME),
                                            (2, negative, time, NEGATIVE_TIME),
                                            (3, bad_event, event, BAD_EVENT)):
        if tallies.get(k, 0):  # the first error kind counts all its rows
            shown = _examples(source, mask, column)
            raise AnalysisError(rows_message(column, int(tallies[k]), shown, problem, fix))
    counted = [int(tallies.get(k + 4, 0)) for k in range(len(checks))]
    found = [k for k, count in enumerate(counted) if count]
    named = _excluded_ids(source, [checks[k][0] for k in found]) if found else {}
    exclusions = tuple(Exclusion(checks[k][1], counted[k], tuple(named.get(j, ())))
                       for j, k in enumerate(found))
    usable_rows = raw[raw["kind"] == 0].drop(columns=["kind", "n"]).reset_index(drop=True)
    return _from_engine_table(usable_rows, by, names, int(raw["n"].sum()), exclusions)


def _examples(source, mask, column: str | None) -> list[tuple[str | None, object]]:
    """Up to :data:`SHOWN_IDS` (patient id, value) pairs of the rows in ``mask``."""
    t = source.table
    has_id = ID_COLUMN in source.columns
    picked = t.filter(mask.fill_null(False))
    fields = {}
    if has_id:
        fields["id"] = t[ID_COLUMN].cast("string")
    if column is not None:
        fields["value"] = t[column]
    if not fields:
        return []
    picked = picked.select(**fields)
    if has_id:
        picked = picked.order_by("id")
    frame = picked.limit(SHOWN_IDS).to_pandas()
    ids = frame["id"].tolist() if has_id else [None] * len(frame)
    values = frame["value"].tolist() if column is not None else [None] * len(frame)
    return list(zip(ids, values, strict=True))


def _excluded_ids(source, masks) -> dict[int, list[str]]:
    """The first :data:`SHOWN_IDS` patient ids (by id) of each exclusion mask, in one query
    (a window per reason); empty without a ``patient_id`` column."""
    if ID_COLUMN not in source.columns:
        return {}
    import ibis

    t = source.table
    reason = ibis.cases(*[(mask.fill_null(False), k) for k, mask in enumerate(masks)],
                        else_=-1)
    rows = t.select(reason=reason, id=t[ID_COLUMN].cast("string"))
    rows = rows.filter(rows.reason >= 0)
    rank = ibis.row_number().over(group_by=rows.reason, order_by=rows.id)
    picked = rows.mutate(rank=rank).filter(lambda r: r["rank"] < SHOWN_IDS)
    frame = picked.order_by(["reason", "id"]).to_pandas()
    return {int(k): part["id"].tolist() for k, part in frame.groupby("reason")}


def _from_engine_table(raw: pd.DataFrame, by, names: list[str], n_input: int,
                       exclusions: tuple[Exclusion, ...]) -> SurvivalCounts:
    """Label and order the engine's ``GROUP BY`` result as the in-memory path does.

    Each grouping column is factorized once; one column gives the gatekeeper's labels (R
    factor style), several give their values as text joined by :data:`SEPARATOR`."""
    time = raw["time"].to_numpy(float)
    n_event = raw["n_event"].to_numpy(np.int64)
    n_censor = raw["n_censor"].to_numpy(np.int64)
    if not names:
        codes, groups = np.zeros(len(raw), dtype=np.int64), (ALL,)
    else:
        if len(names) == 1:
            found, uniques = pd.factorize(raw[names[0]])
            labels = list(level_labels(pd.Series(uniques)))
        else:
            number = np.zeros(len(raw), dtype=np.int64)
            parts = []
            for name in names:
                codes_j, uniques_j = pd.factorize(raw[name])
                number = number * max(len(uniques_j), 1) + codes_j
                parts.append((len(uniques_j), [str(u) for u in uniques_j]))
            distinct, found = np.unique(number, return_inverse=True)
            labels = []
            for value in distinct:
                text = []
                for size, names_j in reversed(parts):
                    value, code = divmod(int(value), size)
                    text.append(names_j[code])
                labels.append(SEPARATOR.join(reversed(text)))
        groups = order_levels(set(labels), by if isinstance(by, str) else None) if len(raw) \
            else ()
        position = np.array([groups.index(label) for label in labels], dtype=np.int64)
        codes = position[found] if len(raw) else np.zeros(0, dtype=np.int64)
        if len(set(labels)) < len(labels):  # two raw values with one label: add them up
            merged = (pd.DataFrame({"c": codes, "t": time, "d": n_event, "x": n_censor})
                      .groupby(["c", "t"], sort=False).sum().reset_index())
            codes, time = merged["c"].to_numpy(np.int64), merged["t"].to_numpy(float)
            n_event, n_censor = merged["d"].to_numpy(np.int64), merged["x"].to_numpy(np.int64)
    order = np.lexsort((time, codes))
    codes = codes[order]
    return SurvivalCounts(table=_frame(np.asarray(groups, dtype=object)[codes] if codes.size
                                       else [], time[order], n_event[order], n_censor[order]),
                          groups=groups, n_input=n_input, exclusions=exclusions, codes=codes)

"""Baseline characteristics (the study's Table 1) of a cohort held by a query engine.

Design: :func:`engine_baseline` returns the table of
:func:`core.cohort.baseline.baseline_characteristics`
for a :class:`core.cohort.engine.CohortSource` without fetching patient rows: one aggregate
query gives every continuous column's count, minimum and maximum and every column's missing
count; one ``GROUP BY`` per continuous column gives its value counts, from which the median is
read exactly (:func:`median_of_counts`: at 10^7 rows four such scans took 2.1-2.9 s where
DuckDB's ``MEDIAN`` aggregate took 4.9-11 s, issue 24); the categorical columns' level counts
come from one ``GROUP BY GROUPING SETS`` on DuckDB (:func:`category_counts`), one ``GROUP BY``
per column elsewhere (a co-mutation list is counted per distinct list text, then split into
genes by :func:`core.cohort.baseline.co_mutation_rows`, as in memory). Rows, levels, order and
texts are those of the in-memory table, built by its own row helpers.

Conventions: medians as :meth:`pandas.Series.median` (the mean of the two middle values of an
even count); percentages use the rows with a recorded value as denominator; missing means
NULL or NaN (:func:`core.cohort.engine.missing`).

References
----------
DuckDB aggregate functions, https://duckdb.org/docs/sql/functions/aggregates (``median``).
"""

from __future__ import annotations

import pandas as pd

from core.cohort.baseline import (
    CATEGORICAL,
    CO_MUTATIONS,
    COLUMNS,
    CONTINUOUS,
    SEX_NAMES,
    _percent,
    _row,
    co_mutation_rows,
    top_levels,
)
from core.cohort.engine import CohortSource, count_true, missing, numeric
from core.cohort.filters import filter_levels
from core.cohort.schema import LABELS

FOLLOW_UP = "os_months"
ORDER = ("sex", "age", "wbc", "blasts_pct", "fab_class", "cytogenetics", "co_mutations",
         "fusion_gene", "eln2022_risk", "sorafenib_timing", "mrd_pre_status", "relapse_type",
         "outcome")


def level_counts(source: CohortSource, column: str) -> pd.Series:
    """Rows per recorded value of ``column`` (a ``GROUP BY`` in the engine).

    Returns
    -------
    pandas.Series
        Index: the value as text; values: row counts (int), sorted by value.
    """
    t = source.table
    kept = t.filter(~missing(t, column))
    grouped = (kept.group_by(level=kept[column].cast("string"))
               .aggregate(n=kept.count()).to_pandas())
    return pd.Series(grouped["n"].astype(int).to_numpy(), index=grouped["level"].astype(str),
                     dtype=int).sort_index()


def category_counts(source: CohortSource, columns) -> dict[str, pd.Series]:
    """:func:`level_counts` of each of ``columns``: on DuckDB one query for all (``GROUP BY
    GROUPING SETS``, one scan: 10 columns at 10^7 rows took 1.0 CPU s where ten ``GROUP BY``
    took 1.6, issue 24), on other engines (and for a floating-point column, whose NaN is
    missing) one ``GROUP BY`` per column."""
    t = source.table
    together = [c for c in columns if source.engine == "duckdb" and not t[c].type().is_floating()]
    counts = {c: level_counts(source, c) for c in columns if c not in together}
    if not together:
        return counts
    import ibis

    texts = ibis.to_sql(t.select(**{c: t[c].cast("string") for c in together}), dialect="duckdb")
    names = [f'"{c}"' for c in together]  # schema names (CATEGORICAL), no user text
    grouped = ibis.get_backend(t).raw_sql(
        f"SELECT {', '.join(f'GROUPING({q}) AS grouping_{i}' for i, q in enumerate(names))}, "
        f"{', '.join(names)}, COUNT(*) AS n FROM ({texts}) AS levels "
        f"GROUP BY GROUPING SETS ({', '.join(f'({q})' for q in names)})").df()
    for i, c in enumerate(together):
        rows = grouped[(grouped[f"grouping_{i}"] == 0) & grouped[c].notna()]
        counts[c] = pd.Series(rows["n"].astype(int).to_numpy(), dtype=int,
                              index=rows[c].astype(str).rename("level")).sort_index()
    return counts


def median_of_counts(values: pd.Series, counts: pd.Series) -> float:
    """The median of a column given its distinct values and their row counts, exactly as
    :meth:`pandas.Series.median` of the rows (NaN without rows).

    >>> median_of_counts(pd.Series([3.0, 1.0, 2.0]), pd.Series([1, 2, 1]))
    1.5
    """
    order = values.to_numpy(float).argsort(kind="stable")
    value = values.to_numpy(float)[order]
    cumulative = counts.to_numpy("int64")[order].cumsum()
    if not len(cumulative) or cumulative[-1] == 0:
        return float("nan")
    total = int(cumulative[-1])
    low, high = value[cumulative.searchsorted([(total - 1) // 2 + 1, total // 2 + 1])]
    return float(low) if low == high else float((low + high) / 2)


def _median(source: CohortSource, column: str) -> float:
    """The median of ``column`` from one ``GROUP BY`` of its values in the engine."""
    t = source.table
    value = numeric(t, column)
    kept = t.filter(value.notnull())
    grouped = kept.group_by(value=numeric(kept, column)).aggregate(n=kept.count()).to_pandas()
    return median_of_counts(grouped["value"], grouped["n"])


def distinct_frame(source: CohortSource, columns) -> pd.DataFrame:
    """A small DataFrame with the distinct recorded values of each of ``columns`` (padded
    with missing values), so that :func:`core.cohort.filters.filter_levels` and the sidebar's
    "has any value" tests read the engine's levels without its rows.

    Parameters
    ----------
    columns : iterable of str
        Columns of ``source``; numeric ones give their minimum and maximum only.
    """
    values: dict[str, list] = {}
    t = source.table
    for column in columns:
        if t[column].type().is_numeric() or t[column].type().is_boolean():
            row = source.aggregate(low=numeric(t, column).min(), high=numeric(t, column).max())
            values[column] = [v for v in (row["low"], row["high"])
                              if v is not None and not pd.isna(v)]
        else:
            values[column] = list(level_counts(source, column).index)
    length = max([1, *map(len, values.values())])
    return pd.DataFrame({c: pd.Series(v + [None] * (length - len(v)), dtype=object
                                      if v and isinstance(v[0], str) else None)
                         for c, v in values.items()})


def engine_baseline(source: CohortSource) -> pd.DataFrame:
    """The baseline table of the rows of ``source``, computed in the engine.

    Parameters
    ----------
    source : CohortSource
        A (filtered) cohort source with the cohort schema's columns.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`core.cohort.baseline.COLUMNS`, the same rows and texts as
        :func:`core.cohort.baseline.baseline_characteristics` on the same rows.
    """
    t = source.table
    present = set(source.columns)
    continuous = [c for c in (*CONTINUOUS, FOLLOW_UP) if c in present]
    metrics = {"n": t.count()}
    for c in continuous:
        value = numeric(t, c)
        metrics.update({f"{c}__n": value.count(), f"{c}__min": value.min(),
                        f"{c}__max": value.max()})
    for c in (*CATEGORICAL, "co_mutations"):
        if c in present:
            metrics[f"{c}__missing"] = count_true(missing(t, c))
    agg = dict(source.aggregate(**metrics))
    n = int(agg["n"])
    rows: list[dict] = [_row("Patients", "", n=n, summary=str(n))]
    if n == 0:
        return pd.DataFrame(rows, columns=list(COLUMNS))
    for c in continuous:
        agg[f"{c}__median"] = _median(source, c) if agg[f"{c}__n"] else float("nan")
    for c in {*CONTINUOUS, FOLLOW_UP} - present:  # an optional column the file lacks:
        agg[f"{c}__n"] = 0                        # not recorded for anyone, as in memory
    for c in {*CATEGORICAL, "co_mutations"} - present:
        agg[f"{c}__missing"] = n
    listed = (*CATEGORICAL, "co_mutations")
    counts = category_counts(source, [c for c in listed if c in present])
    counts = {c: counts.get(c, pd.Series(dtype=int)) for c in listed}
    levels = filter_levels(_levels_frame(counts))
    for name in ORDER:
        if name in CONTINUOUS:
            rows.append(_continuous(LABELS[name], agg, name, n))
        elif name == "co_mutations":
            rows.extend(_co_mutations(counts[name], int(agg[f"{name}__missing"])))
        else:
            order = levels.get(name) or list(counts[name].index)
            rows.extend(_categorical(LABELS[name], counts[name], order, name,
                                     int(agg[f"{name}__missing"])))
    rows.append(_continuous("Follow-up, OS time (months)", agg, FOLLOW_UP, n))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _levels_frame(counts: dict[str, pd.Series]) -> pd.DataFrame:
    """The recorded levels of every categorical column (an absent column: none), in the shape
    :func:`core.cohort.filters.filter_levels` reads."""
    length = max([1, *(len(s) for s in counts.values())])
    return pd.DataFrame({c: list(s.index) + [None] * (length - len(s))
                         for c, s in counts.items()}, dtype=object)


def _categorical(label: str, counts: pd.Series, order: list[str], name: str,
                 n_missing: int) -> list[dict]:
    recorded = int(counts.sum())
    out = []
    for level in [*order, *sorted(set(counts.index) - set(order))]:
        count = int(counts.get(level, 0))
        shown = SEX_NAMES.get(level, level) if name == "sex" else level
        out.append(_row(label, shown, n=count,
                        percent=100 * count / recorded if recorded else float("nan"),
                        summary=_percent(count, recorded)))
    return top_levels(out, label, recorded) + _not_recorded(label, n_missing)


def _co_mutations(lists: pd.Series, n_missing: int) -> list[dict]:
    return co_mutation_rows(lists) + _not_recorded(CO_MUTATIONS, n_missing)


def _continuous(label: str, agg: dict, name: str, n: int) -> dict:
    count = int(agg[f"{name}__n"])
    if count == 0:
        return _row(label, "median (range)", summary="not recorded")
    median, low, high = (float(agg[f"{name}__{k}"]) for k in ("median", "min", "max"))
    return _row(label, "median (range)", median=median, minimum=low, maximum=high, n=count,
                summary=f"{median:g} ({low:g}–{high:g})"
                + ("" if count == n else f"; not recorded for {n - count}"))


def _not_recorded(label: str, n_missing: int) -> list[dict]:
    return [_row(label, "not recorded", n=n_missing, summary=str(n_missing))] if n_missing else []



"""Table 1 by group: the baseline table split by any grouping, with an Overall column and a p
per characteristic (gtsummary ``tbl_summary(by =) |> add_p() |> add_overall()``).

Design: every column of the table is :func:`core.cohort.baseline.baseline_characteristics` of
the patients of one group (Overall: all patients with a group), aligned on (characteristic,
level); a level a group does not have reads "0". A characteristic of more values than
:data:`core.cohort.baseline.TOP_LEVELS` lists the Overall column's most frequent ones in every
column and counts the rest in each column's "other values" row. The p-value of each
characteristic is :func:`core.cohort.baseline.compare_groups` (Fisher's exact test for
categories, Wilcoxon or Kruskal-Wallis for numbers) with the test named on its row. Patients
without a recorded group are counted in a note, never silently dropped; missing values per
group are the "not recorded" rows. The table describes imbalance;
:data:`core.cohort.baseline.IMBALANCE_NOTE` says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.cohort.baseline import (
    CATEGORICAL,
    CO_MUTATIONS,
    IMBALANCE_NOTE,
    OTHER_GENES,
    TOP_LEVELS,
    _percent,
    _row,
    baseline_characteristics,
    compare_groups,
    top_levels,
)
from core.cohort.columns import check_levels
from core.cohort.schema import BY_NAME, LABELS
from core.errors import AnalysisError

OVERALL = "Overall"
NOT_RECORDED = "not recorded"
TESTED = ("sex", "age", "wbc", "blasts_pct", "fab_class", "cytogenetics", "fusion_gene",
          "eln2022_risk", "sorafenib_timing", "mrd_pre_status", "relapse_type", "outcome")
"""Characteristics with a p-value (co-mutations hold several values per patient: counted,
not tested; follow-up is not a baseline characteristic)."""


@dataclass(frozen=True)
class BaselineByGroup:
    """Table 1 split by a grouping.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``Characteristic``, ``Level``, ``Overall``, one column per group (headed
        "<group> (n = k)"), ``p`` (formatted) and ``Test``; one row per characteristic level.
    tests : pandas.DataFrame
        :func:`compare_groups` of the tested characteristics (unformatted p-values).
    by : str
    notes : tuple of str
        Patients without a group; the imbalance note.
    """

    table: pd.DataFrame
    tests: pd.DataFrame
    by: str
    notes: tuple[str, ...]


def baseline_by_group(cohort: pd.DataFrame, by: str) -> BaselineByGroup:
    """Baseline characteristics per group of ``by``, an Overall column and a p per row.

    Raises
    ------
    AnalysisError
        ``by`` is not a column, has more than :data:`core.cohort.columns.MAX_LEVELS` groups,
        or fewer than two groups have patients.
    """
    if by not in cohort.columns:
        raise AnalysisError(f"Column `{by}` is not in the cohort. Fix: choose one of its "
                            "columns to split the table by.")
    check_levels(cohort[by], by)  # the one group cap, before a table per group
    grouped = cohort[cohort[by].notna()]
    groups = sorted(pd.unique(grouped[by].astype(str)), key=_order(by))
    if len(groups) < 2:
        raise AnalysisError(f"Splitting the baseline table needs two groups; `{by}` has "
                            f"{len(groups)} here. Fix: widen the filters or choose another "
                            "grouping.")
    key = ["characteristic", "level"]
    parts = [grouped[grouped[by].astype(str) == g] for g in groups]
    whole = baseline_characteristics(grouped, top=None)
    genes = _listed_genes(whole)
    overall, *each = _listed_alike([whole, *(baseline_characteristics(rows, top=None, genes=genes)
                                             for rows in parts)])
    table = overall[[*key, "summary"]].rename(columns={"summary": OVERALL})
    labels = {}
    for g, part, one in zip(groups, parts, each, strict=True):
        label = f"{g} (n = {len(part)})"
        labels[g] = label
        table = table.merge(one[[*key, "summary"]].rename(columns={"summary": label}), on=key,
                            how="left")
    table[list(labels.values())] = table[list(labels.values())].fillna("0")
    table = table[table["characteristic"] != LABELS.get(by, by)].reset_index(drop=True)
    columns = [c for c in TESTED if c in cohort.columns and c != by]
    tests = compare_groups(grouped, by, columns)
    by_label = {LABELS.get(c, c): c for c in columns}
    first = ~table["characteristic"].duplicated()
    table["p"] = ""
    table["Test"] = ""
    for index in table.index[first]:
        column = by_label.get(table.at[index, "characteristic"])
        if column is None:
            continue
        row = tests.loc[column]
        table.at[index, "p"] = _p(row["p_value"]) if not row["note"] else "–"
        table.at[index, "Test"] = row["test"] if not row["note"] else row["note"]
    table = table.rename(columns={"characteristic": "Characteristic", "level": "Level"})
    notes = []
    missing = len(cohort) - len(grouped)
    if missing:
        notes.append(f"{missing} patient{'s' if missing != 1 else ''} without a recorded "
                     f"{LABELS.get(by, by)} are not in this table (nor in Overall).")
    notes.append(IMBALANCE_NOTE)
    return BaselineByGroup(table, tests, by, tuple(notes))


def _listed_alike(tables: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """Baseline tables (Overall first) with the same values listed for every categorical
    characteristic: the Overall table's most frequent (:func:`core.cohort.baseline.top_levels`),
    the others counted in each table's "other values" row (so the groups' rows align)."""
    overall = tables[0]
    for label in (LABELS[c] for c in CATEGORICAL):
        values = overall[(overall["characteristic"] == label)
                         & (overall["level"] != NOT_RECORDED)]
        if len(values) <= TOP_LEVELS:
            continue
        *kept, other = top_levels(values.to_dict("records"), label, int(values["n"].sum()))
        tables = [_collapse(t, label, [r["level"] for r in kept], other["level"])
                  for t in tables]
    other = overall["level"].str.startswith(OTHER_GENES) & (
        overall["characteristic"] == CO_MUTATIONS)
    if other.any():  # each group counts its own holders of the genes Overall leaves out
        level = overall.loc[other, "level"].iloc[0]
        for t in tables[1:]:
            t.loc[(t["characteristic"] == CO_MUTATIONS)
                  & t["level"].str.startswith(OTHER_GENES), "level"] = level
    return tables


def _listed_genes(table: pd.DataFrame) -> tuple[str, ...]:
    """The genes the Overall column lists (its most frequent), for every group's column."""
    rows = table[table["characteristic"] == CO_MUTATIONS]["level"]
    return tuple(g for g in rows if g not in ("none", NOT_RECORDED)
                 and not g.startswith(OTHER_GENES))


def _collapse(table: pd.DataFrame, label: str, keep: list[str], other: str) -> pd.DataFrame:
    """``table`` with the values of ``label`` outside ``keep`` counted in one row ``other``."""
    mine = (table["characteristic"] == label).to_numpy()
    if not mine.any():
        return table
    rows = table[mine]
    recorded = rows[rows["level"] != NOT_RECORDED]
    n_other = int(recorded.loc[~recorded["level"].isin(keep), "n"].sum())
    total = int(recorded["n"].sum())
    listed = recorded.set_index("level").reindex([k for k in keep
                                                  if k in set(recorded["level"])]).reset_index()
    row = _row(label, other, n=n_other, percent=100 * n_other / total if total else float("nan"),
               summary=_percent(n_other, total))
    first, last = mine.nonzero()[0][[0, -1]]
    return pd.concat([table.iloc[:first], listed[table.columns], pd.DataFrame([row]),
                      rows[rows["level"] == NOT_RECORDED], table.iloc[last + 1:]],
                     ignore_index=True)


def _p(value: float) -> str:
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _order(by: str):
    column = BY_NAME.get(by)
    allowed = list(column.allowed) if column is not None and column.allowed else []

    def key(group: str):
        return (allowed.index(group) if group in allowed else len(allowed), group)

    return key

"""Baseline characteristics of a (filtered) cohort, in the style of the study's Table 1, and
the test of each characteristic across groups (gtsummary ``add_p`` defaults).

Counts with percentages for categories, median (range) for continuous values. Percentages use
the patients with a recorded value as denominator; patients with a missing value get their own
"not recorded" row, so the counts of each characteristic always add up to the cohort size.

:func:`compare_groups` tests each column across the groups of another: Fisher's exact test for
a categorical column on any r x c table (:mod:`core.cohort.fisher`, R ``fisher.test``), the
Wilcoxon rank-sum test for a numeric column and two groups (R ``wilcox.test`` defaults: exact
when both groups have fewer than 50 values and no value is tied, else the normal approximation
with continuity correction and tie-corrected variance), the Kruskal-Wallis test for more groups
(R ``kruskal.test``). Rows without a group or without a value are left out of that column's
test and counted. A baseline p describes imbalance between the groups; it says nothing about
what caused a difference in outcome.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import kruskal, mannwhitneyu

from core.cohort.columns import MAX_LEVELS, check_levels
from core.cohort.filters import filter_levels
from core.cohort.fisher import fisher_test
from core.cohort.schema import LABELS
from core.errors import AnalysisError

CONTINUOUS = ("age", "wbc", "blasts_pct")
CATEGORICAL = ("sex", "fab_class", "cytogenetics", "fusion_gene", "eln2022_risk",
               "sorafenib_timing", "mrd_pre_status", "relapse_type", "outcome")
SEX_NAMES = {"M": "Male", "F": "Female"}

COLUMNS = ("characteristic", "level", "n", "percent", "median", "minimum", "maximum", "summary")
"""Columns of :func:`baseline_characteristics`: ``n``/``percent`` for category rows,
``median``/``minimum``/``maximum`` for continuous rows, and ``summary`` the printed text
("9 (47.4%)" or "59 (21–76)")."""


TOP_LEVELS = MAX_LEVELS
"""Table 1 lists at most this many values of a characteristic: beyond, the most frequent
ones and one row "other values" counting the rest (a column of thousands of values, such as
a free-text karyotype, would otherwise fill thousands of rows)."""


def baseline_characteristics(cohort: pd.DataFrame, top: int | None = TOP_LEVELS,
                             genes: int | tuple[str, ...] | None = TOP_LEVELS) -> pd.DataFrame:
    """Summarise a cohort as the study's Table 1 does.

    Parameters
    ----------
    cohort : pandas.DataFrame
        A validated cohort, possibly filtered; may be empty.
    top : int or None
        Values listed per categorical characteristic at most (see :func:`top_levels`);
        ``None`` lists every value (the table split by groups aligns the groups' rows).
    genes : int, tuple of str or None
        Co-mutations listed: the this-many most frequent, these genes, or (``None``) every
        gene; the others in one row "other genes" counting the patients with at least one of
        them (a patient holds several genes, so the row is not the sum of the genes' rows).

    Returns
    -------
    pandas.DataFrame
        One row per characteristic level with the columns in :data:`COLUMNS`. The follow-up
        row is the median (range) of the OS times of all patients, the figure the study
        prints (50 months, 13–133); the reverse Kaplan-Meier follow-up is on the Survival page.
    """
    rows: list[dict] = [_row("Patients", "", n=len(cohort), summary=str(len(cohort)))]
    if len(cohort) == 0:
        return pd.DataFrame(rows, columns=list(COLUMNS))
    levels = filter_levels(cohort)
    for name in ("sex", "age", "wbc", "blasts_pct", "fab_class", "cytogenetics",
                 "co_mutations", "fusion_gene", "eln2022_risk", "sorafenib_timing",
                 "mrd_pre_status", "relapse_type", "outcome"):
        if name in CONTINUOUS:
            rows.append(_continuous(LABELS[name], cohort[name]))
        elif name == "co_mutations":
            rows.extend(_co_mutations(cohort["co_mutations"], genes))
        else:
            order = levels.get(name) or sorted(cohort[name].dropna().unique())
            rows.extend(_categorical(LABELS[name], cohort[name], order, name, top))
    rows.append(_continuous("Follow-up, OS time (months)", cohort["os_months"]))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _row(characteristic: str, level: str, **values: object) -> dict:
    return {"characteristic": characteristic, "level": level, **values}


def _percent(count: int, total: int) -> str:
    return f"{count} ({100 * count / total:.1f}%)" if total else str(count)


def _categorical(label: str, values: pd.Series, order: list[str], name: str,
                 top: int | None) -> list[dict]:
    recorded = values.dropna()
    counts = recorded.value_counts()
    out = []
    for level in [*order, *sorted(set(counts.index) - set(order))]:
        count = int(counts.get(level, 0))
        shown = SEX_NAMES.get(level, level) if name == "sex" else level
        out.append(_row(label, shown, n=count,
                        percent=100 * count / len(recorded) if len(recorded) else float("nan"),
                        summary=_percent(count, len(recorded))))
    out = top_levels(out, label, len(recorded), top)
    out.extend(_not_recorded(label, values))
    return out


def top_levels(rows: list[dict], label: str, recorded: int,
               top: int | None = TOP_LEVELS) -> list[dict]:
    """The value rows of one characteristic, at most ``top`` of them and one more.

    With more than ``top`` values, the ``top`` most frequent are kept, most frequent first
    (ties in table order), and the others are counted in one row whose level says how many
    values it holds and that only the most frequent are listed; its percentage has the same
    denominator (``recorded``, the patients with a value) as the others. ``None``: all rows.
    """
    if top is None or len(rows) <= top:
        return rows
    ranked = sorted(range(len(rows)), key=lambda i: -rows[i]["n"])
    kept = [rows[i] for i in ranked[:top]]
    other = sum(rows[i]["n"] for i in ranked[top:])
    return [*kept, _row(label, f"other values ({len(rows) - top:,}; the {top} most frequent "
                               "are listed)", n=other,
                        percent=100 * other / recorded if recorded else float("nan"),
                        summary=_percent(other, recorded))]


CO_MUTATIONS = "Co-mutations (other than FLT3-ITD)"
OTHER_GENES = "other genes"
"""Start of the level of the co-mutation row counting patients with an unlisted gene."""


def _co_mutations(values: pd.Series, genes: int | tuple[str, ...] | None) -> list[dict]:
    recorded = values.dropna().astype(str)
    return co_mutation_rows(recorded.value_counts(sort=False), genes) + _not_recorded(
        CO_MUTATIONS, values)


def co_mutation_rows(lists: pd.Series, genes: int | tuple[str, ...] | None = TOP_LEVELS
                     ) -> list[dict]:
    """Table 1's co-mutation rows (not recorded aside) from patients per distinct list.

    Parameters
    ----------
    lists : pandas.Series
        Number of patients (values) per canonical co-mutation list text (index, genes
        separated by "; ", ``"none"`` for none).
    genes : int, tuple of str or None
        Genes listed, by patients holding them: the this-many most frequent (ties by name),
        these, or all. The others make one row, "other genes (k): patients with at least
        one", counting patients (a patient holds several genes: not the rows' sum).

    Returns
    -------
    list of dict
        Rows of :data:`COLUMNS`: listed genes, other genes, "none"; percentages of the
        patients with a recorded list.
    """
    n = int(lists.sum())
    patients = lists.to_numpy()
    split = pd.Series(lists.index.astype(str), index=range(len(lists))).str.split("; ")
    found = split.explode()
    pairs = found[found != "none"].reset_index().drop_duplicates()  # (list, gene) once
    pairs.columns = ["list", "gene"]
    pairs["n"] = patients[pairs["list"].to_numpy(dtype=int)]
    counts = pairs.groupby("gene")["n"].sum()
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if isinstance(genes, tuple):
        listed = [(g, int(counts[g])) for g in genes if g in counts.index]
    else:
        listed = ranked if genes is None else ranked[:genes]
    out = [_row(CO_MUTATIONS, gene, n=int(count), percent=100 * count / n,
                summary=_percent(int(count), n)) for gene, count in listed]
    others = pairs[~pairs["gene"].isin([g for g, _ in listed])]
    if len(others):
        holders = int(patients[others["list"].unique().astype(int)].sum())
        out.append(_row(CO_MUTATIONS, f"{OTHER_GENES} ({others['gene'].nunique():,}): "
                        "patients with at least one", n=holders, percent=100 * holders / n,
                        summary=_percent(holders, n)))
    none = n - int(patients[pairs["list"].unique().astype(int)].sum())
    if none:
        out.append(_row(CO_MUTATIONS, "none", n=none, percent=100 * none / n,
                        summary=_percent(none, n)))
    return out


def _continuous(label: str, values: pd.Series) -> dict:
    recorded = values.dropna()
    if recorded.empty:
        return _row(label, "median (range)", summary="not recorded")
    median, low, high = recorded.median(), recorded.min(), recorded.max()
    return _row(label, "median (range)", median=median, minimum=low, maximum=high,
                n=len(recorded), summary=f"{median:g} ({low:g}–{high:g})"
                + ("" if len(recorded) == len(values) else
                   f"; not recorded for {len(values) - len(recorded)}"))


def _not_recorded(label: str, values: pd.Series) -> list[dict]:
    missing = int(values.isna().sum())
    return [_row(label, "not recorded", n=missing, summary=str(missing))] if missing else []


FISHER = "Fisher's exact test"
WILCOXON_EXACT = "Wilcoxon rank-sum test (exact)"
WILCOXON_NORMAL = "Wilcoxon rank-sum test (normal approximation, continuity correction)"
KRUSKAL = "Kruskal-Wallis test"
EXACT_BELOW = 50
"""R ``wilcox.test``: the exact p when both groups have fewer values than this (and no ties)."""
COMPARE_COLUMNS = ["test", "p_value", "n", "n_missing", "groups", "note"]
IMBALANCE_NOTE = ("Baseline p-values describe imbalance between the groups in this cohort; "
                  "they do not show that a characteristic causes a difference in outcome, "
                  "and a large p does not prove the groups comparable.")


def is_numeric_column(values: pd.Series) -> bool:
    """Numeric columns are summarised and tested as numbers; text, booleans and categories
    as categories."""
    return (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
            and not isinstance(values.dtype, pd.CategoricalDtype))


def compare_groups(df: pd.DataFrame, by: str, columns) -> pd.DataFrame:
    """Test each of ``columns`` across the groups of ``by`` (gtsummary ``add_p`` defaults).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    by : str
        Grouping column (rows without a group are left out of every test).
    columns : sequence of str
        Columns to test; numeric ones by rank tests, the others by Fisher's exact test.

    Returns
    -------
    pandas.DataFrame
        Indexed by column name, columns ``test, p_value, n, n_missing, groups, note``: the
        test's name, its two-sided p (NaN with a ``note`` when the column cannot be tested,
        e.g. one group or one value only), the rows tested, the rows with a group but no
        value, and the number of groups with values.

    Raises
    ------
    AnalysisError
        ``by`` or a column is not in ``df``, ``by`` is among ``columns`` or has more than
        :data:`core.cohort.columns.MAX_LEVELS` groups. A column with more values than that is
        not tested (its ``note`` says so).
    """
    columns = [columns] if isinstance(columns, str) else list(columns)
    absent = [c for c in (by, *columns) if c not in df.columns]
    if absent:
        raise AnalysisError(f"Column(s) {', '.join(f'`{c}`' for c in absent)} not in the "
                            f"cohort (columns: {', '.join(map(str, df.columns))}). "
                            "Fix: choose columns of the cohort.")
    if by in columns:
        raise AnalysisError(f"`{by}` is the grouping column and cannot be tested against "
                            "itself. Fix: leave it out of the columns.")
    check_levels(df[by], by)  # the one group cap
    grouped = df[df[by].notna()]
    rows = {column: _compare_one(grouped[column], grouped[by]) for column in columns}
    return pd.DataFrame.from_dict(rows, orient="index", columns=COMPARE_COLUMNS)


def _compare_one(values: pd.Series, groups: pd.Series) -> tuple:
    present = values.notna().to_numpy()
    n_missing = int((~present).sum())
    x, g = values[present], groups[present]
    codes, levels = pd.factorize(g, sort=True)
    k = len(levels)
    numeric = is_numeric_column(values)
    test = (WILCOXON_EXACT if k == 2 else KRUSKAL) if numeric else FISHER
    if k < 2:
        return (test, np.nan, len(x), n_missing, k,
                "not testable: fewer than two groups have a recorded value")
    if not numeric:
        distinct = x.astype(str).nunique()
        if distinct > MAX_LEVELS:  # an exact test on thousands of rows x groups never ends
            return (test, np.nan, len(x), n_missing, k, f"not tested: {distinct:,} different "
                    f"values (at most {MAX_LEVELS} levels are compared)")
        table = pd.crosstab(x.astype(str).to_numpy(), codes).to_numpy()
        if table.shape[0] < 2:
            return (test, np.nan, len(x), n_missing, k, "not testable: one value only")
        result = fisher_test(table)
        if not result.exact:
            test = f"{FISHER} (Monte Carlo p, {result.n_tables:,} random tables)"
        return test, result.p_value, len(x), n_missing, k, ""
    numbers = x.to_numpy(dtype=float)
    samples = [numbers[codes == j] for j in range(k)]
    if k > 2:
        statistic = kruskal(*samples)
        return test, float(statistic.pvalue), len(x), n_missing, k, ""
    tied = np.unique(numbers).size < numbers.size
    if not tied and max(s.size for s in samples) < EXACT_BELOW:
        p = mannwhitneyu(*samples, alternative="two-sided", method="exact").pvalue
    else:
        test = WILCOXON_NORMAL
        p = mannwhitneyu(*samples, alternative="two-sided", method="asymptotic",
                         use_continuity=True).pvalue
    return test, float(min(1.0, p)), len(x), n_missing, k, ""

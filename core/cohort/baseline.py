"""Baseline characteristics of a (filtered) cohort, in the style of the study's Table 1.

Counts with percentages for categories, median (range) for continuous values. Percentages use
the patients with a recorded value as denominator; patients with a missing value get their own
"not recorded" row, so the counts of each characteristic always add up to the cohort size.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from core.cohort.filters import filter_levels
from core.cohort.read import split_list
from core.cohort.schema import LABELS

CONTINUOUS = ("age", "wbc", "blasts_pct")
CATEGORICAL = ("sex", "fab_class", "cytogenetics", "fusion_gene", "eln2022_risk",
               "sorafenib_timing", "mrd_pre_status", "relapse_type", "outcome")
SEX_NAMES = {"M": "Male", "F": "Female"}

COLUMNS = ("characteristic", "level", "n", "percent", "median", "minimum", "maximum", "summary")
"""Columns of :func:`baseline_characteristics`: ``n``/``percent`` for category rows,
``median``/``minimum``/``maximum`` for continuous rows, and ``summary`` the printed text
("9 (47.4%)" or "59 (21–76)")."""


def baseline_characteristics(cohort: pd.DataFrame) -> pd.DataFrame:
    """Summarise a cohort as the study's Table 1 does.

    Parameters
    ----------
    cohort : pandas.DataFrame
        A validated cohort, possibly filtered; may be empty.

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
            rows.extend(_co_mutations(cohort["co_mutations"]))
        else:
            order = levels.get(name) or sorted(cohort[name].dropna().unique())
            rows.extend(_categorical(LABELS[name], cohort[name], order, name))
    rows.append(_continuous("Follow-up, OS time (months)", cohort["os_months"]))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _row(characteristic: str, level: str, **values: object) -> dict:
    return {"characteristic": characteristic, "level": level, **values}


def _percent(count: int, total: int) -> str:
    return f"{count} ({100 * count / total:.1f}%)" if total else str(count)


def _categorical(label: str, values: pd.Series, order: list[str], name: str) -> list[dict]:
    recorded = values.dropna()
    counts = recorded.value_counts()
    out = []
    for level in [*order, *sorted(set(counts.index) - set(order))]:
        count = int(counts.get(level, 0))
        shown = SEX_NAMES.get(level, level) if name == "sex" else level
        out.append(_row(label, shown, n=count,
                        percent=100 * count / len(recorded) if len(recorded) else float("nan"),
                        summary=_percent(count, len(recorded))))
    out.extend(_not_recorded(label, values))
    return out


def _co_mutations(values: pd.Series) -> list[dict]:
    label = "Co-mutations (other than FLT3-ITD)"
    recorded = values.dropna()
    counts = Counter(g for v in recorded for g in split_list(v))
    none = sum(1 for v in recorded if not split_list(v))
    out = [_row(label, gene, n=count, percent=100 * count / len(recorded),
                summary=_percent(count, len(recorded)))
           for gene, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    if none:
        out.append(_row(label, "none", n=none, percent=100 * none / len(recorded),
                        summary=_percent(none, len(recorded))))
    return out + _not_recorded(label, values)


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

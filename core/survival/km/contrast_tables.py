"""The milestone and RMST contrasts as the Survival page prints them: how big the difference
is in survival at a landmark and in months up to a horizon, each group against the reference.

Design: format only; the numbers are :func:`core.survival.km.contrasts.milestone_difference`
(tern ``s_surv_timepoint_diff``) and :func:`core.survival.km.contrasts.rmst_comparison`
(survRM2 ``rmst2``), tested against R in ``tests/core/survival/km/test_group_comparisons_vs_r.py``.
A contrast the data cannot give (a landmark or horizon after a group's follow-up, a ratio
with a zero) is "not estimable", never a number.
"""

from __future__ import annotations

import math

import pandas as pd

from core.style.numbers import NOT_ESTIMABLE, format_hr, format_p
from core.survival.km.contrasts import MilestoneDifference, RmstComparison


def _points(value: float) -> str:
    """A survival difference in percentage points, signed: "+12.5"."""
    return f"{100 * value:+.1f}"


def milestone_table(result: MilestoneDifference) -> pd.DataFrame:
    """One row per group: Group, vs, Months, Survival, Reference's survival (percent),
    Difference, percentage points (95% CI), p (z-test, Greenwood standard errors)."""
    rows = []
    for r in result.table.itertuples():
        if math.isnan(r.difference) or math.isnan(r.se) or r.se <= 0:
            difference, p = NOT_ESTIMABLE, ""
        else:
            difference = (f"{_points(r.difference)} ({_points(r.ci_lower)} to "
                          f"{_points(r.ci_upper)})")
            p = format_p(r.p_value)
        rows.append({"Group": r.group, "vs": r.reference, "Months": f"{r.time:g}",
                     "Survival": "–" if math.isnan(r.survival) else f"{100 * r.survival:.1f}%",
                     "Reference": "–" if math.isnan(r.reference_survival)
                     else f"{100 * r.reference_survival:.1f}%",
                     "Difference, points (95% CI)": difference, "p": p})
    return pd.DataFrame(rows)


def rmst_table(result: RmstComparison) -> pd.DataFrame:
    """One row per group: Group, vs, up to tau months, the RMST difference in months, the
    RMST ratio and the RMTL ratio, each "estimate (95% CI)", with their p."""
    rows = []
    for (group, reference), part in result.table.groupby(["group", "reference"], sort=False):
        row = {"Group": group, "vs": reference, "Up to (months)": f"{result.tau:g}"}
        for c in part.itertuples():
            if math.isnan(c.estimate) or math.isnan(c.ci_lower):
                cell, p = NOT_ESTIMABLE, ""
            elif c.contrast == "RMST difference":
                cell = f"{c.estimate:+.1f} ({c.ci_lower:+.1f} to {c.ci_upper:+.1f})"
                p = format_p(c.p_value)
            else:
                cell = f"{format_hr(c.estimate)} ({format_hr(c.ci_lower)}–" \
                       f"{format_hr(c.ci_upper)})"
                p = format_p(c.p_value)
            name = "RMST difference, months" if c.contrast == "RMST difference" else c.contrast
            row |= {f"{name} (95% CI)": cell, f"{c.contrast} p": p}
        rows.append(row)
    return pd.DataFrame(rows)


def contrast_summary(milestone: MilestoneDifference | None,
                     rmst: RmstComparison) -> pd.DataFrame:
    """Both contrasts in one long table for slides and reports: Group, vs, Measure,
    Estimate (95% CI), p; one row per group and measure (milestone difference in percentage
    points, RMST difference in months, RMST ratio, RMTL ratio)."""
    rows = []
    if milestone is not None:
        for r in milestone_table(milestone).to_dict(orient="records"):
            rows.append({"Group": r["Group"], "vs": r["vs"],
                         "Measure": f"Survival at {r['Months']} months: difference (points)",
                         "Estimate (95% CI)": r["Difference, points (95% CI)"], "p": r["p"]})
    for r in rmst_table(rmst).to_dict(orient="records"):
        tau = r["Up to (months)"]
        for name, column in ((f"RMST to {tau} months: difference (months)",
                              "RMST difference, months"),
                             (f"RMST to {tau} months: ratio", "RMST ratio"),
                             (f"RMTL to {tau} months: ratio", "RMTL ratio")):
            contrast = column.split(",")[0]
            rows.append({"Group": r["Group"], "vs": r["vs"], "Measure": name,
                         "Estimate (95% CI)": r[f"{column} (95% CI)"],
                         "p": r[f"{contrast} p"]})
    return pd.DataFrame(rows, columns=["Group", "vs", "Measure", "Estimate (95% CI)", "p"])

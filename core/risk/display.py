"""Tables of the Relapse risk page, formatted (numbers as the page shows them, nothing
computed here that the results do not already hold)."""

from __future__ import annotations

import math

import pandas as pd

from core.cohort.coding import level_labels
from core.errors import AnalysisError
from core.risk.assess import Assessment
from core.risk.bootstrap import Validation
from core.risk.model import RiskModel
from core.risk.performance import INDEX_LABELS
from core.risk.samplesize import SampleSize
from core.style.numbers import format_p

DASH = "–"


def _ci(value: float, lower: float, upper: float, digits: int = 3) -> str:
    if not math.isfinite(value):
        return "not defined"
    if not (math.isfinite(lower) and math.isfinite(upper)):
        return f"{value:.{digits}f}"
    return f"{value:.{digits}f} ({lower:.{digits}f}–{upper:.{digits}f})"


def percent(value: float, lower: float = math.nan, upper: float = math.nan) -> str:
    """"42% (18–71%)", or "42%" without an interval."""
    if not math.isfinite(value):
        return "not defined"
    if math.isfinite(lower) and math.isfinite(upper):
        return f"{value:.0%} ({lower:.0%}–{upper:.0%})"
    return f"{value:.0%}"


def validation_table(a: Assessment) -> pd.DataFrame:
    """One row per figure: what it is, its value with 95% CI, how to read it."""
    rows = []
    if a.harrell is not None:
        rows.append(("Harrell's C", _ci(a.harrell.c_index, a.harrell.ci_lower,
                                        a.harrell.ci_upper),
                     "discrimination over the whole follow-up; 0.5 = chance, 1 = perfect"))
        rows.append((f"Uno's C (to {a.uno.truncation:g} months)",
                     _ci(a.uno.c_index, a.uno.ci_lower, a.uno.ci_upper),
                     "the same, weighted so that censoring does not bias it"))
    else:  # competing events: said, not silently left out
        rows.append(("Harrell's / Uno's C", DASH,
                     "not shown with competing events: the C-index is not a proper measure of "
                     "a risk by a horizon (Blanche et al. 2019); the time-dependent AUC below "
                     "is its proper counterpart"))
    rows.append((f"Time-dependent AUC at {a.auc.horizon:g} months",
                 _ci(a.auc.auc, a.auc.ci_lower, a.auc.ci_upper),
                 f"{a.auc.cases} patients with the event by then against {a.auc.controls} "
                 "without it"))
    rows.append((f"Brier score at {a.brier.horizon:g} months",
                 _ci(a.brier.brier, a.brier.ci_lower, a.brier.ci_upper),
                 f"mean squared error of the risk; the null model (everyone "
                 f"{a.brier.null_risk:.0%}) scores {a.brier.null_brier:.3f}"))
    rows.append(("IPA", f"{a.brier.ipa:.3f}" if math.isfinite(a.brier.ipa) else DASH,
                 "share of the null model's error removed; 0 = no better than the overall "
                 "risk, < 0 = worse"))
    cal = a.calibration
    rows.append(("Calibration slope", f"{cal.slope:.2f}" if math.isfinite(cal.slope) else DASH,
                 "1 = ideal; < 1: predictions too extreme (overfitting)"))
    rows.append(("ICI", f"{cal.ici:.3f}" if math.isfinite(cal.ici) else DASH,
                 "mean distance between predicted and observed risk"))
    observed = percent(cal.observed, cal.observed_lower, cal.observed_upper)
    rows.append(("Observed / expected",
                 f"{cal.observed_expected:.2f} (observed {observed}, mean predicted "
                 f"{cal.expected:.0%})",
                 "calibration-in-the-large; > 1: the model underestimates"))
    return pd.DataFrame(rows, columns=["Figure", "Value (95% CI)", "How to read it"])


def calibration_groups_table(a: Assessment) -> pd.DataFrame:
    g = a.calibration.groups
    return pd.DataFrame({
        "Risk group": g["group"], "Patients": g["n"], "Events by horizon": g["events"],
        "Mean predicted": [percent(v) for v in g["predicted"]],
        "Observed (95% CI)": [percent(o, lo, hi) if math.isfinite(o) else
                              "follow-up ends before the horizon"
                              for o, lo, hi in zip(g["observed"], g["ci_lower"], g["ci_upper"],
                                                   strict=True)]})


def bootstrap_table(v: Validation) -> pd.DataFrame:
    """rms::validate's table with readable index names (rows that are not defined for the
    model's kind left out)."""
    t = v.table[v.table["apparent"].notna()]
    return pd.DataFrame({
        "Index": [INDEX_LABELS[i] for i in t.index],
        "Apparent": t["apparent"].round(3), "Optimism": t["optimism"].round(3),
        "Corrected": t["corrected"].round(3), "Samples": t["n"].astype(int)})


def sample_size_table(s: SampleSize) -> pd.DataFrame:
    return pd.DataFrame({
        "Criterion": ["1: shrinkage of the coefficients >= 0.9",
                      "2: optimism in R² <= 0.05",
                      "3: overall risk within its margin", "Required"],
        "Patients": [*s.criteria, s.n_required],
        "Events": [s.events_at(n) for n in (*s.criteria, s.n_required)]})


def coefficient_table(model: RiskModel) -> pd.DataFrame:
    t = model.table
    return pd.DataFrame({
        "Model": t["component"], "Term": t["term"],
        "HR (95% CI)": [_ci(hr, lo, hi, 2) for hr, lo, hi in
                        zip(t["hr"], t["hr_lower"], t["hr_upper"], strict=True)],
        "p": [format_p(p) if math.isfinite(p) else DASH for p in t["p_value"]]})


def starting_profile(model: RiskModel, cohort: pd.DataFrame) -> dict:
    """Where "Enter a profile" starts: the median of each numeric covariate (rounded to a
    whole number) and the most frequent of the model's levels of each categorical one (ties:
    the first in the model's level order), as the Cox page's
    :func:`core.cox.display.typical_profile`. Not read off any one patient's row, so a viewer,
    who may not see patient rows, cannot read a patient's values off the defaults.

    Raises
    ------
    core.errors.AnalysisError
        When a covariate has no recorded value among the filtered patients.
    """
    out: dict = {}
    for coding in model.codings:
        values = cohort[coding.column].dropna()
        if values.empty:
            raise AnalysisError(f"`{coding.column}` is not recorded for any filtered patient; "
                                "widen the filters or drop it from the model.")
        if not coding.levels:
            out[coding.column] = float(round(float(pd.to_numeric(values).median())))
        else:
            counts = pd.Series(level_labels(values)).value_counts()
            out[coding.column] = max(coding.levels, key=lambda v: (
                counts.get(v, 0), -coding.levels.index(v)))
    return out

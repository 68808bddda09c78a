"""Cox results formatted for reading: the Cox page's tables, labels and notes (no streamlit).

Compute (:mod:`core.cox.fit`, :mod:`core.cox.ph`, :mod:`core.cox.predict`), format (here) and
draw (:mod:`core.cox.figures`) are kept apart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from core.cohort.coding import level_labels, present_levels
from core.cohort.columns import extra_columns
from core.cohort.groups import CUSTOM_GROUP_COLUMN
from core.cohort.schema import BY_NAME
from core.cox.fit import CoxResult
from core.cox.ph import NOT_COMPUTABLE as PH_NOT_COMPUTABLE
from core.cox.ph import PHTestResult
from core.errors import AnalysisError
from core.style.numbers import (
    format_hr,  # noqa: F401  (re-exported: pages and tests use it)
    p_phrase,
)
from core.style.numbers import format_p as _format_p

NOT_COMPUTABLE = "not computable"
"""What a table shows for a statistic that cannot be computed (never 'nan')."""

NUMERIC_COVARIATES = ("age", "wbc", "blasts_pct")
"""Numeric columns offered as covariates (hazard ratio per unit, age also per decade)."""
OUTCOME_COLUMNS = ("relapse_type", "outcome")
"""Columns defined by the endpoints themselves, never offered as covariates."""
P_METHOD = {False: "Wald", True: "penalized likelihood ratio (Firth)"}


def covariate_options(cohort: pd.DataFrame) -> list[str]:
    """Columns of ``cohort`` that can enter a Cox model: the three study stratifiers, age,
    then the other schema categories and numbers, each with at least two distinct values.

    Columns recording the outcome itself (relapse type, vital status) are never offered.
    """
    first = [CUSTOM_GROUP_COLUMN, "mrd_pre_status", "eln2022_risk", "sorafenib_timing", "age"]
    others = [c.name for c in BY_NAME.values()
              if (c.kind == "category" or c.name in NUMERIC_COVARIATES)
              and c.name not in first and c.name not in OUTCOME_COLUMNS]
    extra = extra_columns(cohort)  # the file's own columns, under their own names
    return [c for c in [*first, *others]
            if c in cohort.columns and cohort[c].dropna().nunique() >= 2] + \
        [*extra.categorical, *extra.numeric]


COX_PAGE_MAX_ROWS = 100_000
"""Patients the Cox page fits its models on at most: a larger cohort is fitted on a seeded
random sample of this size, named on the page (``bench/bench_cox.py``: the page's default
view took about 3 s at 10^5 patients and 40 s at 10^6 on the shared 2-core machine)."""


def model_rows(cohort: pd.DataFrame, columns: Sequence[str],
               max_rows: int = COX_PAGE_MAX_ROWS, seed: int = 1,
               what: str = "the Cox models below are fitted") -> tuple[pd.DataFrame, str]:
    """The rows and columns the Cox page fits on, and a note when they are a sample.

    Parameters
    ----------
    cohort : pandas.DataFrame
        The filtered cohort.
    columns : sequence of str
        Columns the models need (times, events, covariates, patient id); others are dropped
        so that caching hashes less.
    max_rows : int
        Patients at most; above, a seeded random sample of ``max_rows`` in the cohort's order.
    seed : int
        Seed of the sample (the same cohort always gives the same sample).
    what : str
        What the sample is for, as the sentence names it (the Subgroups and Competing risks
        pages sample too).

    Returns
    -------
    (pandas.DataFrame, str)
        The rows, and "" or the sentence naming the sample.
    """
    frame = cohort[[c for c in dict.fromkeys(columns) if c in cohort.columns]]
    if len(frame) <= max_rows:
        return frame, ""
    sample = frame.sample(n=max_rows, random_state=seed).sort_index()
    return sample, (f"This cohort has {len(frame):,} patients: {what} "
                    f"on a random sample of {max_rows:,} of them (seed {seed}, the same sample "
                    "every time), so that the page answers in seconds. Intervals from all "
                    "patients would be narrower; the estimates differ only by sampling "
                    "error.")


def category_levels(cohort: pd.DataFrame, column: str) -> list[str]:
    """Levels of a categorical column present in ``cohort``, in the one level order of
    :func:`core.cohort.coding.present_levels` (the order the models use; its first level is the
    default reference)."""
    return list(present_levels(cohort[column], column))


def needs_firth(result: CoxResult) -> bool:
    """Whether an ordinary fit shows monotone likelihood (separation) or did not converge,
    the situations in which Firth's penalized model is the better estimate."""
    return (not result.firth) and (not result.converged or any(
        w.startswith("Monotone likelihood") for w in result.warnings))


def term_labels(result: CoxResult) -> dict[str, str]:
    """Readable name of each term: 'MRD before maintenance: positive vs negative',
    'Age (years), per 10 years'."""
    out = {}
    for enc in result.encodings:
        label = BY_NAME[enc.column].label if enc.column in BY_NAME else enc.column
        if enc.kind == "numeric":
            unit = BY_NAME[enc.column].unit if enc.column in BY_NAME else None
            per = f"per {enc.scale:g} {unit}" if unit else f"per {enc.scale:g}"
            out[enc.terms[0]] = f"{label}, {per}"
        else:
            for term, level in zip(enc.terms, enc.levels[1:], strict=True):
                out[term] = f"{label}: {level} vs {enc.reference}"
    return out


def hazard_ratio_table(results: Sequence[CoxResult]) -> pd.DataFrame:
    """One display row per term of the given fits (a univariable fit per covariate, or one
    multivariable fit): ``Term``, ``HR``, ``95% CI``, ``p``, ``p method``, ``Patients with
    level``, ``Events with level`` (all patients and events for a numeric term)."""
    rows = []
    for result in results:
        labels = term_labels(result)
        for term, row in result.table.iterrows():
            rows.append({
                "Term": labels.get(term, term), "HR": format_hr(row["hr"]),
                f"{result.conf_level:.0%} CI": f"{format_hr(row['hr_lower'])}–"
                                               f"{format_hr(row['hr_upper'])}",
                "p": _format_p(row["p_value"]), "p method": P_METHOD[result.firth],
                "Patients with level": int(row["n"]), "Events with level": int(row["events"]),
            })
    return pd.DataFrame(rows)


def model_table(results: Sequence[CoxResult], names: Sequence[str]) -> pd.DataFrame:
    """One display row per fit: ``Model``, ``Patients used``, ``Events used``,
    ``Likelihood-ratio p`` (all coefficients 0; '–' for Firth, which has none),
    ``Harrell's C``, ``Estimation`` (estimator, ties and inference)."""
    rows = []
    for name, result in zip(names, results, strict=True):
        rows.append({
            "Model": name, "Patients used": result.n, "Events used": result.events,
            "Likelihood-ratio p": _format_p(result.lr_p_value),
            "Harrell's C": "–" if math.isnan(result.concordance)
            else f"{result.concordance:.3f}",
            "Estimation": ("Firth-penalized, Breslow ties, profile-likelihood CI"
                           if result.firth else
                           f"Ordinary Cox, {result.ties.capitalize()} ties, Wald CI"),
        })
    return pd.DataFrame(rows)


def patient_profile(cohort: pd.DataFrame, patient_id: object,
                    covariates: Sequence[str]) -> dict:
    """The covariate values of one patient of ``cohort`` (for :func:`predict_survival`).

    Raises
    ------
    core.errors.AnalysisError
        When the patient is not in ``cohort`` or misses a covariate.
    """
    rows = cohort[cohort["patient_id"].astype("string") == str(patient_id)]
    if rows.empty:
        raise AnalysisError(f"Patient {patient_id} is not among the filtered patients; "
                            "choose another patient or widen the filters.")
    row = rows.iloc[0]
    missing = [c for c in covariates if pd.isna(row[c])]
    if missing:
        raise AnalysisError(f"Patient {patient_id} has no value for {missing}; choose another "
                            "patient or enter the profile by hand.")
    return {c: (float(row[c]) if c in NUMERIC_COVARIATES else str(row[c]))
            for c in covariates}


def typical_profile(cohort: pd.DataFrame, covariates: Sequence[str]) -> dict:
    """A typical profile, to start "Enter a profile" from: the median of each numeric
    covariate (rounded to a whole number) and the most frequent level of each categorical one
    (ties: the first in the coder's level order). Not read off any one patient's row, so a
    viewer, who may not see patient rows, cannot read a patient's values off the defaults.

    Raises
    ------
    core.errors.AnalysisError
        When a covariate has no recorded value among the filtered patients.
    """
    out: dict = {}
    for column in covariates:
        values = cohort[column].dropna()
        if values.empty:
            raise AnalysisError(f"`{column}` is not recorded for any filtered patient; widen "
                                "the filters or drop it from the model.")
        if column in NUMERIC_COVARIATES:
            out[column] = float(round(float(pd.to_numeric(values).median())))
        else:
            levels = category_levels(cohort, column)
            counts = pd.Series(level_labels(values)).value_counts()
            out[column] = max(levels, key=lambda v: (counts.get(v, 0), -levels.index(v)))
    return out


def uncertainty_note(result: CoxResult, event_noun: str) -> str:
    """Plain statement of how much the model's predictions can be trusted."""
    small = result.events < 20
    return (f"Based on {result.events} {event_noun} among {result.n} patients and "
            f"{len(result.terms)} coefficient{'s' if len(result.terms) != 1 else ''}. "
            + ("With so few events the intervals are wide: the true probability for a patient "
               "like this could lie anywhere in the band, and the curve also assumes "
               "proportional hazards. Read it as an illustration of the model, not as an "
               "individual forecast." if small else
               "The band is pointwise; the curve assumes proportional hazards."))


def ph_table(ph: PHTestResult, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Display rows of a proportional-hazards test: ``Covariate``, ``Chi-square``, ``df``,
    ``p`` (the last row is the global test of all covariates together); a statistic that
    cannot be computed reads "not computable" (the reason is in :func:`ph_not_computable`)."""
    labels = labels or {}
    return pd.DataFrame({
        "Covariate": [("All covariates (global)" if c == "GLOBAL" else labels.get(c, c))
                      for c in ph.table.index],
        "Chi-square": [NOT_COMPUTABLE if np.isnan(v) else f"{v:.2f}" for v in ph.table["chisq"]],
        "df": [int(v) for v in ph.table["df"]],
        "p": [NOT_COMPUTABLE if np.isnan(v) else _format_p(v) for v in ph.table["p_value"]],
    })


def ph_not_computable(ph: PHTestResult) -> list[str]:
    """Why some proportional-hazards statistics are "not computable", in words."""
    return [w for w in ph.warnings if w.startswith(PH_NOT_COMPUTABLE)]


def model_names(model: str, covariates: Sequence[str]) -> list[str]:
    """Names of the page's models: one per covariate ("univariable"), or one model named
    "Multivariable" when it has several covariates and "Univariable" when it has one."""
    if model == "univariable":
        return [BY_NAME[c].label if c in BY_NAME else c for c in covariates]
    return ["Multivariable" if len(covariates) > 1 else "Univariable"]


def ph_caveats(ph: PHTestResult, labels: Mapping[str, str] | None = None,
               alpha: float = 0.05) -> list[str]:
    """Plain-language warnings for covariates whose proportional-hazards test has p < alpha."""
    labels = labels or {}
    out = []
    for covariate, row in ph.table.iterrows():
        if covariate == "GLOBAL" or not row["p_value"] < alpha:
            continue
        out.append(f"Proportional hazards are in doubt for {labels.get(covariate, covariate)} "
                   f"({p_phrase(row['p_value'])}): its hazard ratio seems to change over "
                   "follow-up, so the single hazard ratio is an average over time. Look at the "
                   "residual plot; consider stratifying on it or a time-varying effect.")
    return out


def curve_times(result: CoxResult, step: float = 0.5, max_points: int = 2000) -> list[float]:
    """Times at which to draw a predicted curve: a grid of ``step`` from 0 and every
    follow-up time of the fit, up to (and including) the last one, never beyond; when that
    would exceed ``max_points`` (a registry-size cohort), an even grid of ``max_points`` times
    instead (the step curve is then drawn at that resolution)."""
    last = float(result.times.max())
    grid = np.arange(0.0, last + step / 2, step)
    follow = np.unique(result.times)
    if len(grid) + len(follow) > max_points:
        grid, follow = np.linspace(0.0, last, max_points), np.array([])
    return sorted({*(float(t) for t in grid if t <= last), *(float(t) for t in follow), last})


def subgroup_tables(forest, readable=lambda column: column) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The subgroup forest's two tables as a clinician reads them.

    Parameters
    ----------
    forest : core.cox.subgroups.SubgroupForest
    readable : callable
        Column name -> label (the page's).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Subgroups: ``Subgroup of, Level, Patients, Events, HR, 95% CI, p, Method, Note``;
        interactions: ``Subgroup of, LR chi-square, df, Interaction p, Patients, Events,
        Note``. Numbers are text formatted once (HR with three significant digits, chi-square
        with two decimals, '–' when not computable), never raw floats.
    """
    table = forest.table
    rows = pd.DataFrame({
        "Subgroup of": table["attribute"].map(readable), "Level": table["level"],
        "Patients": table["n"].astype(int), "Events": table["events"].astype(int),
        "HR": table["hr"].map(format_hr),
        "95% CI": [f"{format_hr(lo)}–{format_hr(up)}" if lo == lo else "–"
                   for lo, up in zip(table["hr_lower"], table["hr_upper"], strict=True)],
        "p": table["p_value"].map(_format_p), "Method": table["method"], "Note": table["note"]})
    inter = forest.interactions
    tests = pd.DataFrame({
        "Subgroup of": inter["attribute"].map(readable),
        "LR chi-square": ["–" if v != v else f"{v:.2f}" for v in inter["statistic"]],
        "df": inter["df"].astype(int), "Interaction p": inter["p_value"].map(_format_p),
        "Patients": inter["n"].astype(int), "Events": inter["events"].astype(int),
        "Note": inter["note"]})
    return rows, tests

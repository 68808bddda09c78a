"""Subgroup forest: the hazard ratio of one factor within each level of other attributes, with
the interaction test per attribute; and several univariable models side by side.

Design: every hazard ratio is one call of :func:`core.cox.fit.fit_cox` (no other Cox fitter):
the factor alone, in the patients of one level of an attribute (e.g. MRD positive vs negative
among women). When the ordinary fit shows monotone likelihood (a subgroup where one arm has no
event) or does not converge, the subgroup is refitted with Firth's penalized likelihood and the
row says so. A subgroup where the factor takes one value, or with fewer than 2 events, gets no
hazard ratio, and its row says why; it is never silently left out.

Whether the factor's effect differs between the levels of an attribute is a question for the
interaction test, not for comparing subgroup p-values: the likelihood-ratio test of the Cox
model ``factor + attribute + factor x attribute`` against ``factor + attribute``, fitted on the
same patients (those with factor, attribute, time and event recorded), with as many degrees of
freedom as estimable interaction columns (columns the design already spans are dropped, as R's
``coxph`` reports NA for aliased terms). It uses the ordinary partial likelihood with Efron
ties (R: ``anova(coxph(Surv(t, e) ~ f + a), coxph(Surv(t, e) ~ f * a))``); when either fit
shows monotone likelihood, the test is flagged as unreliable.

Conventions: hazard ratios versus the factor's reference level (first level in the one order of
:mod:`core.cohort.coding`: a Categorical's, else the schema's, else natural) or per unit of a
numeric factor; Wald 95% intervals and p for ordinary fits, profile penalized-likelihood
intervals and penalized LR p for Firth fits.

References
----------
Wang R, Lagakos SW, Ware JH, Hunter DJ, Drazen JM. Statistics in medicine: reporting of
subgroup analyses in clinical trials. N Engl J Med 2007;357:2189-2194. Heinze G, Schemper M. A
solution to the problem of monotone likelihood in Cox regression. Biometrics 2001;57:114-119.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2

from core.cohort.coding import Coding, level_labels
from core.cohort.columns import check_covariate_levels, check_levels
from core.cohort.schema import LABELS
from core.cox.display import category_levels, needs_firth, term_labels
from core.cox.fit import CoxResult, fit_cox
from core.errors import AnalysisError

FOREST_COLUMNS = ["attribute", "level", "term", "label", "n", "events", "hr", "hr_lower",
                  "hr_upper", "p_value", "method", "note"]
AGE_GROUP_COLUMN = "Age group"


@dataclass(frozen=True)
class SubgroupForest:
    """Hazard ratios of one factor overall and within subgroups.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``attribute`` ("All patients" for the overall row), ``level``, ``term``
        (fit_cox term of the factor), ``label`` (readable row name), ``n``, ``events``
        (patients and events in the subgroup), ``hr``, ``hr_lower``, ``hr_upper``, ``p_value``
        (NaN where no hazard ratio is estimable), ``method`` ("Cox" or "Firth"), ``note``
        (why Firth, or why no estimate).
    interactions : pandas.DataFrame
        One row per attribute: ``attribute``, ``statistic`` (likelihood-ratio chi-square),
        ``df``, ``p_value``, ``n``, ``events``, ``note``.
    factor : str
    reference : str or None
        Reference level of a categorical factor.
    time, event : str
    excluded : int
        Patients without time, event or factor (not in any row).
    method : str
    """

    table: pd.DataFrame
    interactions: pd.DataFrame
    factor: str
    reference: str | None
    time: str
    event: str
    excluded: int
    method: str = ("Cox partial likelihood per subgroup (Efron ties, Wald 95% CI); Firth-"
                   "penalized where the ordinary fit separates; interaction by likelihood-ratio "
                   "test of factor x attribute")


def with_age_group(cohort: pd.DataFrame, cut: float = 60) -> pd.DataFrame:
    """``cohort`` with the column :data:`AGE_GROUP_COLUMN`: ``"< 60"`` / ``">= 60"`` years
    (missing age stays missing)."""
    age = pd.to_numeric(cohort["age"], errors="coerce")
    labels = np.where(age >= cut, f">= {cut:g}", f"< {cut:g}").astype(object)
    labels[age.isna().to_numpy()] = None
    return cohort.assign(**{AGE_GROUP_COLUMN: labels})


def _fit(data: pd.DataFrame, time: str, event: str, covariates: list[str],
         reference: dict[str, str]) -> tuple[CoxResult, str]:
    """Ordinary fit, or Firth with the reason when the ordinary one separates."""
    result = fit_cox(data, time, event, covariates, reference=reference)
    if needs_firth(result):
        reason = ("did not converge (separation)" if not result.converged else
                  "shows monotone likelihood (a group without events)")
        return (fit_cox(data, time, event, covariates, firth=True, reference=reference),
                f"Firth-penalized: the ordinary fit {reason}")
    return result, ""


def _rows(data: pd.DataFrame, time: str, event: str, factor: str, reference: dict[str, str],
          attribute: str, level: str) -> list[dict]:
    n, events = len(data), int(data[event].sum())
    base = {"attribute": attribute, "level": level, "n": n, "events": events}
    if data[factor].nunique() < 2:
        return [{**base, "term": "", "label": "", "note": f"only one value of "
                 f"{LABELS.get(factor, factor)} in this subgroup"}]
    if events < 2:
        return [{**base, "term": "", "label": "", "note": f"{events} event(s): no hazard ratio"}]
    try:
        result, note = _fit(data, time, event, [factor], reference)
    except AnalysisError as error:
        return [{**base, "term": "", "label": "", "note": str(error)[:120]}]
    labels = term_labels(result)
    return [{**base, "term": term, "label": labels.get(term, term),
             "hr": row["hr"], "hr_lower": row["hr_lower"], "hr_upper": row["hr_upper"],
             "p_value": row["p_value"], "method": "Firth" if result.firth else "Cox",
             "note": note} for term, row in result.table.iterrows()]


def _dummies(values: pd.Series, levels: list[str]) -> np.ndarray:
    """Indicators of ``levels[1:]`` against ``levels[0]`` (:class:`core.cohort.coding.Coding`)."""
    column = str(values.name)
    return Coding(column, tuple(levels), levels[0],
                  tuple(f"{column}[{v}]" for v in levels[1:])).indicators(values)


def interaction_test(data: pd.DataFrame, time: str, event: str, factor: str, attribute: str,
                     reference: dict[str, str]) -> dict:
    """Likelihood-ratio test of factor x attribute (see the module docstring); ``data`` has
    no missing value in the four columns. Returns a row of :attr:`SubgroupForest.interactions`."""
    row = {"attribute": attribute, "n": len(data), "events": int(data[event].sum()),
           "statistic": math.nan, "df": 0, "p_value": math.nan, "note": ""}
    numeric = pd.api.types.is_numeric_dtype(data[factor])
    f_levels = [] if numeric else _ordered(data, factor, reference)
    a_levels = _ordered(data, attribute, {})
    if len(a_levels) < 2 or (not numeric and len(f_levels) < 2):
        row["note"] = "one level only: no interaction to test"
        return row
    f_design = (data[factor].to_numpy(dtype=float)[:, None] if numeric
                else _dummies(data[factor], f_levels))
    a_design = _dummies(data[attribute], a_levels)
    base = np.column_stack([f_design, a_design])
    columns, kept = {}, base
    for i in range(f_design.shape[1]):
        for j in range(a_design.shape[1]):
            candidate = f_design[:, i] * a_design[:, j]
            trial = np.column_stack([kept, candidate])
            if np.linalg.matrix_rank(trial) > np.linalg.matrix_rank(kept):
                kept = trial
                columns[f"__interaction_{i}_{j}"] = candidate
    if not columns:
        row["note"] = "no estimable interaction (the factor does not vary within levels)"
        return row
    try:
        main = fit_cox(data, time, event, [factor, attribute], reference=reference)
        full = fit_cox(data.assign(**columns), time, event, [factor, attribute, *columns],
                       reference=reference)
    except AnalysisError as error:
        row["note"] = str(error)[:120]
        return row
    statistic = max(2 * (full.loglik - main.loglik), 0.0)
    row.update(statistic=statistic, df=len(columns), p_value=float(chi2.sf(statistic,
                                                                            len(columns))))
    if needs_firth(main) or needs_firth(full):
        row["note"] = ("unreliable: monotone likelihood (a subgroup arm without events) makes "
                       "the likelihood-ratio statistic a lower or upper bound")
    return row


def _ordered(data: pd.DataFrame, column: str, reference: dict[str, str]) -> list[str]:
    levels = category_levels(data, column)
    ref = reference.get(column)
    if ref in levels:
        levels = [ref, *[v for v in levels if v != ref]]
    return levels


def subgroup_forest(df: pd.DataFrame, time: str, event: str, factor: str,
                    attributes: Sequence[str], reference: str | None = None) -> SubgroupForest:
    """Hazard ratio of ``factor`` overall and within each level of each attribute.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    time, event : str
        Follow-up time (months) and event (1/0) columns.
    factor : str
        The exposure whose hazard ratio is shown (e.g. ``mrd_pre_status``); categorical
        (versus ``reference``) or numeric (per unit).
    attributes : sequence of str
        Categorical columns defining the subgroups (sex, ELN risk, :data:`AGE_GROUP_COLUMN`,
        the custom group, ...); the factor itself is skipped.
    reference : str, optional
        Reference level of a categorical factor (default: first in the schema's order).

    Returns
    -------
    SubgroupForest

    Raises
    ------
    AnalysisError
        A column is absent, an attribute or the factor has more than
        :data:`core.cohort.columns.MAX_LEVELS` levels, or the
        factor has no two values among the patients.
    """
    for column in (time, event, factor, *attributes):
        if column not in df.columns:
            raise AnalysisError(f"Column `{column}` is not in the cohort. Fix: choose one of "
                                "the cohort's columns.")
    used = list(dict.fromkeys([time, event, factor, *attributes]))
    base = df[used].dropna(subset=[time, event, factor])  # copies of these columns only
    check_covariate_levels(base, [factor])
    if base[factor].nunique() < 2:
        raise AnalysisError(f"{LABELS.get(factor, factor)} takes fewer than 2 values among "
                            f"the {len(base)} patients with it recorded, so there is no hazard "
                            "ratio to estimate. Fix: widen the filters or choose another "
                            "factor.")
    numeric = pd.api.types.is_numeric_dtype(base[factor])
    ref = {} if numeric or reference is None else {factor: reference}
    rows = _rows(base, time, event, factor, ref, "All patients", "all")
    interactions = []
    for attribute in attributes:
        if attribute == factor:
            continue
        data = base.dropna(subset=[attribute])
        check_levels(data[attribute], attribute)  # the one group cap
        levels = category_levels(data, attribute)
        labels = level_labels(data[attribute])
        for level in levels:
            subset = data[labels == level]
            rows.extend(_rows(subset, time, event, factor, ref, attribute, level))
        missing = len(base) - len(data)
        test = interaction_test(data, time, event, factor, attribute, ref)
        if missing:
            test["note"] = "; ".join(filter(None, [test["note"], f"{missing} patients without "
                                                   "this attribute left out"]))
        interactions.append(test)
    table = _table(rows)
    return SubgroupForest(
        table=table,
        interactions=pd.DataFrame(interactions, columns=["attribute", "statistic", "df",
                                                         "p_value", "n", "events", "note"]),
        factor=factor, reference=None if numeric else (reference or _ordered(base, factor,
                                                                            {})[0]),
        time=time, event=event, excluded=len(df) - len(base))


def univariable_forest(df: pd.DataFrame, time: str, event: str,
                       covariates: Sequence[str]) -> pd.DataFrame:
    """One univariable Cox model per covariate, side by side (Firth where one separates).

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`FOREST_COLUMNS`; ``attribute`` is the covariate of the model,
        ``level`` its term's label; ``n``/``events`` are the patients and events of that model
        (complete cases for the covariate). A covariate that cannot be fitted gets one row
        whose ``note`` says why.
    """
    rows = []
    for covariate in covariates:
        data = df[list(dict.fromkeys([time, event, covariate]))].dropna()
        base = {"attribute": covariate, "n": len(data), "events": int(data[event].sum())}
        try:
            check_covariate_levels(data, [covariate])  # too many levels: this row says so
            result, note = _fit(data, time, event, [covariate], {})
        except AnalysisError as error:
            rows.append({**base, "level": "", "term": "", "label": LABELS.get(covariate,
                                                                              covariate),
                         "note": str(error)[:160]})
            continue
        labels = term_labels(result)
        rows.extend({**base, "level": labels.get(term, term), "term": term,
                     "label": labels.get(term, term), "hr": row["hr"],
                     "hr_lower": row["hr_lower"], "hr_upper": row["hr_upper"],
                     "p_value": row["p_value"], "method": "Firth" if result.firth else "Cox",
                     "note": note} for term, row in result.table.iterrows())
    return _table(rows)


def _table(rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows).reindex(columns=FOREST_COLUMNS)
    for column in ("level", "term", "label", "method", "note"):
        table[column] = table[column].astype(object).where(table[column].notna(), "")
    for column in ("hr", "hr_lower", "hr_upper", "p_value"):
        table[column] = table[column].astype(float)
    return table

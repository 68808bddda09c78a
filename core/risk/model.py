"""Risk models at a horizon: fitting and predicting the risk of each patient or profile.

Design: a :class:`ModelSpec` says what to fit (kind, endpoint columns, covariates, horizon);
:func:`fit_risk_model` fits it with the project's estimators and keeps only what prediction
needs (a :class:`RiskModel`: how each covariate becomes design columns, and one
:class:`core.risk.hazards.Hazard` per component), so the same object is refitted by the
bootstrap, frozen to JSON and validated on another cohort. Three kinds:

* ``"cox"``: one Cox model of an ordinary endpoint (RFS, OS): :func:`core.cox.fit_cox`
  (Efron ties, as R ``coxph``), risk 1 - S(h | x) as ``survfit.coxph``;
* ``"fine_gray"``: the Fine-Gray model of the cause (relapse) with the other causes
  competing: :func:`core.survival.competing.fine_gray` (R ``cmprsk::crr``), risk as
  ``predict.crr``;
* ``"cause_specific"``: one Cox model per cause (the other causes censored), combined into the
  absolute risk of the cause, as ``riskRegression::CSC`` + ``predictRisk``.

Fine-Gray models the cumulative incidence directly with one set of coefficients (read them as
"how the incidence differs"); cause-specific models describe how fast each cause strikes among
patients still free of every event, and their combination gives the incidence. Both give a
risk of relapse by the horizon that respects death as a competing event; 1 - Kaplan-Meier of
relapse with deaths censored would overstate it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from core.cohort.coding import Coding, level_labels
from core.cox import fit_cox
from core.errors import AnalysisError
from core.risk.hazards import (
    Hazard,
    combined_risk,
    cox_baseline,
    fine_gray_baseline,
    single_risk,
)
from core.survival.competing import fine_gray
from core.survival.competing.finegray import design_matrix
from core.survival.input import Exclusion

Kind = Literal["cox", "fine_gray", "cause_specific"]
KIND_LABELS = {
    "cox": "Cox proportional hazards",
    "fine_gray": "Fine-Gray subdistribution hazards",
    "cause_specific": "cause-specific Cox models, combined",
}
EVENT = "_risk_event"
"""Column added to a working copy: the 0/1 event of one cause."""


@dataclass(frozen=True)
class ModelSpec:
    """What to fit.

    Attributes
    ----------
    kind : {"cox", "fine_gray", "cause_specific"}
    time : str
        Column of follow-up times (months).
    status : str
        Column of status codes: 0/1 for ``"cox"``; 0 censored, 1, 2, ... causes otherwise.
    covariates : tuple of str
        Baseline covariate columns (numeric as they are, text dummy-coded against the first
        level in the schema's order, else sorted).
    horizon : float
        Prediction horizon (months).
    cause : int, default 1
        The cause whose risk is predicted (competing kinds).
    """

    kind: Kind
    time: str
    status: str
    covariates: tuple[str, ...]
    horizon: float
    cause: int = 1


@dataclass(frozen=True)
class CovariateCoding:
    """How one covariate column becomes design columns (numeric as it is; categorical by the
    one coder of categories, :class:`core.cohort.coding.Coding`, with the levels the model
    was fitted with).

    Attributes
    ----------
    column : str
    levels : tuple of str
        Empty for a numeric column; else every level, the reference first (one indicator
        column per further level).
    """

    column: str
    levels: tuple[str, ...] = ()

    @property
    def terms(self) -> tuple[str, ...]:
        if not self.levels:
            return (self.column,)
        return tuple(f"{self.column}[{level}]" for level in self.levels[1:])

    def encode(self, values: pd.Series) -> np.ndarray:
        """Design columns (n, len(terms)); an unknown level or a non-number raises."""
        if not self.levels:
            numbers = pd.to_numeric(values, errors="coerce")
            bad = values.notna() & numbers.isna()
            if bad.any():
                raise AnalysisError(f"`{self.column}` must be a number; found "
                                    f"{values[bad].astype(str).unique()[:5].tolist()}.")
            return numbers.to_numpy(dtype=float)[:, None]
        coding = Coding(self.column, self.levels, self.levels[0], self.terms)
        try:
            return coding.indicators(values)
        except AnalysisError as error:  # the coder's fix speaks of recoding from these rows
            unknown = sorted(set(level_labels(values[values.notna()])) - set(self.levels))
            raise AnalysisError(
                f"`{self.column}` has the value(s) {unknown[:5]}, which the model does not "
                f"know (its levels: {list(self.levels)}). Fix: recode them to one of these "
                "levels.") from error


@dataclass(frozen=True, eq=False)
class RiskModel:
    """A fitted risk model: enough to predict the risk by the horizon of any patient.

    Attributes
    ----------
    spec : ModelSpec
    codings : tuple of CovariateCoding
    hazards : tuple of Hazard
        Cox: one; Fine-Gray: the subdistribution hazard; cause-specific: the cause first,
        then each competing cause.
    table : pandas.DataFrame
        Coefficients for display: columns ``component``, ``term``, ``coef``, ``se``, ``hr``,
        ``hr_lower``, ``hr_upper``, ``p_value``.
    n, events, competing : int
        Patients, events of the cause, competing events in the fit.
    exclusions : tuple of Exclusion
        Rows left out (a missing time, status or covariate).
    warnings : tuple of str
        Caveats carried from the fits (convergence, separation, events per coefficient).
    loglik : tuple of float
        (log likelihood at 0, at the estimate) of the first component's fit (partial, or
        pseudo-likelihood for Fine-Gray).
    concordance : float
        Harrell's C of the first component's linear predictor on the fitted patients (Cox
        fits; NaN for Fine-Gray).
    """

    spec: ModelSpec
    codings: tuple[CovariateCoding, ...]
    hazards: tuple[Hazard, ...]
    table: pd.DataFrame
    n: int
    events: int
    competing: int
    exclusions: tuple[Exclusion, ...]
    warnings: tuple[str, ...]
    loglik: tuple[float, float] = (float("nan"), float("nan"))
    concordance: float = float("nan")

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(t for c in self.codings for t in c.terms)

    @property
    def label(self) -> str:
        return KIND_LABELS[self.spec.kind]

    def design(self, df: pd.DataFrame) -> np.ndarray:
        """Design matrix (n, p) of the rows of ``df`` (every covariate must be present)."""
        missing = [c.column for c in self.codings if c.column not in df.columns]
        if missing:
            raise AnalysisError(f"The cohort has no column {missing}; the model needs "
                                f"{[c.column for c in self.codings]}.")
        return np.hstack([c.encode(df[c.column]) for c in self.codings])

    def predict(self, x: np.ndarray, horizon: float | None = None) -> np.ndarray:
        """Risk of the cause by ``horizon`` (default: the model's) per row of the design."""
        horizon = self.spec.horizon if horizon is None else float(horizon)
        if self.spec.kind == "cause_specific":
            return combined_risk(self.hazards, x, horizon)
        return single_risk(self.hazards[0], x, horizon)

    def linear_predictor(self, x: np.ndarray) -> np.ndarray:
        """x'b of the first component, centred (the score behind Harrell's C)."""
        h = self.hazards[0]
        return (np.atleast_2d(x) - h.center) @ h.coef


def fit_risk_model(df: pd.DataFrame, spec: ModelSpec) -> RiskModel:
    """Fit the model ``spec`` describes.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient; rows with a missing time, status or covariate are left out and
        counted.
    spec : ModelSpec

    Returns
    -------
    RiskModel

    Raises
    ------
    core.errors.AnalysisError
        From the estimators (too few events, a constant covariate, ...) or for a status
        column that does not fit the kind.
    """
    if not spec.covariates:
        raise AnalysisError("Choose at least one covariate for the risk model.")
    frame, exclusions = complete_rows(df, spec)
    status = frame[spec.status].to_numpy(dtype=np.int64)
    if spec.kind == "cox" and (status > 1).any():
        raise AnalysisError(f"`{spec.status}` holds causes 2, 3, ...: a Cox model of one "
                            "endpoint needs 0/1. Fix: choose Fine-Gray or cause-specific Cox "
                            "for competing events.")
    time = frame[spec.time].to_numpy(dtype=float)
    covariates = list(spec.covariates)
    if spec.kind == "fine_gray":
        fit = fine_gray(frame, spec.time, spec.status, covariates, cause=spec.cause)
        x, terms, factors = design_matrix(frame, covariates)
        codings = _codings(covariates, dict(factors))
        coef = fit.table["coef"].to_numpy()
        code = np.where(status == spec.cause, 1, np.where(status > 0, 2, 0))
        hazards = (Hazard("subdistribution hazard of cause "
                          f"{spec.cause}", coef, *fine_gray_baseline(time, code, x, coef)),)
        tables = [_table(fit.table, "Fine-Gray")]
        warnings = (*fit.warnings, *fit.notes)
        loglik = (fit.loglik_null, fit.loglik)
        concordance = float("nan")
    else:
        causes = [spec.cause] if spec.kind == "cox" else _causes(status, spec.cause)
        hazards, tables, warning_list, codings, logliks, concordances = [], [], [], (), [], []
        for cause in causes:
            frame[EVENT] = (status == cause).astype(float)
            try:
                fit = fit_cox(frame, spec.time, EVENT, covariates)
            except AnalysisError as error:  # name the cause, not the working column
                raise AnalysisError(str(error).replace(
                    f"`{EVENT}`", f"cause {cause} of `{spec.status}`")) from error
            codings = _codings(covariates, {e.column: e.levels for e in fit.encodings
                                            if e.kind == "categorical"})
            x = np.hstack([c.encode(frame[c.column]) for c in codings])
            coef = fit.table["coef"].to_numpy()
            name = ("hazard" if spec.kind == "cox" else f"cause-specific hazard of cause {cause}")
            hazards.append(Hazard(name, coef, *cox_baseline(time, status == cause, x, coef,
                                                            fit.ties)))
            tables.append(_table(fit.table, "Cox" if spec.kind == "cox" else f"cause {cause}"))
            logliks.append((fit.loglik_null, fit.loglik))
            concordances.append(fit.concordance)
            warning_list += [w if spec.kind == "cox" else f"Cause {cause}: {w}"
                             for w in (*fit.warnings, *fit.notes)]
        warnings = tuple(warning_list)
        loglik, concordance = logliks[0], concordances[0]
    return RiskModel(spec=spec, codings=codings, hazards=tuple(hazards),
                     table=pd.concat(tables, ignore_index=True), n=len(frame),
                     events=int((status == spec.cause).sum()),
                     competing=int(((status > 0) & (status != spec.cause)).sum()),
                     exclusions=exclusions, warnings=tuple(dict.fromkeys(warnings)),
                     loglik=loglik, concordance=concordance)


def complete_rows(df: pd.DataFrame, spec: ModelSpec) -> tuple[pd.DataFrame, tuple[Exclusion,
                                                                                    ...]]:
    """The rows with a time, status and every covariate, and the counted exclusions."""
    columns = [spec.time, spec.status, *spec.covariates]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise AnalysisError(f"The cohort has no column {', '.join(f'`{c}`' for c in missing)}; "
                            f"available columns: {', '.join(map(str, df.columns))}.")
    frame = df[[c for c in dict.fromkeys(["patient_id", *columns]) if c in df.columns]].copy()
    keep = np.ones(len(frame), dtype=bool)
    exclusions = []
    for column in columns:
        absent = keep & frame[column].isna().to_numpy()
        if absent.any():
            ids = (frame["patient_id"].astype(str) if "patient_id" in frame.columns
                   else pd.Series([f"row {i + 2}" for i in range(len(frame))]))
            exclusions.append(Exclusion(f"no recorded `{column}`", int(absent.sum()),
                                        tuple(ids.to_numpy()[absent])))
            keep &= ~absent
    frame = frame[keep]
    if frame.empty:
        raise AnalysisError(f"No patient has complete data for {columns}. Fix: widen the "
                            "filters or drop a covariate.")
    return frame, tuple(exclusions)


def _causes(status: np.ndarray, cause: int) -> list[int]:
    others = sorted(int(c) for c in np.unique(status[(status > 0) & (status != cause)]))
    return [cause, *others]


def _codings(covariates: Sequence[str], levels: dict) -> tuple[CovariateCoding, ...]:
    return tuple(CovariateCoding(c, tuple(map(str, levels[c])) if c in levels else ())
                 for c in covariates)


def _table(table: pd.DataFrame, component: str) -> pd.DataFrame:
    out = table[["coef", "se", "hr", "hr_lower", "hr_upper", "p_value"]].copy()
    out.insert(0, "term", out.index.astype(str))
    out.insert(0, "component", component)
    return out.reset_index(drop=True)

"""Everything the Relapse risk page shows, in one call per question.

* :func:`risk_report`: the endpoint prepared once, the model fitted once, its apparent
  validation figures (:func:`core.risk.assess.assess`), the minimum sample size against the
  cohort's events, and the nomogram when the model passes.
* :func:`predict_profile`: one patient's risk by the horizon with its interval (Cox: R
  ``survfit.coxph``'s log-log interval; competing risks: the bootstrap percentile interval
  once the internal validation has run) and the label that goes with it: a model fitted on
  fewer events than the sample-size criteria ask for is "not validated: N events, M needed",
  and every prediction from it says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cox import fit_cox
from core.cox.predict import predict_survival
from core.errors import AnalysisError
from core.risk.assess import Assessment, assess
from core.risk.bootstrap import Validation, profile_interval
from core.risk.endpoints import Endpoint, prepare_endpoint
from core.risk.model import KIND_LABELS, ModelSpec, RiskModel, complete_rows, fit_risk_model
from core.risk.nomogram import Nomogram, nomogram
from core.risk.samplesize import SampleSize, cohort_sample_size


@dataclass(frozen=True, eq=False)
class RiskReport:
    """A risk model and its apparent validation on the cohort it was fitted on.

    Attributes
    ----------
    endpoint : Endpoint
    model : RiskModel
    assessment : Assessment
        Apparent figures (optimistic until corrected by the bootstrap).
    sample_size : SampleSize
    nomogram : Nomogram or None
        Only for a single-score model that passes the sample-size criteria.
    headline : str
        The verdict for the top of the page.
    """

    endpoint: Endpoint
    model: RiskModel
    assessment: Assessment
    sample_size: SampleSize
    nomogram: Nomogram | None

    @property
    def validated(self) -> bool:
        return self.sample_size.sufficient

    @property
    def headline(self) -> str:
        s = self.sample_size
        if not self.validated:
            return (f"Too few events to predict: this model was fitted on {s.events} events "
                    f"and {s.n} patients; Riley et al.'s criteria ask for at least "
                    f"{s.events_required} events ({s.n_required} patients) for "
                    f"{s.parameters} parameter{'s' if s.parameters != 1 else ''}. Its "
                    "predictions are not validated and are labelled so.")
        return (f"{s.events} events for {s.parameters} parameter"
                f"{'s' if s.parameters != 1 else ''}: enough by Riley et al.'s criteria "
                f"(at least {s.events_required}).")

    @property
    def answer(self) -> str:
        """The page's result in one plain line, before the controls' details: the spread of
        the predicted risks by the horizon, the apparent AUC, and a verdict in the words of
        :func:`core.survival.small_sample.events_verdict`: "not conclusive with 6 events"
        when the events fall short of Riley et al.'s criteria, else whether the AUC's
        interval lies above 0.5 (apparent figures, optimistic until the internal validation).

        Examples
        --------
        "Relapse (death without relapse competing) by 24 months, Fine-Gray subdistribution
        hazards: predicted risks 15.6% to 59.4% across 19 patients; apparent AUC 0.753 (95% CI
        0.468–1.000): not conclusive with 6 events (Riley et al.'s criteria ask for at least
        48)."
        """
        s, a = self.sample_size, self.assessment
        risks = a.patients["risk"].to_numpy(dtype=float)
        text = (f"{self.endpoint.label[:1].upper()}{self.endpoint.label[1:]} by "
                f"{self.model.spec.horizon:g} months, "
                f"{KIND_LABELS.get(self.model.spec.kind, self.model.spec.kind)}: ")
        if len(risks):
            text += (f"predicted risks {100 * np.nanmin(risks):.1f}% to "
                     f"{100 * np.nanmax(risks):.1f}% across {len(risks)} patients; ")
        auc = a.auc
        text += ("apparent AUC not computable" if not math.isfinite(auc.auc) else
                 f"apparent AUC {auc.auc:.3f} ({auc.conf_level:.0%} CI {auc.ci_lower:.3f}–"
                 f"{auc.ci_upper:.3f})")
        if not self.validated:
            return (text + f": not conclusive with {s.events} events (Riley et al.'s criteria "
                    f"ask for at least {s.events_required}).")
        if math.isfinite(auc.ci_lower) and auc.ci_lower > 0.5:
            return text + (": it ranks patients better than chance (apparent figures, "
                           "optimistic until the internal validation below).")
        return text + ": not distinguishable from chance ranking."


@dataclass(frozen=True)
class ProfilePrediction:
    """One patient's predicted risk by the horizon.

    Attributes
    ----------
    risk, ci_lower, ci_upper : float
        Risk and interval (NaN bounds when no interval is available yet).
    interval : str
        How the interval was obtained, or why there is none.
    label : str
        "not validated: N events, M needed", or the events behind a validated model.
    validated : bool
    percentile : float
        Share of the cohort's patients with a lower predicted risk.
    profile : dict
    """

    risk: float
    ci_lower: float
    ci_upper: float
    interval: str
    label: str
    validated: bool
    percentile: float
    profile: dict


def risk_report(cohort: pd.DataFrame, endpoint: str, kind: str, covariates: Sequence[str],
                horizon: float, death_rule: str = "censor",
                groups: int | None = None, user_endpoints: tuple = ()) -> RiskReport:
    """Fit the risk model and compute its apparent validation and sample size.

    Parameters
    ----------
    cohort : pandas.DataFrame
    endpoint : str
        ``"cir"`` (relapse, death competing), ``"rfs"``, ``"os"``, ...
    kind : {"cox", "fine_gray", "cause_specific"}
        Must fit the endpoint (Cox for a one-event endpoint, the other two for CIR).
    covariates : sequence of str
    horizon : float
        Months.
    death_rule : {"censor", "end_of_rfs"}
        For CIR: when a death without relapse is a competing event.
    groups : int, optional
        Calibration risk groups.
    user_endpoints : tuple of core.survival.endpoint.Endpoint
        The user's own endpoints ``endpoint`` may name (:mod:`core.risk.endpoints`).

    Returns
    -------
    RiskReport

    Raises
    ------
    core.errors.AnalysisError
        A kind that does not fit the endpoint, or any error of the fit or the validation.
    """
    prepared = prepare_endpoint(cohort, endpoint, death_rule, user_endpoints)
    if kind not in prepared.kinds:
        allowed = " or ".join(KIND_LABELS[k] for k in prepared.kinds)
        raise AnalysisError(f"{prepared.label} is predicted with {allowed}, not with "
                            f"{KIND_LABELS.get(kind, kind)}.")
    spec = ModelSpec(kind, prepared.time, prepared.status, tuple(covariates), float(horizon))
    model = fit_risk_model(prepared.frame, spec)
    assessment = assess(model, prepared.frame, groups)
    frame, _ = complete_rows(prepared.frame, spec)
    size = cohort_sample_size(frame[spec.time].to_numpy(dtype=float),
                              frame[spec.status].to_numpy() == spec.cause,
                              len(model.terms), spec.horizon)
    chart = None
    if size.sufficient and kind != "cause_specific":
        chart = nomogram(model, frame)
    return RiskReport(endpoint=prepared, model=model, assessment=assessment, sample_size=size,
                      nomogram=chart)


def external_validation(model: RiskModel, endpoint: str, cohort: pd.DataFrame,
                        death_rule: str = "censor", user_endpoints: tuple = ()) -> Assessment:
    """Validate a (frozen) model on another cohort: the endpoint prepared the same way, every
    patient predicted, the same figures as the apparent validation (calibration-in-the-large
    included: observed against mean predicted risk).

    Raises
    ------
    core.errors.AnalysisError
        The cohort lacks the endpoint or a covariate, holds a level the model does not know,
        or ends its follow-up before the model's horizon.
    """
    prepared = prepare_endpoint(cohort, endpoint, death_rule, user_endpoints)
    frame = prepared.frame
    if model.spec.status not in frame.columns or model.spec.time not in frame.columns:
        raise AnalysisError(f"The model predicts `{model.spec.time}` / `{model.spec.status}`, "
                            "which this cohort does not have.")
    return assess(model, frame)


EXTERNAL_MIN_EACH = 100
"""Patients with and without the event by the horizon an external validation needs at least
(Collins, Ogundimu & Altman 2016, Stat Med 35:214)."""


def external_caveat(assessment: Assessment) -> str | None:
    """What to say above an external validation on too few patients with (or without) the
    event by the horizon; None when there are at least :data:`EXTERNAL_MIN_EACH` of each."""
    cases, controls = assessment.auc.cases, assessment.auc.controls
    if min(cases, controls) >= EXTERNAL_MIN_EACH:
        return None
    return (f"Few outcomes to validate on: {cases} patients had the event by "
            f"{assessment.auc.horizon:g} months and {controls} did not. An external validation "
            f"needs at least {EXTERNAL_MIN_EACH} of each (Collins et al. 2016) to judge a "
            "model; read these figures with their wide intervals, not as a verdict.")


def predict_profile(report: RiskReport, profile: Mapping[str, object],
                    validation: Validation | None = None,
                    conf_level: float = 0.95) -> ProfilePrediction:
    """The risk by the horizon of one covariate profile, with its interval and label.

    Raises
    ------
    core.errors.AnalysisError
        A covariate without a value, or a value the model does not know.
    """
    model = report.model
    missing = [c.column for c in model.codings if c.column not in profile or
               profile[c.column] is None or (isinstance(profile[c.column], float)
                                             and math.isnan(profile[c.column]))]
    if missing:
        raise AnalysisError(f"The profile has no value for {missing}; give a value for every "
                            "covariate of the model.")
    x = model.design(pd.DataFrame({k: [v] for k, v in profile.items()}))
    risk = float(model.predict(x)[0])
    lower = upper = math.nan
    if model.spec.kind == "cox":
        lower, upper = _cox_interval(report, profile, conf_level)
        interval = (f"{conf_level:.0%} log-log interval of the predicted survival "
                    "(R survfit.coxph)")
    elif validation is not None and validation.replicates:
        lower, upper = profile_interval(validation, x, conf_level)
        interval = (f"{conf_level:.0%} bootstrap percentile interval over "
                    f"{len(validation.replicates)} refitted models")
        if math.isnan(lower):
            interval = "No interval: fewer than 20 bootstrap refits succeeded."
    else:
        interval = ("No interval yet: run the internal validation (bootstrap) below; its "
                    "refitted models give this risk's percentile interval.")
    risks = report.assessment.patients["risk"].to_numpy()
    return ProfilePrediction(risk=risk, ci_lower=lower, ci_upper=upper, interval=interval,
                             label=report.sample_size.label, validated=report.validated,
                             percentile=float(np.mean(risks < risk)), profile=dict(profile))


def _cox_interval(report: RiskReport, profile: Mapping[str, object],
                  conf_level: float) -> tuple[float, float]:
    """1 - the log-log interval of survfit.coxph's predicted survival at the horizon."""
    spec = report.model.spec
    frame, _ = complete_rows(report.endpoint.frame, spec)
    fit = fit_cox(frame, spec.time, spec.status, list(spec.covariates))
    row = predict_survival(fit, dict(profile), [spec.horizon], conf_type="log-log",
                           conf_level=conf_level).table.iloc[0]
    return 1.0 - float(row["ci_upper"]), 1.0 - float(row["ci_lower"])

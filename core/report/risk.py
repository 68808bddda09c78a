"""The relapse-risk section of the deliverables: the Relapse risk page's model, its verdict
and its apparent validation (:func:`core.risk.summary.risk_report`), drawn by the HTML report,
the slide deck and projector mode like every other section.

A model that falls short of the minimum sample size carries the page's verdict as a warning
("Too few events to predict ..."), so the slide never shows its figures without it.
"""

from __future__ import annotations

import math

import pandas as pd

from core.errors import AnalysisError
from core.risk.display import validation_table
from core.risk.figures import calibration_figure
from core.risk.model import KIND_LABELS
from core.risk.summary import risk_report


def risk_section(cohort: pd.DataFrame, choices):
    """The section of :class:`core.report.sections.ReportChoices`' risk model."""
    from core.report.html import Section

    title = f"Risk by {choices.risk_horizon:g} months: how far to trust the model"
    try:
        report = risk_report(cohort, choices.risk_endpoint, choices.risk_kind,
                             list(choices.risk_covariates), choices.risk_horizon,
                             choices.risk_rule, user_endpoints=choices.users)
    except AnalysisError as error:
        return Section(title, key="risk", warnings=(str(error),))
    a = report.assessment
    model = report.model
    paragraphs = (
        f"{report.endpoint.label}: {KIND_LABELS[choices.risk_kind]} model of "
        f"{', '.join(choices.risk_covariates)}, {model.n} patients, {model.events} events.",
        "Apparent figures (on the patients the model was fitted on; optimistic). "
        f"{a.auc.method}. {a.brier.method}.",
        *((report.endpoint.note,) if report.endpoint.note else ()))
    warnings = (() if report.validated else (report.headline,)) + model.warnings
    auc = a.auc
    metrics = (("Time-dependent AUC", f"{auc.auc:.2f}"),
               ("Brier score (IPA)", f"{a.brier.brier:.3f} ({a.brier.ipa:.2f})"
                if math.isfinite(a.brier.ipa) else f"{a.brier.brier:.3f}"),
               ("Sample size", report.sample_size.label))
    return Section(title, paragraphs, validation_table(a),
                   calibration_figure(a.calibration, f"Calibration at {choices.risk_horizon:g} "
                                                     "months"),
                   warnings, key="risk", notes=(a.calibration.method,), metrics=metrics,
                   answer=report.answer)

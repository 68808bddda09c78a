"""Cached wrappers of the Cox page around pure ``core.cox`` calls (``st.cache_data``).

Each wrapper takes the same hashable description of a model as ``ui.cached.cox`` (cohort,
endpoint key, covariates, ties, Firth, reference and scale as sorted pairs), so a rerun that
changes nothing recomputes nothing, whatever the cohort's size.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.cox.ph import PHTestResult, ph_test
from core.cox.predict import SurvivalPrediction, predict_survival
from core.cox.view import CoxChoices, CoxView, PredictionPanel, cox_view, prediction_panels
from ui import cached


@st.cache_data(show_spinner="Checking proportional hazards…", max_entries=64)
def ph(cohort: pd.DataFrame, endpoint: str, covariates: tuple[str, ...], ties: str,
       reference: tuple[tuple[str, str], ...],
       scale: tuple[tuple[str, float], ...]) -> PHTestResult:
    """:func:`core.cox.ph.ph_test` of the ordinary fit ``cached.cox(..., firth=False)``."""
    return ph_test(cached.cox(cohort, endpoint, covariates, ties, False, reference, scale))


@st.cache_data(show_spinner=False, max_entries=64)
def prediction(cohort: pd.DataFrame, endpoint: str, covariates: tuple[str, ...], ties: str,
               reference: tuple[tuple[str, str], ...], scale: tuple[tuple[str, float], ...],
               profile: tuple[tuple[str, object], ...],
               times: tuple[float, ...]) -> SurvivalPrediction:
    """:func:`core.cox.predict.predict_survival` of the ordinary fit for a profile given as
    (column, value) pairs, at ``times``."""
    fit = cached.cox(cohort, endpoint, covariates, ties, False, reference, scale)
    return predict_survival(fit, dict(profile), times)


def _model(choices: CoxChoices, columns: tuple[str, ...]) -> tuple:
    """(ties, reference, scale) of the model of ``columns``, as the cached wrappers take them."""
    return (choices.ties, tuple(sorted((c, v) for c, v in choices.reference if c in columns)),
            tuple(sorted((c, v) for c, v in choices.scale if c in columns)))


def view(cohort: pd.DataFrame, choices: CoxChoices) -> CoxView:
    """:func:`core.cox.view.cox_view` with every fit and check cached (one per model)."""
    def fit(endpoint, columns, firth):
        ties, reference, scale = _model(choices, columns)
        return cached.cox(cohort, endpoint, tuple(columns), ties, firth, reference, scale)

    def check(endpoint, columns):
        return ph(cohort, endpoint, tuple(columns), *_model(choices, columns))

    return cox_view(cohort, choices, fit=fit, ph=check)


def predictions(cohort: pd.DataFrame, model_cohort: pd.DataFrame, result: CoxView,
                profile: dict) -> tuple[PredictionPanel, ...]:
    """:func:`core.cox.view.prediction_panels` with the predictions cached."""
    covariates = tuple(result.choices.covariates)

    def predict(endpoint, pairs, times):
        return prediction(model_cohort, endpoint, covariates,
                          *_model(result.choices, covariates), pairs, times)

    return prediction_panels(cohort, result, profile, predict)

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

"""Cached wrappers for the Competing risks and Paper check pages (``st.cache_data`` around core)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.cox.cause_specific import CompetingModels, competing_models
from core.survival.competing.summary import CompetingReport, competing_report
from core.survival.paper.check import paper_check


@st.cache_data(show_spinner=False, max_entries=64)
def report(cohort: pd.DataFrame, by: str | None, landmark_months: tuple[float, ...],
           death_rule: str) -> CompetingReport:
    return competing_report(cohort, by, landmark_months, death_rule)


@st.cache_data(show_spinner="Fitting Fine-Gray and cause-specific Cox models…", max_entries=64)
def models(cohort: pd.DataFrame, covariates: tuple[str, ...], cause: int, multivariable: bool,
           death_rule: str) -> CompetingModels:
    return competing_models(cohort, list(covariates), cause, multivariable, death_rule)


@st.cache_data(show_spinner=False, max_entries=4)
def paper(cohort: pd.DataFrame) -> pd.DataFrame:
    return paper_check(cohort)

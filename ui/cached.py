"""Cached wrappers around pure ``core`` calls (``st.cache_data`` keeps results across reruns)."""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from core.access.deidentify import IDENTIFIED, Privacy
from core.cohort.baseline import baseline_characteristics
from core.cohort.columns import check_covariate_levels
from core.cohort.exports import table_to_csv, table_to_xlsx
from core.cohort.read import load_seed_cohort
from core.cohort.schema import ENDPOINTS
from core.cox.fit import CoxResult, fit_cox
from core.report import html as report
from core.survival.km.summary import SurvivalReport, survival_report
from ui import session_cache
from ui.session_cache import session_cached


@st.cache_data(show_spinner=False)
def _seed_rows() -> pd.DataFrame:
    return load_seed_cohort()


def seed_cohort() -> pd.DataFrame:
    """The embedded cohort: a fresh copy on every call (``st.cache_data``), which carries its
    content key (:func:`ui.session_cache.frame_key`), digested once per process instead of
    once per run of every page (the file does not change while the server runs)."""
    return session_cache.remember(_seed_rows(), _seed_key())


@functools.cache
def _seed_key() -> str:
    return session_cache.digest((_seed_rows(),), {})


@st.cache_data(show_spinner=False)
def printed_rates() -> pd.DataFrame:
    """:func:`core.report.html.printed_rates_table`: a constant of the embedded cohort (all 19
    rows, whatever the filters), computed once per server instead of per run (it read and
    validated the cohort file and fitted four curves: about a third of the Survival page's run)."""
    return report.printed_rates_table()


@session_cached(show_spinner=False, max_entries=64)
def baseline(cohort: pd.DataFrame) -> pd.DataFrame:
    return baseline_characteristics(cohort)


@session_cached(show_spinner=False, max_entries=64)
def csv_bytes(table: pd.DataFrame) -> bytes:
    return table_to_csv(table)


@session_cached(show_spinner=False, max_entries=64)
def xlsx_bytes(table: pd.DataFrame, notes: tuple[str, ...]) -> bytes:
    return table_to_xlsx(table, notes=notes)


@session_cached(show_spinner=False, max_entries=64)
def survival(cohort: pd.DataFrame, endpoint, by: str | None,
             landmark_months: tuple[float, ...], horizon: float) -> SurvivalReport:
    return survival_report(cohort, endpoint, by, landmark_months, horizon)


@session_cached(show_spinner="Fitting the Cox model…", max_entries=128)
def cox(cohort: pd.DataFrame, endpoint: str, covariates: tuple[str, ...], ties: str,
        firth: bool, reference: tuple[tuple[str, str], ...],
        scale: tuple[tuple[str, float], ...], strata: str | None = None) -> CoxResult:
    """:func:`core.cox.fit.fit_cox` for an endpoint key ("os", "rfs"); reference and scale as
    sorted (column, value) pairs so the call is hashable; ``strata`` a column or None."""
    time, event, _ = ENDPOINTS[endpoint]
    check_covariate_levels(cohort, covariates)  # until fit_cox's own design calls it
    return fit_cox(cohort, time, event, list(covariates), ties=ties, firth=firth,
                   reference=dict(reference), scale=dict(scale), strata=strata)


@session_cached(show_spinner=False, max_entries=16)
def tumor_board_html(cohort: pd.DataFrame, source: str, n_total: int, filters: tuple[str, ...],
                     notes: tuple[str, ...], by: str | None,
                     printed_rates: bool = False, privacy: Privacy = IDENTIFIED,
                     flow=None) -> bytes:
    return report.tumor_board_html(cohort, source=source, n_total=n_total, filters=list(filters),
                                   notes=list(notes), by=by, printed_rates=printed_rates,
                                   privacy=privacy, flow=flow)

"""Cached wrappers of the Cox page around pure ``core.cox`` calls (``st.cache_data``), and
the page's Table 2 section and strata choice.

Each wrapper takes a hashable description of a model (cohort, the endpoint's time, event and
entry columns, covariates, ties, Firth, reference and scale as sorted pairs, strata), so a rerun
that changes nothing recomputes nothing, whatever the cohort's size. :func:`resolved` gives the
cohort with the chosen endpoint's columns (the one resolver,
:func:`core.survival.endpoint.resolve_endpoint`).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from core.cohort.exports import download_name, table_to_csv, table_to_xlsx
from core.cohort.schema import LABELS
from core.cohort.word import table_to_docx
from core.cox.display import OUTCOME_COLUMNS, needs_firth, ph_not_computable, ph_table
from core.cox.display import model_rows as core_model_rows
from core.cox.figures import schoenfeld_figure
from core.cox.fit import CoxResult, fit_cox
from core.cox.ph import PHTestResult, ph_test
from core.cox.predict import SurvivalPrediction, predict_survival
from core.cox.table2 import Table2, fit_table2
from core.cox.view import CoxChoices, CoxView, PredictionPanel, cox_view, prediction_panels
from core.errors import AnalysisError
from core.survival.endpoint import Endpoint, ResolvedEndpoint, resolve_endpoint
from ui import session_cache
from ui.exports import download_button, small_cells_toggle
from ui.frames import stratifiers
from ui.session_cache import session_cached
from ui.shell import plain
from ui.state import keep_in_url, seed_choice

Columns = tuple[str, str, str | None]
"""(time, event, entry) columns of an endpoint."""


def resolved(cohort: pd.DataFrame, endpoint: Endpoint) -> ResolvedEndpoint:
    """:func:`core.survival.endpoint.resolve_endpoint` of the filtered cohort, its frame known
    by a key derived from the cohort's (:func:`ui.session_cache.derive`). OS and RFS are the
    cohort's own columns: resolved on each run, not cached (a cached result is a pickle of
    the whole frame, 200 MB at 10^6 uploaded rows, and a copy of it on every hit)."""
    stored = not endpoint.user_defined and endpoint.key in ("os", "rfs")
    found = resolve_endpoint(cohort, endpoint) if stored else _resolved(cohort, endpoint)
    if found.frame is cohort:  # computed now, nothing derived: a frame of its own, as on a hit
        found = replace(found, frame=cohort.copy(deep=False))
    session_cache.derive(found.frame, cohort, "resolved endpoint", endpoint)
    return found


@session_cached(show_spinner=False, max_entries=8)
def _resolved(cohort: pd.DataFrame, endpoint: Endpoint) -> ResolvedEndpoint:
    return resolve_endpoint(cohort, endpoint)


def model_rows(frame: pd.DataFrame, columns: list[str], **options) -> tuple[pd.DataFrame, str]:
    """:func:`core.cox.display.model_rows` (``options``: its ``max_rows``, ``what``), the rows
    known by a key derived from ``frame``'s."""
    rows, note = core_model_rows(frame, columns, **options)
    return session_cache.derive(rows, frame, "cox model rows", tuple(columns),
                                options.get("max_rows")), note


@session_cached(show_spinner=False, max_entries=64)
def fit(cohort: pd.DataFrame, columns: Columns, covariates: tuple[str, ...], ties: str,
        firth: bool, reference: tuple[tuple[str, str], ...],
        scale: tuple[tuple[str, float], ...], strata: str | None = None) -> CoxResult:
    """:func:`core.cox.fit.fit_cox` on the endpoint's (time, event, entry) ``columns``;
    reference and scale as sorted (column, value) pairs so the call is hashable."""
    time, event, entry = columns
    return fit_cox(cohort, time, event, list(covariates), ties=ties, firth=firth,
                   reference=dict(reference), scale=dict(scale), strata=strata, entry=entry)


@session_cached(show_spinner="Checking proportional hazards…", max_entries=64)
def ph(cohort: pd.DataFrame, columns: Columns, covariates: tuple[str, ...], ties: str,
       reference: tuple[tuple[str, str], ...], scale: tuple[tuple[str, float], ...],
       strata: str | None = None) -> PHTestResult:
    """:func:`core.cox.ph.ph_test` of the ordinary fit ``fit(..., firth=False)``."""
    return ph_test(fit(cohort, columns, covariates, ties, False, reference, scale, strata))


@session_cached(show_spinner=False, max_entries=64)
def prediction(cohort: pd.DataFrame, columns: Columns, covariates: tuple[str, ...], ties: str,
               reference: tuple[tuple[str, str], ...], scale: tuple[tuple[str, float], ...],
               strata: str | None, profile: tuple[tuple[str, object], ...],
               times: tuple[float, ...]) -> SurvivalPrediction:
    """:func:`core.cox.predict.predict_survival` of the ordinary fit for a profile given as
    (column, value) pairs, at ``times``; a stratified model predicts for the profile's own
    stratum (its value of ``strata``)."""
    model = fit(cohort, columns, covariates, ties, False, reference, scale, strata)
    values = dict(profile)
    stratum = values.pop(strata, None) if strata else None
    return predict_survival(model, values, times, stratum=None if stratum is None
                            else str(stratum))


def _model(choices: CoxChoices, columns: tuple[str, ...]) -> tuple:
    """(ties, reference, scale, strata) of the model of ``columns``, as the cached wrappers
    take them."""
    return (choices.ties, tuple(sorted((c, v) for c, v in choices.reference if c in columns)),
            tuple(sorted((c, v) for c, v in choices.scale if c in columns)), choices.strata)


def view(cohort: pd.DataFrame, choices: CoxChoices) -> CoxView:
    """:func:`core.cox.view.cox_view` with every fit and check cached (one per model)."""
    def fitted(endpoint, columns, firth):
        ties, reference, scale, strata = _model(choices, columns)
        return fit(cohort, choices.columns_of(endpoint), tuple(columns), ties, firth,
                   reference, scale, strata)

    def check(endpoint, columns):
        return ph(cohort, choices.columns_of(endpoint), tuple(columns),
                  *_model(choices, columns))

    return cox_view(cohort, choices, fit=fitted, ph=check)


def predictions(cohort: pd.DataFrame, model_cohort: pd.DataFrame, result: CoxView,
                profile: dict) -> tuple[PredictionPanel, ...]:
    """:func:`core.cox.view.prediction_panels` with the predictions cached."""
    covariates = tuple(result.choices.covariates)

    def predict(endpoint, pairs, times):
        return prediction(model_cohort, result.choices.columns_of(endpoint), covariates,
                          *_model(result.choices, covariates), pairs, times)

    return prediction_panels(cohort, result, profile, predict)


NO_STRATA = "none"
STRATA_HELP = ("A stratified Cox model gives each level of this column its own baseline "
               "hazard (R coxph + strata): the hazard ratios compare patients within the same "
               "level, so a factor that breaks proportional hazards, or a centre, needs no "
               "hazard ratio of its own.")


def strata_choice(cohort: pd.DataFrame, covariates: list[str], where) -> str | None:
    """The "Stratify by" choice (any categorical column not among the covariates and not
    recording the outcome itself), kept in the link as ``cox.strata``; None for no
    stratification."""
    options = [NO_STRATA, *(c for c in stratifiers(cohort)
                            if c not in covariates and c not in OUTCOME_COLUMNS)]
    seed_choice("cox.strata", options, NO_STRATA)
    choice = where.selectbox("Stratify by", options, key="cox.strata", help=STRATA_HELP,
                             format_func=lambda c: "No stratification" if c == NO_STRATA
                             else LABELS.get(c, c))
    keep_in_url("cox.strata")
    return None if choice == NO_STRATA else choice


@session_cached(show_spinner="Fitting the univariable and multivariable models…",
               max_entries=32)
def table2(cohort: pd.DataFrame, choices: CoxChoices) -> Table2:
    """:func:`core.cox.table2.fit_table2` of the page's covariates, ties, references, scales,
    strata and the endpoint's delayed entry."""
    time, event, entry = choices.columns_of(choices.key)

    def fitted(frame: pd.DataFrame, columns: tuple[str, ...]) -> CoxResult:
        """The page's cached ordinary fit (the multivariable model is the one shown above)."""
        ties, reference, scale, strata = _model(choices, columns)
        return fit(frame, (time, event, entry), tuple(columns), ties, False, reference, scale,
                   strata)

    return fit_table2(cohort, time, event, choices.covariates, ties=choices.ties,
                      reference=dict(choices.reference), scale=dict(choices.scale),
                      strata=choices.strata, entry=entry,
                      labels={c: LABELS.get(c, c) for c in (
                          *choices.covariates, *((choices.strata,) if choices.strata else ()))},
                      fit_model=fitted)


def table2_section(cohort: pd.DataFrame, choices: CoxChoices, filters: dict) -> None:
    """Table 2 (univariable and multivariable hazard ratios side by side) with its notes, the
    small-cell option and CSV, XLSX and Word downloads."""
    st.subheader("Table 2: univariable and multivariable hazard ratios")
    try:
        result = table2(cohort, choices)
    except AnalysisError as error:
        st.info(plain(str(error)), icon=":material/info:")
        return
    small = small_cells_toggle()
    shown = result.display(small_cells=small)
    st.dataframe(shown, hide_index=True, key="cox.table2")
    st.caption(plain(result.method) + " Ordinary Cox fits (Firth's penalized estimates are "
               "in the table above when a level has no event).")
    for note in result.notes:  # the guardrail box above already warns; these explain cells
        st.caption(plain(note))
    title = f"Table 2. Hazard ratios for {choices.endpoint.label}"
    notes = (result.method, *result.notes)
    for (fmt, label, mime), where in zip(TABLE2_FORMATS, st.columns(3), strict=True):
        download_button(
            "cox.table2", f"Table 2 ({label})",
            lambda export, f=fmt: _table2_bytes(export.table, f, title, notes),
            download_name("cox", "table2", fmt, filters=filters, endpoint=choices.key),
            mime, table=shown, rows=False, where=where, icon=":material/download:",
            key=f"cox.table2_{fmt}")


TABLE2_FORMATS = (("csv", "CSV", "text/csv"),
                  ("xlsx", "XLSX", "application/vnd.openxmlformats-officedocument."
                                   "spreadsheetml.sheet"),
                  ("docx", "Word", "application/vnd.openxmlformats-officedocument."
                                   "wordprocessingml.document"))


def _table2_bytes(table: pd.DataFrame, fmt: str, title: str, notes: tuple[str, ...]) -> bytes:
    if fmt == "csv":
        return table_to_csv(table)
    if fmt == "xlsx":
        return table_to_xlsx(table, sheet_name="Table 2", notes=notes)
    return table_to_docx(table, title, notes, spans=("Univariable", "Multivariable"))


def ph_section(result: CoxView, caveat) -> None:
    """The proportional-hazards check of each model (scaled Schoenfeld residuals), in an
    expander; ``caveat`` turns a core caveat into the page's Markdown."""
    univariable = result.choices.model == "univariable"
    with st.expander("Proportional-hazards check (scaled Schoenfeld residuals)",
                     icon=":material/timeline:"):
        for i, m in enumerate(result.models):
            if m.ph is None:
                st.error(plain(m.ph_error), icon=":material/error:")
                continue
            if univariable:
                st.markdown(f"**{plain(m.name)}**")
            st.dataframe(ph_table(m.ph, LABELS), hide_index=True, key=f"cox.ph.{i}")
            for not_computable in ph_not_computable(m.ph):
                st.caption(caveat(not_computable))
            if needs_firth(m.ordinary):
                st.caption("This test uses the ordinary fit, in which a coefficient diverges "
                           "(separation): for that covariate it has nothing to measure.")
            st.plotly_chart(schoenfeld_figure(m.ph.residuals, m.ph.table, coefficients=dict(
                zip(m.ordinary.terms, m.ordinary.params, strict=True)),
                labels=result.labels), key=f"cox.schoenfeld.{i}",
                config={"displaylogo": False})
            st.caption(plain(m.ph.method) + ". A small p (below 0.05) suggests the hazard "
                       "ratio changes over follow-up (said in the box above the table). In the "
                       "plots the running mean should stay flat around the fitted coefficient "
                       "(dashed) if hazards are proportional. With few events the test has "
                       "little power: a large p is not proof of proportional hazards.")

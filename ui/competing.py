"""Cached wrappers for the Competing risks and Paper check pages (``st.cache_data`` around
core), and the Fine-Gray annotation tables under the cumulative-incidence figures."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.cohort.text import format_months, parse_months
from core.cox.cause_specific import CompetingModels, competing_models
from core.cox.display import COX_PAGE_MAX_ROWS
from core.errors import AnalysisError
from core.survival.competing.annotation import IncidenceEffects, competing_effects
from core.survival.competing.summary import (
    LANDMARK_CHOICES,
    CompetingReport,
    competing_report,
)
from core.survival.paper.check import paper_check
from ui.session_cache import session_cached
from ui.shell import plain
from ui.state import keep_in_url, seed_choice, url_value

MAX_MODEL_ROWS = COX_PAGE_MAX_ROWS
"""Patients the Competing risks page fits its Fine-Gray and cause-specific Cox models on at
most (above: the Cox page's seeded random sample, named on the page; the curves and Gray's
test use every patient)."""


def seed_landmarks() -> None:
    """Seed the page's "Landmarks (months)" multiselect (``competing.landmarks``): the value
    saved when the user left the page, the link's ("12,24"), else 12 and 24 months; the
    deliverables read the same key (:func:`ui.deliverables.report_choices`)."""
    def parse(text: str) -> list[int]:
        months = parse_months(text)
        if not set(months) <= set(LANDMARK_CHOICES):
            raise ValueError(f"each landmark is one of {format_months(LANDMARK_CHOICES)} "
                             "months.")
        return [int(m) for m in months]

    url_value("competing.landmarks", parse, [12, 24])


@session_cached(show_spinner=False, max_entries=64)
def report(cohort: pd.DataFrame, by: str | None, landmark_months: tuple[float, ...],
           death_rule: str) -> CompetingReport:
    return competing_report(cohort, by, landmark_months, death_rule)


@session_cached(show_spinner="Fitting Fine-Gray and cause-specific Cox models…", max_entries=64)
def models(cohort: pd.DataFrame, covariates: tuple[str, ...], cause: int, multivariable: bool,
           death_rule: str) -> CompetingModels:
    return competing_models(cohort, list(covariates), cause, multivariable, death_rule)


@session_cached(show_spinner=False, max_entries=4)
def paper(cohort: pd.DataFrame) -> pd.DataFrame:
    return paper_check(cohort)


REFERENCE_KEY = "competing.reference"


@session_cached(show_spinner="Fitting the Fine-Gray hazard ratios…", max_entries=64)
def _effects(cohort: pd.DataFrame, by: str, cause: int, death_rule: str,
             reference: str) -> IncidenceEffects:
    return competing_effects(cohort, by, cause, death_rule, reference)


def effects_for(cohort: pd.DataFrame, by: str | None, groups: list[str], death_rule: str
                ) -> dict[int, IncidenceEffects | str]:
    """Per cause (1 relapse, 2 NRM): the Fine-Gray hazard ratios against the reference
    chosen in :func:`show_reference` (read before its selectbox is drawn, so the table can go
    into the exported figure above it), or the reason they cannot be given; empty without
    groups."""
    if by is None or len(groups) < 2:
        return {}
    reference = seed_choice(REFERENCE_KEY, groups, groups[0])  # kept for the deliverables
    out: dict[int, IncidenceEffects | str] = {}
    for cause in (1, 2):
        try:
            out[cause] = _effects(cohort, by, cause, death_rule, reference)
        except AnalysisError as error:
            out[cause] = str(error)
    return out


def figure_table(effect: IncidenceEffects | str | None) -> pd.DataFrame | None:
    """The annotation table that travels with the exported figure (None without one)."""
    return effect.display() if isinstance(effect, IncidenceEffects) else None


def show_effect(effect: IncidenceEffects | str | None, cause: int) -> None:
    """Under one figure: the hazard-ratio table, or why there is none."""
    if isinstance(effect, IncidenceEffects):
        st.dataframe(effect.display(), hide_index=True, key=f"competing.effects.{cause}")
    elif effect:
        st.caption(plain(f"No hazard ratios: {effect}"))


def show_reference(effects: dict[int, IncidenceEffects | str], groups: list[str]) -> None:
    """The reference choice of the hazard ratios, their method and caveats."""
    if not effects:
        return
    fitted = [e for e in effects.values() if isinstance(e, IncidenceEffects)]
    st.selectbox("Reference group for the subdistribution hazard ratios", groups,
                 key=REFERENCE_KEY)
    keep_in_url(REFERENCE_KEY)  # the deliverables' Fine-Gray table uses it too
    for effect in fitted:
        st.caption(plain(effect.method))
        for note in effect.notes:
            st.warning(plain(note), icon=":material/info:")

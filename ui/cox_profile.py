"""The Cox page's patient profile: a patient of the filtered cohort, or values entered by hand.

A viewer (who may not see patient rows) gets only "Enter a profile", started from a typical
profile that no patient owns (:func:`core.cox.display.typical_profile`); the choices are kept in
the link.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.access.roles import Permission
from core.cohort.schema import LABELS
from core.cox.display import (
    NUMERIC_COVARIATES,
    category_levels,
    patient_profile,
    typical_profile,
)
from core.errors import AnalysisError
from ui.access import may
from ui.shell import plain
from ui.state import keep_in_url, seed_choice, url_number

PROFILE = {"patient": "A patient of the filtered cohort", "custom": "Enter a profile"}
PATIENT_LIST_MAX = 1000
"""Patients listed in the profile's picker at most (registries hold millions)."""


def profile_picker(cohort: pd.DataFrame, covariates: list[str], event: str) -> dict:
    """Draw the profile choice and return the profile (covariate column -> value); an
    :class:`AnalysisError` is shown and stops the page. ``event`` is the chosen endpoint's
    event column (the first patient with the event is the default)."""
    profiles = list(PROFILE) if may(Permission.VIEW_ROWS) else ["custom"]  # viewer: no rows
    source = seed_choice("cox.profile", profiles, profiles[0])
    source = st.radio("Profile", profiles, key="cox.profile", horizontal=True,
                      format_func=PROFILE.__getitem__)
    ids = [str(i) for i in cohort["patient_id"].head(PATIENT_LIST_MAX)]
    with_event = [str(i) for i in cohort.loc[cohort[event] == 1, "patient_id"].head(1)]
    linked = str(st.query_params.get("cox.patient", ""))
    if linked and linked not in ids and (cohort["patient_id"].astype("string") == linked).any():
        ids = [*ids, linked]
    profile: dict = {}
    try:
        if source == "patient":
            seed_choice("cox.patient", ids, (with_event or ids)[0])
            patient = st.selectbox("Patient", ids, key="cox.patient",
                                   format_func=lambda i: f"Patient {i}")
            if len(cohort) > PATIENT_LIST_MAX:
                st.caption(f"The first {PATIENT_LIST_MAX:,} of {len(cohort):,} patients are "
                           "listed; choose **Enter a profile** to predict for any other.")
            profile = patient_profile(cohort, patient, covariates)
            keep_in_url("cox.profile", "cox.patient")
        else:
            start = typical_profile(cohort, covariates)  # no patient's row (viewers see none)
            inputs = st.columns(max(len(covariates), 4))
            for column, where in zip(covariates, inputs, strict=False):
                key, label = f"cox.profile.{column}", plain(LABELS.get(column, column))
                if column in NUMERIC_COVARIATES:
                    url_number(key, float(start[column]), 0.0, 2000.0)
                    profile[column] = where.number_input(label, min_value=0.0,
                                                         max_value=2000.0, step=1.0, key=key)
                else:
                    levels = category_levels(cohort, column)
                    seed_choice(key, levels, start[column])
                    profile[column] = where.selectbox(label, levels, key=key)
            keep_in_url("cox.profile", *(f"cox.profile.{c}" for c in covariates))
    except AnalysisError as error:
        st.error(plain(str(error)), icon=":material/error:")
        st.stop()
    return profile

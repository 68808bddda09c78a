"""Cached wrappers and link-kept choices of the During follow-up page (only pages import this)."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from core.survival.timedep.summary import DuringFollowUpReport, during_follow_up_report


@st.cache_data(show_spinner="Splitting follow-up at the intervention…", max_entries=64)
def report(cohort: pd.DataFrame, endpoint: str, switch_time: str, landmark: float,
           landmark_times: tuple[float, ...]) -> DuringFollowUpReport:
    """:func:`core.survival.timedep.summary.during_follow_up_report`, cached."""
    return during_follow_up_report(cohort, endpoint, switch_time, landmark, landmark_times)


def url_number(key: str, default: float, minimum: float = 0.0) -> float:
    """Seed the number widget ``key`` like :func:`ui.shell.url_choice` does for a choice: the
    widget's value, else the value saved when the page was left, else the link's (once, when
    it is a number >= ``minimum``; otherwise ignored with a notice), else ``default``."""
    saved = f"saved.{key}"
    if key not in st.session_state:
        value = st.session_state.get(saved)
        if value is None:
            wanted = st.query_params.get(key)
            value = default
            if wanted is not None:
                try:
                    number = float(wanted)
                except ValueError:
                    number = math.nan
                if math.isfinite(number) and number >= minimum:
                    value = number
                else:
                    st.warning(f"The link's value for `{key}` is not a number of months >= "
                               f"{minimum:g} and was ignored.", icon=":material/link_off:")
        st.session_state[key] = float(value)
    return st.session_state[key]

"""Cached wrappers for the Cohort page's at-a-glance numbers (only pages import this)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.survival.followup import FollowUp, median_follow_up


@st.cache_data(show_spinner=False, max_entries=64)
def follow_up(cohort: pd.DataFrame) -> FollowUp:
    """:func:`core.survival.followup.median_follow_up` on the OS clock."""
    return median_follow_up(cohort, "os_months", "os_event")

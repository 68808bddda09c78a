"""Cached wrappers of the During follow-up page (only pages import this)."""

from __future__ import annotations

import pandas as pd

from core.survival.timedep.summary import DuringFollowUpReport, during_follow_up_report
from ui.session_cache import session_cached


@session_cached(show_spinner="Splitting follow-up at the intervention…", max_entries=64)
def report(cohort: pd.DataFrame, endpoint, switch_time: str, landmark: float,
           landmark_times: tuple[float, ...]) -> DuringFollowUpReport:
    """:func:`core.survival.timedep.summary.during_follow_up_report`, cached."""
    return during_follow_up_report(cohort, endpoint, switch_time, landmark, landmark_times)

"""Cached wrappers for the Cohort page's at-a-glance numbers (only pages import this)."""

from __future__ import annotations

import pandas as pd

from core.cohort.exports import readable_table, table_to_csv
from core.cohort.schema import LABELS
from core.survival.km.followup import FollowUp, median_follow_up
from ui.session_cache import session_cached


@session_cached(show_spinner=False, max_entries=64)
def follow_up(cohort: pd.DataFrame) -> FollowUp:
    """:func:`core.survival.km.followup.median_follow_up` on the OS clock."""
    return median_follow_up(cohort, "os_months", "os_event")


@session_cached(show_spinner=False, max_entries=16)
def readable_csv(table: pd.DataFrame) -> bytes:
    """CSV with readable headers and spelled-out event codes
    (:func:`core.cohort.exports.readable_table`)."""
    return table_to_csv(readable_table(table, LABELS))

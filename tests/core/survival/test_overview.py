"""The Cohort page's one-line answer (core.survival.overview.cohort_answer): pure wording of
numbers computed elsewhere (their R checks are in tests/core/survival/km and the page test)."""

from __future__ import annotations

import math

from core.survival.overview import cohort_answer


def test_seed_cohort_line():
    # the seed cohort's page numbers: R survfit events 6 (RFS) and 3 (OS); reverse KM median
    # follow-up 54.0; summary(fit, times = 24): RFS 66.0%, OS 94.4%
    assert cohort_answer(19, 6, 3, 54.0, {"RFS": 0.660, "OS": 0.944}, 24) == (
        "19 patients: 6 relapses and 3 deaths over a median follow-up of 54.0 months; "
        "at 24 months RFS 66%, OS 94%.")


def test_singular_counts_and_what_is_missing_is_left_out():
    assert cohort_answer(1, 1, 0, math.nan, {"RFS": None, "OS": 0.0}, 12) == (
        "1 patient: 1 relapse and 0 deaths; at 12 months OS 0%.")
    assert cohort_answer(5, None, None, None, {}, 24) == "5 patients."

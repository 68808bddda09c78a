"""The paper check table: printed figures of the study against its own rows."""

from __future__ import annotations

import pytest

from core.cohort import load_seed_cohort
from core.errors import AnalysisError
from core.survival.paper.check import (
    AGREES,
    ASSUMED,
    COLUMNS,
    DIFFERS,
    NOT_CHECKABLE,
    check_answer,
    paper_check,
    summary_counts,
)


@pytest.fixture(scope="module")
def check():
    return paper_check(load_seed_cohort()).set_index("figure")


def test_columns_and_marks(check):
    assert sorted(check.reset_index().columns) == sorted(COLUMNS)
    assert set(check["mark"]) == {AGREES, ASSUMED, DIFFERS, NOT_CHECKABLE}
    assert (check.loc[check["mark"] != AGREES, "reason"] != "").all()


def test_counts_reproduce_tables(check):
    for figure in ("sex = M", "FAB class = M2", "ELN 2022 risk = adverse", "deaths",
                   "relapses (any)", "morphological relapses", "median Age (years) (range)",
                   "median follow-up (range)", "median OS", "median RFS", "12-month OS"):
        assert check.loc[figure, "mark"] == AGREES, figure
    assert check.loc["median follow-up (range)", "recomputed"] == "50 (13–133)"


def test_rates_differ_for_the_stated_reason(check):
    """KM by hand: OS 24 months = 1 - 1/18 (patient 11 censored at 13 months) = 94.4%."""
    os24 = check.loc["24-month OS"]
    assert (os24["printed"], os24["recomputed"], os24["mark"]) == ("94.7% (18/19)", "94.4%",
                                                                   DIFFERS)
    assert "counting patients lost to follow-up earlier (patients 7, 11)" in os24["reason"]
    rfs12 = check.loc["12-month RFS"]
    assert "2 relapses + 3 = 5 of 19" in rfs12["reason"]
    assert "patients 11, 14, 17, 18" in rfs12["reason"]
    assert "5 relapses + 3 = 8 of 19" in check.loc["24-month RFS", "reason"]
    reverse = check.loc["median follow-up, reverse Kaplan-Meier"]
    assert reverse["recomputed"].startswith("54 ") and reverse["mark"] == DIFFERS


def test_patient_9_text_and_table(check):
    reason = check.loc["patient 9 MRD fell progressively, negative for over five months",
                       "reason"]
    assert "morphological relapse at 16 months" in reason


def test_a_changed_row_is_caught():
    cohort = load_seed_cohort()
    cohort.loc[cohort["patient_id"] == 1, "sex"] = "F"
    table = paper_check(cohort).set_index("figure")
    assert table.loc["sex = M", "mark"] == DIFFERS
    assert summary_counts(paper_check(cohort))[DIFFERS] == 6


def test_missing_columns_are_named():
    with pytest.raises(AnalysisError, match="the study's columns; missing: sex"):
        paper_check(load_seed_cohort().drop(columns=["sex"]))


def test_text_and_table_disagreements_are_named(check):
    """Patients 10 (qPCR above 0.01%, classed negative) and 17 (MRD-positive, no relapse,
    never said to convert) are named where their figure is checked."""
    assert "patient 10 is above 0.01%" in check.loc["MRD-positive before maintenance", "reason"]
    assert "(patients 13, 17)" in check.loc["sustained MRD negativity during maintenance",
                                            "reason"]


def test_differences_first_keeps_the_studys_order_within_each_mark(check):
    from core.survival.paper.check import differences_first

    ordered = differences_first(check)
    marks = list(ordered["mark"])
    assert marks == sorted(marks, key=["differs", "agrees under an assumption",
                                       "not checkable", "agrees"].index)
    for mark in ("differs", "agrees"):
        assert list(ordered.index[ordered["mark"] == mark]) == list(
            check.index[check["mark"] == mark])
    assert len(ordered) == len(check)


def test_sustained_mrd_negativity_agrees_only_under_a_named_assumption(check):
    """Issue 24: the rows record relapse, not MRD during maintenance; the 13 of 19 agree only
    if 'sustained MRD negativity' is read as 'no relapse', and the mark says so."""
    row = check.loc["sustained MRD negativity during maintenance"]
    assert row["mark"] == ASSUMED
    assert row["reason"].startswith("Assumption: 'sustained MRD negativity' means no relapse.")


def test_answer_line_counts_checkable_figures_and_names_those_that_differ(check):
    frame = check.reset_index()
    assert check_answer(frame) == (
        "25 of 29 checkable figures agree with the paper (1 under an assumption); 4 differ "
        "(24-month OS; 12-month RFS; 24-month RFS; median follow-up, reverse Kaplan-Meier). "
        "3 more cannot be checked from the rows.")
    agreeing = frame[frame["mark"] == AGREES]
    assert check_answer(agreeing) == (
        f"{len(agreeing)} of {len(agreeing)} checkable figures agree with the paper; "
        "none differs.")

"""The printed milestone and RMST contrasts (core.survival.km.contrast_tables): what the data
cannot give reads "not estimable", never a number; signs and units as printed."""

from __future__ import annotations

from core.cohort import load_seed_cohort
from core.style.numbers import NOT_ESTIMABLE
from core.survival.km.contrast_tables import milestone_table, rmst_table
from core.survival.km.contrasts import milestone_difference, rmst_comparison

SEED = load_seed_cohort()


def test_a_landmark_after_follow_up_is_not_estimable():
    result = milestone_difference(SEED, "rfs_months", "rfs_event", "mrd_pre_status", 500)
    row = milestone_table(result).iloc[0]
    assert row["Difference, points (95% CI)"] == NOT_ESTIMABLE and row["p"] == ""
    assert result.notes  # and the note says why


def test_a_ratio_with_no_time_lost_is_not_estimable():
    """ELN intermediate: no relapse before 24 months, RMTL 0: no RMTL ratio (survRM2 gives
    log(0)); its RMST difference and ratio stay."""
    result = rmst_comparison(SEED, "rfs_months", "rfs_event", "eln2022_risk", 24)
    rows = rmst_table(result).set_index("Group")
    assert rows.at["intermediate", "RMTL ratio (95% CI)"] == NOT_ESTIMABLE
    assert rows.at["intermediate", "RMST difference, months (95% CI)"].startswith("+11.3 (")
    assert rows.at["adverse", "RMST ratio (95% CI)"] != NOT_ESTIMABLE

"""Median follow-up by the reverse Kaplan-Meier method (core.survival.km.followup).

Golden values: tests/core/golden/followup_r_golden.json, written by
tests/core/golden/make_followup_golden.R (R 4.2.2, survival 3.5.3).
"""

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cohort.read import load_seed_cohort
from core.errors import AnalysisError
from core.survival.km.followup import median_follow_up

GOLDEN = json.loads((Path(__file__).parents[2] / "golden" / "followup_r_golden.json")
                    .read_text())
SEED = load_seed_cohort()


def check(result, golden):
    assert result.n == golden["n"]
    for name in ("median", "lower", "upper"):
        expected = golden[name]
        value = getattr(result, name)
        if expected is None:
            assert math.isnan(value), name
        else:
            assert value == pytest.approx(expected, abs=1e-9), name


def test_seed_os_follow_up_matches_r():
    """R: summary(survfit(Surv(os_months, 1 - os_event) ~ 1, conf.type = "log-log"))$table:
    median 54, 0.95LCL 46, 0.95UCL 69 months."""
    result = median_follow_up(SEED)
    check(result, GOLDEN["seed_os"])
    assert result.text() == "54.0 months (95% CI 46.0–69.0)"
    assert "reverse Kaplan-Meier" in result.method


def test_seed_rfs_follow_up_matches_r():
    """R: survfit(Surv(rfs_months, 1 - rfs_event) ~ 1, conf.type = "log-log"): 46 (11–72)."""
    check(median_follow_up(SEED, "rfs_months", "rfs_event"), GOLDEN["seed_rfs"])


def test_synthetic_cohort_with_ties_matches_r():
    """R: the same call on 60 seeded exponential times with events and censorings tied at 5
    and 12 months and a time of 0 (see the R script)."""
    case = GOLDEN["synthetic"]
    cohort = pd.DataFrame({"patient_id": [str(i) for i in range(len(case["time"]))],
                           "os_months": case["time"], "os_event": case["event"]})
    check(median_follow_up(cohort), case)


def test_missing_rows_are_counted_and_bad_codes_refused():
    cohort = SEED.copy()
    cohort.loc[0, "os_months"] = float("nan")
    result = median_follow_up(cohort)
    assert (result.n, result.n_excluded) == (18, 1)
    bad = SEED.copy()
    bad["os_event"] = bad["os_event"].astype(float)
    bad.loc[0, "os_event"] = 2
    with pytest.raises(AnalysisError, match="os_event"):
        median_follow_up(bad)


@settings(max_examples=40, derandomize=True, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 120), st.booleans()), min_size=2, max_size=40))
def test_reverse_km_median_is_a_censoring_time_and_ignores_row_order(rows):
    cohort = pd.DataFrame({"patient_id": [str(i) for i in range(len(rows))],
                           "os_months": [t for t, _ in rows],
                           "os_event": [int(e) for _, e in rows]})
    result = median_follow_up(cohort)
    shuffled = median_follow_up(cohort.iloc[::-1].reset_index(drop=True))
    for name in ("median", "lower", "upper"):
        a, b = getattr(result, name), getattr(shuffled, name)
        assert a == b or (math.isnan(a) and math.isnan(b)), name
    if not math.isnan(result.median):  # a median is a time at which someone's follow-up ended
        ended = cohort.loc[cohort["os_event"] == 0, "os_months"].tolist()
        midpoints = {(a + b) / 2 for a in ended for b in ended}
        assert result.median in set(ended) | midpoints


def test_a_registry_in_duckdb_gives_the_rows_in_memory_answer(tmp_path):
    """Registry mode counts the reverse curve in the engine (one GROUP BY), never loads rows:
    the same median, interval and counts as the rows in memory (R's golden values above)."""
    from core.cohort import open_cohort

    cohort = SEED.copy()
    cohort.loc[0, "os_months"] = float("nan")  # left out and counted on both paths
    cohort.to_parquet(tmp_path / "registry.parquet", index=False)
    engine = median_follow_up(open_cohort(tmp_path / "registry.parquet"))
    assert engine == median_follow_up(cohort)
    assert (engine.n, engine.n_excluded) == (18, 1)


def test_the_follow_up_of_a_fitted_os_curve_needs_no_second_pass():
    """The Cohort page reads the follow-up off its OS curve's counts (one registry scan)."""
    from core.survival.km.estimate import kaplan_meier
    from core.survival.km.followup import follow_up_from_fit

    cohort = SEED.copy()
    cohort.loc[0, "os_months"] = float("nan")
    assert follow_up_from_fit(kaplan_meier(cohort, "os_months", "os_event")) == \
        median_follow_up(cohort)
    with pytest.raises(AnalysisError, match="unstratified curve without delayed entry"):
        follow_up_from_fit(kaplan_meier(cohort, "os_months", "os_event", by="eln2022_risk"))

"""Delayed entry (left truncation) in Kaplan-Meier against R, on the cohorts of
``tests/core/golden/make_entry_golden.R`` (R 4.2, survival 3.5.3), written with R's values into
``tests/core/golden/entry_r_golden.json``.

The cohorts hold ties between entry and event times (whole months), entries after some events,
a group that starts late (it enters after month 8), a group whose risk set empties and then
refills (gap_refill), three groups, strata, rows whose entry equals their time (R's
``Surv`` makes them NA and drops them; we leave them out and count them), and one cohort
whose every entry is 0. The R calls are quoted in each test. Tolerance 1e-9 (R writes 15
significant digits).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cohort import open_cohort
from core.errors import AnalysisError
from core.survival import kaplan_meier, logrank, survival_at
from core.survival.km.contrasts import milestone_difference, rmst_comparison
from core.survival.km.estimate import at_risk_table, medians
from core.survival.km.rmst import restricted_mean

GOLDEN = json.loads((Path(__file__).resolve().parents[2] / "golden" /
                     "entry_r_golden.json").read_text())
AT = GOLDEN["meta"]["at"]
NAMES = sorted(k for k in GOLDEN if k != "meta")
TOL = 1e-9


def cohort(name: str) -> pd.DataFrame:
    return pd.DataFrame(GOLDEN[name]["cohort"]).rename(columns={"id": "patient_id"})


def close(ours, theirs, what: str) -> None:
    np.testing.assert_allclose(np.asarray(ours, dtype=float),
                               np.asarray([np.nan if v is None else v for v in theirs],
                                          dtype=float),
                               rtol=TOL, atol=TOL, equal_nan=True, err_msg=what)


@pytest.mark.parametrize("name", NAMES)
def test_kaplan_meier_with_entry_matches_survfit(name):
    """``summary(survfit(Surv(entry, time, event) ~ group, conf.type = "log-log"),
    censored = TRUE)``: every row, n.risk with entry < t <= time."""
    ours = kaplan_meier(cohort(name), "time", "event", by="group", entry="entry").table
    r = pd.DataFrame(GOLDEN[name]["km"])
    assert ours["group"].tolist() == r["group"].tolist()
    for column in ("time", "n_risk", "n_event", "n_censor", "survival", "std_err", "ci_lower",
                   "ci_upper"):
        close(ours[column], r[column], f"{name}: {column}")


@pytest.mark.parametrize("name", NAMES)
def test_survival_at_with_entry_matches_summary_times(name):
    """``summary(fit, times = at)``: before a group's first time S = 1 with R's n.risk (that
    of the first time), after its last time no row."""
    ours = survival_at(cohort(name), "time", "event", AT, by="group", entry="entry")
    r = pd.DataFrame(GOLDEN[name]["at"])
    assert ours["group"].tolist() == r["group"].tolist()
    for column in ("time", "survival", "std_err", "ci_lower", "ci_upper", "n_risk"):
        close(ours[column], r[column], f"{name}: {column}")


@pytest.mark.parametrize("name", NAMES)
def test_medians_and_rmst_with_entry_match_print_survfit(name):
    """``summary(fit, rmean = 24)$table``: records, events, median with its 0.95 limits,
    rmean and se(rmean)."""
    fit = kaplan_meier(cohort(name), "time", "event", by="group", entry="entry")
    r = pd.DataFrame(GOLDEN[name]["medians"])
    m = medians(fit)
    assert m["group"].tolist() == r["group"].tolist()
    for column in ("n", "events", "median", "median_lower", "median_upper"):
        close(m[column], r[column], f"{name}: {column}")
    rmst = restricted_mean(fit, 24).table
    close(rmst["rmst"], r["rmst"], f"{name}: rmst")
    close(rmst["se"], r["rmst_se"], f"{name}: se(rmean)")


def test_entry_equal_to_time_is_left_out_and_counted():
    """R: ``Surv(5, 5, 1)`` is NA ("Stop time must be > start time") and survfit drops it."""
    fit = kaplan_meier(cohort("ties_late_group"), "time", "event", by="group", entry="entry")
    (exclusion,) = fit.exclusions
    assert exclusion.count == 2 and exclusion.patients == ("P900", "P901")
    assert "`entry` equals `time`" in exclusion.describe()


def test_small_cohort_worked_by_hand():
    """Patients (entry, time]: (0,2] (0,3] (1,4] (2,3] (2,6] (3,5] (5,8] (4,7]. At t = 2 the
    two entering at 2 are not yet at risk: 3 at risk, S = 2/3; at t = 3 four (0,3] (1,4]
    (2,3] (2,6]: S = 2/3 * 3/4 = 1/2."""
    table = kaplan_meier(cohort("small"), "time", "event", entry="entry").table
    assert table["n_risk"].tolist()[:2] == [3, 4]
    assert table["survival"].tolist()[:2] == pytest.approx([2 / 3, 1 / 2], abs=1e-15)


def test_at_risk_table_counts_patients_who_have_entered():
    """Under the plot: entry < t <= time (at t = 0 those entering at 0)."""
    risk = at_risk_table(cohort("small"), "time", "event", [0, 2, 3, 6], entry="entry")
    assert risk["n_risk"].tolist() == [2, 3, 4, 3]
    assert risk["cum_events"].tolist() == [0, 1, 2, 4]


def test_engine_source_gives_the_same_numbers_with_entry(tmp_path):
    """The entries per group and time are a second GROUP BY on the engine."""
    frame = cohort("ties_late_group")
    path = tmp_path / "cohort.parquet"
    frame.to_parquet(path)
    source = open_cohort(path)
    ours = kaplan_meier(source, "time", "event", by="group", entry="entry")
    memory = kaplan_meier(frame, "time", "event", by="group", entry="entry")
    pd.testing.assert_frame_equal(ours.table, memory.table)
    assert [e.count for e in ours.exclusions] == [2]
    assert ours.exclusions[0].patients == ("P900", "P901")
    ticks = [0, 6, 12, 24]
    pd.testing.assert_frame_equal(
        at_risk_table(source, "time", "event", ticks, by="group", entry="entry"),
        at_risk_table(frame, "time", "event", ticks, by="group", entry="entry"))


def test_entry_after_time_is_an_error_naming_the_patient():
    frame = cohort("small")
    frame.loc[3, "entry"] = 9
    with pytest.raises(AnalysisError, match=r"Column `entry`: 1 value is after `time`: "
                                            r"patient S4 \(9\)\. Fix: an entry time is when"):
        kaplan_meier(frame, "time", "event", entry="entry")


def test_negative_and_text_entries_are_errors():
    frame = cohort("small")
    frame.loc[0, "entry"] = -1
    with pytest.raises(AnalysisError, match=r"Column `entry`: 1 value is negative: patient S1"):
        survival_at(frame, "time", "event", [3], entry="entry")
    frame["entry"] = frame["entry"].astype(object)
    frame.loc[0, "entry"] = "soon"
    with pytest.raises(AnalysisError, match=r"Column `entry`: 1 value is not a number: "
                                            r"patient S1 \('soon'\)"):
        survival_at(frame, "time", "event", [3], entry="entry")


def test_missing_entry_is_left_out_with_its_reason():
    frame = cohort("small")
    frame.loc[1, "entry"] = np.nan
    fit = kaplan_meier(frame, "time", "event", entry="entry")
    assert [e.describe() for e in fit.exclusions] == [
        "1 patient left out (no recorded `entry`): S2."]


SCORED = [n for n in NAMES if "sctest" in GOLDEN[n]]


@pytest.mark.parametrize("name", SCORED)
def test_logrank_with_entry_is_the_breslow_score_test(name):
    """``summary(coxph(Surv(entry, time, event) ~ factor(group), ties = "breslow"))$sctest``:
    test, df and pvalue (aliased_group: a group gone before the first event adds no degree of
    freedom, as coxph drops its coefficient)."""
    ours = logrank(cohort(name), "time", "event", "group", entry="entry")
    r = GOLDEN[name]["sctest"]
    close([ours.statistic, ours.dof, ours.p_value], [r["statistic"], r["df"], r["p_value"]],
          f"{name}: sctest")
    assert ours.delayed_entry


@pytest.mark.parametrize("name", [n for n in NAMES if "sctest_strata" in GOLDEN[n]])
def test_stratified_logrank_with_entry_is_the_stratified_score_test(name):
    """``summary(coxph(Surv(entry, time, event) ~ factor(group) + strata(stratum),
    ties = "breslow"))$sctest``."""
    ours = logrank(cohort(name), "time", "event", "group", strata="stratum", entry="entry")
    r = GOLDEN[name]["sctest_strata"]
    close([ours.statistic, ours.dof, ours.p_value], [r["statistic"], r["df"], r["p_value"]],
          f"{name}: stratified sctest")
    assert (ours.strata, ours.n_strata) == ("stratum", 2)


def test_a_group_whose_risk_set_empties_and_refills():
    """gap_refill, group a: nobody at risk in (4, 6], a second wave from 6. R carries S
    through the gap (0.375) and, asked at 4.5 and 6, reports the n.risk of the group's next
    time (8: five patients); the curve goes on from 0.375 with the new risk set."""
    at = survival_at(cohort("gap_refill"), "time", "event", [4.5, 6, 8.5], by="group",
                     entry="entry")
    a = at[at["group"] == "a"]
    assert a["n_risk"].tolist() == [5, 5, 4]
    np.testing.assert_allclose(a["survival"], [0.375, 0.375, 0.375 * 4 / 5], rtol=1e-12)


def test_with_every_entry_zero_and_tied_times_the_score_test_is_not_survdiff():
    """entry_zero (whole months, tied event times): with an entry column the test is the
    Breslow score test (3.554 in R), not survdiff's 3.722, whose variance is the exact
    hypergeometric one; without the entry column it is survdiff."""
    frame = cohort("entry_zero")
    with_entry = logrank(frame, "time", "event", "group", entry="entry")
    plain = logrank(frame, "time", "event", "group")
    close([with_entry.statistic], [GOLDEN["entry_zero"]["sctest"]["statistic"]], "sctest")
    close([plain.statistic], [GOLDEN["entry_zero"]["survdiff_chisq"]], "survdiff")
    assert with_entry.observed == plain.observed
    np.testing.assert_allclose(with_entry.expected, plain.expected, rtol=1e-12)


def test_logrank_with_entry_on_an_engine_source_equals_memory(tmp_path):
    frame = cohort("ties_late_group")
    path = tmp_path / "cohort.parquet"
    frame.to_parquet(path)
    ours = logrank(open_cohort(path), "time", "event", "group", entry="entry")
    memory = logrank(frame, "time", "event", "group", entry="entry")
    assert ours == memory
    assert [e.count for e in ours.exclusions] == [2]  # entry == time, left out and counted


def test_weighted_logrank_refuses_an_entry_time():
    with pytest.raises(AnalysisError, match=r"A weighted log-rank test \(rho = 1\) cannot take "
                                            r"a delayed-entry time \(`entry`\)"):
        logrank(cohort("strata_two"), "time", "event", "group", rho=1, entry="entry")


def test_logrank_with_entry_needs_two_groups_and_checks_the_entry():
    with pytest.raises(AnalysisError, match="only 1 group has patients here"):
        logrank(cohort("small").assign(group="one"), "time", "event", "group", entry="entry")
    frame = cohort("strata_two")
    frame.loc[0, "entry"] = 99
    with pytest.raises(AnalysisError, match=r"Column `entry`: 1 value is after `time`: "
                                            r"patient T001"):
        logrank(frame, "time", "event", "group", strata="stratum", entry="entry")
    frame = cohort("strata_two")
    frame.loc[[0, 1], "stratum"] = None
    result = logrank(frame, "time", "event", "group", strata="stratum", entry="entry")
    assert [e.describe() for e in result.exclusions] == [
        "2 patients left out (no recorded `group`, `stratum`): T001, T002."]


def test_a_group_never_at_risk_beside_another_adds_no_degree_of_freedom():
    """Group a has left before the only event, so its indicator carries no information: R
    ``coxph(Surv(entry, t, e) ~ factor(g), ties = "breslow")`` gives coefficient NA and
    ``summary(fit)$sctest`` test 0, df 0, pvalue 1 (R 4.2, survival 3.5.3; the information
    computed in floating point is about 1e-17 there, not 0)."""
    frame = pd.DataFrame({"t": np.arange(1, 7) / 7, "e": [0, 0, 0, 1, 0, 0],
                          "g": ["a", "a", "b", "b", "b", "b"], "entry": 0.0})
    ours = logrank(frame, "t", "e", "g", entry="entry")
    assert (ours.statistic, ours.dof, ours.p_value) == (0.0, 0, 1.0)


@pytest.mark.parametrize("name", ["ties_late_group", "gap_refill"])
def test_milestone_and_rmst_contrasts_take_the_entry(name):
    """``summary(fit, times = 12)`` with ``fit <- survfit(Surv(entry, time, event) ~ group)``:
    the milestone difference is the difference of ``surv``, its se the root of the summed
    ``std.err``^2; ``summary(fit, rmean = 24)$table``: each group's rmean and se(rmean)."""
    frame = cohort(name)
    at = pd.DataFrame(GOLDEN[name]["at"]).query("time == 12").set_index("group")
    (row,) = milestone_difference(frame, "time", "event", "group", 12,
                                  entry="entry").table.itertuples()
    g, ref = at.loc[row.group], at.loc[row.reference]
    close([row.difference, row.se], [g["survival"] - ref["survival"],
                                     np.hypot(g["std_err"], ref["std_err"])], f"{name}: milestone")
    groups = rmst_comparison(frame, "time", "event", "group", 24, entry="entry").groups
    r = pd.DataFrame(GOLDEN[name]["medians"]).set_index("group").loc[groups["group"]]
    close(groups["rmst"], r["rmst"], f"{name}: rmst")
    close(groups["se"], r["rmst_se"], f"{name}: se(rmean)")

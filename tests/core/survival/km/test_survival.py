"""Kaplan-Meier, landmarks, medians, RMST and log-rank against R's survival package.

Golden values: ``tests/core/golden/survival_r_golden.json``, written by
``tests/core/golden/make_survival_golden.R`` (R 4.2.2, survival 3.5.3), and the shared
reference ``tests/core/golden/seed_r_reference.json`` (copied from ../shared/reference/, an
independent transcription of the study's Tables 1-2). Every fit there is
``survfit(Surv(time, event) ~ group, conf.type = "log-log")``; each case records its R call.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cohort.read import load_seed_cohort
from core.errors import AnalysisError
from core.survival import logrank  # the contract's path
from core.survival.input import survival_data
from core.survival.km.estimate import (
    at_risk_table,
    event_counts,
    kaplan_meier,
    kaplan_meier_from_counts,
    landmarks,
    medians,
    survival_at,
)
from core.survival.km.logrank import logrank_trend, permutation_logrank
from core.survival.km.rmst import (
    restricted_mean,
    restricted_mean_difference,
)

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
R = json.loads((GOLDEN / "survival_r_golden.json").read_text())["results"]
SHARED = json.loads((GOLDEN / "seed_r_reference.json").read_text())["results"]
TOL = 1e-6

HAND_DATA = {
    "ties": pd.DataFrame({"t": [2, 2, 2, 3, 3, 5, 5, 5, 8, 9],
                          "e": [1, 1, 0, 1, 0, 1, 1, 0, 0, 1],
                          "g": ["a", "b", "a", "b", "a", "a", "b", "b", "a", "b"]}),
    "half": pd.DataFrame({"t": [1, 2, 3, 4, 5, 6], "e": [1, 1, 1, 0, 1, 1]}),
    "no_events": pd.DataFrame({"t": [3, 5, 7, 2, 4, 6, 8], "e": [0, 0, 0, 1, 1, 0, 1],
                               "g": ["none"] * 3 + ["some"] * 4}),
    "single": pd.DataFrame({"t": [4], "e": [1]}),
}
HAND_DATA["ties_by"] = HAND_DATA["ties"]


def case_input(key: str) -> tuple[pd.DataFrame, str, str, str | None]:
    """The data, time, event and stratifier of a golden case."""
    if key in HAND_DATA:
        return HAND_DATA[key], "t", "e", ("g" if key in ("ties_by", "no_events") else None)
    if key == "random":
        return pd.DataFrame(R["random"]["data"]), "t", "e", "g"
    endpoint, by = key.split(".")[:2]
    return (load_seed_cohort(), f"{endpoint}_months", f"{endpoint}_event",
            None if by == "all" else by)


def level(key: str) -> float:
    """The case's confidence level (conf.int of its survfit call)."""
    return R[key].get("conf_level", 0.95)


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows).astype({"group": str}).reset_index(drop=True)


def assert_columns_close(ours: pd.DataFrame, theirs: pd.DataFrame, columns: list[str]) -> None:
    """Same rows in the same order; NaN where R gives NA; values to 1e-6."""
    assert len(ours) == len(theirs)
    for column in columns:
        a = ours[column].to_numpy(dtype=float)
        b = theirs[column].to_numpy(dtype=float) if column in theirs else np.full(len(a), np.nan)
        np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL, equal_nan=True, err_msg=column)


def sorted_by_group(table: pd.DataFrame) -> pd.DataFrame:
    return table.sort_values(["group", "time"], kind="stable").reset_index(drop=True)


CASES = sorted(R)


@pytest.mark.parametrize("key", CASES)
def test_kaplan_meier_table_matches_r(key):
    """survfit(..., conf.type = "log-log"); summary(fit, censored = TRUE): every column."""
    df, time, event, by = case_input(key)
    ours = sorted_by_group(kaplan_meier(df, time, event, by, conf_level=level(key)).table)
    theirs = sorted_by_group(frame(R[key]["km"]))
    assert ours["group"].tolist() == theirs["group"].tolist()
    assert_columns_close(ours, theirs, ["time", "n_risk", "n_event", "n_censor", "survival",
                                        "std_err", "ci_lower", "ci_upper"])


@pytest.mark.parametrize("key", CASES)
def test_landmarks_match_r(key):
    """summary(fit, times = c(...)): survival, std.err, log-log CI and n.risk."""
    df, time, event, by = case_input(key)
    ours = sorted_by_group(survival_at(df, time, event, R[key]["times"], by,
                                       conf_level=level(key)))
    theirs = sorted_by_group(frame(R[key]["at"]))
    assert_columns_close(ours, theirs, ["time", "survival", "std_err", "ci_lower", "ci_upper",
                                        "n_risk"])


@pytest.mark.parametrize("key", CASES)
def test_medians_and_restricted_means_match_r(key):
    """summary(fit, rmean = horizon)$table: median, 0.95LCL, 0.95UCL, rmean, se(rmean)."""
    df, time, event, by = case_input(key)
    fit = kaplan_meier(df, time, event, by, conf_level=level(key))
    theirs = frame(R[key]["summary"]).sort_values("group").reset_index(drop=True)
    ours = medians(fit).sort_values("group").reset_index(drop=True)
    horizon = theirs["horizon"].iloc[0]
    rmst = restricted_mean(fit, horizon).table.sort_values("group").reset_index(drop=True)
    assert ours["group"].tolist() == theirs["group"].tolist()
    assert_columns_close(ours, theirs, ["n", "events", "median", "median_lower",
                                        "median_upper"])
    np.testing.assert_allclose(rmst["rmst"], theirs["rmst"], rtol=TOL, atol=TOL)
    np.testing.assert_allclose(rmst["se"], theirs["rmst_se"], rtol=TOL, atol=TOL)


@pytest.mark.parametrize("key", [k for k in CASES if "logrank" in R[k]])
def test_logrank_matches_r(key):
    """survdiff(Surv(time, event) ~ group, rho = 0): chisq, df, p, observed, expected."""
    df, time, event, by = case_input(key)
    ours = logrank(df, time, event, by)
    theirs = R[key]["logrank"]
    assert ours.statistic == pytest.approx(theirs["statistic"], rel=TOL, abs=TOL)
    assert ours.dof == theirs["dof"]
    assert ours.p_value == pytest.approx(theirs["p_value"], rel=TOL, abs=TOL)
    expected = dict(zip(theirs["groups"], theirs["expected"], strict=True))
    observed = dict(zip(theirs["groups"], theirs["observed"], strict=True))
    for group, o, e in zip(ours.groups, ours.observed, ours.expected, strict=True):
        assert o == pytest.approx(observed[group], abs=TOL)
        assert e == pytest.approx(expected[group], rel=TOL, abs=TOL)


@pytest.mark.parametrize("key", ["os.eln2022_risk", "rfs.eln2022_risk", "random"])
def test_trend_test_matches_r(key):
    """(sum w (O-E))^2 / (w' V w) from survdiff's obs, exp and var, scores 1, 2, 3."""
    df, time, event, by = case_input(key)
    order = ("low", "mid", "high") if key == "random" else None
    ours = logrank_trend(df, time, event, by, order=order)
    assert ours.statistic == pytest.approx(R[key]["trend"]["statistic"], rel=TOL)
    assert ours.p_value == pytest.approx(R[key]["trend"]["p_value"], rel=TOL)


@pytest.mark.parametrize("key", [k for k in SHARED if not k.endswith(".cox")])
def test_contract_columns_match_shared_reference(key):
    """../shared/reference/seed_r_reference.json (survfit log-log; summary(fit, times=c(12,24)))."""
    endpoint, by = key.split(".")
    df = load_seed_cohort()
    time, event, by = f"{endpoint}_months", f"{endpoint}_event", None if by == "all" else by
    ours = sorted_by_group(kaplan_meier(df, time, event, by).table)
    theirs = sorted_by_group(frame(SHARED[key]["km"]))
    assert_columns_close(ours, theirs, ["time", "n_risk", "n_event", "n_censor", "survival",
                                        "ci_lower", "ci_upper"])
    at = sorted_by_group(survival_at(df, time, event, [12, 24], by))
    assert_columns_close(at, sorted_by_group(frame(SHARED[key]["at"])),
                         ["time", "survival", "ci_lower", "ci_upper", "n_risk"])
    if "logrank" in SHARED[key]:
        result = logrank(df, time, event, by)
        assert result.statistic == pytest.approx(SHARED[key]["logrank"]["statistic"], rel=TOL)
        assert result.p_value == pytest.approx(SHARED[key]["logrank"]["p_value"], rel=TOL)


# -- hand-worked cases -------------------------------------------------------------------------

def test_ties_worked_by_hand():
    """10 patients; at t=2 two events and one censoring among 10 at risk: S = 8/10.

    At t=3, 7 at risk (the censored patient at t=2 counted at risk at t=2, not after),
    one event: S = 0.8 * 6/7. Greenwood var(log S) = 2/(10*8) + 1/(7*6).
    """
    df = HAND_DATA["ties"]
    table = kaplan_meier(df, "t", "e").table.set_index("time")
    assert table.loc[2.0, "n_risk"] == 10 and table.loc[3.0, "n_risk"] == 7
    assert table.loc[3.0, "survival"] == pytest.approx(0.8 * 6 / 7, abs=1e-15)
    se = 0.8 * 6 / 7 * np.sqrt(2 / 80 + 1 / 42)
    assert table.loc[3.0, "std_err"] == pytest.approx(se, abs=1e-15)


def test_group_without_events_has_flat_curve_and_no_interval():
    """Group 'none' (3 patients, all censored): S = 1, std.err 0, no log-log CI, median NA."""
    fit = kaplan_meier(HAND_DATA["no_events"], "t", "e", "g")
    none = fit.group_table("none")
    assert (none["survival"] == 1).all() and (none["std_err"] == 0).all()
    assert none["ci_lower"].isna().all() and none["ci_upper"].isna().all()
    assert np.isnan(medians(fit).set_index("group").at["none", "median"])
    assert fit.events == {"none": 0, "some": 3}


def test_single_patient():
    """One patient with an event at 4 months: S drops from 1 to 0; median 4, no interval."""
    fit = kaplan_meier(HAND_DATA["single"], "t", "e")
    row = fit.table.iloc[0]
    assert (row["n_risk"], row["n_event"], row["survival"]) == (1, 1, 0.0)
    assert np.isnan(row["std_err"]) and np.isnan(row["ci_lower"])
    med = medians(fit).iloc[0]
    assert med["median"] == 4 and np.isnan(med["median_lower"]) and np.isnan(med["median_upper"])


def test_median_midpoint_rule_when_curve_sits_at_half():
    """S = 3/6 from t=3 until the next event at t=5, so R's median is (3 + 5) / 2 = 4."""
    assert medians(kaplan_meier(HAND_DATA["half"], "t", "e"))["median"].iloc[0] == 4.0


def test_landmark_before_first_and_after_last_observation():
    """Before the first time: S = 1 with CI (1, 1), all at risk; after the last: omitted."""
    df = pd.DataFrame({"t": [5.0, 10.0], "e": [1, 0]})
    at = survival_at(df, "t", "e", [1, 5, 10, 11])
    assert at["time"].tolist() == [1, 5, 10]
    first = at.iloc[0]
    assert (first["survival"], first["ci_lower"], first["ci_upper"], first["n_risk"]) == \
        (1.0, 1.0, 1.0, 2)


def test_restricted_mean_worked_by_hand():
    """Horizon 6 on the 'half' data: 1 + 5/6 + 4/6 + 3/6 + 3/6 + 3/6·(2/3)... by rectangles.

    Times 1..6, S after each: 5/6, 4/6, 3/6, 3/6 (censor), 3/6·(1/2)=1/4, 0.
    Area to 6 = 1·1 + 1·5/6 + 1·4/6 + 1·3/6 + 1·3/6 + 1·1/4 = 3.75 (R: 3.75).
    """
    fit = kaplan_meier(HAND_DATA["half"], "t", "e")
    assert restricted_mean(fit, 6).table["rmst"].iloc[0] == pytest.approx(3.75, abs=1e-12)


def test_restricted_mean_difference_and_flag_beyond_follow_up():
    """RMST difference = difference of R's rmeans; se = sqrt(se1^2 + se2^2)."""
    df, time, event, by = case_input("rfs.mrd_pre_status")
    fit = kaplan_meier(df, time, event, by)
    rm = restricted_mean(fit, 24)
    diff = restricted_mean_difference(rm, "negative").iloc[0]
    r = {row["group"]: row for row in R["rfs.mrd_pre_status"]["summary"]}
    assert diff["difference"] == pytest.approx(r["positive"]["rmst"] - r["negative"]["rmst"],
                                               rel=TOL)
    assert diff["se"] == pytest.approx(np.hypot(r["positive"]["rmst_se"],
                                                r["negative"]["rmst_se"]), rel=TOL)
    assert diff["ci_lower"] < diff["difference"] < diff["ci_upper"]
    assert not rm.table["beyond_follow_up"].any()
    assert restricted_mean(fit, 100).table.set_index("group").at["positive",
                                                                 "beyond_follow_up"]


def test_at_risk_table_counts_by_hand():
    """RFS by MRD status at 0, 12, 24 months, counted from the 19 rows of Tables 1-2.

    MRD-positive: patients 7 (RFS 1, relapse), 9 (16, relapse), 13 (63, censored), 17 (1,
    censored): at 12 months 2 at risk (9, 13), 1 event (7) and 1 censored (17) so far; at 24
    months 1 at risk (13) and 2 events.
    """
    df = load_seed_cohort()
    table = at_risk_table(df, "rfs_months", "rfs_event", [0, 12, 24], "mrd_pre_status")
    pos = table[table["group"] == "positive"].set_index("time")
    assert pos["n_risk"].tolist() == [4, 2, 1]
    assert pos.loc[12.0, "cum_events"] == 1 and pos.loc[12.0, "cum_censored"] == 1
    assert pos.loc[24.0, "cum_events"] == 2


def test_counts_from_a_database_give_the_same_table():
    """The GROUP BY counts of a database produce the same Kaplan-Meier table as the rows."""
    df, time, event, by = case_input("random")
    counts = (df.assign(n_event=df["e"], n_censor=1 - df["e"])
              .groupby(["g", "t"], as_index=False)[["n_event", "n_censor"]].sum()
              .rename(columns={"g": "group", "t": "time"}))
    from_counts = sorted_by_group(kaplan_meier_from_counts(counts))
    from_rows = sorted_by_group(kaplan_meier(df, time, event, by).table)
    pd.testing.assert_frame_equal(from_counts, from_rows)


def test_exclusions_are_counted_with_reason():
    df = load_seed_cohort()
    df.loc[df["patient_id"] == 4, "rfs_months"] = np.nan
    df.loc[df["patient_id"] == 12, "mrd_pre_status"] = np.nan
    fit = kaplan_meier(df, "rfs_months", "rfs_event", "mrd_pre_status")
    assert sum(fit.n.values()) == 17
    assert [e.describe() for e in fit.exclusions] == [
        "1 patient left out (no recorded `rfs_months`): 4.",
        "1 patient left out (no recorded `mrd_pre_status`): 12."]


# -- permutation test --------------------------------------------------------------------------

def test_exact_permutation_enumerates_every_assignment():
    """MRD status splits 19 patients 15/4: C(19, 4) = 3876 assignments, all enumerated."""
    df, time, event, by = case_input("rfs.mrd_pre_status")
    result = permutation_logrank(df, time, event, by)
    assert result.exact and result.n_resamples == 3876 and result.mc_standard_error == 0
    assert 0 < result.p_value <= 1


def test_exact_permutation_p_worked_by_hand():
    """2 + 2 patients, times 1, 2, 3, 4 all events: C(4, 2) = 6 assignments.

    The observed split {1, 2} vs {3, 4} is the most extreme together with its mirror
    {3, 4} vs {1, 2}; so p = 2/6.
    """
    df = pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 1, 1, 1], "g": ["a", "a", "b", "b"]})
    result = permutation_logrank(df, "t", "e", "g")
    assert result.exact and result.n_resamples == 6
    assert result.p_value == pytest.approx(2 / 6, abs=1e-12)


def test_monte_carlo_permutation_is_seeded_and_reports_its_error():
    """ELN 3/9/7: 19!/(3! 9! 7!) = 1,847,560 ... > limit, so Monte Carlo with a fixed seed."""
    df, time, event, by = case_input("rfs.eln2022_risk")
    first = permutation_logrank(df, time, event, by, n_resamples=4000)
    again = permutation_logrank(df, time, event, by, n_resamples=4000)
    assert not first.exact and first == again
    assert first.mc_standard_error == pytest.approx(
        np.sqrt(first.p_value * (1 - first.p_value) / 4000))
    exact_p = logrank(df, time, event, by).p_value
    assert first.p_value < 0.05 and exact_p < 0.05


# -- errors ------------------------------------------------------------------------------------

def test_error_unknown_column():
    with pytest.raises(AnalysisError, match=r"Column `rfs_days` is not in the cohort .* Fix: "
                                             r"choose one of these columns"):
        kaplan_meier(load_seed_cohort(), "rfs_days", "rfs_event")


def test_error_negative_time_names_patient_and_value():
    df = load_seed_cohort()
    df.loc[df["patient_id"] == 3, "rfs_months"] = -2
    with pytest.raises(AnalysisError, match=r"Column `rfs_months`: 1 value is negative: "
                                             r"patient 3 \(-2\)\. Fix: times are months"):
        kaplan_meier(df, "rfs_months", "rfs_event")


def test_error_event_not_binary():
    df = pd.DataFrame({"patient_id": [1, 2], "t": [1, 2], "e": [1, 2]})
    with pytest.raises(AnalysisError, match=r"Column `e`: 1 value is not 0 or 1: patient 2 "
                                             r"\(2\)\. Fix: use 1 for the event"):
        kaplan_meier(df, "t", "e")


def test_error_logrank_needs_two_groups():
    df = load_seed_cohort()
    df = df[df["mrd_pre_status"] == "positive"]
    with pytest.raises(AnalysisError, match=r"only 1 group has patients here \(positive\)\. "
                                             r"Fix: widen the filters"):
        logrank(df, "rfs_months", "rfs_event", "mrd_pre_status")


def test_error_bad_horizon_and_conf_level():
    fit = kaplan_meier(load_seed_cohort(), "rfs_months", "rfs_event")
    with pytest.raises(AnalysisError, match=r"RMST horizon must be a positive number of months, "
                                             r"not -1"):
        restricted_mean(fit, -1)
    with pytest.raises(AnalysisError, match=r"conf_level must be between 0 and 1, not 95"):
        kaplan_meier(load_seed_cohort(), "rfs_months", "rfs_event", conf_level=95)


def test_other_conf_level_is_honoured():
    """A 90% interval lies inside the 95% interval wherever both are defined."""
    df = load_seed_cohort()
    t95 = kaplan_meier(df, "rfs_months", "rfs_event").table.dropna()
    t90 = kaplan_meier(df, "rfs_months", "rfs_event", conf_level=0.9).table.dropna()
    assert (t90["ci_lower"].to_numpy() > t95["ci_lower"].to_numpy()).all()
    assert (t90["ci_upper"].to_numpy() < t95["ci_upper"].to_numpy()).all()


def test_landmarks_helper_equals_survival_at():
    df = load_seed_cohort()
    fit = kaplan_meier(df, "os_months", "os_event", "eln2022_risk")
    pd.testing.assert_frame_equal(landmarks(fit, [12, 24]),
                                  survival_at(df, "os_months", "os_event", [12, 24],
                                              "eln2022_risk"))


def test_event_counts_from_survival_data():
    data = survival_data(HAND_DATA["ties"], "t", "e")
    counts = event_counts(data).set_index("time")
    assert counts.loc[2.0, "n_event"] == 2 and counts.loc[2.0, "n_censor"] == 1


def test_error_permutation_needs_two_patients_per_group():
    df = pd.DataFrame({"t": [1, 2, 3], "e": [1, 0, 1], "g": ["a", "a", "b"]})
    with pytest.raises(AnalysisError, match=r"needs at least 2 patients in every group; b has 1"):
        permutation_logrank(df, "t", "e", "g")


def test_error_time_not_a_number():
    df = pd.DataFrame({"patient_id": [1, 2], "t": ["3", "soon"], "e": [1, 0]})
    with pytest.raises(AnalysisError, match=r"Column `t`: 1 value is not a number: patient 2 "
                                             r"\('soon'\)\. Fix: enter the time in months\."):
        kaplan_meier(df, "t", "e")


def test_error_trend_order_and_scores():
    df, time, event, by = case_input("random")
    with pytest.raises(AnalysisError, match=r"The trend order \('low', 'mid'\) must list every "
                                             r"group"):
        logrank_trend(df, time, event, by, order=("low", "mid"))
    with pytest.raises(AnalysisError, match=r"2 scores for 3 groups\. Fix: one score per group"):
        logrank_trend(df, time, event, by, order=("low", "mid", "high"), scores=(1, 2))


def test_error_unknown_rmst_reference():
    fit = kaplan_meier(load_seed_cohort(), "rfs_months", "rfs_event", "mrd_pre_status")
    with pytest.raises(AnalysisError, match=r"Reference group 'unknown' is not among the groups "
                                             r"\(negative, positive\)\. Fix: choose one"):
        restricted_mean_difference(restricted_mean(fit, 24), "unknown")


def test_numeric_groups_are_labelled_as_r_prints_them():
    """A 0/1 stratifier stored as floats gives groups "0" and "1" (R: factor(c(0, 1)))."""
    df = load_seed_cohort()
    df["mrd"] = (df["mrd_pre_status"] == "positive").astype(float)
    df.loc[0, "mrd"] = 0.5
    df.loc[1, "mrd"] = 10
    assert kaplan_meier(df, "rfs_months", "rfs_event", "mrd").groups == ("0", "0.5", "1", "10")


def test_exact_permutation_p_equals_brute_force_with_scikit_survival():
    """RFS by MRD status: enumerate all C(19, 4) = 3876 choices of the 4 'positive' patients
    and compute each log-rank chi-square with scikit-survival's compare_survival (an
    independent implementation); the exact p is the share at least as large as observed."""
    from itertools import combinations

    from sksurv.compare import compare_survival
    from sksurv.util import Surv

    df = load_seed_cohort()
    y = Surv.from_arrays(df["rfs_event"].astype(bool), df["rfs_months"])
    observed = compare_survival(y, df["mrd_pre_status"].to_numpy())[0]
    n = len(df)
    count = total = 0
    for chosen in combinations(range(n), 4):
        labels = np.zeros(n, dtype=int)
        labels[list(chosen)] = 1
        count += compare_survival(y, labels)[0] >= observed * (1 - 1e-12)
        total += 1
    ours = permutation_logrank(df, "rfs_months", "rfs_event", "mrd_pre_status")
    assert total == ours.n_resamples == 3876
    assert ours.p_value == pytest.approx(count / total, abs=1e-12)


def test_survival_at_one_time_given_as_a_number():
    df = load_seed_cohort()
    pd.testing.assert_frame_equal(survival_at(df, "os_months", "os_event", 24),
                                  survival_at(df, "os_months", "os_event", [24]))


def test_error_bad_landmark_times():
    with pytest.raises(AnalysisError, match=r"Landmark times must be months >= 0, not "
                                             r"\[12\.0, -1\.0\]\. Fix: give times such as"):
        survival_at(load_seed_cohort(), "os_months", "os_event", [12, -1])

"""The bundle of statistics behind the Survival page, and its number formatting."""

import math

import pytest

from core.cohort.read import load_seed_cohort
from core.errors import AnalysisError
from core.style.numbers import format_median, format_p, format_percent_ci
from core.survival.km.summary import rmst_difference_text, stratifier_options, survival_report


def test_small_sample_gets_permutation_and_explanation():
    report = survival_report(load_seed_cohort(), "rfs", "mrd_pre_status")
    assert report.permutation is not None and report.permutation.exact
    assert report.which_p.startswith("Small sample (fewer than 30 patients")
    assert report.trend is None
    assert report.rmst_difference["reference"].tolist() == ["negative"]


def test_eln_gets_trend_in_clinical_order():
    report = survival_report(load_seed_cohort(), "os", "eln2022_risk")
    assert report.trend.groups == ("favorable", "intermediate", "adverse")
    assert report.fit.groups == ("favorable", "intermediate", "adverse")


def test_caption_names_endpoint_n_events_method_and_ci():
    report = survival_report(load_seed_cohort(), "os", None)
    assert report.caption.startswith("Overall survival (OS): months from diagnosis")
    assert "n = 19 patients, 3 deaths." in report.caption
    assert "95% confidence intervals (Greenwood variance, log-log transformation)" in \
        report.caption


def test_at_risk_ticks_every_12_months_to_the_last_time():
    report = survival_report(load_seed_cohort(), "os", None)
    assert report.at_risk["time"].tolist() == [12.0 * k for k in range(13)]  # OS max 133 -> 144


def test_singleton_group_note_and_no_permutation():
    report = survival_report(load_seed_cohort(), "rfs", "fab")
    assert report.permutation is None
    assert any("a group has a single patient, which cannot be permuted" in n
               for n in report.notes)
    assert any("FAB subtype = M7: only 1 patient" in n for n in report.notes)
    # seen: 'the chi-square approximation is adequate; read the log-rank p' beside 'read the
    # log-rank p with great caution' for this one-patient group: one wording now
    assert "adequate" not in report.which_p and "great caution" in report.which_p


def test_unknown_endpoint():
    with pytest.raises(AnalysisError, match=r"Unknown endpoint 'pfs'\. Fix: choose one of os, "
                                            r"rfs, efs, cir, nrm"):
        survival_report(load_seed_cohort(), "pfs")


def test_stratifier_options_put_the_study_stratifiers_first():
    assert stratifier_options(load_seed_cohort())[:3] == ["eln2022_risk", "sorafenib_timing",
                                                          "mrd_pre_status"]


def test_formatting():
    assert format_percent_ci(0.8797, 0.5937, 0.969) == "88.0% (59.4–96.9)"
    assert format_percent_ci(1.0, math.nan, math.nan) == "100.0%"
    assert format_median(math.nan, 13, math.nan) == "not reached (13.0–NR)"
    assert format_median(16, 1, math.nan) == "16.0 (1.0–NR)"
    assert format_median(math.nan, math.nan, math.nan) == "not reached"
    assert format_p(0.0004) == "< 0.001" and format_p(0.2691) == "0.269"


def test_large_cohort_skips_the_permutation_with_a_note(monkeypatch):
    monkeypatch.setattr("core.survival.km.summary.PERMUTATION_MAX_N", 10)
    report = survival_report(load_seed_cohort(), "rfs", "mrd_pre_status")
    assert report.permutation is None
    assert any("there is no permutation p (too slow to compute for more than 10 patients"
               in n for n in report.notes)
    assert report.which_p in report.notes  # the page, deck and projector read one wording



def test_no_usable_rows():
    df = load_seed_cohort()
    df["rfs_months"] = float("nan")
    with pytest.raises(AnalysisError, match=r"No patient has a recorded time and event for this "
                                             r"endpoint\. Fix: widen the filters\."):
        survival_report(df, "rfs")


def test_grouping_by_an_outcome_column_is_flagged():
    report = survival_report(load_seed_cohort(), "rfs", "relapse_type")
    assert any(n.startswith("Relapse type is recorded at the end of follow-up, so groups "
                            "defined by it are partly defined by the outcome itself")
               for n in report.notes)


def test_rmst_difference_in_words():
    """OS by ELN: favorable and intermediate have no deaths (RMST 24 each, SE 0)."""
    report = survival_report(load_seed_cohort(), "os", "eln2022_risk")
    assert rmst_difference_text(report).startswith(
        "Difference in RMST to 24 months against favorable: intermediate +0.0 months (no "
        "events in either group before the horizon, so no interval); adverse -0.7 months "
        "(95% CI -1.9 to +0.5, p = 0.273)")


def _all_relapse_early():
    """Seed cohort where every MRD-positive patient relapses by month 6 (the group's curve
    falls to 0 before the 12- and 24-month landmarks and the RMST horizon)."""
    seed = load_seed_cohort()
    positive = seed["mrd_pre_status"] == "positive"
    seed.loc[positive, "rfs_months"] = [2.0, 3.0, 5.0, 6.0][:int(positive.sum())]
    seed.loc[positive, "rfs_event"] = 1
    return seed


def test_a_landmark_after_the_curve_reached_zero_reads_zero_not_beyond_follow_up():
    """R: summary(survfit(Surv(rfs_months, rfs_event) ~ mrd, d), times = 12, extend = TRUE)
    gives surv 0 and n.risk 0 for the group whose last patient relapsed at 6 months."""
    from core.survival.km.summary import per_group_table

    report = survival_report(_all_relapse_early(), "rfs", "mrd_pre_status")
    table = per_group_table(report).set_index("Group")
    assert table.loc["positive", "12 months: % (95% CI)"] == "0%"
    assert table.loc["positive", "24 months: at risk"] == "0"
    assert not any("carried flat" in note for note in report.notes)  # S = 0 assumes nothing


def test_rmst_intervals_stay_within_zero_and_the_horizon():
    from core.survival.km.summary import per_group_table

    report = survival_report(_all_relapse_early(), "rfs", "mrd_pre_status", horizon=24)
    for text in per_group_table(report)["RMST to 24 months (95% CI)"]:
        low, high = (float(v) for v in text.split("(")[1].rstrip(")").split("–"))
        assert 0.0 <= low <= high <= 24.0, text


@pytest.mark.parametrize("by, endpoint, expected", [
    (None, "rfs", "RFS of 19 patients at 24 months: 66.0% (36.1–84.4); median, months: not "
                  "reached (16.0–NR)."),
    ("mrd_pre_status", "os", "OS at 24 months: negative 100.0%, positive 75.0%; log-rank p "
                             "0.023 (permutation 0.034): a difference unlikely to be chance "
                             "alone."),
    # a one-patient group (FAB M7): no permutation, so no verdict from the chi-square p
    ("fab", "os", "read with great caution, 1 patient in the smallest group."),
])
def test_the_answer_in_one_line(by, endpoint, expected):
    """R: summary(survfit(Surv(rfs_months, rfs_event) ~ 1, d), times = 24) gives 0.660
    (0.361-0.844, log-log); survdiff(Surv(os_months, os_event) ~ mrd_pre_status) p = 0.023."""
    from core.survival.km.summary import answer_sentence

    text = answer_sentence(survival_report(load_seed_cohort(), endpoint, by, (12, 24)))
    assert text.endswith(expected), text

"""The answer-first lines of the Cox, events-during-follow-up and subgroup pages
(core.cox.answer) and their shared verdict (core.survival.small_sample.events_verdict).

The numbers inside the sentences are fit_cox's, time_dependent_cox's and subgroup_forest's,
each golden-tested against R elsewhere (tests/core/cox/test_cox.py,
tests/core/survival/timedep/test_timedep.py, tests/core/cox/test_subgroups.py); these tests pin
the wording: a typical estimate, a separated or inestimable one ("not estimable"), few events
("not conclusive with N relapses") and a p below 0.05 with few events ("read with great
caution"), never a verdict stronger than the p read.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.cohort.read import load_cohort, load_seed_cohort
from core.cohort.schema import LABELS
from core.cox.answer import cox_answer, during_follow_up_answer, subgroups_answer
from core.cox.fit import fit_cox
from core.cox.subgroups import subgroup_forest, with_age_group
from core.cox.view import CoxChoices, cox_view
from core.style.numbers import format_hr, format_p
from core.survival.small_sample import events_verdict
from core.survival.timedep.summary import during_follow_up_report
from tests.pages.helpers import ROOT

SEED = load_seed_cohort()


def larger_cohort(copies: int = 20) -> pd.DataFrame:
    """The seed cohort repeated with jittered times: 380 patients, 120 relapses."""
    rng = np.random.default_rng(1)
    big = pd.concat([SEED] * copies, ignore_index=True)
    return big.assign(patient_id=range(len(big)),
                      rfs_months=big["rfs_months"] + rng.uniform(0, 0.5, len(big)))


@pytest.mark.parametrize("p, events, few, expected", [
    (0.27, 5, True, "not conclusive with 5 relapses"),
    (0.003, 5, True, "read with great caution, only 5 relapses"),
    (0.003, 120, False, "a difference unlikely to be chance alone"),
    (0.4, 120, False, "not conclusive"),
    (math.nan, 5, True, "not estimable"),
])
def test_events_verdict_is_never_stronger_than_p_and_events(p, events, few, expected):
    assert events_verdict(p, events, "relapses", few=few) == expected


def test_cox_answer_typical_case_names_the_estimate_and_the_verdict():
    """380 patients, 120 relapses, one coefficient: enough events, p < 0.05."""
    cohort = larger_cohort()
    fit = fit_cox(cohort, "rfs_months", "rfs_event", ["mrd_pre_status"])
    row = fit.table.iloc[0]
    assert cox_answer(cox_view(cohort, CoxChoices("rfs", ("mrd_pre_status",)))) == (
        "RFS, Cox model of 380 patients with 120 relapses: MRD before maintenance: positive "
        f"vs negative HR {format_hr(row['hr'])} (95% CI {format_hr(row['hr_lower'])}–"
        f"{format_hr(row['hr_upper'])}), p {format_p(row['p_value'])}: a difference unlikely "
        "to be chance alone.")


def test_cox_answer_few_events_is_not_conclusive_with_the_count():
    """coxph(Surv(rfs_months, rfs_event) ~ mrd_pos): HR 2.5894 (0.4706-14.247), p 0.2741."""
    assert cox_answer(cox_view(SEED, CoxChoices("rfs", ("mrd_pre_status",)))) == (
        "RFS, Cox model of 19 patients with 6 relapses: MRD before maintenance: positive vs "
        "negative HR 2.59 (95% CI 0.471–14.2), p 0.274: not conclusive with 6 relapses.")


def test_cox_answer_never_gives_a_separated_level_a_number():
    """RFS ~ MRD + ELN: the intermediate level has no relapse (monotone likelihood); the
    page shows Firth's finite estimate in the table, the answer says 'not estimable'."""
    text = cox_answer(cox_view(SEED, CoxChoices("rfs", ("mrd_pre_status", "eln2022_risk"))))
    assert text.startswith("RFS, multivariable Cox model of 19 patients with 6 relapses: ")
    assert ("ELN 2022 risk: intermediate vs favorable not estimable (a level with no "
            "relapses or only relapses)") in text
    assert text.endswith(": not conclusive with 6 relapses.")


def test_cox_answer_counts_terms_beyond_three_and_reads_univariable_models():
    text = cox_answer(cox_view(SEED, CoxChoices(
        "os", ("mrd_pre_status", "age", "sex", "eln2022_risk"), model="univariable")))
    assert text.startswith("OS, univariable Cox models of 19 patients with 3 deaths: ")
    assert "; and 2 more in the table: " in text
    assert text.endswith("not conclusive with 3 deaths.")


def test_cox_answer_with_only_inestimable_terms_reads_no_number():
    cohort = SEED.assign(arm=["a"] * 10 + ["b"] * 9, rfs_event=[1, 0] * 5 + [0] * 9)
    text = cox_answer(cox_view(cohort, CoxChoices("rfs", ("arm",), firth="auto")))
    assert "arm: b vs a not estimable" in text and "HR" not in text
    assert text.endswith("no hazard ratio can be read (see below).")


EXAMPLE = ROOT / "data" / "examples" / "hsct_example.csv"


def test_during_follow_up_answer_reads_the_time_dependent_hr_and_mantel_byar():
    report = during_follow_up_report(load_cohort(EXAMPLE), "rfs", "hsct_months", 6.0)
    row = report.cox.result.table.iloc[0]
    assert during_follow_up_answer(report, "relapses") == (
        f"After HSCT vs before or without (time-dependent Cox, {report.n_patients} patients, "
        f"{report.n_switched} switched, {int(row['events'])} relapses): HR "
        f"{format_hr(row['hr'])} (95% CI {format_hr(row['hr_lower'])}–"
        f"{format_hr(row['hr_upper'])}), Mantel-Byar p "
        f"{format_p(report.cox.result.score.p_value)}: not conclusive.")


def test_during_follow_up_answer_infinite_hr_and_few_switched():
    """Nobody relapses after HSCT: R 'beta may be infinite'; the HR is not estimable and
    the verdict names the events (3 switched: fewer than 5)."""
    cohort = SEED.assign(hsct_months=[1.0, 1.5, 2.0] + [math.nan] * 16,
                         rfs_event=[0, 0, 0, *SEED["rfs_event"].iloc[3:]])
    report = during_follow_up_report(cohort, "rfs", "hsct_months", 6.0)
    text = during_follow_up_answer(report, "relapses")
    assert "HR not estimable (one status has no events), Mantel-Byar p " in text
    assert text.endswith(f"not conclusive with {int(cohort['rfs_event'].sum())} relapses.")


def test_during_follow_up_answer_without_intervention_times():
    report = during_follow_up_report(SEED.assign(hsct_months=math.nan), "rfs", "hsct_months",
                                     6.0)
    assert during_follow_up_answer(report, "relapses") == (
        "No patient here has a recorded HSCT time: there is nothing to compare.")


def test_subgroups_answer_reads_the_overall_hr_and_smallest_interaction_p():
    forest = subgroup_forest(with_age_group(larger_cohort()), "rfs_months", "rfs_event",
                             "mrd_pre_status", ["sex"])
    overall = forest.table.iloc[0]
    inter = forest.interactions.iloc[0]
    text = subgroups_answer(forest, "relapses", LABELS)
    assert text.startswith(
        f"MRD before maintenance: positive vs negative, all 380 patients: HR "
        f"{format_hr(overall['hr'])} (95% CI {format_hr(overall['hr_lower'])}–"
        f"{format_hr(overall['hr_upper'])}), p {format_p(overall['p_value'])}; ")
    assert f"Smallest interaction p {format_p(inter['p_value'])} (Sex): " in text


def test_subgroups_answer_unreliable_interaction_is_not_conclusive():
    """Seed cohort: every interaction fit separates (a subgroup arm without relapses)."""
    forest = subgroup_forest(with_age_group(SEED), "rfs_months", "rfs_event",
                             "mrd_pre_status", ["sex", "Age group"])
    text = subgroups_answer(forest, "relapses", LABELS)
    assert text.startswith("MRD before maintenance: positive vs negative, all 19 patients: "
                           "HR 2.59 (95% CI 0.471–14.2), p 0.274; ")
    assert text.endswith("not conclusive with 6 relapses, the test is unreliable (a "
                         "subgroup arm without events).")

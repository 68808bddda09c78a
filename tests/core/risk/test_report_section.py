"""The relapse-risk section of the deliverables (core.report.risk): present when the Relapse
risk page chose a model, carrying the page's verdict as a warning."""

from __future__ import annotations

from core.cohort import load_seed_cohort
from core.report.sections import ReportChoices, analysis_sections
from core.risk.display import validation_table
from core.risk.summary import risk_report


def test_section_only_when_the_page_chose_a_model():
    keys = [s.key for s in analysis_sections(load_seed_cohort(), ReportChoices())]
    assert "risk" not in keys


def test_section_carries_the_verdict_and_the_page_table():
    seed = load_seed_cohort()
    choices = ReportChoices(risk_covariates=("mrd_pre_status", "age"), risk_rule="end_of_rfs")
    [section] = [s for s in analysis_sections(seed, choices) if s.key == "risk"]
    report = risk_report(seed, "cir", "fine_gray", ["mrd_pre_status", "age"], 24, "end_of_rfs")
    assert section.warnings[0] == report.headline
    assert section.table.equals(validation_table(report.assessment))
    assert dict(section.metrics)["Sample size"] == "not validated: 6 events, 48 needed"
    assert section.figure is not None


def test_section_states_an_error_instead_of_numbers():
    choices = ReportChoices(risk_endpoint="cir", risk_kind="fine_gray",
                            risk_covariates=("sex",))
    cohort = load_seed_cohort()
    cohort = cohort[cohort.rfs_event == 0]  # no relapse at all
    [section] = [s for s in analysis_sections(cohort, choices) if s.key == "risk"]
    assert section.table is None and section.warnings

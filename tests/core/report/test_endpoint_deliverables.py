"""Issue 21: the slides, the HTML report and the "Reproduce this" zip carry the endpoint the
pages use (a built-in such as EFS or OS with delayed entry, or the user's own), resolved by the
one resolver with its entry times; nothing falls back to OS or RFS.

Golden values: ``tests/core/golden/cox_entry_r_golden.json`` (``make_cox_entry_golden.R``):
R ``coxph(Surv(entry, os_months, os_event) ~ age10, ties = "efron")`` on the seed cohort with
entry = os_months - rfs_months (maintenance start on the diagnosis clock).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cohort.read import load_seed_cohort
from core.errors import AnalysisError
from core.report.html import report_sections
from core.report.sections import ReportChoices, cox_section
from core.report.table2 import table2_section
from core.survival.endpoint import EndpointRecipe, endpoint_to_dict, user_endpoint

SEED = load_seed_cohort()
GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "cox_entry_r_golden.json")
                    .read_text())


def _own() -> tuple:
    """The seed cohort with times of death, last contact and maintenance start, and a user
    endpoint from them (OS with delayed entry at maintenance start)."""
    cohort = SEED.assign(death_m=SEED["os_months"].where(SEED["os_event"] == 1),
                         last_m=SEED["os_months"], maint_m=SEED["os_months"] - SEED["rfs_months"])
    own = user_endpoint("OS counted from maintenance entry", "OSE", EndpointRecipe(
        None, ("death_m",), "last_m", entry="maint_m", unit="months"))
    return cohort, own, (json.dumps(endpoint_to_dict(own), sort_keys=True),)


def test_a_user_endpoint_is_a_choice_only_with_its_definition():
    _, own, users = _own()
    assert ReportChoices(endpoint=own.key, cox_endpoint=own.key,
                         user_endpoints=users).find(own.key).label == own.label
    with pytest.raises(AnalysisError, match=r"^The deliverables' endpoint is 'u\.ose'; it is "
                                            r"one of 'os', 'rfs', 'efs', "):
        ReportChoices(endpoint=own.key)


def test_the_cox_section_and_table2_use_delayed_entry_as_r():
    """Deck/report Cox section on OS with delayed entry at maintenance start, age per 10
    years: R coxph(Surv(entry, os_months, os_event) ~ age10, ties = "efron"): HR
    0.741021666491855 (0.385037328121711-1.4261295466833), p 0.36956043816124."""
    choices = ReportChoices(cox_endpoint="os_entry", cox_covariates=("age",))
    section = cox_section(SEED, choices)
    assert section.title == ("Cox regression: overall survival (OS; delayed entry at "
                             "maintenance start)")
    golden = GOLDEN["age.efron"]
    row = section.table.iloc[0]
    assert row["HR"] == f"{golden['hr']:.3f}"  # the table prints three digits
    assert "19 patients, 3 deaths" in section.paragraphs[0]
    assert any("delayed entry" in note for note in section.notes)
    table2 = table2_section(SEED, choices)
    assert table2.title == ("Table 2: hazard ratios for overall survival (delayed entry at "
                            "maintenance start)")
    assert "delayed entry" in " ".join(table2.notes)


def test_the_report_carries_the_users_endpoint_first_and_defines_it():
    cohort, own, users = _own()
    choices = ReportChoices(endpoint=own.key, by="mrd_pre_status", cox_endpoint="efs",
                            cox_covariates=("age",), user_endpoints=users)
    sections = {s.key: s for s in report_sections(cohort, choices=choices)}
    keys = [k for k in sections if k.startswith("km.")]
    assert keys == ["km.u.ose", "km.os", "km.rfs"]
    km = sections["km.u.ose"]
    assert km.title == own.label and km.table is not None
    assert "Cox score test, delayed entry" in " ".join(km.paragraphs)
    assert sections["contrasts.u.ose"].title == "How big the difference is: OSE"
    assert sections["cox"].title.startswith("Cox regression: event-free survival (EFS; ELN "
                                            "2022 RFS")
    methods = " ".join(sections["methods"].paragraphs)
    assert own.definition() in methods and "Event-free survival (EFS" in methods


def test_the_report_says_why_an_endpoint_it_cannot_compute_is_missing():
    """A user endpoint whose columns are not in the (filtered) rows: the section says so
    with the resolver's sentence instead of falling back to another endpoint."""
    cohort, own, users = _own()
    choices = ReportChoices(endpoint=own.key, user_endpoints=users, cox_covariates=())
    sections = {s.key: s for s in report_sections(cohort.drop(columns="maint_m"),
                                                  choices=choices)}
    assert sections["km.u.ose"].warnings == (
        f"{own.label} needs `maint_m`, which this cohort does not have. Fix: map them on the "
        "Your data page, or define the endpoint again.",)


def test_the_swimmer_section_follows_a_users_endpoint():
    from core.report.sections import swimmer_section

    cohort, own, users = _own()
    section = swimmer_section(cohort, ReportChoices(swimmer_mode=own.key, user_endpoints=users))
    assert section.paragraphs[0] == (
        "One lane per patient, months from time 0 (OS counted from maintenance entry (OSE)); "
        "the marker at the end of a lane says how follow-up ended (legend).")
    starts = [x for t in section.figure.data if t.type == "bar" for x in t.base]
    assert sorted(starts) == sorted((SEED["os_months"] - SEED["rfs_months"]).tolist())


def test_the_reports_further_tests_take_delayed_entry_as_the_page():
    """OS with delayed entry by ELN risk: the report's pairwise tests are R's Cox score tests
    per pair (pairwise_entry_r_golden.json, study, BH) and there is no weighted test, with
    the reason among the notes."""
    golden = json.loads((Path(__file__).parents[1] / "golden" / "pairwise_entry_r_golden.json")
                        .read_text())["study"]
    choices = ReportChoices(endpoint="os_entry", by="eln2022_risk", rho=1.0,
                            logrank_strata="mrd_pre_status", pairwise_adjust="BH",
                            cox_covariates=())
    tests = {s.key: s for s in report_sections(SEED, choices=choices)}["tests.os_entry"]
    assert not any(p.startswith("Weighted test") for p in tests.paragraphs)
    assert any(n.startswith("With delayed entry each test is the score test") for n in tests.notes)
    assert any(p.startswith("Stratified by") and "Cox score test, delayed entry" in p
               for p in tests.paragraphs)
    from core.style.numbers import format_p

    assert tests.table.iloc[:, -1].tolist() == [format_p(p) for p in golden["bh"]]

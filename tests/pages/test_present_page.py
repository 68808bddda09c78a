"""AppTest tests of the projector mode (pages/8_Present.py)."""

from __future__ import annotations

from core.cohort.filters import CohortFilter
from core.cohort.read import load_seed_cohort
from core.report.html import report_sections
from core.report.sections import ReportChoices
from core.survival.flow import analysis_flow
from tests.pages.helpers import header_text, run_page

PAGE = "pages/8_Present.py"


def _expected_titles(cohort=None, **choices) -> list[str]:
    """The deck's section titles, the flow diagram first (as the page builds them)."""
    cohort = load_seed_cohort() if cohort is None else cohort
    report = ReportChoices(**choices)
    flow = analysis_flow(cohort, CohortFilter(), report.endpoint, report.by)
    return [s.title for s in report_sections(cohort, choices=report, flow=flow)]


def test_first_section_with_its_key_numbers_and_present_in_the_link():
    at = run_page(PAGE)
    assert not at.exception
    titles = _expected_titles()
    assert at.header[0].value == f"{titles[0]}  ·  1/{len(titles)}"
    assert titles[0] == "Who is in the analysis (RFS)"  # the flow diagram comes first
    assert {m.label: m.value for m in at.metric} == {"Rows in the file": "19", "Analysed": "19"}
    assert at.query_params["present"] == "1"
    assert at.button(key="present.previous").disabled
    assert "19 of 19 patients" in header_text(at)


def test_next_and_previous_step_through_the_deck_sections():
    at = run_page(PAGE)
    titles = _expected_titles()
    at.button(key="present.next").click().run()
    at.button(key="present.next").click().run()
    assert at.header[0].value.startswith(titles[2])  # the chosen endpoint's curves (RFS)
    assert at.header[0].value.startswith("Relapse-free survival (RFS)")
    assert len(at.get("plotly_chart")) == 1
    assert "Log-rank p" not in {m.label for m in at.metric}  # no grouping: no test
    assert at.query_params["present.slide"] == "3"
    at.button(key="present.previous").click().run()
    assert at.header[0].value.startswith(titles[1])


def test_link_opens_a_section_with_the_pages_choices():
    """?survival.by=mrd_pre_status&present.slide=3: RFS by MRD with its log-rank p."""
    at = run_page("pages/1_Survival.py", {"survival.by": "mrd_pre_status",
                                          "survival.endpoint": "rfs"})
    at.switch_page(PAGE).run()
    at.selectbox(key="present.slide").set_value("3").run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Log-rank p"] == "0.269"
    assert metrics["positive (n=4): median"] == "16.0 months"
    assert metrics["positive (n=4): 12 months"] == "75.0%"
    assert metrics["negative (n=15): median"] == "not reached"
    titles = _expected_titles(by="mrd_pre_status")
    at.selectbox(key="present.slide").set_value(str(len(titles))).run()
    assert at.button(key="present.next").disabled
    assert at.header[0].value.startswith("Patients")


def test_cox_section_shows_its_caveats():
    at = run_page(PAGE, {"present.slide": "5"})
    assert at.header[0].value.startswith("Cox regression: relapse-free survival (RFS)")
    assert any("Monotone likelihood" in w.value for w in at.warning)
    assert not any("eln2022_risk[" in w.value for w in at.warning)  # terms in words


def test_empty_filter_says_so():
    at = run_page(PAGE, {"mrd_pre_status": "positive", "eln2022_risk": "favorable"})
    assert not at.exception
    assert any("nothing to present" in i.value for i in at.info)
    assert not at.header


def test_deliverables_build_only_when_asked_then_offer_the_download():
    """The shared component on the Survival page: Prepare buttons, no bytes before a click;
    after "Prepare Reproduce this (zip)" its download button replaces it."""
    at = run_page("pages/1_Survival.py", {"survival.by": "mrd_pre_status"})
    assert not at.exception
    labels = [b.label for b in at.button]
    assert {"Prepare slides (PPTX)", "Prepare report (HTML)", "Prepare Reproduce this (zip)",
            "Prepare figure (PNG)"} <= set(labels)
    assert "deliver.survival.zip.bytes" not in at.session_state
    at.button(key="deliver.survival.zip.prepare").click().run()
    assert not at.exception
    assert at.session_state["deliver.survival.zip.bytes"][1][:2] == b"PK"
    assert "Prepare Reproduce this (zip)" not in [b.label for b in at.button]
    at.selectbox(key="survival.by").set_value("eln2022_risk").run()  # new choices
    assert "Prepare Reproduce this (zip)" in [b.label for b in at.button]

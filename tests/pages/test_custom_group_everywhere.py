"""AppTest: a custom group's RULE (not only "Custom group") follows it onto every page that
stratifies, models or colours by it; "Clear all filters" clears its filter; the Competing
risks and Cohort pages carry the deliverables (issues 14 and 16).

Log-rank numbers of the custom group are those of R (see
tests/pages/test_subgroups_page.py::test_survival_page_compares_the_custom_groups).
"""

from __future__ import annotations

import html
import json

from core.cohort.groups import Condition, GroupDefinition, GroupRule
from tests.pages.helpers import header_text, run_page

ADVERSE_MRD = GroupDefinition((GroupRule("Adverse & MRD+", (
    Condition("eln2022_risk", "==", "adverse"), Condition("mrd_pre_status", "==", "positive"))),))
RULE = ("Custom group: Adverse & MRD+ = ELN 2022 risk == adverse AND MRD before maintenance "
        "== positive; Everyone else = every other patient (first matching rule wins).")
LINK = {"groups": ADVERSE_MRD.to_json()}


def captions(at) -> list[str]:
    return [c.value.replace("\\", "") for c in at.caption]  # markdown escapes removed


def test_survival_caption_names_the_rule_only_when_stratified_by_it():
    at = run_page("pages/1_Survival.py", {**LINK, "survival.by": "Custom group"})
    assert not at.exception
    assert RULE in captions(at)
    at = run_page("pages/1_Survival.py", {**LINK, "survival.by": "mrd_pre_status"})
    assert not at.exception
    assert RULE not in captions(at)


def test_competing_risks_caption_rule_and_deliverables():
    at = run_page("pages/4_Competing_risks.py", {**LINK, "competing.by": "Custom group"})
    assert not at.exception
    assert at.selectbox(key="competing.by").value == "Custom group"
    assert captions(at).count(RULE) == 2  # under the curves and under the regression
    for part in ("pptx", "html", "zip", "figure"):
        assert at.button(key=f"deliver.competing.{part}.prepare")


def test_competing_risks_deliverables_without_custom_groups():
    at = run_page("pages/4_Competing_risks.py")
    assert not at.exception
    assert at.button(key="deliver.competing.pptx.prepare")
    assert not any(c.startswith("Custom group:") for c in captions(at))


def test_cox_caption_names_the_rule_when_it_is_a_covariate():
    at = run_page("pages/2_Cox.py", {**LINK, "cox.covariates": "Custom group"})
    assert not at.exception
    assert at.multiselect(key="cox.covariates").value == ["Custom group"]
    assert RULE in captions(at)


def test_patients_swimmer_coloured_by_the_custom_group():
    at = run_page("pages/3_Patients.py", {**LINK, "patients.color_by": "Custom group"})
    assert not at.exception
    assert "Custom group" in at.selectbox(key="patients.color_by").options
    assert at.selectbox(key="patients.color_by").value == "Custom group"
    names = {html.unescape(t.get("name", "")) for t in  # plotly-escaped text
             json.loads(at.get("plotly_chart")[0].proto.spec)["data"]}
    assert {"Adverse & MRD+ (n=3)", "Everyone else (n=16)"} <= names
    assert RULE in captions(at)


def test_patients_without_custom_groups_does_not_offer_them():
    at = run_page("pages/3_Patients.py")
    assert not at.exception
    assert "Custom group" not in at.selectbox(key="patients.color_by").options


def test_clear_all_filters_clears_the_custom_group_filter():
    at = run_page("pages/1_Survival.py", {**LINK, "group_filter": json.dumps(["Adverse & MRD+"])})
    assert header_text(at).startswith("**3 of 19 patients**")
    at.sidebar.button(key="filter.clear").click().run()
    assert not at.exception
    assert header_text(at).startswith("**19 of 19 patients**")
    assert at.sidebar.multiselect(key="filter.custom_group").value == []
    assert "group_filter" not in at.query_params
    assert "groups" in at.query_params  # the groups themselves stay


def test_cohort_page_offers_both_curves_as_figures_and_the_rule_on_its_column():
    at = run_page("app.py", LINK)
    assert not at.exception
    assert at.selectbox(key="deliver.cohort.which").options == ["Overall survival",
                                                                "Relapse-free survival"]
    assert at.button(key="deliver.cohort.figure.prepare")
    table = next(f for f in at.dataframe if "Custom group" in f.value.columns)
    assert set(table.value["Custom group"]) == {"Adverse & MRD+", "Everyone else"}


def test_empty_filter_competing_page():
    at = run_page("pages/4_Competing_risks.py", {**LINK, "eln2022_risk": "favorable",
                                                 "mrd_pre_status": "positive"})
    assert not at.exception
    assert header_text(at).startswith("**0 of 19 patients**")
    assert not at.get("plotly_chart")


def test_competing_page_report_follows_its_grouping_and_rule():
    """The HTML report prepared on the Competing risks page shows that page's grouping and
    death rule (R cuminc by MRD, deaths at the end of RFS follow-up: Gray NRM stat 3.75)."""
    at = run_page("pages/4_Competing_risks.py", {"competing.by": "mrd_pre_status",
                                                 "competing.rule": "end_of_rfs"})
    at.button(key="deliver.competing.html.prepare").click().run()
    assert not at.exception
    report = at.session_state["deliver.competing.html.bytes"][1].decode()
    assert "Non-relapse mortality (NRM): Gray&#x27;s test chi-square 3.75" in report
    assert "Relapse with death as a competing risk" in report


def test_downloaded_curve_table_carries_each_groups_rule():
    """The Survival page's curve CSV (ui.subgroups.with_rule_column): a group_rule column
    beside the label when the custom group is the stratifier, nothing added otherwise."""
    import pandas as pd
    import streamlit as st

    from ui import subgroups

    table = pd.DataFrame({"group": ["Everyone else", "Adverse & MRD+"], "time": [1.0, 2.0]})
    st.session_state[subgroups.STATE_DEFINITION] = ADVERSE_MRD  # bare mode: a plain mapping
    try:
        out = subgroups.with_rule_column(table, "Custom group")
        assert out.columns.tolist() == ["group", "group_rule", "time"]
        assert out["group_rule"].tolist() == [
            "every other patient",
            "ELN 2022 risk == adverse AND MRD before maintenance == positive"]
        assert subgroups.with_rule_column(table, "mrd_pre_status") is table
    finally:
        del st.session_state[subgroups.STATE_DEFINITION]
    assert subgroups.with_rule_column(table, "Custom group") is table


def test_deck_footer_names_the_custom_group_filter_and_slides_the_rule():
    import io

    from pptx import Presentation

    at = run_page("pages/1_Survival.py", {**LINK, "survival.by": "Custom group",
                                          "group_filter": json.dumps(["Everyone else"])})
    assert header_text(at).startswith("**16 of 19 patients**")
    at.button(key="deliver.survival.pptx.prepare").click().run()
    assert not at.exception
    deck = Presentation(io.BytesIO(at.session_state["deliver.survival.pptx.bytes"][1]))
    footer = next(s.text_frame.text for s in deck.slides[1].shapes if s.name == "Footer")
    assert footer == "Custom group: Everyone else · n = 16 of 19 patients"
    texts = " ".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes
                     if shape.has_text_frame)
    assert RULE in texts

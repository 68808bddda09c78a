"""A custom group's rule in the deliverables' sections (HTML report, deck, projector mode) and
in the swimmer lanes and competing-risk figure of a cohort that carries it (issue 16)."""

from __future__ import annotations

import io

import pytest
from pptx import Presentation

from core.cohort.groups import (
    CUSTOM_GROUP_COLUMN,
    Condition,
    GroupDefinition,
    GroupRule,
    with_custom_group,
)
from core.cohort.read import load_seed_cohort
from core.errors import AnalysisError
from core.patients.timelines import swimmer_lanes
from core.report.deck import DeckContext, slide_deck
from core.report.html import report_sections, tumor_board_html
from core.report.sections import ReportChoices
from core.survival.competing import cumulative_incidence
from core.survival.competing.input import competing_status
from core.survival.figures.competing import cif_figure

DEFINITION = GroupDefinition((GroupRule("Adverse & MRD+", (
    Condition("eln2022_risk", "==", "adverse"), Condition("mrd_pre_status", "==", "positive"))),))
RULE = ("Custom group: Adverse & MRD+ = ELN 2022 risk == adverse AND MRD before maintenance "
        "== positive; Everyone else = every other patient (first matching rule wins).")


@pytest.fixture(scope="module")
def cohort():
    return with_custom_group(load_seed_cohort(), DEFINITION)


def test_caption_states_every_rule_and_the_order():
    assert DEFINITION.caption() == RULE
    two = GroupDefinition((GroupRule("Old", (Condition("age", ">=", 60),)),
                           GroupRule("High WBC", (Condition("wbc", ">", 50),))), other=None)
    assert two.caption() == ("Custom group: Old = Age (years) >= 60; High WBC = WBC (×10⁹/L) "
                             "> 50 (first matching rule wins).")


def test_rules_for_only_when_the_custom_group_is_used():
    choices = ReportChoices(group_rules=RULE)
    assert choices.rules_for(CUSTOM_GROUP_COLUMN) == (RULE,)
    assert choices.rules_for("mrd_pre_status", None) == ()
    assert ReportChoices().rules_for(CUSTOM_GROUP_COLUMN) == ()


def test_sections_carry_the_rule_where_the_group_is_used(cohort):
    choices = ReportChoices(by=CUSTOM_GROUP_COLUMN, cox_covariates=(CUSTOM_GROUP_COLUMN,),
                            swimmer_color_by=CUSTOM_GROUP_COLUMN, group_rules=RULE,
                            competing_by=CUSTOM_GROUP_COLUMN)
    sections = {s.key: s for s in report_sections(cohort, choices=choices)}
    for key in ("km.rfs", "km.os"):
        assert sections[key].paragraphs[0].endswith(" " + RULE)
        assert sections[key].notes[0] == sections[key].paragraphs[0]  # image caption
    assert RULE in sections["cox"].notes
    assert RULE in sections["competing"].paragraphs
    assert RULE in sections["swimmer"].paragraphs
    assert RULE in sections["methods"].paragraphs
    plain = {s.key: s for s in report_sections(cohort, choices=ReportChoices(
        by="mrd_pre_status", group_rules=RULE))}
    assert not any(RULE in p for p in plain["km.rfs"].paragraphs)
    assert RULE in plain["methods"].paragraphs  # the groups exist: the methods say so


def test_deck_and_html_show_the_rule(cohort):
    choices = ReportChoices(by=CUSTOM_GROUP_COLUMN, group_rules=RULE)
    deck = Presentation(io.BytesIO(slide_deck(cohort, DeckContext("seed", 19), choices)))
    texts = [shape.text_frame.text for slide in deck.slides for shape in slide.shapes
             if shape.has_text_frame]
    assert any(RULE in t for t in texts)
    page = tumor_board_html(cohort, source="seed", n_total=19, filters=[], choices=choices)
    assert "Adverse &amp; MRD+ = ELN 2022 risk == adverse" in page.decode()


def test_swimmer_lanes_coloured_by_the_custom_group(cohort):
    lanes = swimmer_lanes(cohort, mode="rfs", color_by=CUSTOM_GROUP_COLUMN)
    assert list(lanes.groups) == ["Adverse & MRD+", "Everyone else"]
    with pytest.raises(AnalysisError, match=r"Cannot colour lanes by 'Custom group': it is not "
                                            r"a categorical column of the cohort"):
        swimmer_lanes(load_seed_cohort(), mode="rfs", color_by=CUSTOM_GROUP_COLUMN)


def test_competing_figure_with_a_group_name_plotly_escapes(cohort):
    data = cohort.assign(cr_status=competing_status(cohort).status)
    fit = cumulative_incidence(data, "rfs_months", "cr_status", cause=1, by=CUSTOM_GROUP_COLUMN)
    figure = cif_figure(fit.table, None, groups=list(fit.groups))
    hover = [t.hovertext[0] for t in figure.data if t.hovertext]
    assert "<b>Adverse &amp; MRD+</b><br>0 months<br>cumulative incidence 0.0%" in hover[0]


def test_competing_section_follows_the_competing_page():
    """The Competing risks page's grouping and death rule. R (tests/pages/
    test_competing_page.py): cuminc(rfs_months, status, mrd_pre_status): Gray relapse stat
    1.1587, p 0.2817; CIR of MRD-positive at 24 months 0.625; with deaths on the OS clock
    counted at the end of RFS follow-up (end_of_rfs), Gray NRM stat 3.75."""
    seed = load_seed_cohort()
    section = {s.key: s for s in report_sections(seed, choices=ReportChoices(
        competing_by="mrd_pre_status", cox_covariates=()))}["competing"]
    assert section.paragraphs[0].startswith("Relapse (CIR): Gray's test chi-square 1.16, 1 df")
    assert dict(section.metrics)["Gray's test p, Relapse (CIR)"] == "0.282"
    row = section.table.set_index(["Group", "Months"]).loc[("positive", "24")]
    assert row["CIR (95% CI)"].startswith("62.5%")
    assert section.figure is not None and section.notes[0].startswith("Cumulative incidence")
    end_of_rfs = {s.key: s for s in report_sections(seed, choices=ReportChoices(
        competing_by="mrd_pre_status", competing_rule="end_of_rfs", cox_covariates=()))}
    text = " ".join(end_of_rfs["competing"].paragraphs)
    assert "Non-relapse mortality (NRM): Gray's test chi-square 3.75" in text
    whole = {s.key: s for s in report_sections(seed, choices=ReportChoices(
        by="mrd_pre_status", cox_covariates=()))}["competing"]
    # no grouping: no test, only the incidence of relapse at the first landmark
    assert whole.metrics == (("All (n=19): relapse by 12 months", "12.0%"),)
    assert whole.paragraphs[0].startswith("Relapse is the event")


def test_competing_section_without_relapse_times_says_so():
    rows = load_seed_cohort().assign(rfs_months=float("nan"))
    section = {s.key: s for s in report_sections(rows, choices=ReportChoices(
        cox_covariates=()))}["competing"]
    assert section.figure is None
    assert section.warnings[0].startswith("No patient has a recorded relapse-free time and "
                                          "status. Fix: widen the filters.")


def test_rules_per_label():
    assert DEFINITION.rules() == {
        "Adverse & MRD+": "ELN 2022 risk == adverse AND MRD before maintenance == positive",
        "Everyone else": "every other patient"}
    alone = GroupDefinition(DEFINITION.groups, other=None)
    assert list(alone.rules()) == ["Adverse & MRD+"]


def test_methods_say_when_deaths_were_dated_at_the_last_contact():
    """Issue 21: the methods text of a date-based upload names the deaths known only by a flag
    (dated at the last contact); a cohort of times adds nothing."""
    from core.cohort import load_cohort
    from core.report.sections import methods_section
    from tests.core.cohort.date_exports import export

    cohort = load_cohort(io.BytesIO(export("zh_flag_xlsx")))
    paragraphs = methods_section(ReportChoices(), cohort).paragraphs
    assert "5 of 5 deaths are recorded only by a flag, without a date of death, and are dated " \
        "at the last-contact date, which may differ from the true date of death." in paragraphs
    assert methods_section(ReportChoices(), load_seed_cohort()).paragraphs == \
        methods_section(ReportChoices()).paragraphs

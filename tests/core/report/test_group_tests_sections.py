"""Table 1 by group and the further log-rank tests in the deck, the HTML report and projector
mode (core.report.group_tests), driven by the pages' choices; the chosen reference group in
the contrasts and Fine-Gray tables.

R 4.2.2 / survival 3.5.3 / survminer 0.4.9 on the seed cohort (data/seed_cohort.csv, ELN risk
as a factor favorable < intermediate < adverse), RFS:
``survdiff(Surv(rfs_months, rfs_event) ~ eln2022_risk, rho = 1)``: chi-square 12.21131637,
p 0.002230212998; ``survdiff(Surv(rfs_months, rfs_event) ~ eln2022_risk +
strata(mrd_pre_status))``: chi-square 12.56609506, p 0.001867700041;
``pairwise_survdiff(Surv(rfs_months, rfs_event) ~ eln2022_risk, data, p.adjust.method = "BH")``:
intermediate vs favorable 0.004540284284, adverse vs favorable 0.761269810714, adverse vs
intermediate 0.001348772279 (unadjusted 0.003026856189, 0.761269810714, 0.0004495907596);
``fisher.test(table(sex, eln2022_risk))$p.value`` 0.2266340471;
``kruskal.test(age ~ eln2022_risk)$p.value`` 0.4093426643;
``wilcox.test(age ~ mrd_pre_status)$p.value`` 0.3674891394 (ties: normal approximation).
"""

from __future__ import annotations

import io

import pytest
from pptx import Presentation
from pptx.util import Pt

from core.access.deidentify import Privacy
from core.cohort.baseline import IMBALANCE_NOTE
from core.cohort.read import load_seed_cohort
from core.errors import AnalysisError
from core.report.deck import TABLE_PT, DeckContext, slide_deck
from core.report.html import report_sections, tumor_board_html
from core.report.screens import projector_screens
from core.report.sections import ReportChoices

CHOICES = ReportChoices(by="eln2022_risk", baseline_by="eln2022_risk", rho=1.0,
                        logrank_strata="mrd_pre_status", pairwise_adjust="BH",
                        reference="adverse", competing_by="eln2022_risk",
                        competing_reference="adverse")


@pytest.fixture(scope="module")
def section_list():
    """The sections of the seed cohort for :data:`CHOICES`, built once for the module."""
    return report_sections(load_seed_cohort(), choices=CHOICES)


@pytest.fixture(scope="module")
def sections(section_list):
    return {s.key: s for s in section_list}


def test_table1_by_group_has_overall_p_with_test_and_the_imbalance_note(sections):
    keys = list(sections)
    assert keys.index("baseline.by") == keys.index("baseline") + 1
    section = sections["baseline.by"]
    table = section.table
    assert list(table.columns) == ["Characteristic", "", "Overall", "favorable (n = 3)",
                                   "intermediate (n = 9)", "adverse (n = 7)", "p"]
    rows = table.set_index(["Characteristic", ""])
    assert rows.at[("Sex", "Male"), "p"] == "0.227¹"  # R 0.2266340471
    assert rows.at[("Age (years)", "median (range)"), "p"] == "0.409²"  # R 0.4093426643
    assert rows.at[("Sex", "Male"), "Overall"] == "9 (47.4%)"
    assert rows.at[("Sex", "Female"), "p"] == ""  # one p per characteristic
    assert IMBALANCE_NOTE in section.warnings
    assert section.paragraphs == ("p per characteristic, its test marked: ¹ Fisher's exact "
                                  "test; ² Kruskal-Wallis test.",)


def test_two_groups_name_the_wilcoxon_test():
    choices = ReportChoices(baseline_by="mrd_pre_status")
    section = next(s for s in report_sections(load_seed_cohort(), choices=choices)
                   if s.key == "baseline.by")
    age = section.table.set_index("Characteristic").at["Age (years)", "p"]
    assert age == "0.367²"  # R 0.3674891394 (ties: no exact p)
    assert "² Wilcoxon rank-sum test (normal approximation, continuity correction)" in \
        section.paragraphs[0]


def test_no_split_chosen_no_table1_by_group():
    keys = [s.key for s in report_sections(load_seed_cohort(), choices=ReportChoices())]
    assert "baseline.by" not in keys and not any(k.startswith("tests.") for k in keys)


def test_weighted_stratified_and_pairwise_tests_equal_r(sections):
    section = sections["tests.rfs"]
    keys = list(sections)
    assert keys.index("tests.rfs") == keys.index("contrasts.rfs") + 1
    weighted, stratified, pairwise = section.paragraphs
    assert weighted.startswith("Weighted test: Fleming-Harrington (rho = 1) chi-square 12.21, "
                               "2 df, p = 0.002.")
    assert stratified.startswith("Stratified by MRD before maintenance (2 strata): log-rank "
                                 "chi-square 12.57, 2 df, p = 0.002.")
    assert "Benjamini-Hochberg" in pairwise
    table = section.table
    assert list(table.columns) == ["Group", "vs", "Chi-square (1 df)", "p",
                                   "p, Benjamini-Hochberg"]
    assert table.values.tolist() == [
        ["intermediate", "favorable", "8.79", "0.003", "0.005"],
        ["adverse", "favorable", "0.09", "0.761", "0.761"],
        ["adverse", "intermediate", "12.31", "< 0.001", "0.001"]]
    assert dict(section.metrics) == {
        "Weighted log-rank p (rho = 1)": "0.002",
        "Stratified log-rank p (MRD before maintenance)": "0.002"}


def test_only_what_the_page_chose_is_shown():
    cohort = load_seed_cohort()
    two = ReportChoices(by="mrd_pre_status", rho=0.5)
    section = next(s for s in report_sections(cohort, choices=two) if s.key == "tests.rfs")
    assert len(section.paragraphs) == 1 and section.table is None
    assert section.paragraphs[0].startswith("Weighted test: Fleming-Harrington (rho = 0.5)")
    nothing = ReportChoices(by="mrd_pre_status")  # two groups, no weight, no stratum
    assert not any(s.key.startswith("tests.") for s in report_sections(cohort, choices=nothing))


@pytest.mark.parametrize(("field", "value"), [("rho", 2.0), ("pairwise_adjust", "bonferroni")])
def test_a_test_choice_the_page_does_not_offer_is_refused(field, value):
    with pytest.raises(AnalysisError, match=rf"^The deliverables' {field} is "
                                            rf"{str(value)!r}; it is one of "):
        ReportChoices(**{field: value})


def test_chosen_reference_reaches_contrasts_effects_and_fine_gray(sections):
    contrasts = sections["contrasts.rfs"]
    assert set(contrasts.table["vs"]) == {"adverse"}
    assert contrasts.paragraphs[0].endswith("against adverse.")
    effects = sections["km.rfs"].figure_table.set_index("Group")
    assert effects.at["adverse", "HR (95% CI)"] == "1 (reference)"
    shr = sections["competing"].figure_table.set_index("Group")
    assert shr.at["adverse", "SHR (95% CI)"] == "1 (reference)"


def test_a_reference_not_in_the_filtered_cohort_falls_back_to_the_first_group():
    choices = ReportChoices(by="eln2022_risk", reference="gone", competing_by="eln2022_risk",
                            competing_reference="gone")
    found = {s.key: s for s in report_sections(load_seed_cohort(), choices=choices)}
    assert set(found["contrasts.rfs"].table["vs"]) == {"favorable"}
    assert found["km.rfs"].figure_table.set_index("Group").at["favorable", "HR (95% CI)"] == \
        "1 (reference)"
    assert found["competing"].figure_table.set_index("Group").at[
        "favorable", "SHR (95% CI)"] == "1 (reference)"


def test_deck_pages_table1_in_full_at_18_pt_and_shows_the_tests(sections):
    chosen = [sections["baseline.by"], sections["tests.rfs"]]
    data = slide_deck(load_seed_cohort(), DeckContext("Seed", 19), CHOICES, sections=chosen)
    deck = Presentation(io.BytesIO(data))
    tables = {}
    for slide in deck.slides:
        title = next(s.text_frame.text for s in slide.shapes if s.name == "Title")
        for shape in slide.shapes:
            if shape.name == "Table":
                tables[title] = shape.table
    table1 = [t for title, t in tables.items() if title.startswith("Baseline characteristics by")]
    rows = sum(len(t.rows) - 1 for t in table1)
    assert rows == len(sections["baseline.by"].table)  # paged, nothing cut
    sizes = {run.font.size for t in tables.values() for row in t.rows for cell in row.cells
             for p in cell.text_frame.paragraphs for run in p.runs}
    assert sizes == {Pt(TABLE_PT)}
    pairwise = tables["Does the difference hold? RFS"]
    assert pairwise.cell(0, 4).text == "p, Benjamini-Hochberg"
    text = "\n".join(s.text_frame.text for slide in deck.slides for s in slide.shapes
                     if s.has_text_frame)
    assert "Baseline p-values describe imbalance" in text
    assert "Fleming-Harrington (rho = 1) chi-square 12.21" in text


def test_report_and_projector_carry_the_same_tables(section_list):
    cohort = load_seed_cohort()
    page = tumor_board_html(cohort, source="Seed", n_total=19, filters=[],
                            choices=CHOICES).decode()
    assert "0.227¹" in page and "¹ Fisher&#x27;s exact test" in page
    assert "p, Benjamini-Hochberg" in page
    assert "Stratified by MRD before maintenance (2 strata)" in page
    screens = projector_screens(section_list)  # report_sections(cohort, choices=CHOICES)
    titles = " ".join(s.title for s in screens)
    assert "Baseline characteristics by ELN 2022 risk" in titles
    assert "Does the difference hold? RFS" in titles


def test_deidentified_table1_hides_small_counts_and_ranges():
    level = Privacy(level="deidentified", key="k" * 16)
    found = {s.key: s for s in report_sections(load_seed_cohort(), choices=CHOICES,
                                               privacy=level)}
    table = found["baseline.by"].table
    assert list(table.columns)[3:6] == ["favorable (n = <5)", "intermediate (n = 9)",
                                        "adverse (n = 7)"]
    rows = table.set_index(["Characteristic", ""])
    assert rows.at[("Sex", "Male"), "favorable (n = <5)"] == "<5"
    assert rows.at[("Patients", ""), "favorable (n = <5)"] == "<5"
    assert rows.at[("Age (years)", "median"), "Overall"] == "59"
    assert rows.at[("Age (years)", "median"), "p"] == "0.409²"


def test_deck_repeats_the_test_legend_on_every_slide_of_table1(sections):
    section = sections["baseline.by"]
    data = slide_deck(load_seed_cohort(), DeckContext("Seed", 19), CHOICES, sections=[section])
    pages = [slide for slide in Presentation(io.BytesIO(data)).slides
             if any(s.name == "Table" for s in slide.shapes)]
    assert len(pages) > 1  # the seed's Table 1 by ELN risk pages
    for slide in pages:
        legends = [s.text_frame.text for s in slide.shapes if s.name == "Paragraph"]
        assert legends == [section.paragraphs[0]]
    rows = sum(len(s.table.rows) - 1 for slide in pages for s in slide.shapes
               if s.name == "Table")
    assert rows == len(section.table)  # the legend's room did not cut a row


def test_projector_repeats_the_test_legend_on_every_screen_of_table1(sections):
    section = sections["baseline.by"]
    screens = [s for s in projector_screens([section])]
    assert len(screens) > 1
    assert all(s.paragraphs == section.paragraphs for s in screens)
    assert sum(len(t) for s in screens for t in s.tables) == len(section.table)
    assert screens[0].warnings and not any(s.warnings for s in screens[1:])

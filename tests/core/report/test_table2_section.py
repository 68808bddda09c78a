"""Table 2 in the deliverables (core.report.table2): the same table as the Cox page, right
after the Cox section, in the deck as an editable table at a legible size.

The numbers are core.cox.table2.fit_table2's, tested against R coxph and drop1 in
tests/core/cox/test_table2_vs_r.py; here the section must show exactly that table."""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.util import Pt

from core.cohort.read import load_seed_cohort
from core.cox.table2 import fit_table2
from core.report.deck import DeckContext, slide_deck
from core.report.html import report_sections
from core.report.sections import ReportChoices
from core.report.table2 import table2_section

TITLE = "Table 2: hazard ratios for relapse-free survival"


def test_section_follows_the_cox_section_with_the_pages_table():
    cohort = load_seed_cohort()
    keys = [s.key for s in report_sections(cohort, choices=ReportChoices())]
    assert keys[keys.index("cox") + 1] == "table2"
    section = table2_section(cohort, ReportChoices())
    expected = fit_table2(cohort, "rfs_months", "rfs_event",
                          ["mrd_pre_status", "eln2022_risk"],
                          labels={"mrd_pre_status": "MRD before maintenance",
                                  "eln2022_risk": "ELN 2022 risk"}).display()
    assert section.title == TITLE
    assert section.table.equals(expected)
    assert any("intermediate has no event" in w for w in section.warnings)


def test_stratum_and_age_follow_the_cox_page():
    """Stratified by sorafenib timing (R coxph(... + strata(sorafenib_timing))), age per 10
    years as in the deck's Cox section."""
    cohort = load_seed_cohort()
    choices = ReportChoices(cox_covariates=("mrd_pre_status", "age"),
                            cox_strata="sorafenib_timing")
    section = table2_section(cohort, choices)
    expected = fit_table2(cohort, "rfs_months", "rfs_event", ["mrd_pre_status", "age"],
                          scale={"age": 10.0}, strata="sorafenib_timing")
    shown = section.table.set_index(section.table["Characteristic"].str.strip())
    assert shown.at["positive", "Multivariable HR (95% CI)"] == expected.display().set_index(
        "Characteristic").at["    positive", "Multivariable HR (95% CI)"]
    assert "stratified by Sorafenib timing" in section.notes[0]
    cox = next(s for s in report_sections(cohort, choices=choices) if s.key == "cox")
    assert any("Stratified by Sorafenib timing" in n for n in cox.notes)


def test_no_covariate_that_varies_says_why_instead_of_a_table():
    cohort = load_seed_cohort()
    cohort = cohort[cohort["mrd_pre_status"] == "negative"]
    section = table2_section(cohort, ReportChoices(cox_covariates=("mrd_pre_status",)))
    assert section.table is None
    assert section.warnings[0].startswith("No Table 2: none of the chosen covariates varies")


def test_deck_slide_holds_the_table_at_a_legible_size():
    cohort = load_seed_cohort()
    deck = Presentation(io.BytesIO(slide_deck(cohort, DeckContext("Seed", 19),
                                              ReportChoices())))
    slide = next(s for s in deck.slides
                 if any(sh.name == "Title" and sh.text_frame.text == TITLE for sh in s.shapes))
    table = next(sh for sh in slide.shapes if sh.name == "Table").table
    header = [c.text for c in table.rows[0].cells]
    assert header[:3] == ["Characteristic", "N", "Events"]
    assert "Multivariable HR (95% CI)" in header
    sizes = {run.font.size for row in table.rows for cell in row.cells
             for p in cell.text_frame.paragraphs for run in p.runs}
    assert min(sizes) >= Pt(11)  # readable from the back of the room
    assert len(table.rows) == 1 + 7  # header, 2 covariates, 5 levels

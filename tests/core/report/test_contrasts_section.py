"""The deck's and report's "how big is the difference" section (core.report.contrasts): after
each Kaplan-Meier section with groups, the milestone and RMST contrasts against the first group.

R 4.2.2 / survival 3.5.3 on the seed cohort, RFS by MRD (reference negative):
``summary(survfit(Surv(rfs_months, rfs_event) ~ mrd_pre_status), times = 12)``: difference
-0.1666667 (-0.6189079 to 0.2855745), z-test p 0.4701008; from ``summary(survfit(...), rmean =
24)$table`` with survRM2 rmst2's formulas: RMST difference -5.508333 (-15.17458 to 4.157909),
p 0.2640411; RMST ratio 0.7346447 (0.3967003-1.360480), p 0.3266786; RMTL ratio 2.699229
(0.6260434-11.63791), p 0.1829223.
"""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.util import Pt

from core.cohort.read import load_seed_cohort
from core.report.deck import DeckContext, slide_deck
from core.report.html import report_sections
from core.report.sections import ReportChoices

CHOICES = ReportChoices(by="mrd_pre_status")


def _section(key: str = "contrasts.rfs"):
    sections = report_sections(load_seed_cohort(), choices=CHOICES)
    keys = [s.key for s in sections]
    assert keys[keys.index("km.rfs") + 1] == "contrasts.rfs"  # right after its curves
    return next(s for s in sections if s.key == key)


def test_milestone_and_rmst_rows_equal_r():
    table = _section().table.set_index("Measure")
    assert set(table["Group"]) == {"positive"} and set(table["vs"]) == {"negative"}
    assert table.at["Survival at 12 months: difference (points)", "Estimate (95% CI)"] == \
        "-16.7 (-61.9 to +28.6)"
    assert table.at["Survival at 12 months: difference (points)", "p"] == "0.470"
    assert table.at["RMST to 24 months: difference (months)", "Estimate (95% CI)"] == \
        "-5.5 (-15.2 to +4.2)"
    assert table.at["RMST to 24 months: difference (months)", "p"] == "0.264"
    assert (table.at["RMST to 24 months: ratio", "Estimate (95% CI)"],
            table.at["RMST to 24 months: ratio", "p"]) == ("0.735 (0.397–1.36)", "0.327")
    assert (table.at["RMTL to 24 months: ratio", "Estimate (95% CI)"],
            table.at["RMTL to 24 months: ratio", "p"]) == ("2.70 (0.626–11.6)", "0.183")


def test_no_grouping_no_section():
    keys = [s.key for s in report_sections(load_seed_cohort(), choices=ReportChoices())]
    assert not any(k.startswith("contrasts.") for k in keys)


def test_deck_slide_is_an_editable_legible_table():
    deck = Presentation(io.BytesIO(slide_deck(load_seed_cohort(), DeckContext("Seed", 19),
                                              CHOICES)))
    slide = next(s for s in deck.slides if any(
        sh.name == "Title" and sh.text_frame.text == "How big the difference is: RFS"
        for sh in s.shapes))
    table = next(sh for sh in slide.shapes if sh.name == "Table").table
    assert [c.text for c in table.rows[0].cells] == ["Group", "vs", "Measure",
                                                     "Estimate (95% CI)", "p"]
    sizes = {run.font.size for row in table.rows for cell in row.cells
             for p in cell.text_frame.paragraphs for run in p.runs}
    assert min(sizes) >= Pt(11)

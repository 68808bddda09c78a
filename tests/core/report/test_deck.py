"""The tumor-board deck (core.report.deck): slides, titles, pictures, tables and footers.

The deck's pictures are rendered by kaleido through Debian's Chromium: without it the tests
skip with the reason, except under CI=true, where they fail.
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from pptx import Presentation
from pptx.util import Inches

from core.cohort.filters import CohortFilter
from core.cohort.read import load_seed_cohort
from core.report import images
from core.report.deck import TABLE_ROWS_PER_SLIDE, DeckContext, slide_deck, software_version
from core.report.html import report_sections, tumor_board_html
from core.report.sections import ReportChoices
from core.survival.flow import analysis_flow

CHOICES = ReportChoices(endpoint="rfs", by="mrd_pre_status")


@pytest.fixture(scope="module")
def deck(chromium):
    cohort_filter = CohortFilter(sorafenib_timing=("induction",))
    selection = cohort_filter.apply(load_seed_cohort())
    context = DeckContext("Embedded study cohort", selection.n_total,
                          tuple(cohort_filter.describe()), tuple(selection.notes()))
    flow = analysis_flow(load_seed_cohort(), cohort_filter, "rfs", "mrd_pre_status")
    data = slide_deck(selection.cohort, context, CHOICES, today=date(2026, 11, 25), flow=flow)
    return Presentation(io.BytesIO(data)), selection, context


def _titles(presentation) -> list[str]:
    return [next(s.text_frame.text for s in slide.shapes if s.name == "Title")
            for slide in presentation.slides]


def test_deck_is_16_9_with_the_expected_slides_in_order(deck):
    presentation, selection, _ = deck
    assert (presentation.slide_width, presentation.slide_height) == (Inches(13.333),
                                                                     Inches(7.5))
    titles = _titles(presentation)
    assert titles[0] == "Relapse Risk Explorer · tumor board"
    expected = ["Who is in the analysis (RFS)",
                # 18 rows a slide at 18 pt (two halves of 9)
                "Baseline characteristics (1/3)", "Baseline characteristics (2/3)",
                "Baseline characteristics (3/3)",
                "Relapse-free survival (RFS; study: relapse only)",
                "Relapse-free survival (RFS; study: relapse only): numbers",
                "How big the difference is: RFS",
                "Overall survival (OS)", "Overall survival (OS): numbers",
                "How big the difference is: OS",
                "Cox regression: relapse-free survival (RFS)",
                "Cox regression: relapse-free survival (RFS): numbers",
                "Table 2: hazard ratios for relapse-free survival",
                "Relapse with death as a competing risk",
                "Relapse with death as a competing risk: numbers",
                "Patient timelines", "Methods and definitions"]
    assert titles[1:len(expected) + 1] == expected  # RFS, the chosen endpoint, first
    assert titles[len(expected) + 1].startswith("Patients")


def test_title_slide_names_cohort_filters_n_date_and_version(deck):
    presentation, selection, _ = deck
    text = "\n".join(s.text_frame.text for s in presentation.slides[0].shapes
                     if s.has_text_frame)
    assert f"{selection.n} of 19 patients" in text
    assert "Sorafenib timing: induction" in text
    assert "Embedded study cohort" in text
    assert "2026-11-25" in text and f"Relapse Risk Explorer {software_version()}" in text
    assert software_version() == "0.1.0"


def test_every_slide_but_the_title_has_the_filter_footer(deck):
    presentation, selection, context = deck
    for number, slide in enumerate(presentation.slides, start=1):
        footers = [s.text_frame.text for s in slide.shapes if s.name == "Footer"]
        if number == 1:
            assert footers == []
            continue
        assert footers == [f"Sorafenib timing: induction · n = {selection.n} of 19 patients"]
        assert [s.text_frame.text for s in slide.shapes if s.name == "Slide number"] == \
            [str(number)]


def test_figures_are_high_resolution_pictures_and_tables_are_editable(deck):
    presentation, selection, _ = deck
    pictures, tables = {}, {}
    for slide in presentation.slides:
        title = next(s.text_frame.text for s in slide.shapes if s.name == "Title")
        for shape in slide.shapes:
            if shape.shape_type == 13:  # picture
                pictures[title] = shape.image
            if shape.has_table:
                tables.setdefault(title, []).append(shape.table)
    assert set(pictures) == {"Who is in the analysis (RFS)",
                             "Relapse-free survival (RFS; study: relapse only)",
                             "Overall survival (OS)",
                             "Cox regression: relapse-free survival (RFS)",
                             "Relapse with death as a competing risk", "Patient timelines"}
    for image in pictures.values():
        assert image.content_type == "image/png"
        width, height = images.png_size(image.blob)
        assert width >= 2500  # 220 dpi over 12.4 inches
        assert round(images.png_dpi(image.blob)) == 220
    rfs = tables["Relapse-free survival (RFS; study: relapse only): numbers"][0]
    header = [rfs.cell(0, j).text for j in range(len(rfs.columns))]
    assert header[:4] == ["Group", "Patients", "Relapses", "Median, months (95% CI)"]
    assert [rfs.cell(i, 0).text for i in range(1, len(rfs.rows))] == ["negative", "positive"]
    cox = tables["Cox regression: relapse-free survival (RFS): numbers"][0]
    assert cox.cell(0, 0).text == "Term" and cox.cell(0, 1).text == "HR"
    patients = sum(len(t.rows) - 1 for title, ts in tables.items()
                   if title.startswith("Patients") for t in ts)
    assert patients == selection.n


def test_deck_numbers_are_the_html_reports_numbers(deck):
    """HTML report and deck draw the same sections: every cell of the RFS table is in both."""
    presentation, selection, _ = deck
    sections = report_sections(selection.cohort, choices=CHOICES)
    rfs = next(s for s in sections if s.key == "km.rfs")
    page = tumor_board_html(selection.cohort, source="x", n_total=19, filters=[],
                            choices=CHOICES).decode()
    slide_cells = set()
    for slide in presentation.slides:
        for shape in slide.shapes:
            if shape.has_table:
                slide_cells |= {c.text for row in shape.table.rows for c in row.cells}
    for value in rfs.table.astype(str).to_numpy().ravel():
        assert value in slide_cells
        assert value.replace("–", "–") in page
    assert "Cox regression: relapse-free survival (RFS)" in page


def test_cox_caveats_and_methods_in_the_deck(deck):
    presentation, _, _ = deck
    text = "\n".join(s.text_frame.text for slide in presentation.slides for s in slide.shapes
                     if s.has_text_frame)
    # a level with no relapse under this filter: the Cox page's plain box on the slide, the
    # technical warning ("Monotone likelihood") with the methods in the notes
    assert "none of the relapses" in text
    assert "eln2022_risk" not in text.split("Methods")[0]  # terms read as labels
    notes = "\n".join(slide.notes_slide.notes_text_frame.text
                      for slide in presentation.slides if slide.has_notes_slide)
    assert "log-log" in notes
    assert "onotone likelihood" in notes


def test_empty_cohort_is_refused():
    with pytest.raises(ValueError, match="The report needs at least one patient"):
        slide_deck(load_seed_cohort().iloc[0:0], DeckContext("x", 19), CHOICES)


def test_a_cohort_with_only_overall_survival_gets_explained_sections():
    """An upload of only the required columns (id, OS time and event): every section is
    there, the ones that need relapse data say why they are empty."""
    import io as _io

    from core.cohort.read import load_cohort

    rows = load_seed_cohort()[["patient_id", "os_months", "os_event"]]
    upload = _io.BytesIO(rows.to_csv(index=False).encode())
    upload.name = "os_only.csv"
    cohort = load_cohort(upload)
    sections = {s.key: s for s in report_sections(cohort, choices=ReportChoices(endpoint="os"))}
    assert list(sections)[:3] == ["baseline", "km.os", "km.rfs"]
    assert sections["km.os"].figure is not None
    assert sections["competing"].warnings == (
        "No patient has a recorded relapse-free time and status. Fix: widen the filters.",)
    assert sections["cox"].warnings[0].startswith("No Cox model: none of the chosen "
                                                  "covariates varies")
    assert sections["swimmer"].warnings[0].startswith("19 patients without a recorded RFS")


def test_long_caveats_under_a_table_get_their_own_slide():
    """Issue 25: long Cox caveats left the table a negative height and the deck crashed
    (python-pptx refuses a negative row height). The table keeps its slide; the caveats that
    do not fit under it follow on a slide of their own."""
    from core.report.sections import Section

    rows = TABLE_ROWS_PER_SLIDE  # a full slide of rows at 18 pt
    table = pd.DataFrame({"Term": [f"term {i}" for i in range(rows)], "HR": ["1.00"] * rows})
    caveats = tuple(f"Caveat {i}: " + "a long explanation of a model problem " * 12
                    for i in range(8))
    section = Section("Cox regression", table=table, warnings=caveats, key="cox")
    data = slide_deck(load_seed_cohort(), DeckContext("x", 19), CHOICES, sections=[section])
    presentation = Presentation(io.BytesIO(data))
    assert _titles(presentation)[1:] == ["Cox regression", "Cox regression: caveats"]
    table_slide, caveat_slide = presentation.slides[1], presentation.slides[2]
    grid = next(s for s in table_slide.shapes if s.has_table).table
    assert all(row.height > 0 for row in grid.rows) and len(grid.rows) == rows + 1
    text = "\n".join(s.text_frame.text for s in caveat_slide.shapes if s.has_text_frame)
    assert all(c in text for c in caveats)


def test_slide_tables_read_from_the_back_of_the_room(deck):
    """Issue 24: tables at 18 pt or more (12-14 pt before), '–' and never None or nan."""
    from pptx.util import Pt

    presentation, _, _ = deck
    sizes, texts = set(), set()
    for slide in presentation.slides:
        for shape in slide.shapes:
            if shape.has_table:
                for row in shape.table.rows:
                    for cell in row.cells:
                        texts.add(cell.text)
                        sizes |= {run.font.size for p in cell.text_frame.paragraphs
                                  for run in p.runs}
    assert sizes and min(sizes) >= Pt(18)
    assert not texts & {"None", "nan", "NaN", "<NA>"}


def test_slide_cells_round_uploaded_numbers_and_dash_the_missing():
    import pandas as pd

    from core.report.deck import slide_cells

    shown = slide_cells(pd.DataFrame({"months": [12.3456789012345, None, 7.0],
                                      "arm": ["A", None, "None"], "n": [3, 4, 5]}))
    assert shown["months"].tolist() == ["12.35", "–", "7"]
    assert shown["arm"].tolist() == ["A", "–", "–"]
    assert shown["n"].tolist() == ["3", "4", "5"]


def test_every_figure_caption_names_the_filters_and_n(monkeypatch):
    """The filter and n travel inside every picture (not only in the slide's footer)."""
    from core.report import deck as module

    captions = []

    def fake_render(figure, fmt, preset, caption="", **kwargs):
        captions.append(caption)
        return _tiny_png()

    monkeypatch.setattr(module, "render_figure", fake_render)
    cohort_filter = CohortFilter(sorafenib_timing=("induction",))
    selection = cohort_filter.apply(load_seed_cohort())
    context = DeckContext("x", selection.n_total, tuple(cohort_filter.describe()))
    slide_deck(selection.cohort, context, CHOICES, today=date(2026, 11, 25))
    assert len(captions) >= 4
    for caption in captions:
        assert caption.endswith("Sorafenib timing: induction · n = 14 of 19 patients."), caption


def _tiny_png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))

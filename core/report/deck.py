"""The tumor-board slide deck (PPTX, 16:9) of the filtered cohort.

Design: the deck draws the sections of :func:`core.report.html.report_sections` (the same list
the HTML report and the projector mode draw, so they cannot disagree), one or more slides per
section: a title slide (cohort source, filters, n of N, date, software version), then per
section a figure slide (picture rendered at 220 dpi by :mod:`core.report.images`, at-risk table
and caption inside the picture, the section's statistics under it) and a table slide (a real,
editable PowerPoint table, split over several slides when long, with the section's caveats).
Every slide but the title carries a footer with the filters in words and n; every slide's
notes carry the methods behind its numbers.

Conventions: 13.333 x 7.5 inch slides (PowerPoint's 16:9); Liberation Sans/Arial; numbers as
the pages format them. The software version is ``pyproject.toml``'s.

References
----------
python-pptx 1.0 documentation (``Presentation``, ``shapes.add_table``, ``add_picture``).
"""

from __future__ import annotations

import io
import tomllib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from core.access.deidentify import IDENTIFIED, Privacy
from core.report.group_tests import LEGEND_KEYS
from core.report.html import Section, report_sections
from core.report.images import PRESETS, render_figure
from core.report.sections import ReportChoices
from core.report.slide_tables import (
    SLIDE_H,
    SLIDE_W,
    TABLE_PT,
    column_shares,
    line_pages,
    slide_cells,
)

ROOT = Path(__file__).resolve().parents[2]
MARGIN = Inches(0.5)
TABLE_ROWS_PER_SLIDE = 9
"""Table rows per slide: at :data:`TABLE_PT` with a two-line header they fill the body."""
MIN_ROW_HEIGHT = Pt(TABLE_PT * 1.6)
"""A table row at the table font; caveats that leave less go to their own slide."""
MAX_TABLE_SLIDES = 4
"""The patient list (a registry's) is cut after this many slides, and says so; other tables
(bounded by design: a row per characteristic level or term) are paged in full."""
DECK_DPI = 220
FONT = "Liberation Sans"
INK = RGBColor(0x22, 0x22, 0x22)
MUTED = RGBColor(0x66, 0x66, 0x66)
WARN = RGBColor(0x9A, 0x5B, 0x00)
ACCENT = RGBColor(0x00, 0x72, 0xB2)


@dataclass(frozen=True)
class DeckContext:
    """Who and what the deck is about (the header of every page).

    Attributes
    ----------
    source : str
        Where the cohort comes from.
    n_total : int
        Patients before filtering.
    filters : tuple of str
        The filters in words (``CohortFilter.describe()``).
    notes : tuple of str
        Patients left out by a filter and why.
    """

    source: str
    n_total: int
    filters: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def footer(self, n: int) -> str:
        """The footer line: filters in words and n of N."""
        return f"{'; '.join(self.filters) or 'No filters'} · n = {n:,} of {self.n_total:,} patients"


def software_version() -> str:
    """The app's version from ``pyproject.toml`` ("unknown" when it cannot be read)."""
    try:
        with open(ROOT / "pyproject.toml", "rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def slide_deck(cohort: pd.DataFrame, context: DeckContext, choices: ReportChoices,
               today: date | None = None, sections: list[Section] | None = None,
               privacy: Privacy = IDENTIFIED, flow=None) -> bytes:
    """The tumor-board deck as PPTX bytes.

    Parameters
    ----------
    cohort : pandas.DataFrame
        The filtered patients (at least one).
    context : DeckContext
    choices : ReportChoices
        Endpoint first, stratifier, Cox covariates, swimmer clock.
    today : datetime.date, optional
        Date on the title slide (default: today).
    sections : list of Section, optional
        Already computed :func:`report_sections` for these arguments.
    privacy : core.access.deidentify.Privacy
        De-identified or aggregate-only slides (:func:`report_sections`); the title slide
        says so first.
    flow : core.survival.flow.AnalysisFlow, optional
        Who is in the analysis: the flow diagram, the first slide after the title.

    Returns
    -------
    bytes
        A .pptx file.
    """
    sections = sections if sections is not None else report_sections(cohort, choices=choices,
                                                                      privacy=privacy,
                                                                      flow=flow)
    if privacy.note:
        context = replace(context, notes=(privacy.note, *context.notes))
    deck = Presentation()
    deck.slide_width, deck.slide_height = SLIDE_W, SLIDE_H
    footer = context.footer(len(cohort))
    _title_slide(deck, context, len(cohort), choices, today or date.today())
    for section in sections:
        if section.figure is not None:
            _figure_slide(deck, section, footer)
        if section.table is not None:
            _table_slides(deck, section, footer)
        elif section.figure is None:
            _text_slide(deck, section, footer)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


# ---- slides ---------------------------------------------------------------------------------

def _blank(deck: Presentation, title: str, footer: str | None, notes: tuple[str, ...] = ()):
    slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank layout
    _text(slide, title, MARGIN, Inches(0.3), SLIDE_W - 2 * MARGIN, Inches(0.7), 28,
          bold=True, color=INK, name="Title")
    if footer is not None:
        _text(slide, footer, MARGIN, SLIDE_H - Inches(0.45), SLIDE_W - 2 * MARGIN - Inches(0.8),
              Inches(0.35), 11, color=MUTED, name="Footer")
        _text(slide, str(len(deck.slides)), SLIDE_W - MARGIN - Inches(0.6),
              SLIDE_H - Inches(0.45), Inches(0.6), Inches(0.35), 11, color=MUTED,
              name="Slide number", align_right=True)
    if notes:
        slide.notes_slide.notes_text_frame.text = "\n\n".join(notes)
    return slide


def _title_slide(deck, context: DeckContext, n: int, choices: ReportChoices,
                 today: date) -> None:
    from core.cohort.schema import LABELS

    slide = deck.slides.add_slide(deck.slide_layouts[6])
    _text(slide, "Relapse Risk Explorer · tumor board", MARGIN, Inches(1.6),
          SLIDE_W - 2 * MARGIN, Inches(1.0), 40, bold=True, color=INK, name="Title")
    by = f"by {LABELS.get(choices.by, choices.by)}" if choices.by else "of the whole cohort"
    first = choices.find(choices.endpoint).label
    lines = [
        (f"{n:,} of {context.n_total:,} patients · {'; '.join(context.filters) or 'no filters'}",
         22, INK),
        (f"Kaplan-Meier curves {by}, {first} first", 18, INK),
        (context.source, 16, MUTED),
        *((note, 14, WARN) for note in context.notes),
        (f"{today.isoformat()} · Relapse Risk Explorer {software_version()}", 16, MUTED),
    ]
    box = slide.shapes.add_textbox(MARGIN, Inches(2.8), SLIDE_W - 2 * MARGIN, Inches(3.5))
    box.name = "Subtitle"
    frame = box.text_frame
    frame.word_wrap = True
    for i, (line, size, color) in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        _run(paragraph, line, size, color=color)
        paragraph.space_after = Pt(8)
    slide.notes_slide.notes_text_frame.text = context.footer(n)


def _figure_slide(deck, section: Section, footer: str) -> None:
    slide = _blank(deck, section.title, footer, section.notes)
    # Kaplan-Meier captions go inside the picture (with the at-risk table); other figures'
    # methods go under them as text.
    caption = section.notes[0] if section.notes and section.key.startswith("km.") else ""
    # every figure names who it shows (filters and n), so a picture copied out of the deck
    # still says it, not only the slide's footer
    picture = render_figure(section.figure, "png", "slide_body",
                            caption=" ".join(filter(None, (caption, footer + "."))),
                            dpi=DECK_DPI, table=section.figure_table)
    preset = PRESETS["slide_body"]
    width, height = Emu(int(preset.width_mm * 36000)), Emu(int(preset.height_mm * 36000))
    top = Inches(1.0) + _answer(slide, section.answer, Inches(1.0))
    text = [p for p in section.paragraphs if p and p != caption]
    if not caption and section.notes:
        text = [*text[:1], section.notes[0]]
    height_room = SLIDE_H - top - Inches(0.55) - (Inches(0.85) if text else 0)
    if height > height_room:  # keep the aspect ratio, shrink to the room left
        width, height = Emu(int(width * height_room / height)), height_room
    shape = slide.shapes.add_picture(io.BytesIO(picture), int((SLIDE_W - width) / 2), top,
                                     width, height)
    shape.name = "Figure"
    if text:
        box = slide.shapes.add_textbox(MARGIN, top + height + Inches(0.05),
                                       SLIDE_W - 2 * MARGIN, Inches(0.9))
        box.name = "Statistics"
        box.text_frame.word_wrap = True
        for i, line in enumerate(text[:2]):
            paragraph = box.text_frame.paragraphs[0] if i == 0 else \
                box.text_frame.add_paragraph()
            _run(paragraph, line, 14 if i == 0 else 12, bold=i == 0,
                 color=INK if i == 0 else MUTED)


def _table_slides(deck, section: Section, footer: str) -> None:
    """A section's table as one or more slides; a narrow long table (baseline) goes in two
    side-by-side halves, a wide one is paged by the lines its cells wrap to (a row whose
    cells wrap to two lines counts two); the section's sentences open the first slide
    (every slide for a table whose sentences name its marks,
    :data:`core.report.group_tests.LEGEND_KEYS`), the caveats sit under the table on its
    last slide."""
    table = slide_cells(section.table)
    narrow = len(table.columns) <= 4 and len(table) > TABLE_ROWS_PER_SLIDE
    per_table = TABLE_ROWS_PER_SLIDE
    per_slide = per_table * (2 if narrow else 1)
    is_figure_section = section.figure is not None
    text = [] if is_figure_section else [p for p in section.paragraphs if p]
    text_h = Inches(0.1 + 0.21 * sum(-(-len(p) // 150) for p in text)) if text else 0
    every = section.key in LEGEND_KEYS
    answer_h = 0 if is_figure_section else _answer_height(section.answer)
    chunks = [table.iloc[i:i + per_slide] for i in range(0, max(len(table), 1), per_slide)] \
        if narrow else line_pages(table, SLIDE_W - 2 * MARGIN, text_h, every_page=every,
                                   first_extra=answer_h)
    warnings_last = tuple(section.warnings)
    if section.key == "patients" and len(chunks) > MAX_TABLE_SLIDES:
        shown = sum(len(c) for c in chunks[:MAX_TABLE_SLIDES])
        chunks = chunks[:MAX_TABLE_SLIDES]
        warnings_last += (f"Showing the first {shown:,} of {len(table):,} rows; every row is "
                          "in the Cohort page's CSV and in the Reproduce this zip.",)
    for index, chunk in enumerate(chunks):
        title = section.title + (": numbers" if is_figure_section else "")
        if len(chunks) > 1:
            title += f" ({index + 1}/{len(chunks)})"
        slide = _blank(deck, title, footer, section.notes)
        top = Inches(1.05)
        if index == 0 and not is_figure_section:  # the figure's slide opened with it
            top += _answer(slide, section.answer, top)
        if (index == 0 or every) and text:
            box = _text(slide, text[0], MARGIN, top, SLIDE_W - 2 * MARGIN, text_h, 13,
                        color=MUTED, name="Paragraph")
            for line in text[1:]:
                _run(box.text_frame.add_paragraph(), line, 13, color=MUTED)
            top += text_h
        warnings = warnings_last if index == len(chunks) - 1 else ()
        halves = [chunk.iloc[:per_table], chunk.iloc[per_table:]] if len(chunk) > per_table \
            else [chunk]
        rows = max(len(h) for h in halves) + 1  # one font size for the whole slide
        if SLIDE_H - Inches(0.6) - _warnings_height(warnings) - top < rows * MIN_ROW_HEIGHT:
            overflow, warnings = warnings, ()  # caveats too long to sit under the table
        else:
            overflow = ()
        warn_h = _warnings_height(warnings)
        bottom = SLIDE_H - Inches(0.6) - warn_h
        gap = Inches(0.3)
        width = int((SLIDE_W - 2 * MARGIN - gap * (len(halves) - 1)) / len(halves))
        for k, half in enumerate(halves):
            _add_table(slide, half, MARGIN + k * (width + gap), top, width, bottom - top,
                       blank_repeats=section.key.startswith("baseline"), rows_for_font=rows,
                       shares=None if narrow else column_shares(table))
        if warnings:
            _warnings(slide, warnings, bottom + Inches(0.05), warn_h)
        if overflow:
            _text_slide(deck, Section(f"{title}: caveats", warnings=overflow,
                                      notes=section.notes), footer)


def _warnings_height(warnings: tuple[str, ...]) -> int:
    """Height of the caveats box: about 140 characters per line at 12 pt."""
    if not warnings:
        return 0
    lines = sum(-(-len(w) // 140) for w in warnings)
    return Inches(0.1 + 0.21 * lines)


def _text_slide(deck, section: Section, footer: str) -> None:
    slide = _blank(deck, section.title, footer, section.notes)
    box = slide.shapes.add_textbox(MARGIN, Inches(1.1), SLIDE_W - 2 * MARGIN, Inches(5.6))
    box.name = "Body"
    box.text_frame.word_wrap = True
    items = [(p, INK) for p in section.paragraphs] + [(w, WARN) for w in section.warnings]
    for i, (line, color) in enumerate([(section.answer, None)] * bool(section.answer) + items):
        paragraph = box.text_frame.paragraphs[0] if i == 0 else box.text_frame.add_paragraph()
        if color is None:  # the page's answer line, first and bold
            _run(paragraph, line, 16, bold=True)
        else:
            _run(paragraph, "• " + line, 15 if len(items) < 8 else 13, color=color)
        paragraph.space_after = Pt(8)


ANSWER_PT = 16
"""Type size of a section's answer line (:attr:`Section.answer`), bold, under its title."""


def _answer_height(answer: str) -> int:
    """Height of the answer line's box: about 100 bold characters per line at 16 pt."""
    return Inches(0.12 + 0.28 * -(-len(answer) // 100)) if answer else 0


def _answer(slide, answer: str, top) -> int:
    """The section's answer line under the title, as its page opens with it; its height."""
    if answer:
        _text(slide, answer, MARGIN, top, SLIDE_W - 2 * MARGIN, _answer_height(answer),
              ANSWER_PT, bold=True, name="Answer")
    return _answer_height(answer)


def _warnings(slide, warnings: tuple[str, ...], top, height) -> None:
    box = slide.shapes.add_textbox(MARGIN, top, SLIDE_W - 2 * MARGIN, height)
    box.name = "Warnings"
    box.text_frame.word_wrap = True
    for i, line in enumerate(warnings):
        paragraph = box.text_frame.paragraphs[0] if i == 0 else box.text_frame.add_paragraph()
        _run(paragraph, "⚠ " + line, 12, color=WARN)


def _add_table(slide, table: pd.DataFrame, left, top, width, room,
               blank_repeats: bool = False, rows_for_font: int | None = None,
               shares: list[int] | None = None) -> int:
    """An editable PowerPoint table at :data:`TABLE_PT`; returns its height (EMU). Rows share
    the height of ``rows_for_font`` rows (default: this table's) so side-by-side halves
    match; columns share ``width`` as ``shares`` (default: :func:`_column_shares` of this
    table; the whole table's, so that its pages line up)."""
    rows, cols = len(table) + 1, len(table.columns)
    sized = (rows_for_font or rows) + 1  # the header may take two lines
    size = TABLE_PT
    row_h = min(int(Pt(size * 2.1)), int(room / sized))
    shape = slide.shapes.add_table(rows, cols, left, top, width, row_h * rows)
    shape.name = "Table"
    grid = shape.table
    lengths = shares or column_shares(table)
    total = sum(lengths)
    for j, n in enumerate(lengths):
        grid.columns[j].width = int(width * n / total)
    for j, column in enumerate(table.columns):
        _cell(grid.cell(0, j), str(column), size, bold=True)
    previous = None
    for i, (_, row) in enumerate(table.iterrows(), start=1):
        for j, value in enumerate(row):
            shown = "" if blank_repeats and j == 0 and value == previous else str(value)
            _cell(grid.cell(i, j), shown, size)
        previous = row.iloc[0]
    for i in range(rows):
        grid.rows[i].height = row_h
    return row_h * rows


def _cell(cell, text: str, size: int, bold: bool = False) -> None:
    cell.text = ""
    frame = cell.text_frame
    frame.word_wrap = True
    _run(frame.paragraphs[0], text, size, bold=bold, color=INK)
    cell.margin_top = cell.margin_bottom = Inches(0.03)


def _text(slide, text: str, left, top, width, height, size: int, bold: bool = False,
          color: RGBColor = INK, name: str = "", align_right: bool = False):
    from pptx.enum.text import PP_ALIGN

    box = slide.shapes.add_textbox(left, top, width, height)
    box.name = name or box.name
    box.text_frame.word_wrap = True
    paragraph = box.text_frame.paragraphs[0]
    _run(paragraph, text, size, bold=bold, color=color)
    if align_right:
        paragraph.alignment = PP_ALIGN.RIGHT
    return box


def _run(paragraph, text: str, size: int, bold: bool = False, color: RGBColor = INK) -> None:
    run = paragraph.add_run()
    run.text = text
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = FONT
    run.font.color.rgb = color

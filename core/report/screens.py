"""Projector screens: the tumor-board sections cut into pieces that each fit one screen.

Design: projector mode (``pages/8_Present.py``) is for a room where nobody scrolls. It draws
the sections of :func:`core.report.html.report_sections` (the slide deck's), but a section can
hold more than one screen takes: a figure with its key numbers and caveats, then a table of 30
rows. :func:`projector_screens` cuts every section into :class:`Screen` objects: the first
screen of a section carries its figure (or, for a section without one, the first rows of its
table), its key numbers and its plain-language caveats; a table that does not fit follows on
screens of at most ``rows`` rows ("numbers 1/2"), a narrow one (four columns or fewer) in two
side-by-side halves. A figure's statistics in words (the test's chi-square, how the death
rule placed patients) go with its numbers, so the figure keeps the room of its screen; its
caveats stay with it. Nothing is computed here; the screens only page what the sections hold.

Conventions: a screen's title names its section and, for table pages, its page
("Baseline characteristics · 2/3"); :attr:`Screen.position` is "3/11" over all screens, what
the navigation shows. A section's first screen opens with its answer line
(:attr:`core.report.sections.Section.answer`), the line its page opens with.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from core.report.group_tests import LEGEND_KEYS
from core.report.images import ImagePreset, publication_style

TABLE_ROWS = 10
"""Table rows on one projector screen: with the n line, navigation, title and a caveat line
this fits 1366 x 768 at the projector's type size (tests/e2e/test_projector_fit.py)."""
FIRST_TABLE_ROWS = 7
"""Rows on a table-only section's first screen, which also carries its key numbers and
caveats."""
WIDE_COLUMNS = 7
"""A table of this many columns or more wraps its cells on a 1366-pixel window: it gets
:data:`WIDE_ROWS` rows a screen (and two fewer on a section's first screen)."""
WIDE_ROWS = 7
NARROW_COLUMNS = 4
"""A table of at most this many columns is shown in two halves side by side."""
CAPTIONED = ("km.", "competing")
"""Sections whose first note is the figure's caption (what is drawn, n, method); the other
sections' notes are methods for the slide notes, not for the screen."""
PROJECTOR_FIGURE = ImagePreset("projector", "Projector, smallest window", 264.6, 100.5, 17)
"""The size a projected figure is laid out for: its share of a 1366 x 768 window (about
1000 x 380 CSS pixels). A larger window stretches it, which only adds room between texts of
fixed size, so nothing that fits here can overlap there."""

SMALLEST_PLOT_PX = 360
"""Height of a figure's plot area (between its margins) on the smallest window, 1366 x 768
(measured: 377 px for the swimmer plot)."""
LANE_LABELS = 10
"""Above this many labels on a figure's vertical axis (swimmer lanes, forest rows) their
type shrinks so that each fits its lane on the smallest window."""


@dataclass(frozen=True)
class Screen:
    """One screen of projector mode.

    Attributes
    ----------
    title : str
        Section title, with the table page when the section's table spans screens.
    key : str
        Stable and unique (``"km.rfs"``, ``"baseline.2"``), for widget keys and links.
    figure : plotly.graph_objects.Figure or None
    tables : tuple of pandas.DataFrame
        The rows shown: one table, or two halves side by side; empty for none.
    metrics : tuple of (str, str)
        Key numbers (first screen of a section only).
    warnings : tuple of str
        Plain-language caveats (first screen of a section only).
    paragraphs : tuple of str
        The section's statistics in words (first screen only).
    caption : str
        What the figure shows (method, n); "" without a figure.
    blank_repeats : bool
        Leave the first column empty where it repeats the row above (baseline table).
    answer : str
        The section's result in one line, as its page opens with it (first screen only).
    """

    title: str
    key: str
    figure: object | None = None
    tables: tuple[pd.DataFrame, ...] = ()
    metrics: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = ()
    paragraphs: tuple[str, ...] = ()
    caption: str = ""
    blank_repeats: bool = False
    answer: str = ""


def projector_screens(sections, rows: int = TABLE_ROWS,
                      first_rows: int = FIRST_TABLE_ROWS) -> list[Screen]:
    """Cut report sections into projector screens.

    Parameters
    ----------
    sections : list of core.report.html.Section
    rows : int
        Table rows per screen (per half for a narrow table).
    first_rows : int
        Table rows on the first screen of a section without a figure.

    Returns
    -------
    list of Screen
        In section order.
    """
    screens: list[Screen] = []
    for section in sections:
        caption = _screen_caption(section)
        full = section.notes[0] if section.notes else ""
        table_notes = set(getattr(section, "figure_table_notes", ()))
        first = {"metrics": section.metrics, "answer": section.answer,
                 "warnings": tuple(w for w in section.warnings if w not in table_notes),
                 "paragraphs": tuple(p for p in section.paragraphs
                                     if p and p not in (caption, full))}
        blank = section.key == "baseline"
        if section.table is None:
            screens.append(Screen(section.title, section.key, figure=section.figure,
                                  caption=caption, **first))
            screens += _effects(section)
        elif section.figure is not None:  # the figure, then its numbers in words and table
            words = first.pop("paragraphs")
            screens.append(Screen(section.title, section.key, figure=section.figure,
                                  caption=caption, **first))
            screens += _effects(section)
            pages = _pages(section.table, rows, first_rows if words else rows)
            screens += [Screen(_title(section.title, i, len(pages), "numbers"),
                               f"{section.key}.{i}", tables=page, blank_repeats=blank,
                               paragraphs=words if i == 1 else ())
                        for i, page in enumerate(pages, start=1)]
        else:  # a table: its first rows with the key numbers and caveats, then the rest
            legend = section.key in LEGEND_KEYS  # its sentences on every screen
            pages = _pages(section.table, first_rows if legend else rows,
                           first_rows if section.metrics or section.warnings
                           or first["paragraphs"] or section.answer else rows)
            screens += [Screen(_title(section.title, i, len(pages)),
                               section.key if i == 1 else f"{section.key}.{i}", tables=page,
                               blank_repeats=blank, **(first if i == 1 else {
                                   "paragraphs": first["paragraphs"] if legend else ()}))
                        for i, page in enumerate(pages, start=1)]
    return screens


def _effects(section) -> list[Screen]:
    """The table that travels with a figure (a Kaplan-Meier figure's hazard ratios and
    medians, :attr:`core.report.sections.Section.figure_table`) on a screen of its own after
    the figure, with its caveats, so the figure keeps its room."""
    table = getattr(section, "figure_table", None)
    if table is None or not len(table):
        return []
    what = ("hazard ratios and medians" if any("Median" in str(c) for c in table.columns)
            else "hazard ratios")  # a cumulative-incidence figure's Fine-Gray table: no medians
    return [Screen(_title(section.title, 1, 1, what), f"{section.key}.effects", tables=(table,),
                   warnings=tuple(getattr(section, "figure_table_notes", ())))]


def _screen_caption(section) -> str:
    """Who the figure shows, for the screen: the sentence of the section's caption (its first
    note, :data:`CAPTIONED` sections only) that gives n and the events ("n = 19 patients, 6
    relapses, in 2 groups by MRD before maintenance."); the endpoint's definition and the
    method are on the methods screen and in the deck's notes. "" for other sections."""
    if section.figure is None or not section.notes or not section.key.startswith(CAPTIONED):
        return ""
    caption = section.notes[0]
    start = caption.find("n = ")
    end = caption.find(". ", start)
    return caption[start:end + 1] if 0 <= start < end else caption


def _title(title: str, page: int, pages: int, name: str = "") -> str:
    """'Baseline characteristics · 2/3', 'Overall survival (OS) · numbers'."""
    parts = [title, *([name] if name else [])]
    if pages > 1:
        parts.append(f"{page}/{pages}")
    return " · ".join(parts)


def _pages(table: pd.DataFrame, rows: int, first: int) -> list[tuple[pd.DataFrame, ...]]:
    """The table in screens of ``rows`` rows (``first`` on the first), each one table or two
    halves side by side (a narrow table: twice the rows per screen; a wide one, whose cells
    wrap, at most :data:`WIDE_ROWS`)."""
    if len(table.columns) >= WIDE_COLUMNS:
        rows, first = min(rows, WIDE_ROWS), min(first, WIDE_ROWS - 2)
    narrow = len(table.columns) <= NARROW_COLUMNS and len(table) > first
    per = 2 if narrow else 1
    sizes, start = [], 0
    while start < len(table) or not sizes:
        size = (first if not sizes else rows) * per
        sizes.append((start, min(start + size, len(table))))
        start += size
    out = []
    for begin, end in sizes:
        chunk = table.iloc[begin:end]
        if narrow and len(chunk) > (end - begin + 1) // 2 and len(chunk) > 1:
            half = -(-len(chunk) // 2)
            out.append((chunk.iloc[:half], chunk.iloc[half:]))
        else:
            out.append((chunk,))
    return out


def projector_figure(figure):
    """A copy of ``figure`` in large type laid out for :data:`PROJECTOR_FIGURE`, free to
    stretch to the room the screen leaves (``autosize``)."""
    fig = publication_style(_at_risk_only(figure), PROJECTOR_FIGURE)
    fig.update_layout(autosize=True, width=None, height=None)
    labels = fig.layout.yaxis.ticktext or fig.layout.yaxis.categoryarray or ()
    if len(labels) > LANE_LABELS:  # a patient per lane, a term per row: labels never touch
        size = min(PROJECTOR_FIGURE.font_px, SMALLEST_PLOT_PX / len(labels) / 1.3)
        fig.layout.yaxis.tickfont.size = size
    risk_axis = getattr(fig.layout, "yaxis2", None)  # absent from one-panel figures
    if risk_axis is not None and risk_axis.categoryarray:
        # A Kaplan-Meier or incidence figure: the at-risk numbers stand under the curve's
        # month ticks, which need not be repeated under the table; the table's title sits in
        # the left margin, right-aligned to the axis, so no squeeze of a small window can
        # bring it onto the "0" tick label.
        fig.update_layout(xaxis2={"showticklabels": False})
        for note in fig.layout.annotations:
            if note.text == "<b>Number at risk</b>":
                note.update(xanchor="right", xshift=-6, text="Number at risk",
                            font={"size": PROJECTOR_FIGURE.font_px * 0.8})
        width = PROJECTOR_FIGURE.font_px * 0.8 * 0.6 * len("Number at risk") + 12
        fig.update_layout(margin={"l": max(fig.layout.margin.l or 0, width)})
    return fig


def _at_risk_only(figure):
    """A copy of a Kaplan-Meier or incidence figure whose table keeps the number at risk of
    each group and drops the cumulative events and censored rows ("<group>: events",
    "<group>: censored"; the deck and the report keep them): on a projector the curve needs
    the height, and three rows per group would be too small to read from the back. Other
    figures are returned as they are."""
    axis = getattr(figure.layout, "yaxis2", None)
    labels = list(axis.categoryarray or ()) if axis is not None else []
    extra = {f"{group}: {kind}" for group in labels for kind in ("events", "censored")}
    keep = [label for label in labels if label not in extra]
    if len(keep) == len(labels):
        return figure
    fig = go.Figure(figure)
    fig.data = [t for t in fig.data if not (t.mode == "text" and t.y is not None and len(t.y)
                                            and t.y[0] in extra)]
    fig.update_layout(yaxis2={"categoryarray": keep, "range": [-0.5, len(keep) - 0.5]})
    return fig

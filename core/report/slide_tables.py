"""How a table is cut and written for the slide deck (:mod:`core.report.deck`): its cells as
text, the width each column takes, and the slides a long table needs once its cells wrap.

Design: a slide table is an editable PowerPoint table at :data:`TABLE_PT`; how many rows a
slide holds depends on how many lines each row's cells wrap to, estimated from the characters
per column (:data:`CHAR_WIDTH`), so a wide table of long cells is paged by height, not by a
fixed row count. Linear in the rows.
"""

from __future__ import annotations

import pandas as pd
from pptx.util import Inches, Pt

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
TABLE_PT = 18
"""Type size of every slide table: legible from the back of a room (was 11-16 pt)."""

CHAR_WIDTH = Inches(0.13)
"""Average width of a character of a table cell at :data:`TABLE_PT` (Liberation Sans)."""
LINE = Pt(TABLE_PT * 1.2)
"""Height of one line of a table cell; a cell's margins add :data:`CELL_PAD`."""
CELL_PAD = Pt(5)
ROW = Pt(TABLE_PT * 2.1)
"""The height the deck gives a table row (a cell of one or two lines fits it)."""
TABLE_ROOM = SLIDE_H - Inches(1.05) - Inches(0.6)
"""Height between a table slide's title and its footer."""


def column_shares(table: pd.DataFrame) -> list[int]:
    """Relative column widths: the longest header word or cell (at most 40 characters)."""
    return [min(max(max(len(w) for w in (str(c).split() or [""])) + 1,
                    *(len(v) for v in table[c]), 3), 40) + 3 for c in table.columns]


def _lines(cells: pd.DataFrame, shares: list[int], width) -> pd.Series:
    """Lines each row of ``cells`` takes when its columns share ``width`` as ``shares``."""
    fits = [max(1, int((width * n / sum(shares) - Inches(0.2)) / CHAR_WIDTH)) for n in shares]
    lines = [cells[c].map(lambda v, f=f: max(1, -(-len(str(v)) // f))) for c, f in
             zip(cells.columns, fits, strict=True)]
    return pd.concat(lines, axis=1).max(axis=1)


def line_pages(table: pd.DataFrame, width, first_page_taken=0,
                every_page: bool = False, first_extra=0) -> list[pd.DataFrame]:
    """``table`` cut into slides by the height its rows take once their cells wrap (a row of
    one or two lines: :data:`ROW`; longer ones grow), under its header; the first page (every
    page with ``every_page``) has ``first_page_taken`` less room (the section's sentences),
    the first page ``first_extra`` less again (the answer line). Linear in the rows."""
    shares = column_shares(table)
    header = _lines(pd.DataFrame([list(table.columns)], columns=table.columns), shares, width)
    heights = (_lines(table, shares, width) * LINE + CELL_PAD).clip(lower=ROW) \
        if len(table) else pd.Series(dtype=float)
    room = TABLE_ROOM - int(header.iloc[0]) * LINE - CELL_PAD
    pages, start, used = [], 0, first_page_taken + first_extra
    for i, height in enumerate(heights):
        if used + height > room and i > start:
            pages.append(table.iloc[start:i])
            start, used = i, first_page_taken if every_page else 0
        used += height
    pages.append(table.iloc[start:])
    return pages


def slide_cells(table: pd.DataFrame) -> pd.DataFrame:
    """A table's cells as a slide shows them: "–" for a missing value (never "None" or
    "nan"), numbers with at most four significant digits (an uploaded 12.3456789012345
    months reads 12.35), text as it is.

    Examples
    --------
    >>> slide_cells(pd.DataFrame({"a": [12.3456789012345, None], "b": ["x", None]}))
           a  b
    0  12.35  x
    1      –  –
    """
    def cell(value) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return "–"
        if isinstance(value, float):
            return f"{value:.4g}"
        text = str(value)
        return "–" if text in ("None", "nan", "NaN", "<NA>", "NaT") else text

    return table.astype(object).map(cell)

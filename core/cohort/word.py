"""Tables as Word documents (.docx): a journal-style table a clinician pastes into a
manuscript.

Design: one function, :func:`table_to_docx`, writes a title, the table (header row bold, a
spanning header above columns that share a prefix such as "Univariable" / "Multivariable", as
gtsummary's ``tbl_merge`` prints them) and notes under it, with python-docx. The text is
written as text: Word never runs a cell as a field or formula, so nothing needs neutralising.
Numbers arrive already formatted (the table a page shows).

References
----------
python-docx 1.x documentation (``Document.add_table``, ``_Cell.merge``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Mm, Pt

FONT = "Arial"


def table_to_docx(df: pd.DataFrame, title: str = "", notes: Sequence[str] = (),
                  spans: Sequence[str] = ()) -> bytes:
    """A Word document holding ``df`` as a table.

    Parameters
    ----------
    df : pandas.DataFrame
        The table as shown (text cells; missing values become empty cells).
    title : str
        Written above the table (e.g. "Table 2. Hazard ratios for relapse").
    notes : sequence of str
        Paragraphs under the table (methods, abbreviations, caveats).
    spans : sequence of str
        Column-name prefixes that get a spanning header: the columns "Univariable HR" and
        "Univariable p" with ``spans=("Univariable",)`` are headed "HR" and "p" under one
        merged "Univariable" cell.

    Returns
    -------
    bytes
        A .docx file; landscape A4 when the table has more than five columns.
    """
    document = Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(9)
    if len(df.columns) > 5:
        section = document.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        section.left_margin = section.right_margin = Mm(15)
    if title:
        heading = document.add_paragraph()
        run = heading.add_run(title)
        run.bold, run.font.size = True, Pt(11)
    groups = [next((s for s in spans if str(c).startswith(f"{s} ")), "") for c in df.columns]
    header_rows = 2 if any(groups) else 1
    table = document.add_table(rows=header_rows + len(df), cols=len(df.columns))
    table.style = "Table Grid"
    for j, (column, group) in enumerate(zip(df.columns, groups, strict=True)):
        name = str(column)[len(group) + 1:] if group else str(column)
        _write(table.cell(header_rows - 1, j), name, bold=True)
        if header_rows == 2:
            _write(table.cell(0, j), group, bold=True)
    if header_rows == 2:  # merge each run of equal groups into one spanning cell
        start = 0
        for j in range(1, len(groups) + 1):
            if j == len(groups) or groups[j] != groups[start]:
                if j - start > 1:
                    merged = table.cell(0, start).merge(table.cell(0, j - 1))
                    _write(merged, groups[start], bold=True)
                start = j
    for i, row in enumerate(df.itertuples(index=False), start=header_rows):
        for j, value in enumerate(row):
            _write(table.cell(i, j), "" if pd.isna(value) else str(value))
    for note in notes:
        paragraph = document.add_paragraph()
        paragraph.add_run(note).font.size = Pt(8)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _write(cell, text: str, bold: bool = False) -> None:
    cell.text = ""
    run = cell.paragraphs[0].add_run(text)
    run.bold = bold

"""Word tables (core.cohort.word): what is written reads back cell for cell."""

from __future__ import annotations

import io

import pandas as pd
from docx import Document

from core.cohort.word import table_to_docx


def test_cells_title_notes_and_spanning_headers_read_back():
    table = pd.DataFrame({"Characteristic": ["ELN 2022 risk", "    adverse", "=1+1"],
                          "N": ["", "7", "2"],
                          "Univariable HR (95% CI)": ["", "0.718 (0.116–4.46)", None],
                          "Univariable p": ["", "0.722", ""],
                          "Multivariable HR (95% CI)": ["", "0.387 (0.034–4.41)", ""],
                          "Multivariable p": ["", "0.445", ""]})
    data = table_to_docx(table, "Table 2. Hazard ratios", ["HR: hazard ratio."],
                         spans=("Univariable", "Multivariable"))
    document = Document(io.BytesIO(data))
    assert document.paragraphs[0].text == "Table 2. Hazard ratios"
    assert document.paragraphs[-1].text == "HR: hazard ratio."
    grid = document.tables[0]
    top = [c.text for c in grid.rows[0].cells]  # a merged cell repeats across its span
    assert top == ["", "", "Univariable", "Univariable", "Multivariable", "Multivariable"]
    assert grid.rows[0].cells[2]._tc is grid.rows[0].cells[3]._tc  # one merged cell
    assert [c.text for c in grid.rows[1].cells] == ["Characteristic", "N", "HR (95% CI)", "p",
                                                   "HR (95% CI)", "p"]
    body = [[c.text for c in row.cells] for row in grid.rows[2:]]
    assert body[1] == ["    adverse", "7", "0.718 (0.116–4.46)", "0.722", "0.387 (0.034–4.41)",
                       "0.445"]
    assert body[2][0] == "=1+1" and body[2][2] == ""  # text stays text; missing is empty
    assert document.sections[0].page_width > document.sections[0].page_height  # landscape


def test_a_narrow_table_has_one_header_row_and_stays_portrait():
    document = Document(io.BytesIO(table_to_docx(pd.DataFrame({"a": [1], "b": ["x"]}))))
    assert [c.text for c in document.tables[0].rows[0].cells] == ["a", "b"]
    assert len(document.tables[0].rows) == 2
    assert document.sections[0].page_width < document.sections[0].page_height

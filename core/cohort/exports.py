"""Tables as downloadable bytes: CSV and XLSX that are safe to open in a spreadsheet.

A text cell such as ``=HYPERLINK("http://evil", "click")`` is data, never a formula: in XLSX
it is stored as a text cell; in CSV (which has no cell types) it is prefixed with ``'``, the
OWASP recommendation against CSV injection. Numbers are never altered.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.cohort.text import MAX_EXACT_INTEGER, format_number

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A text cell beginning with one of these would run as a formula in a spreadsheet."""


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` where every text cell that a spreadsheet would run starts with ``'``.

    Only text cells change; numeric columns and missing values are left exactly as they are.
    """
    out = df.copy()
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            continue
        out[name] = pd.Series(
            ["'" + v if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v
             for v in column], index=column.index, dtype=object)
    return out


def table_to_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV bytes of ``df`` (no index), with formula-like text neutralised.

    Parameters
    ----------
    df : pandas.DataFrame
        Any table.

    Returns
    -------
    bytes
        Comma-separated, CRLF line endings (RFC 4180, so a cell containing a carriage
        return is quoted), missing values as empty cells. Reading it back
        with :func:`pandas.read_csv` gives the same values, except that formula-like text
        cells start with ``'``.
    """
    safe = whole_floats_as_integers(neutralise_formulas(df))
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def whole_floats_as_integers(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` where each float column is written as a reader expects it.

    A float column (``age`` is float because a value may be missing) prints ``59.0`` in
    pandas' CSV; here every whole value up to 2**53 is written ``59`` and every other value
    with the shortest text that reads back to the same float
    (:func:`core.cohort.text.format_number`), missing values stay empty. Reading the CSV back
    gives the same numbers. Vectorised over whole-valued entries; other floats use ``repr``.
    """
    out = df.copy()
    for name in out.columns:
        column = out[name]
        if not pd.api.types.is_float_dtype(column):
            continue
        values = column.to_numpy(dtype=float, na_value=np.nan)
        whole = np.isfinite(values) & (np.abs(values) <= MAX_EXACT_INTEGER)
        whole &= np.equal(np.mod(values, 1, where=whole, out=np.ones_like(values)), 0)
        text = np.full(len(values), None, dtype=object)
        text[whole] = values[whole].astype(np.int64).astype(str)
        rest = ~whole & ~np.isnan(values)
        text[rest] = [format_number(v) for v in values[rest]]
        out[name] = pd.Series(text, index=column.index, dtype=object)
    return out


def table_to_xlsx(df: pd.DataFrame, sheet_name: str = "cohort",
                  notes: Sequence[str] = ()) -> bytes:
    """XLSX bytes of ``df`` (no index) in which every text cell is stored as text.

    Parameters
    ----------
    df : pandas.DataFrame
        Any table; column names become the header row.
    sheet_name : str
        Name of the data sheet (at most 31 characters).
    notes : sequence of str
        Lines written to a second sheet "About" (source, filters, definitions).

    Returns
    -------
    bytes
        An Excel workbook. Text is never turned into a formula, a URL or a number.
    """
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False, "nan_inf_to_errors": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as xl:
        df.to_excel(xl, sheet_name=sheet_name[:31], index=False)
        sheet = xl.sheets[sheet_name[:31]]
        sheet.freeze_panes(1, 0)
        for i, name in enumerate(df.columns):
            width = max([len(str(name)), *(len(str(v)) for v in df[name].head(200))])
            sheet.set_column(i, i, min(max(width + 2, 8), 60))
        if notes:
            pd.DataFrame({"about": list(notes)}).to_excel(xl, sheet_name="About", index=False)
    return buffer.getvalue()

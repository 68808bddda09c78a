"""Tables as downloadable bytes: CSV and XLSX that are safe to open in a spreadsheet.

A text cell such as ``=HYPERLINK("http://evil", "click")`` is data, never a formula: in XLSX
it is stored as a text cell; in CSV (which has no cell types) it is prefixed with ``'``, the
OWASP recommendation against CSV injection. Numbers are never altered.

Two forms of the same table: the machine-readable one (the data dictionary's snake_case
columns and 0/1 codes, which loads back into the app) and a readable one for people
(:func:`readable_table`: headers with units, event codes as words). Every download gets a
name that says what it holds (:func:`download_name`).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd
from xlsxwriter.worksheet import Worksheet

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


class _ExactNumbers(Worksheet):
    """An xlsxwriter worksheet that writes each number with the shortest text that reads back
    to the same double (Python's ``repr``); xlsxwriter's ``%.16G`` drops the 17th significant
    digit (0.30000000000000004 would read back as 0.3)."""

    def _xml_number_element(self, number, attributes=()) -> None:
        attr = "".join(f' {key}="{self._escape_attributes(value)}"' for key, value in attributes)
        self.fh.write(f"<c{attr}><v>{float(number)!r}</v></c>")


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
        xl.book.add_worksheet(sheet_name[:31], worksheet_class=_ExactNumbers)  # pandas reuses it
        df.to_excel(xl, sheet_name=sheet_name[:31], index=False)
        sheet = xl.sheets[sheet_name[:31]]
        sheet.freeze_panes(1, 0)
        for i, name in enumerate(df.columns):
            width = max([len(str(name)), *(len(str(v)) for v in df[name].head(200))])
            sheet.set_column(i, i, min(max(width + 2, 8), 60))
        if notes:
            pd.DataFrame({"about": list(notes)}).to_excel(xl, sheet_name="About", index=False)
    return buffer.getvalue()


# ---- readable exports and file names --------------------------------------------------------

EVENT_WORDS: dict[str, dict[int, str]] = {
    "rfs_event": {1: "relapse", 0: "censored (relapse-free at last contact)"},
    "os_event": {1: "death", 0: "censored (alive or lost to follow-up at last contact)"},
    "rfs_status": {0: "censored", 1: "relapse", 2: "death without relapse"},
}
"""Event codes spelled out in the readable CSV."""
EVENT_HEADERS = {"rfs_event": "RFS end: relapse or censored",
                 "os_event": "OS end: death or censored"}


def readable_table(df: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """``df`` with readable headers (units included) and event codes spelled out.

    Parameters
    ----------
    df : pandas.DataFrame
        A cohort table with the data dictionary's snake_case columns.
    labels : dict of str to str
        Readable header of each known column (``core.cohort.schema.LABELS``: ``"Age (years)"``,
        ``"RFS (months)"``). Other columns keep their names.

    Returns
    -------
    pandas.DataFrame
        The same rows; event columns (:data:`EVENT_WORDS`) hold words instead of 0/1/2
        (missing stays missing), under headers that say so (``"RFS end: relapse or
        censored"``).
        Numbers are unchanged. For reading and printing; the machine-readable export is
        :func:`table_to_csv` of the table itself, which loads back into the app.
    """
    out = df.copy()
    for column, words in EVENT_WORDS.items():
        if column in out.columns:
            codes = pd.to_numeric(out[column], errors="coerce")
            out[column] = codes.map(lambda v, w=words: w.get(int(v)) if pd.notna(v) and
                                    float(v).is_integer() else None).astype(object)
    names = {c: EVENT_HEADERS.get(c) or labels.get(c, c) for c in out.columns}
    return out.rename(columns=names)


SHORT_KEYS: dict[str, str] = {
    "eln2022_risk": "eln", "sorafenib_timing": "sorafenib", "mrd_pre_status": "mrd",
    "sex": "sex", "fab_class": "fab", "fusion_gene": "fusion", "relapse_type": "relapse",
    "outcome": "outcome", "age_min": "agemin", "age_max": "agemax", "co_mutations": "mut",
    "co_mutation_mode": "mutmode",
}
"""Short form of each filter key in file names."""
MAX_FILTER_PART = 60


def download_name(page: str, what: str, extension: str, *,
                  filters: dict[str, str] | None = None, endpoint: str | None = None,
                  when: datetime | None = None) -> str:
    """A file name that says what the file holds, so two downloads never share a name.

    Parameters
    ----------
    page : str
        The page it comes from (``"cohort"``, ``"survival"``).
    what : str
        The content (``"patients"``, ``"baseline"``, ``"report"``, ``"km-table"``).
    extension : str
        Without the dot (``"csv"``).
    filters : dict of str to str, optional
        The filter's URL parameters (``CohortFilter.to_query_params()``); written in short
        form (``eln-adverse_mrd-positive``), or ``all`` when empty.
    endpoint : str, optional
        ``"os"``/``"rfs"`` (and a stratifier, e.g. ``"rfs-by-eln2022_risk"``).
    when : datetime.datetime, optional
        The time stamp (default: now), to the second.

    Returns
    -------
    str
        ``relapse-explorer_<page>_<what>[_<endpoint>]_<filters>_<YYYYMMDD-HHMMSS>.<ext>``: only
        letters, digits, ``-``, ``_`` and ``.``; a filter part longer than 60 characters is
        cut and ends with 8 characters of its SHA-256, so different filters stay different.
    """
    described = "_".join(_slug(f"{SHORT_KEYS.get(key, key)}-{value.replace(',', '+')}")
                         for key, value in (filters or {}).items()) or "all"
    if len(described) > MAX_FILTER_PART:
        digest = hashlib.sha256(described.encode("utf-8")).hexdigest()[:8]
        described = f"{described[:MAX_FILTER_PART - 9]}-{digest}"
    stamp = (when or datetime.now()).strftime("%Y%m%d-%H%M%S")
    pieces = ["relapse-explorer", _slug(page), _slug(what)]
    if endpoint:
        pieces.append(_slug(endpoint))
    return "_".join([*pieces, described, stamp]) + "." + _slug(extension)


def _slug(text: str) -> str:
    return re.sub(r"-{2,}", "-", re.sub(r"[^0-9A-Za-z.+-]+", "-", str(text))).strip("-.")

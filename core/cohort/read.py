"""Reading a cohort file into a raw table, within fixed caps, and loading it as a cohort.

Design: reading never interprets a value. :func:`read_table` turns any supported file (CSV/TSV/
TXT, XLSX, Parquet, SPSS ``.sav``, Stata ``.dta``; the format judged by content in
:mod:`core.cohort.sniff`) into a raw DataFrame whose columns are the file's own headers and
whose cells are what the file holds: text for text formats (so patient id ``000123`` stays
``000123``), typed values for typed formats (numbers, dates, SPSS/Stata value labels as their
category text). The index holds each row's number as a spreadsheet shows it (the header row is
row 1 unless the table starts lower), so every problem can name the row the user sees. The caps
(:data:`MAX_COLUMNS`, :data:`MAX_ROWS`, :data:`MAX_UPLOAD_MB`) are checked before the bulk of
the file is parsed, so no file can keep the server busy: a workbook whose used range reaches
column XFD is refused from its dimension record, a 4,000-column CSV from its header line.
:func:`load_cohort` is reading, then :mod:`core.cohort.mapping`, then the one gatekeeper
:func:`core.cohort.validate.validate_cohort`.

Conventions: every failure is a :class:`~core.errors.CohortError` with one plain sentence
(parser jargon such as "Error tokenizing data" is translated); a text table with a decimal
comma (``32,25`` in a semicolon- or tab-separated file) is read with a decimal point.

References: ECMA-376 (SpreadsheetML dimension record); pyreadstat documentation
(``apply_value_formats``).
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np
import pandas as pd

from core.cohort.caps import (  # noqa: F401  (re-exported: pages state the caps)
    HEADER_SEARCH_ROWS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UPLOAD_MB,
    too_many_columns,
    too_many_rows,
)
from core.cohort.delimited import TEXT_DTYPE, read_delimited
from core.cohort.sniff import decode_text, detect_format, detect_separator
from core.cohort.typed_formats import read_parquet, read_stat
from core.cohort.validate import split_list, validate_cohort  # noqa: F401  (re-exported)
from core.cohort.xlsx import read_rows
from core.cohort.xlsx import sheet_names as xlsx_sheet_names
from core.errors import CohortError

if TYPE_CHECKING:
    from core.cohort.mapping import Mapping

SEED_PATH = Path(__file__).resolve().parents[2] / "data" / "seed_cohort.csv"


ROW_INDEX = "row"
"""Name of the raw table's index: each row's number as a spreadsheet shows it."""


def load_seed_cohort() -> pd.DataFrame:
    """Return the embedded 19-patient cohort of the seed study, validated.

    The file is read and validated once per process; each call returns its own copy (a
    caller may change it freely).

    Returns
    -------
    pandas.DataFrame
        One row per patient with the columns of :data:`core.cohort.schema.COLUMNS`; times in months.
    """
    return _validated_seed().copy(deep=True)


@functools.cache
def _validated_seed() -> pd.DataFrame:
    return validate_cohort(read_table(SEED_PATH))


def load_cohort(source: str | Path | IO[bytes], mapping: Mapping | dict | None = None,
                progress: Callable[[float], None] | None = None) -> pd.DataFrame:
    """Read a user's cohort, map its columns to the schema and validate it.

    Parameters
    ----------
    source : str, pathlib.Path or binary file-like
        A path, or an open binary file such as Streamlit's ``UploadedFile``. CSV/TSV/TXT,
        XLSX, Parquet, SPSS ``.sav`` or Stata ``.dta``, recognised by content.
    mapping : core.cohort.mapping.Mapping or dict, optional
        How the file's columns and codes map to the schema, as the app's mapping step produces
        it (a dict is read with :meth:`Mapping.from_dict`). ``None``: the proposal of
        :func:`core.cohort.mapping.propose_mapping` is used where it is unambiguous; otherwise
        the error lists every field that needs a choice.
    progress : callable, optional
        Called now and then with the share (0 to 1) of the file read so far.

    Returns
    -------
    pandas.DataFrame
        The cohort in the shape of :func:`load_seed_cohort`, plus the file's extra columns.

    Raises
    ------
    core.errors.CohortError
        When the file cannot be read, the mapping is ambiguous or does not fit the file, or any
        value breaks a rule of the schema (every problem listed).
    """
    from core.cohort.mapping import Mapping

    if isinstance(mapping, dict):
        mapping = Mapping.from_dict(mapping)
    sheet = mapping.sheet if mapping is not None else None
    header_row = mapping.header_row if mapping is not None else None
    raw = read_table(source, sheet=sheet, header_row=header_row, progress=progress)
    return cohort_from_table(raw, mapping)


def cohort_from_table(raw: pd.DataFrame, mapping: Mapping | None = None) -> pd.DataFrame:
    """The second half of :func:`load_cohort`: map a raw table of :func:`read_table` (by the
    unambiguous proposal when ``mapping`` is ``None``) and validate it.

    Raises
    ------
    core.errors.CohortError
        As :func:`load_cohort` does after reading.
    """
    from core.cohort.mapping import apply_mapping
    from core.cohort.proposal import resolve_mapping

    if mapping is None:
        mapping = resolve_mapping(raw)
    return validate_cohort(apply_mapping(raw, mapping))


# --------------------------------------------------------------------------------------------
# Raw tables
# --------------------------------------------------------------------------------------------

def read_source(source: str | Path | IO[bytes]) -> tuple[str, bytes]:
    """Return ``(file name, bytes)`` of a path or binary file-like object, within the size cap.

    Raises
    ------
    core.errors.CohortError
        When the path cannot be opened or the file exceeds :data:`MAX_UPLOAD_MB`.
    """
    if isinstance(source, (str, Path)):
        name = str(source)
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise CohortError([f"The file {name!r} could not be opened ({exc.strerror}). "
                               "Fix: check the path."]) from exc
    else:
        name = str(getattr(source, "name", "") or "")
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
    if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        raise CohortError([f"The file {Path(name).name or '(upload)'} is "
                           f"{len(data) / 1024 / 1024:,.0f} MB; at most {MAX_UPLOAD_MB} MB are "
                           "read. Fix: export only the columns the analysis needs, or as "
                           "Parquet (smaller)."])
    return name, bytes(data)


def sheet_names(source: str | Path | IO[bytes]) -> list[str]:
    """The worksheet names of an XLSX file, in workbook order (``[]`` for other formats)."""
    name, data = read_source(source)
    if detect_format(name, data) != "xlsx":
        return []
    return xlsx_sheet_names(Path(name).name or "(upload)", data)


def read_table(source: str | Path | IO[bytes], sheet: str | None = None,
               header_row: int | None = None,
               progress: Callable[[float], None] | None = None) -> pd.DataFrame:
    """Read a cohort file into a raw table, without interpreting any value.

    Parameters
    ----------
    source : str, pathlib.Path or binary file-like
        The file.
    sheet : str, optional
        Worksheet of an XLSX file; default the first sheet.
    header_row : int, optional
        Row number (1-based, as a spreadsheet shows it) of the header in an XLSX or text
        table; default the first row among the first :data:`HEADER_SEARCH_ROWS` that fills
        at least half as many cells as the fullest row (title lines above it are skipped).
    progress : callable, optional
        Called now and then with the share (0 to 1) of the file read so far.

    Returns
    -------
    pandas.DataFrame
        Columns: the file's headers, stripped (an empty header becomes ``"column D"`` after
        its spreadsheet letter; an entirely empty column is dropped). Cells: text (text
        formats, empty text for an empty cell) or typed values (XLSX, Parquet, .sav, .dta).
        Index ``"row"``: each row's number as a spreadsheet shows it. Entirely empty rows are
        dropped.

    Raises
    ------
    core.errors.CohortError
        When the file is empty, not a table, undecodable, larger than a cap, or has a
        duplicated header.
    """
    name, data = read_source(source)
    kind = detect_format(name, data)
    shown = Path(name).name or "(upload)"
    try:
        if kind == "csv":
            table = _read_text(shown, data)
            return _frame_from_table(shown, table, np.arange(1, len(table) + 1), header_row)
        if kind == "xlsx":
            grid, numbers = read_rows(shown, data, sheet, MAX_ROWS + HEADER_SEARCH_ROWS,
                                      progress)
            return _frame_from_table(shown, pd.DataFrame(grid, dtype=object), numbers,
                                     header_row)
        if kind == "parquet":
            return _typed_frame(shown, read_parquet(shown, data))
        return _typed_frame(shown, read_stat(shown, data, kind))
    except (CohortError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure becomes one plain sentence
        if any(words in str(exc).lower() for words in _OUT_OF_MEMORY):
            raise MemoryError(str(exc)) from exc
        raise CohortError([f"The file {shown} could not be read as {_KIND_NAMES[kind]}: "
                           f"{_plain_reason(exc)}. Fix: open it in the program that made it and "
                           "export it again (CSV UTF-8 or XLSX, one header row)."]) from exc


_OUT_OF_MEMORY = ("out of memory", "failed to launch worker thread")
"""How pandas' C parser and Arrow word running out of memory without a MemoryError."""
_KIND_NAMES = {"csv": "a text table", "xlsx": "an Excel workbook", "parquet": "Parquet",
               "sav": "an SPSS file", "dta": "a Stata file"}


def _plain_reason(exc: Exception) -> str:
    text = str(exc)
    if match := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text):
        want, line, saw = match.groups()
        return (f"line {line} has {saw} values where the header has {want} (a separator inside "
                "a value that is not quoted?)")
    if "EOF inside string" in text or "EOF inside" in text:
        return "a quotation mark is opened and never closed"
    if "zip" in text.lower() or "xml" in text.lower():
        return "the workbook is damaged or not a real .xlsx"
    return "the file is damaged or in a variant this reader does not know"


def _read_text(shown: str, data: bytes) -> pd.DataFrame:
    """A text table as positional text columns (rows as lines, short rows padded with "")."""
    if data.isascii() and b"\x00" not in data:  # what decode_text reads as UTF-8, without
        utf8, head = data, data[:1_000_000].decode("ascii")  # a second copy of the file as text
    else:
        text, encoding = decode_text(shown, data)
        head = text[:1_000_000]
        utf8 = data[3:] if encoding == "utf-8-sig" else data if encoding == "utf-8" else \
            text.encode("utf-8")
        del text
    sep = detect_separator(head)
    sample = head.splitlines()[:200]
    width = max((len(row) for row in csv.reader(sample, delimiter=sep)), default=1)
    if width > MAX_COLUMNS:
        raise too_many_columns(shown, f"{width:,} columns")
    table = read_delimited(utf8, sep, width, MAX_ROWS + HEADER_SEARCH_ROWS + 1)
    if table is None:  # rows of other widths: pandas pads short rows and words the errors
        table = pd.read_csv(io.BytesIO(utf8), sep=sep, header=None, names=range(width),
                            dtype=TEXT_DTYPE, keep_default_na=False, na_filter=False,
                            skip_blank_lines=False, nrows=MAX_ROWS + HEADER_SEARCH_ROWS + 1,
                            quoting=csv.QUOTE_MINIMAL, engine="c", encoding="utf-8")
    _check_ragged(shown, table)
    if sep != ",":
        table = _decimal_commas(table)
    return table


def _check_ragged(shown: str, table: pd.DataFrame) -> None:
    """Rows of a text table with more values than its header (a stray separator)."""
    filled = _filled(table.iloc[:HEADER_SEARCH_ROWS])
    counts = filled.sum(axis=1)
    if not counts.size or counts.max() == 0:
        return
    header_at = int(np.flatnonzero(counts >= max(1, counts.max() / 2))[0])
    width = int(np.flatnonzero(filled[header_at])[-1]) + 1
    if width >= table.shape[1]:
        return
    beyond = _filled(table.iloc[header_at + 1:, width:], exact=False).any(axis=1)
    lines = (np.flatnonzero(beyond) + header_at + 2).tolist()
    if lines:
        shown_lines = ", ".join(map(str, lines[:8])) + (f" and {len(lines) - 8} more"
                                                        if len(lines) > 8 else "")
        raise CohortError([f"The file {shown}: line{'s' if len(lines) > 1 else ''} "
                           f"{shown_lines} {'have' if len(lines) > 1 else 'has'} more values "
                           f"than the header has columns ({width}); a separator inside a value "
                           "that is not quoted? Fix: quote such values or remove the stray "
                           "separator."])


_DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d+,\d+\s*$")
_PLAIN_NUMBER = re.compile(r"^\s*[+-]?(\d+|\d*\.\d+)\s*$|^\s*$")


def _decimal_commas(table: pd.DataFrame) -> pd.DataFrame:
    """Columns whose numbers use a decimal comma (``32,25``) get a decimal point."""
    for j in table.columns:
        column = table[j].iloc[1:]
        comma = column.str.match(_DECIMAL_COMMA.pattern).fillna(False)
        if comma.any() and (comma | column.str.match(_PLAIN_NUMBER.pattern).fillna(True)).all():
            table.loc[table.index[1:], j] = column.str.replace(",", ".", regex=False)
    return table


def _frame_from_table(shown: str, table: pd.DataFrame, numbers: np.ndarray,
                      header_row: int | None) -> pd.DataFrame:
    """Header detection, empty rows/columns, duplicate headers and the row cap.

    ``table`` has positional columns (0, 1, ...; text for a text table, typed cells for a
    workbook) and ``numbers`` each row's number as the spreadsheet shows it (ascending)."""
    from openpyxl.utils import get_column_letter

    filled = _filled(table, exact=False)
    filled[:HEADER_SEARCH_ROWS] = _filled(table.iloc[:HEADER_SEARCH_ROWS])
    if header_row is None:
        counts = filled[:HEADER_SEARCH_ROWS].sum(axis=1)
        if not counts.size or counts.max() == 0:
            raise CohortError([f"The file {shown} holds no table (no filled cell in its first "
                               f"{HEADER_SEARCH_ROWS} rows). Fix: put the header row at the top."])
        header_at = int(np.flatnonzero(counts >= max(1, counts.max() / 2))[0])
    else:
        found = np.flatnonzero(numbers == header_row)
        if not found.size:
            last = int(numbers[-1]) if len(numbers) else 0
            why = f"it has {last} rows" if header_row > last else "that row is empty"
            raise CohortError([f"The file {shown} has no row {header_row} to read the header "
                               f"from ({why}). Fix: choose the row that holds the column names."])
        header_at = int(found[0])
    keep_cols = np.flatnonzero(filled[header_at:].any(axis=0))
    headers = []
    for j in keep_cols:
        value = table.iat[header_at, int(j)]
        text = "" if value is None or value is pd.NA else str(value).strip()
        headers.append(text or f"column {get_column_letter(j + 1)}")
    counts = Counter(headers)
    repeated = [h for h, c in counts.items() if c > 1]
    if repeated:
        where: dict[str, list[str]] = {}
        for j, header in zip(keep_cols, headers, strict=True):
            if counts[header] > 1:
                where.setdefault(header, []).append(get_column_letter(int(j) + 1))
        raise CohortError([f"Column `{h}` appears {counts[h]} times in the header (columns "
                           f"{', '.join(where[h])}). Fix: keep one column of that name and "
                           "rename or delete the others." for h in repeated])
    keep_rows = np.flatnonzero(filled[header_at + 1:, keep_cols].any(axis=1)) + header_at + 1
    if len(keep_rows) > MAX_ROWS:
        raise too_many_rows(shown)
    frame = table.iloc[_as_slice(keep_rows), _as_slice(keep_cols)]
    frame.columns = headers
    frame.index = pd.Index(numbers[keep_rows], name=ROW_INDEX)
    return frame


def _as_slice(positions: np.ndarray) -> slice | np.ndarray:
    """Ascending positions as a slice when they are consecutive (a slice of the table shares
    its memory; a list of positions copies every cell)."""
    if len(positions) and positions[-1] - positions[0] == len(positions) - 1:
        return slice(int(positions[0]), int(positions[-1]) + 1)
    return positions


def _filled(table: pd.DataFrame, exact: bool = True) -> np.ndarray:
    """Boolean grid (rows x columns): the cell holds a value (not missing, not blank text).
    ``exact=False`` counts whitespace-only text as filled (fast path for whole tables; the
    gatekeeper reads such a cell as missing)."""
    if table.size == 0:
        return np.zeros(table.shape, dtype=bool)
    import pyarrow.compute as pc

    columns = []
    for j in table.columns:
        column = table[j]
        if column.dtype == TEXT_DTYPE:  # a text table: Arrow's kernels without pandas' cost
            arrow = column.array.__arrow_array__()
            text = pc.utf8_trim_whitespace(arrow) if exact else arrow
            columns.append(pc.fill_null(pc.not_equal(text, ""), False)
                           .to_numpy(zero_copy_only=False))
        elif exact:
            text = column.astype("string").str.strip()
            columns.append((column.notna() & text.ne("").fillna(True)).to_numpy(dtype=bool))
        else:
            columns.append((column.notna() & column.ne("").fillna(True)).to_numpy(dtype=bool))
    return np.column_stack(columns)


def _typed_frame(shown: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A typed table (Parquet, .sav, .dta) in the raw shape: text headers, row numbers."""
    headers = [str(c).strip() or f"column {i + 1}" for i, c in enumerate(frame.columns)]
    counts = Counter(headers)
    repeated = [h for h, c in counts.items() if c > 1]
    if repeated:
        raise CohortError([f"Column `{h}` appears {counts[h]} times in the header. Fix: keep one "
                           "column of that name and rename or delete the others."
                           for h in repeated])
    frame = frame.set_axis(headers, axis=1)
    frame.index = pd.Index(np.arange(len(frame)) + 2, name=ROW_INDEX)
    return frame

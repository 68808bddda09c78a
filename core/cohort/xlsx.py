"""Reading an Excel workbook within caps: its parts' sizes first, then its real rows as a stream.

Design: an XLSX file is a zip package of XML parts. Before any part is parsed,
:func:`check_package` reads the sizes every member declares in the zip directory and refuses a
part that would inflate beyond :data:`MAX_PART_MB` (worksheets: :data:`MAX_SHEET_MB`) or more
than :data:`MAX_INFLATION` times its compressed size (a "zip bomb"; real worksheets inflate 5
to 15 times). Python's ``zipfile`` stops at the declared size and checks the CRC, so a member
cannot inflate past what it declares. Then :func:`read_rows` walks the worksheet's ``<row>``
elements as they come (openpyxl's own worksheet parser, so shared strings, dates and
booleans read as openpyxl reads them): only rows that hold a value are kept, each with its
row number as the spreadsheet shows it, and reading stops as soon as the row or column cap is
passed. A workbook's ``<dimension>`` record is not trusted: a sheet that claims ``A1:C3`` but
holds a cell on row 1,000,031 is read as its real rows (and the far row keeps its number);
nothing pads the rows in between.

Conventions: refusals are :class:`~core.errors.CohortError` with one sentence naming the file,
the part or cell and the fix.

References: ECMA-376 Part 2 (Open Packaging Conventions); openpyxl
``worksheet._reader.WorkSheetParser`` (the parser ``read_only`` workbooks use).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import numpy as np

from core.cohort.caps import MAX_COLUMNS, too_many_columns, too_many_rows
from core.errors import CohortError

MAX_SHEET_MB = 2048
"""A worksheet part may inflate to at most this many MiB."""
MAX_PART_MB = 64
"""Any other part (workbook, styles, relationships, shared strings) to at most this many MiB."""
MAX_SHARED_STRINGS_MB = 256
"""The shared-strings part (every distinct text of the workbook) to at most this many MiB."""
MAX_INFLATION = 100
"""A part larger than 1 MiB may inflate at most this many times its compressed size."""
_MIB = 2 ** 20


def _part_cap(name: str) -> int:
    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
        return MAX_SHEET_MB
    if name == "xl/sharedStrings.xml":
        return MAX_SHARED_STRINGS_MB
    return MAX_PART_MB


def check_package(shown: str, data: bytes) -> None:
    """Refuse a workbook whose zip directory declares a part too large to read safely.

    Raises
    ------
    core.errors.CohortError
        A part inflates beyond its cap or beyond :data:`MAX_INFLATION` times its compressed
        size; or the package is not a readable zip.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise CohortError([f"The file {shown} could not be read as an Excel workbook: the "
                           "workbook is damaged or not a real .xlsx. Fix: open it in Excel and "
                           "save it again as .xlsx."]) from exc
    for member in members:
        size, packed = member.file_size, max(member.compress_size, 1)
        cap = _part_cap(member.filename)
        if size > cap * _MIB or (size > _MIB and size > MAX_INFLATION * packed):
            raise CohortError([
                f"The file {shown} is not read: its part {member.filename[:60]!r} would "
                f"inflate from {packed / _MIB:,.1f} MB to {size / _MIB:,.0f} MB "
                f"(at most {cap:,} MB and {MAX_INFLATION} times its packed size are read; "
                "a real workbook inflates 5 to 15 times). Fix: open it in Excel and save it "
                "again as .xlsx, or export the table as CSV."])


def open_workbook(shown: str, data: bytes):
    """The openpyxl workbook (read-only, values not formulas) after :func:`check_package`."""
    import openpyxl

    check_package(shown, data)
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001
        raise CohortError([f"The file {shown} could not be read as an Excel workbook: the "
                           "workbook is damaged or not a real .xlsx. Fix: open it in Excel and "
                           "save it again as .xlsx."]) from exc


def read_rows(shown: str, data: bytes, sheet: str | None, max_rows: int,
              progress: Callable[[float], None] | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """The rows of a worksheet that hold a value, with their row numbers.

    Parameters
    ----------
    shown : str
        The file name for messages.
    data : bytes
        The workbook.
    sheet : str, optional
        Worksheet name; default the first sheet.
    max_rows : int
        More rows holding a value than this is a refusal (reading stops there).
    progress : callable, optional
        Called now and then with the share (0 to 1) of the worksheet part read so far.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        An object grid of shape (rows, columns) up to the last filled column (``None`` for an
        empty cell), and the spreadsheet row number of each grid row (int64, ascending).
        Values as openpyxl reads them: text, int or float, bool, ``datetime`` for a cell with
        a date format, an error code as its text (``"#N/A"``).

    Raises
    ------
    core.errors.CohortError
        No such sheet, a cell beyond column :data:`~core.cohort.caps.MAX_COLUMNS`, more than
        ``max_rows`` filled rows, or a damaged worksheet.
    """
    from openpyxl.utils import get_column_letter

    book = open_workbook(shown, data)
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise CohortError([f"The workbook {shown} has no sheet {sheet!r}; its sheets are "
                               f"{', '.join(map(repr, book.sheetnames))}. Fix: choose one of "
                               "them."])
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        packed = _packed_size(book, ws)
        stream = SheetStream(ws._shared_strings, book._date_formats, book._timedelta_formats,
                             book.epoch)
        with ws._get_source() as source:
            while chunk := source.read(CHUNK_BYTES):
                stream.feed(chunk)
                if stream.widest > MAX_COLUMNS:
                    raise too_many_columns(shown, f"cells up to column "
                                                  f"{get_column_letter(stream.widest)} "
                                                  f"({stream.widest:,} columns)")
                if len(stream.rows) > max_rows:
                    raise too_many_rows(shown)
                if progress is not None:
                    progress(_share_read(source, packed))
            stream.feed(b"", final=True)
    except (CohortError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - expat and zlib errors: a damaged worksheet
        raise CohortError([f"The file {shown} could not be read as an Excel workbook: the "
                           "worksheet is damaged. Fix: open it in Excel and save it again as "
                           ".xlsx."]) from exc
    finally:
        book.close()
    grid = np.empty((len(stream.rows), stream.widest), dtype=object)
    for i, filled in enumerate(stream.rows):
        for column, value in filled:
            grid[i, column - 1] = value
    numbers = np.asarray(stream.numbers, dtype=np.int64)
    order = np.argsort(numbers, kind="stable")
    return grid[order], numbers[order]


CHUNK_BYTES = 1 << 16
"""The worksheet part is inflated and parsed this many bytes at a time."""
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROW, _CELL, _VALUE, _TEXT, _INLINE, _PHONETIC = (f"{_MAIN} {tag}" for tag in
                                                  ("row", "c", "v", "t", "is", "rPh"))


class SheetStream:
    """A worksheet part parsed as it is fed (expat): the rows that hold a value.

    Attributes
    ----------
    rows : list of list of (int, object)
        Per filled row, its (1-based column, value) pairs.
    numbers : list of int
        The row number of each entry of ``rows``.
    widest : int
        The largest column holding a value so far.
    """

    def __init__(self, shared_strings, date_styles, timedelta_styles, epoch) -> None:
        from xml.parsers import expat

        self.rows: list[list[tuple[int, object]]] = []
        self.numbers: list[int] = []
        self.widest = 0
        self._strings, self._dates, self._durations = shared_strings, date_styles, \
            timedelta_styles
        self._epoch = epoch
        self._parser = expat.ParserCreate(namespace_separator=" ")
        self._parser.buffer_text = True
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end
        self._parser.CharacterDataHandler = self._text
        self._row_number, self._column = 0, 0
        self._cells: list[tuple[int, object]] = []
        self._kind, self._style, self._parts = "n", 0, []
        self._collect = False
        self._in_inline = self._in_phonetic = False
        self._letters: dict[str, int] = {}

    def feed(self, chunk: bytes, final: bool = False) -> None:
        self._parser.Parse(chunk, final)

    def _start(self, tag: str, attrs: dict) -> None:
        if tag == _CELL:
            ref = attrs.get("r")
            self._column = self._column_of(ref) if ref else self._column + 1
            self._kind, self._style, self._parts = attrs.get("t", "n"), attrs.get("s"), []
        elif tag == _VALUE:
            self._collect = True
        elif tag == _TEXT:
            self._collect = self._in_inline and not self._in_phonetic
        elif tag == _INLINE:
            self._in_inline = True
        elif tag == _PHONETIC:
            self._in_phonetic = True
        elif tag == _ROW:
            number = attrs.get("r")
            self._row_number = int(float(number)) if number else self._row_number + 1
            self._column, self._cells = 0, []

    def _end(self, tag: str) -> None:
        if tag == _CELL:
            value = self._value()
            if value is not None and value != "":
                self._cells.append((self._column, value))
                self.widest = max(self.widest, self._column)
        elif tag in (_VALUE, _TEXT):
            self._collect = False
        elif tag == _INLINE:
            self._in_inline = False
        elif tag == _PHONETIC:
            self._in_phonetic = False
        elif tag == _ROW and self._cells:
            self.rows.append(self._cells)
            self.numbers.append(self._row_number)
            self._cells = []

    def _text(self, text: str) -> None:
        if self._collect:
            self._parts.append(text)

    def _column_of(self, ref: str) -> int:
        letters = ref.rstrip("0123456789")
        column = self._letters.get(letters)
        if column is None:
            column = 0
            for letter in letters.upper():
                column = column * 26 + ord(letter) - 64
            self._letters[letters] = column
        return column

    def _value(self) -> object:
        """The cell's value as openpyxl's worksheet reader gives it (see :func:`read_rows`)."""
        text = "".join(self._parts)
        kind = self._kind
        if kind == "inlineStr" or kind == "str":
            return text.replace("_x005F_", "_") if kind == "inlineStr" else text
        if not text:
            return None
        if kind == "s":
            return self._strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "e":
            return text
        if kind == "d":
            from openpyxl.utils.datetime import from_ISO8601

            return from_ISO8601(text)
        number = float(text) if "." in text or "E" in text or "e" in text else int(text)
        style = int(self._style) if self._style else 0
        if style and style in self._dates:
            from openpyxl.utils.datetime import from_excel

            try:
                return from_excel(number, self._epoch, timedelta=style in self._durations)
            except (OverflowError, ValueError):
                return "#VALUE!"
        return number


def _share_read(source, packed: int) -> float:
    """Share of the worksheet part's compressed bytes consumed (0 when unknown)."""
    left = getattr(source, "_compress_left", None)
    return 0.0 if not packed or left is None else min(1.0, max(0.0, 1 - left / packed))


def _packed_size(book, ws) -> int:
    """Compressed size of the worksheet's part (for the progress share)."""
    try:
        return book._archive.getinfo(ws._worksheet_path).compress_size
    except (KeyError, AttributeError):
        return 0


def sheet_names(shown: str, data: bytes) -> list[str]:
    """The worksheet names of a workbook, in workbook order."""
    book = open_workbook(shown, data)
    try:
        return list(book.sheetnames)
    finally:
        book.close()

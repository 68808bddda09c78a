"""Reading a well-formed delimited text table straight into Arrow-backed text columns.

Design: the fast path of :func:`core.cohort.read.read_table` for text tables. Arrow's CSV
reader parses the UTF-8 bytes into Arrow text (no Python string per cell, no second copy),
every cell as text exactly as written (no missing-value words, no type inference), and parses
no line past the row cap. It takes only files whose every row has the header's number of
values and an even number of quotation marks; any other file (a short row, a stray
separator, a quotation mark never closed) returns ``None`` and is read by pandas' parser,
whose padding of short rows and whose error messages the app relies on. Both paths give the
same table for a file both can read (pinned in ``tests/core/cohort/test_delimited.py``).

Conventions: columns are positional (0, 1, ...) with ``pandas.StringDtype("pyarrow")``;
the row index counts records from 0, like pandas with ``header=None``.

References: Apache Arrow, ``pyarrow.csv.open_csv`` (streaming CSV reader).
"""

from __future__ import annotations

import pandas as pd

TEXT_DTYPE = pd.StringDtype("pyarrow")
"""Cells of a text table: Arrow-backed text (about the file's own size in memory; a Python
string per cell would take four to eight times more)."""
BLOCK_BYTES = 1 << 16
"""Bytes Arrow parses at a time. Small blocks keep the worker's address space close to its
memory (Arrow reserves per block: on 10^6 rows, 1 MiB blocks reserved about 2.2 times the
table, 64 KiB blocks 1.5 times); the hand-off to the server joins them again."""
_CHUNK = 1 << 23


def read_delimited(utf8: bytes, sep: str, width: int, max_rows: int) -> pd.DataFrame | None:
    """Read a delimited text table whose every row has ``width`` values.

    Parameters
    ----------
    utf8 : bytes
        The file, UTF-8 without a byte-order mark.
    sep : str
        The one-character separator.
    width : int
        Values in a row (the widest of the first rows).
    max_rows : int
        Rows read at most (the rest of the file is not parsed).

    Returns
    -------
    pandas.DataFrame or None
        Text columns ``0 .. width - 1`` (empty text for an empty cell) and at most
        ``max_rows`` rows; ``None`` when any row has another number of values, a quotation
        mark is left open, or Arrow's parser declines the file (the caller reads it another way).
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    if utf8.count(b'"') % 2:  # a quotation mark left open (Arrow would read on to the end)
        return None
    names = [str(j) for j in range(width)]
    options = {
        "read_options": pcsv.ReadOptions(column_names=names, use_threads=False,
                                         block_size=BLOCK_BYTES),
        "parse_options": pcsv.ParseOptions(delimiter=sep, quote_char='"', double_quote=True,
                                           escape_char=False, newlines_in_values=True,
                                           ignore_empty_lines=False),
        "convert_options": pcsv.ConvertOptions(
            column_types={name: pa.large_string() for name in names}, null_values=[],
            strings_can_be_null=False, quoted_strings_can_be_null=False),
    }
    utf8 = _first_records(utf8, max_rows)
    if utf8 is None:
        return None
    try:  # the whole-file reader: Arrow's streaming reader can hang when memory runs out
        table = pcsv.read_csv(pa.BufferReader(utf8), **options)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows == 0:
        return None
    frame = table.to_pandas(types_mapper={pa.large_string(): TEXT_DTYPE}.get)
    frame.columns = range(width)
    return frame


def _first_records(utf8: bytes, max_rows: int) -> memoryview | bytes | None:
    """The file up to its ``max_rows``-th line (all of it when it has fewer lines); ``None``
    when it has more and a quoted value may span lines (pandas then counts the records)."""
    import numpy as np

    if utf8.count(b"\n") < max_rows:
        return utf8
    if b'"' in utf8:
        return None
    seen = 0
    for start in range(0, len(utf8), _CHUNK):
        chunk = utf8[start:start + _CHUNK]
        here = chunk.count(b"\n")
        if seen + here >= max_rows:
            ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == ord("\n"))
            return memoryview(utf8)[:start + int(ends[max_rows - seen - 1]) + 1]
        seen += here
    return utf8

"""Reading the typed formats (Parquet, SPSS ``.sav``, Stata ``.dta``) within the caps.

Design: a typed file says what it holds before its data: a Parquet footer gives the rows,
columns and unpacked size of every row group; an SPSS or Stata header gives the variables and
cases (:mod:`core.cohort.stat_header`). Both are checked before the data are parsed. Parquet
text columns are read as dictionaries, so a value repeated in every row is decoded once and
shared by every row that holds it, and their decoded size is checked before any Python object
is made (a 500 KB file repeating one 10 KB value 240,000 times is 2.3 GB of text).
:mod:`core.cohort.read` puts the result into the raw-table shape.

References: Apache Parquet format (FileMetaData, RowGroup.total_byte_size); pyreadstat
documentation (``metadataonly``, ``apply_value_formats``).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from core.cohort.caps import (
    MAX_COLUMNS,
    MAX_DECODED_MB,
    MAX_ROWS,
    too_large_decoded,
    too_many_columns,
    too_many_rows,
)
from core.cohort.stat_header import declared_shape

_MIB = 2 ** 20
COLUMN_LABELS = "column_labels"
"""Key of a raw table's ``attrs``: SPSS/Stata variable labels by column (the mapping proposal
reads them as headers)."""


def read_parquet(shown: str, data: bytes) -> pd.DataFrame:
    """A Parquet file within the caps: shape and unpacked size from the footer, then text
    columns read as dictionaries so a value repeated in every row is one Python object."""
    import pyarrow.parquet as pq

    file = pq.ParquetFile(io.BytesIO(data))
    meta = file.metadata
    if meta.num_columns > MAX_COLUMNS:
        raise too_many_columns(shown, f"{meta.num_columns:,} columns")
    if meta.num_rows > MAX_ROWS:
        raise too_many_rows(shown)
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if unpacked > MAX_DECODED_MB * _MIB:
        raise too_large_decoded(shown, unpacked / _MIB)
    texts = [field.name for field in file.schema_arrow if _is_text(field.type)]
    table = pq.ParquetFile(io.BytesIO(data), read_dictionary=texts).read()
    decoded = sum(_decoded_bytes(column) for column in table.columns)
    if decoded > MAX_DECODED_MB * _MIB:
        raise too_large_decoded(shown, decoded / _MIB)
    return pd.DataFrame({field.name: _column_values(field.type, column)
                         for field, column in zip(table.schema, table.columns, strict=True)})



def _decoded_bytes(column) -> int:
    """Bytes a column takes once every dictionary index is replaced by its value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_dictionary(column.type):
        return column.nbytes
    total = 0
    for chunk in column.chunks:
        lengths = pc.binary_length(chunk.dictionary) if _is_text(chunk.dictionary.type) else \
            pa.array(np.full(len(chunk.dictionary), 8, dtype=np.int64))
        total += (pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0) + 8 * len(chunk)
    return total


def _is_text(kind) -> bool:
    import pyarrow as pa

    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or \
        pa.types.is_binary(kind) or pa.types.is_large_binary(kind)


def _column_values(kind, column) -> pd.Series:
    """A Parquet column as the raw table holds it: numbers and text as they are, a dictionary
    column as its values (each distinct value one shared object), nested/binary/date/decimal
    cells as plain Python values."""
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        codes = np.concatenate([np.asarray(c.indices.fill_null(-1), dtype=np.int64)
                                for c in column.chunks]) if column.num_chunks else \
            np.zeros(0, dtype=np.int64)
        values = column.chunks[0].dictionary.to_pylist() if column.num_chunks else []
        shared = np.array([None] + [None if v is None else _text_of(v) for v in values],
                          dtype=object)
        return pd.Series(shared[codes + 1], dtype=object)
    if pa.types.is_nested(kind) or pa.types.is_fixed_size_binary(kind) or \
            pa.types.is_temporal(kind) or pa.types.is_decimal(kind) or pa.types.is_null(kind):
        return pd.Series([None if v is None else _text_of(v) for v in column.to_pylist()],
                         dtype=object)
    return column.to_pandas()


def _text_of(value: object) -> object:
    """A Parquet cell of a nested, binary, date or decimal type as a plain Python value."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.hex()
    if hasattr(value, "isoformat") or isinstance(value, (int, float, str)):
        return value
    return str(value)


def read_stat(shown: str, data: bytes, kind: str) -> pd.DataFrame:
    """An SPSS or Stata file within the caps: the shape its header declares is checked before
    pyreadstat runs (see :mod:`core.cohort.stat_header`); SPSS counts a very long text
    variable once per 255-byte segment there, so a count up to four times the cap is left to
    pyreadstat's exact count."""
    import pyreadstat

    shape = declared_shape(data, kind, 4 * MAX_COLUMNS)
    if shape is not None:
        if shape.columns > 4 * MAX_COLUMNS or (kind == "dta" and shape.columns > MAX_COLUMNS):
            raise too_many_columns(shown, f"{shape.columns:,} columns" if kind == "dta" else
                                   f"more than {MAX_COLUMNS:,} columns")
        if shape.rows is not None and shape.rows > MAX_ROWS:
            raise too_many_rows(shown)
    reader = pyreadstat.read_sav if kind == "sav" else pyreadstat.read_dta
    _, meta = reader(io.BytesIO(data), metadataonly=True)
    if (meta.number_columns or 0) > MAX_COLUMNS:
        raise too_many_columns(shown, f"{meta.number_columns:,} columns")
    if (meta.number_rows or 0) > MAX_ROWS:
        raise too_many_rows(shown)
    frame, meta = reader(io.BytesIO(data), apply_value_formats=True, formats_as_category=False,
                         dates_as_pandas_datetime=True)
    labels = getattr(meta, "column_names_to_labels", None) or {}
    frame.attrs[COLUMN_LABELS] = {str(k).strip(): str(v).strip() for k, v in labels.items()
                                  if v and str(v).strip()}  # variable labels count as headers
    return frame

"""Handing a raw text table from the reading worker to the server as Arrow record batches.

Design: a raw text table (every column ``pandas.StringDtype("pyarrow")``, as
:func:`core.cohort.read.read_table` returns for CSV/TSV/TXT) already lives in Arrow buffers.
Pickling it would copy the whole table into one buffer in the worker and unpickle it into
another in the server; instead the worker writes it to the pipe as Arrow IPC messages, one
record batch of :data:`BATCH_ROWS` rows at a time (the reader's small chunks joined, so the
worker holds one batch's copy at most), and the server builds its frame on the received
bytes without copying them again. Any other result (a typed table, a validated cohort,
sheet names) is pickled as before.

Wire format: the worker sends ``("table", (position, columns, index_name, batches))`` on the
connection, then the schema and each batch as raw byte messages; the result itself follows
with ``None`` at that position, which :func:`with_text_tables` fills in on the server. Columns
travel positionally (fields ``"0"``, ``"1"``, ..., then the index as ``"index"``), so any
header text survives unchanged.

References: Apache Arrow IPC format (``RecordBatch.serialize``, ``ipc.read_record_batch``).
"""

from __future__ import annotations

import pandas as pd

from core.cohort.delimited import TEXT_DTYPE

BATCH_ROWS = 65_536
"""Rows per record batch on the pipe."""
_INDEX = "index"


def is_text_table(value: object) -> bool:
    """Whether ``value`` is a frame of Arrow-backed text columns with an integer index."""
    return (isinstance(value, pd.DataFrame) and value.shape[1] > 0
            and all(dtype == TEXT_DTYPE for dtype in value.dtypes)
            and pd.api.types.is_integer_dtype(value.index.dtype)
            and not isinstance(value.index, pd.MultiIndex))


def send_text_tables(conn, result: object) -> object:
    """Send each raw text table in ``result`` (a frame, or a tuple holding frames) ahead of it
    as record batches; return ``result`` with ``None`` in their places (to pickle)."""
    import pyarrow as pa

    parts = result if isinstance(result, tuple) else (result,)
    shipped = list(parts)
    for position, part in enumerate(parts):
        if not is_text_table(part):
            continue
        try:  # the table's own buffers, no copy (a frame Arrow cannot take is pickled)
            arrays = {str(j): part.iloc[:, j].array.__arrow_array__().cast(pa.large_string())
                      for j in range(part.shape[1])}
            arrays[_INDEX] = pa.array(part.index.to_numpy(dtype="int64"))
            table = pa.table(arrays)
        except (pa.ArrowException, TypeError, ValueError):
            continue
        starts = range(0, table.num_rows, BATCH_ROWS)
        conn.send(("table", (position, list(part.columns), part.index.name, len(starts))))
        conn.send_bytes(table.schema.serialize())
        for start in starts:  # the reader's many small chunks joined, one batch at a time
            piece = table.slice(start, BATCH_ROWS).combine_chunks()
            conn.send_bytes(piece.to_batches()[0].serialize())
        shipped[position] = None
    return tuple(shipped) if isinstance(result, tuple) else shipped[0]


def receive_text_table(conn, columns: list, index_name: str | None,
                       batches: int) -> pd.DataFrame:
    """Read one table sent by :func:`send_text_tables` (after its ``"table"`` message)."""
    import pyarrow as pa

    schema = pa.ipc.read_schema(pa.py_buffer(conn.recv_bytes()))
    received = [pa.ipc.read_record_batch(pa.py_buffer(conn.recv_bytes()), schema)
                for _ in range(batches)]
    table = pa.Table.from_batches(received, schema=schema)
    del received
    index = table.column(_INDEX).to_numpy()
    frame = table.drop_columns([_INDEX]).to_pandas(types_mapper={pa.large_string():
                                                                 TEXT_DTYPE}.get)
    frame.columns = columns
    frame.index = pd.Index(index, name=index_name)
    return frame


def with_text_tables(result: object, tables: dict[int, pd.DataFrame]) -> object:
    """``result`` as sent by :func:`send_text_tables` with the received tables put back."""
    if not tables:
        return result
    if isinstance(result, tuple):
        return tuple(tables.get(i, part) for i, part in enumerate(result))
    return tables.get(0, result)

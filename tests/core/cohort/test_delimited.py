"""Arrow's reading of a text table (core.cohort.delimited) against pandas' on the same bytes."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from core.cohort.delimited import TEXT_DTYPE, read_delimited


def _pandas(data: bytes, sep: str, width: int) -> pd.DataFrame:
    """The reading read_table used before (and still uses for files Arrow declines)."""
    return pd.read_csv(io.BytesIO(data), sep=sep, header=None, names=range(width),
                       dtype=TEXT_DTYPE, keep_default_na=False, na_filter=False,
                       skip_blank_lines=False, quoting=csv.QUOTE_MINIMAL, engine="c")


@pytest.mark.parametrize("data", [
    b"a,b\n1,2\n", b"a,b\r\n1,2\r\n", b"a,b\r1,2\r", b'a,b\n"x""y",2\n', b'a,b\nab"c",2\n',
    b'a,b\n"multi\nline",2\n', b"a,b\n 1 , 2 \n", b"a,b\n1,2", b"a,b\n1,2\n\n",
    b"a,b\n\n1,2\n", b"a,b\nNA,null\n", b"a,b\n,\n", b'a,b\n"",2\n',
    "a,b\n\u00e9,\u4e2d\n".encode()])
def test_arrow_reads_what_pandas_reads(data):
    frame = read_delimited(data, ",", 2, 100)
    assert frame is not None
    pd.testing.assert_frame_equal(frame, _pandas(data, ",", 2))


@pytest.mark.parametrize("data", [b"a,b\n1\n", b"a,b\n1,2,3\n", b'a,b\n1,"2\n3,4\n',
                                  b'a,b\nab"c,2\n', b""])
def test_other_widths_open_quotes_and_empty_files_are_left_to_pandas(data):
    assert read_delimited(data, ",", 2, 100) is None


def test_reading_stops_at_the_row_cap():
    data = b"a\n" + b"1\n" * 3_000_000
    frame = read_delimited(data, ",", 1, 1_000)
    assert len(frame) == 1_000
    assert frame.index.tolist() == list(range(1_000))

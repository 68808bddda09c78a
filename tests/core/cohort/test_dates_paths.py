"""The short-column shortcuts of core.cohort.dates give what the vectorised path gives.

Up to :data:`core.cohort.dates.SHORT` texts, date shapes are matched and ISO text read text by
text with compiled patterns (``date.fromisoformat``); longer columns use pandas' vectorised
string methods. Both must read the same dates and flag the same cells, and decide the same
day-month evidence: checked here by forcing the long path (``SHORT = 0``) on the same cells.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cohort import dates

CELLS = st.one_of(
    st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"),  # incl. < 1900, > 2199
    st.sampled_from(["1900-01-01", "1899-12-31", "2199-12-31", "2200-01-01", "2020-02-30",
                     "2021-13-01", "2020-1-5", "10/01/2020", "13/01/2020",
                     "01/13/2020", "10.01.2020", "2020年1月5日", "20200105", "10JAN2020",
                     "unknown", "none", "-", " 2020-01-05 ", "", "２０２０-01-05"]),
    st.none(),
)


def _read(cells: list, order: str | None):
    values = pd.Series(cells, dtype=object)
    column = dates.read_dates(values, order)
    return (column.dates.tolist(), column.bad.tolist(), column.ambiguous,
            dates.day_month_evidence(values), dates.looks_like_dates(values))


@settings(max_examples=120, deadline=None, derandomize=True)
@given(cells=st.lists(CELLS, min_size=1, max_size=12),
       order=st.sampled_from([None, dates.DAY_FIRST, dates.MONTH_FIRST]))
def test_short_columns_read_as_the_vectorised_path_reads_them(cells, order):
    short = _read(cells, order)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dates, "SHORT", 0)
        assert _read(cells, order) == short

"""The gatekeeper's text-to-number parser (core.cohort.validate_cells.to_numbers) is
``pandas.to_numeric(errors="coerce")`` computed in Arrow (issue 25: the 10^6-row upload)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cohort.validate_cells import to_numbers

CELL = st.text(alphabet="0123456789+-.eE ,xaniIfNty_", max_size=8) | st.sampled_from(
    ["inf", "-Infinity", "NaN", " 12 ", "1e309", "-0", "1_000", "0x1A", "١٢", "1.5e", ".5",
     "5.", "+.5e-3", "e5", "", "0.30000000000000004", "2.2250738585072011e-308"])


def reference(texts: pd.Series) -> np.ndarray:
    """Which cells are numbers: pandas.to_numeric; their values: Python's correctly rounded
    float() (pandas < 3 reads 17-digit decimals to a few ulps only)."""
    found = pd.to_numeric(texts.astype(object), errors="coerce").astype("float64").to_numpy()
    exact = [float(str(cell).strip()) if not np.isnan(number) else number
             for cell, number in zip(texts.astype(object), found, strict=True)]
    return np.array(exact, dtype="float64")


@settings(max_examples=300, deadline=None)
@given(st.lists(CELL | st.none(), min_size=1, max_size=30))
def test_to_numbers_equals_pandas_to_numeric(cells):
    texts = pd.Series(cells, dtype="string")
    np.testing.assert_array_equal(to_numbers(texts).to_numpy(), reference(texts))


def test_to_numbers_keeps_the_index():
    texts = pd.Series(["1", "x"], index=[7, 9], dtype="string")
    assert to_numbers(texts).index.tolist() == [7, 9]

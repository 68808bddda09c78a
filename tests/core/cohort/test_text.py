"""Words, numbers and escaping of user text (core.cohort.text)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cohort.text import format_number, markdown_safe, plotly_safe, plural
from core.survival.report import p_phrase


@pytest.mark.parametrize(("count", "noun", "expected"), [
    (1, "patient", "1 patient"), (0, "patient", "0 patients"), (2, "group", "2 groups"),
    (1.0, "month", "1 month"), (1.5, "month", "1.5 months"), (12, "month", "12 months"),
    (np.int64(1), "relapse", "1 relapse"), (3, "analysis", "3 analyses"),
])
def test_plural(count, noun, expected):
    irregular = {"analysis": "analyses"}
    assert plural(count, noun, irregular.get(noun)) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (59.0, "59"), (72, "72"), (np.float64(0.5), "0.5"), (111.58, "111.58"),
    (float("nan"), ""), (None, ""), (-3.0, "-3"), (1e20, "1e+20"), (math.inf, "inf"),
    (0.1 + 0.2, "0.30000000000000004"), ("text", "text"), (True, "True"),
])
def test_format_number(value, expected):
    assert format_number(value) == expected


@settings(max_examples=200, derandomize=True)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_format_number_reads_back_to_the_same_float(value):
    assert float(format_number(value)) == value


@pytest.mark.parametrize(("p", "expected"), [
    (0.2691, "p = 0.269"), (0.0004, "p < 0.001"), (float("nan"), "p not computable")])
def test_p_phrase_never_writes_equals_less_than(p, expected):
    assert p_phrase(p) == expected

"""The gatekeeper's cells cleaned and parsed once per distinct value (issue 24) give what the
cell-by-cell rules gave: hypothesis properties against the previous functions, kept here as
the reference, on random text, and the whole gatekeeper both ways on a repeating table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cohort import validate_cells
from core.cohort.validate import validate_cohort
from core.cohort.validate_cells import (
    _NUMBER,
    _SPECIAL_NUMBERS,
    DASHES,
    MISSING_TOKENS,
    clean_column,
    clean_text,
    to_numbers,
)
from core.errors import CohortError


def reference_clean_text(values: pd.Series, dashes_missing: bool = True) -> pd.Series:
    """clean_text before issue 24 (string input), every cell through Arrow's kernels."""
    text = values.astype("string").str.strip()
    missing = text.isna() | text.str.lower().isin(MISSING_TOKENS)
    if dashes_missing:
        missing |= text.isin(DASHES)
    return text.mask(missing.fillna(True).to_numpy(dtype=bool))


def reference_to_numbers(texts: pd.Series) -> pd.Series:
    """to_numbers before issue 24: the decimal rule by regular expression on every cell."""
    text = pa.array(texts.astype(pd.StringDtype("pyarrow")).array)
    number = pc.fill_null(pc.match_substring_regex(text, _NUMBER), False)
    special = pc.fill_null(pc.is_in(pc.utf8_lower(pc.utf8_trim_whitespace(text)),
                                    value_set=pa.array(_SPECIAL_NUMBERS)), False)
    kept = pc.if_else(pc.or_(number, special), pc.utf8_trim_whitespace(text),
                      pa.scalar(None, pa.string()))
    return pd.Series(pc.cast(kept, pa.float64()).to_numpy(zero_copy_only=False),
                     index=texts.index, dtype="float64")


PIECES = ["", " ", "\t", "\u00a0", "\u3000", "0", "1", "7", "12.5", ".", "+", "-", "e", "E",
          "inf", "Inf", "NaN", "nan(1)", "na", "N/A", "null", "None recorded", "?", "–", "—",
          "x", "0x1A", "1,5", "M", "female", "\x00", "١", "ß", "İ"]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=4).map("".join)


def repeated(distinct: list[str | None], picks: list[int], rows: int = 1_500) -> pd.Series:
    """``rows`` cells drawn from ``distinct`` (so the column repeats its values)."""
    chosen = [distinct[picks[i % len(picks)] % len(distinct)] for i in range(rows)]
    return pd.Series(chosen, dtype=pd.StringDtype("pyarrow"))


@settings(max_examples=60, deadline=None)
@given(distinct=st.lists(st.one_of(st.none(), TEXTS), min_size=1, max_size=12),
       picks=st.lists(st.integers(0, 50), min_size=1, max_size=40), dashes=st.booleans())
def test_clean_text_per_distinct_value_equals_the_cell_by_cell_rule(distinct, picks, dashes):
    values = repeated(distinct, picks)
    assert validate_cells.few_distinct(values)
    ours, reference = clean_text(values, dashes), reference_clean_text(values, dashes)
    pd.testing.assert_series_equal(ours, reference)
    assert clean_column(values, dashes).tolist() == \
        reference.astype(object).where(reference.notna(), None).tolist()


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.one_of(st.none(), TEXTS), min_size=1, max_size=30))
def test_clean_text_of_distinct_cells_equals_the_cell_by_cell_rule(texts):
    values = pd.Series(texts, dtype=pd.StringDtype("pyarrow"))
    pd.testing.assert_series_equal(clean_text(values), reference_clean_text(values))


NUMBER_TEXTS = st.lists(st.sampled_from(["0", "1", "9", ".", "+", "-", "e", "E", "inf", "INF",
                                         "inity", "nan", "NaN", "(1)", " ", "x", ",", "_",
                                         "١", "\u00a0"]), max_size=6).map("".join)


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(st.one_of(st.none(), NUMBER_TEXTS), min_size=1, max_size=30),
       picks=st.lists(st.integers(0, 50), min_size=1, max_size=40))
def test_to_numbers_equals_the_regular_expression_rule(texts, picks):
    for values in (pd.Series(texts, dtype=pd.StringDtype("pyarrow")), repeated(texts, picks)):
        np.testing.assert_array_equal(to_numbers(values).to_numpy(),
                                      reference_to_numbers(values).to_numpy())


@pytest.mark.parametrize(("text", "number"), [
    ("1", 1.0), ("+1.5", 1.5), (".5", 0.5), ("1.", 1.0), ("1e-3", 0.001), ("-Infinity", -np.inf),
    ("NaN", np.nan), ("nan(1)", np.nan), ("0x1A", np.nan), ("1,5", np.nan), ("12 mg", np.nan),
    ("١٢", np.nan), ("0.30000000000000004", 0.30000000000000004)])
def test_to_numbers_known_cases(text, number):
    """Known cases of the rule, each alone and among numbers (the one-pass path)."""
    for values in (pd.Series([text]), pd.Series(["2", text, "3"])):
        got = to_numbers(values).iloc[-2 if len(values) > 1 else 0]
        assert got == number or (np.isnan(got) and np.isnan(number))


def table(broken: bool, rows: int = 1_500) -> pd.DataFrame:
    """A repeating table, with a few broken cells of each kind or none."""
    rng = np.random.default_rng(24)
    odd = broken * 2  # the last two choices of each column are broken

    def pick(*choices: str) -> np.ndarray:
        return rng.choice(choices[:len(choices) - 2 + odd], rows)

    frame = pd.DataFrame({
        "patient_id": [f"P{i}" for i in range(rows)],
        "sex": pick("M", "female", " f ", "NA", "x", "?x"),
        "age": pick("54", "61.0", "n/a", " 70 ", "sixty", "-3"),
        "eln2022_risk": pick("Favourable", "adverse", "–", "high", "low"),
        "os_months": pick("12.5", " 30", "1,5", ""),
        "os_event": pick("0", "1", "1.0", "yes", "2"),
        "lab": pick("below range", "normal", "–", "?", "7", "8"),
        "score": pick("1", "2.5", "na", "3", "1e3", "nan(1)"),
    }).astype(pd.StringDtype("pyarrow"))
    frame.index = pd.RangeIndex(2, rows + 2, name="row")
    return frame


def outcome(frame: pd.DataFrame):
    try:
        return validate_cohort(frame)
    except CohortError as error:
        return error.problems


@pytest.mark.parametrize("broken", [True, False])
def test_gatekeeper_gives_the_same_answer_per_distinct_value_and_cell_by_cell(broken,
                                                                              monkeypatch):
    """Every problem sentence (pinned elsewhere word for word), or the cohort, is the same
    when each column is parsed once per distinct value and when it is parsed cell by cell."""
    per_value = outcome(table(broken))
    monkeypatch.setattr(validate_cells, "FEW_DISTINCT", -1.0)  # every column cell by cell
    per_cell = outcome(table(broken))
    if broken:
        assert isinstance(per_value, list) and per_value == per_cell
    else:
        pd.testing.assert_frame_equal(per_value, per_cell)


def reference_distinct_values(raw: pd.DataFrame, column: str, limit: int = 50) -> list[str]:
    """distinct_values before issue 24: every cell cleaned, then counted."""
    return clean_column(raw[column]).dropna().value_counts().index[:limit].tolist()


@settings(max_examples=40, deadline=None)
@given(distinct=st.lists(st.one_of(st.none(), TEXTS), min_size=1, max_size=12),
       picks=st.lists(st.integers(0, 50), min_size=1, max_size=40),
       limit=st.integers(1, 13))
def test_distinct_values_counts_distinct_texts_as_every_cell(distinct, picks, limit):
    """Same values, same order (most frequent first, ties as the file first has them)."""
    from core.cohort.mapping import distinct_values

    raw = pd.DataFrame({"c": repeated(distinct, picks)})
    assert distinct_values(raw, "c", limit) == reference_distinct_values(raw, "c", limit)

"""The one coder of categories (core.cohort.coding): level order and indicator columns.

The order follows R: ``levels(factor(x))`` of a character vector sorts it, but a numeric-looking
text column ordered as text would put "10" before "2"; R orders a numeric factor numerically,
and a factor keeps its declared levels. The coding is ``contr.treatment`` against the reference.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cohort.coding import (
    code_levels,
    level_labels,
    natural_key,
    order_levels,
    present_levels,
)
from core.errors import AnalysisError


def test_numbers_written_as_text_sort_as_numbers():
    assert present_levels(pd.Series(["10", "2", "1", "2"]), "dose") == ("1", "2", "10")
    assert present_levels(pd.Series(["-1", "2", "0.5"]), "x") == ("-1", "0.5", "2")


def test_mixed_labels_sort_naturally():
    assert present_levels(pd.Series(["S10", "S2", "S1", "T1"]), "site") == (
        "S1", "S2", "S10", "T1")
    assert sorted(["a10", "a9", "b1"], key=natural_key) == ["a9", "a10", "b1"]


def test_categorical_order_wins_over_sorting_and_schema():
    values = pd.Series(pd.Categorical(["low", "high", "mid", "high"],
                                      categories=["low", "mid", "high"]))
    assert present_levels(values, "grade") == ("low", "mid", "high")
    eln = pd.Series(pd.Categorical(["favorable", "adverse"],
                                   categories=["adverse", "intermediate", "favorable"]))
    assert present_levels(eln, "eln2022_risk") == ("adverse", "favorable")  # absent dropped


def test_schema_order_for_known_columns_then_the_rest():
    values = pd.Series(["adverse", "favorable", "intermediate", "unknown"])
    assert present_levels(values, "eln2022_risk") == (
        "favorable", "intermediate", "adverse", "unknown")
    assert order_levels({"b", "a"}, None, categories=["b", "a"]) == ("b", "a")


def test_missing_values_are_no_level_and_code_as_nan_rows():
    values = pd.Series(["2", None, "10", np.nan, "2"])
    coding = code_levels(values, "dose")
    assert coding.levels == ("2", "10")
    x = coding.indicators(values)
    assert x.shape == (5, 1)
    assert x[[0, 2, 4], 0].tolist() == [0.0, 1.0, 0.0]
    assert np.isnan(x[[1, 3], 0]).all()


def test_levels_named_like_numbers_keep_their_text():
    assert present_levels(pd.Series(["007", "7", "10"]), "code") == ("007", "7", "10")
    assert present_levels(pd.Series([1.0, 0.0, 1.0]), "flag") == ("0", "1")
    assert list(level_labels(pd.Series([1.0, 2.5, np.nan]))) == ["1", "2.5", None]
    # the text "nan" is a level (someone wrote it); only a missing cell is missing
    assert present_levels(pd.Series(["nan", "x", None]), "t") == ("nan", "x")
    assert present_levels(pd.Series(["inf", "1"]), "t") == ("1", "inf")


def test_categorical_of_numbers_is_labelled_like_r():
    values = pd.Series(pd.Categorical([2.0, 10.0, 1.0], categories=[10.0, 2.0, 1.0]))
    assert present_levels(values, "x") == ("10", "2", "1")
    assert list(level_labels(values)) == ["2", "10", "1"]


def test_treatment_coding_against_a_chosen_reference():
    values = pd.Series(["a", "b", "c", "b"], name="arm")
    coding = code_levels(values)
    assert (coding.column, coding.reference, coding.terms) == ("arm", "a", ("arm[b]", "arm[c]"))
    coding = code_levels(values, reference="b")
    assert coding.levels == ("b", "a", "c")
    np.testing.assert_array_equal(coding.indicators(values),
                                  [[1, 0], [0, 0], [0, 1], [0, 0]])


def test_indicators_of_a_categorical_follow_labels_not_codes():
    values = pd.Series(pd.Categorical(["y", "x", "y"], categories=["y", "x"]))
    coding = code_levels(values, "v")
    assert coding.levels == ("y", "x")
    assert coding.indicators(values)[:, 0].tolist() == [0.0, 1.0, 0.0]


def test_errors_name_the_column_the_values_and_the_fix():
    with pytest.raises(AnalysisError, match=r"Covariate `sex` is constant \('M' for every "
                                            r"patient in the model\)"):
        code_levels(pd.Series(["M", "M", None]), "sex")
    with pytest.raises(AnalysisError, match=r"Reference level 'x' of `arm` is not among its "
                                            r"levels in the model's patients: \['a', 'b'\]"):
        code_levels(pd.Series(["a", "b"]), "arm", reference="x")
    coding = code_levels(pd.Series(["a", "b"]), "arm")
    with pytest.raises(AnalysisError, match=r"Column `arm` has values \('c'\) that are not "
                                            r"among the levels \['a', 'b'\].*Fix: code"):
        coding.indicators(pd.Series(["a", "c"]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["2", "10", "S2", "S10", "b", "a", "007"]),
                          st.none()), min_size=2, max_size=30), st.randoms())
def test_property_order_ignores_row_order_and_each_row_has_at_most_one_one(cells, rnd):
    values = pd.Series(cells, dtype=object)
    shuffled = values.sample(frac=1, random_state=rnd.randint(0, 10**6))
    assert present_levels(values, "x") == present_levels(shuffled, "x")
    if len(present_levels(values, "x")) < 2:
        return
    x = code_levels(values, "x").indicators(values)
    known = values.notna().to_numpy()
    assert set(np.unique(x[known])) <= {0.0, 1.0}
    assert (x[known].sum(axis=1) <= 1).all()
    assert np.isnan(x[~known]).all()


def _indicators_before(coding, values):
    """Indicator columns written level by level from the label array (the reference)."""
    labels = level_labels(values)
    known = np.array([v is not None for v in labels], dtype=bool)
    unknown = {v for v in labels[known] if v not in coding.levels}
    if unknown:
        raise AnalysisError(f"({', '.join(repr(u) for u in sorted(unknown, key=natural_key)[:5])})")
    out = np.column_stack([labels == level for level in coding.levels[1:]]).astype(float)
    out[~known] = np.nan
    return out


CELLS = st.one_of(st.sampled_from(["2", "10", "b", "a", "1"]), st.sampled_from([1, 2, 10]),
                  st.sampled_from([1.0, 2.5, 10.0]), st.none(), st.just(float("nan")))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(CELLS, min_size=0, max_size=25), st.lists(CELLS, min_size=0, max_size=25),
       st.booleans())
def test_property_one_hash_per_column_codes_as_before(fit_cells, new_cells, categorical):
    """present_levels and Coding.indicators read one factorization of the column; the levels,
    the indicator matrix and the unknown-level error are those of the label-array coding
    (``1`` and ``1.0`` share the text "1"; a Categorical's unused categories are no level)."""
    values, new = pd.Series(fit_cells, dtype=object), pd.Series(new_cells, dtype=object)
    if categorical:
        texts = pd.Series(level_labels(values), dtype=object)
        values = texts.astype(pd.CategoricalDtype(["b", "10", "1", "a", "2", "2.5", "zz"]))
    labels = {v for v in level_labels(values) if v is not None}
    assert set(present_levels(values, "x")) == labels
    if len(labels) < 2:
        return
    coding = code_levels(values, "x")
    assert np.array_equal(coding.indicators(values), _indicators_before(coding, values),
                          equal_nan=True)
    try:
        expected = _indicators_before(coding, new)
    except AnalysisError as error:
        with pytest.raises(AnalysisError, match=f"has values {error.args[0]!s}".replace(
                "(", r"\(").replace(")", r"\)").replace(".", r"\.")):
            coding.indicators(new)
    else:
        assert np.array_equal(coding.indicators(new), expected, equal_nan=True)

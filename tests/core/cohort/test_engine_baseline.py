"""The baseline table computed in the engine equals the in-memory one on the same rows."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.cohort import open_cohort
from core.cohort.baseline import baseline_characteristics
from core.cohort.engine_baseline import (
    category_counts,
    distinct_frame,
    engine_baseline,
    level_counts,
)
from core.cohort.engine_filters import filter_source
from core.cohort.filters import CohortFilter, filter_levels
from core.cohort.read import load_seed_cohort


@pytest.fixture(scope="module")
def seed_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("baseline") / "seed.parquet"
    load_seed_cohort().to_parquet(path)
    return path


def assert_same(engine: pd.DataFrame, memory: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(engine.reset_index(drop=True), memory.reset_index(drop=True),
                                  check_dtype=False, rtol=1e-12, atol=0)


def test_seed_cohort_baseline_equals_the_in_memory_table(seed_file):
    assert_same(engine_baseline(open_cohort(seed_file)), baseline_characteristics(
        load_seed_cohort()))


@pytest.mark.parametrize("cohort_filter", [
    CohortFilter(eln2022_risk=("adverse",)),
    CohortFilter(sex=("F",), age_min=40.0),
    CohortFilter(co_mutations=("NPM1",)),
    CohortFilter(eln2022_risk=("favorable",), sex=("M",), age_max=20.0),  # nobody
])
def test_filtered_seed_baseline_equals_the_in_memory_table(seed_file, cohort_filter):
    memory = cohort_filter.apply(load_seed_cohort()).cohort
    engine = filter_source(open_cohort(seed_file), cohort_filter).source
    assert_same(engine_baseline(engine), baseline_characteristics(memory))


def test_distinct_frame_gives_the_filter_levels_of_the_rows(seed_file):
    seed = load_seed_cohort()
    columns = ["eln2022_risk", "sex", "fab_class", "fusion_gene", "relapse_type", "outcome",
               "sorafenib_timing", "mrd_pre_status", "co_mutations", "age"]
    small = distinct_frame(open_cohort(seed_file), columns)
    assert filter_levels(small) == filter_levels(seed)
    assert (small["age"].min(), small["age"].max()) == (seed["age"].min(), seed["age"].max())


def test_level_counts_leave_missing_values_out(tmp_path):
    pd.DataFrame({"x": ["a", None, "b", "a"]}).to_parquet(tmp_path / "x.parquet")
    assert level_counts(open_cohort(tmp_path / "x.parquet"), "x").to_dict() == {"a": 2, "b": 1}



def test_category_counts_in_one_query_equal_one_group_by_per_column(tmp_path):
    """Missing values left out of every column's counts (a NULL group of one grouping set is
    that column's missing rows, not a level); a float column's NaN is missing too."""
    pd.DataFrame({"x": ["a", None, "b", "a"], "y": [None, "c", "c", None],
                  "k": pd.array([1, 2, 2, None], dtype="Int64"), "f": [0.5, np.nan, 0.5, 1.0]}
                 ).to_parquet(tmp_path / "x.parquet")
    source = open_cohort(tmp_path / "x.parquet")
    counts = category_counts(source, ["x", "y", "k", "f"])
    assert {c: s.to_dict() for c, s in counts.items()} == {
        "x": {"a": 2, "b": 1}, "y": {"c": 2}, "k": {"1": 1, "2": 2}, "f": {"0.5": 2, "1.0": 1}}
    for column, series in counts.items():
        pd.testing.assert_series_equal(series, level_counts(source, column))


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=2**31 - 1))
def test_resampled_seed_rows_give_the_same_table(tmp_path, seed):
    """Invariant: for any multiset of seed rows (with missing values blanked at random), the
    engine's table equals pandas' (medians of even counts interpolate as pandas does)."""
    rng = np.random.default_rng(seed)
    base = load_seed_cohort()
    rows = base.iloc[rng.integers(0, len(base), rng.integers(1, 40))].reset_index(drop=True)
    for column in ("age", "wbc", "sex", "co_mutations", "fab_class"):
        rows.loc[rng.random(len(rows)) < 0.2, column] = None
    path = tmp_path / f"r{seed}.parquet"
    rows.to_parquet(path)
    assert_same(engine_baseline(open_cohort(path)), baseline_characteristics(rows))


@pytest.mark.parametrize("absent", [["sorafenib_timing"], ["age", "co_mutations", "cytogenetics"]])
def test_a_registry_without_optional_columns_gives_the_in_memory_table(tmp_path, absent):
    """A registry file may lack optional columns (seen: KeyError 'sorafenib_timing' on the
    registry's landing page); they read "not recorded", as after validate_cohort in memory."""
    from core.cohort.validate import validate_cohort

    seed = load_seed_cohort()
    seed.drop(columns=absent).to_parquet(tmp_path / "lean.parquet")
    memory = validate_cohort(seed.drop(columns=absent))
    assert_same(engine_baseline(open_cohort(tmp_path / "lean.parquet")),
                baseline_characteristics(memory))


def test_a_column_of_thousands_of_values_is_capped_alike(tmp_path):
    """Table 1 without a split: about 1,000 karyotypes become the 20 most frequent and one "other
    values" row, in memory and in the engine alike."""
    rows = pd.concat([load_seed_cohort()] * 100, ignore_index=True)
    rows["cytogenetics"] = [f"k{i % 1500:04d}" if i % 3 else "46,XY" for i in range(len(rows))]
    rows.loc[:9, "cytogenetics"] = None
    rows.to_parquet(tmp_path / "many.parquet")
    assert_same(engine_baseline(open_cohort(tmp_path / "many.parquet")),
                baseline_characteristics(rows))


def test_co_mutations_of_many_genes_are_capped_alike(tmp_path):
    """30 genes over 1,900 patients (one to three each, some missing): the 20 most frequent and
    the patients holding any other, in memory and in the engine alike."""
    rows = pd.concat([load_seed_cohort()] * 100, ignore_index=True)
    rows["co_mutations"] = ["; ".join(sorted({f"G{i % 30:02d}", f"G{i % 7:02d}",
                                              f"G{(i * 11) % 29:02d}"})) if i % 5 else "none"
                            for i in range(len(rows))]
    rows.loc[:9, "co_mutations"] = None
    rows.to_parquet(tmp_path / "genes.parquet")
    memory = baseline_characteristics(rows)
    assert memory["level"].str.startswith("other genes (10): patients with at least one").any()
    assert_same(engine_baseline(open_cohort(tmp_path / "genes.parquet")), memory)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.lists(st.one_of(st.integers(-5, 5).map(float),
                          st.floats(-1e6, 1e6, allow_nan=False)), min_size=1, max_size=40))
def test_the_median_of_value_counts_is_the_median_of_the_rows(values):
    """The engine reads medians off one GROUP BY of the values (issue 24: DuckDB's MEDIAN
    aggregate was 2-4x slower at 10^7 rows); bit for bit pandas' median of the rows."""
    from core.cohort.engine_baseline import median_of_counts

    counts = pd.Series(values).value_counts()
    assert median_of_counts(pd.Series(counts.index), pd.Series(counts.to_numpy())) == \
        pd.Series(values).median()

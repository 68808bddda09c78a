"""A registry's sample candidates validated once: every sample cut from them is the frame the
gatekeeper gives on that sample (rows, order, values and dtypes), and a registry whose
validation is not row by row gets no pool."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cohort import load_seed_cohort, open_cohort
from core.cohort.engine import key_candidates, seeded_sample
from core.cohort.engine_filters import filter_source
from core.cohort.filters import CohortFilter
from core.cohort.sample_pool import pool_sample, smallest_keys, validated_pool
from core.cohort.validate import validate_cohort

N, SIZE, SEED = 20_000, 500, 7


def registry(n: int = N, **changes) -> pd.DataFrame:
    """Seed-cohort rows drawn with replacement (as the registry benchmark writes them), ids
    ``"1"..`` as text. One row in twenty is 'odd' (age 95): a text id, no RFS, a lab value in
    words, so that the pool decides some dtypes otherwise than a sample without them."""
    base = load_seed_cohort()
    rows = base.iloc[np.random.default_rng(3).integers(0, len(base), n)].reset_index(drop=True)
    odd = np.arange(n) % 20 == 0
    rows["patient_id"] = np.where(odd, "A" + pd.Series(np.arange(n)).astype(str),
                                  pd.Series(np.arange(1, n + 1)).astype(str))
    rows.loc[odd, "age"] = 95.0
    rows.loc[odd, ["rfs_months", "rfs_event"]] = np.nan
    rows["lab"] = np.where(odd, "high", (np.arange(n) % 7).astype(str))
    rows["ward"] = np.where(np.arange(n) % 3 == 0, None, "B")
    for column, value in changes.items():
        rows[column] = value
    return rows


def write(tmp_path, rows: pd.DataFrame):
    path = tmp_path / "registry.parquet"
    rows.to_parquet(path)
    return open_cohort(path)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return write(tmp_path_factory.mktemp("pool"), registry())


@pytest.fixture(scope="module")
def candidates(source):
    return key_candidates(source, N, SIZE, SEED)


@pytest.fixture(scope="module")
def pool(candidates):
    return validated_pool(candidates)


@pytest.mark.parametrize("cohort_filter", [
    CohortFilter(),
    CohortFilter(age_min=30.0),  # some odd rows kept: text ids, Int64 RFS events, lab as text
    CohortFilter(age_max=90.0),  # no odd row: whole-number ids (int64), int64 events, lab numbers
    CohortFilter(sex=("F",)),
], ids=lambda f: ",".join(f.describe()) or "none")
def test_a_sample_cut_from_the_validated_pool_is_the_validated_sample(
        source, candidates, pool, cohort_filter):
    kept = filter_source(source, cohort_filter)
    pooled = filter_source(candidates, cohort_filter).source
    want = validate_cohort(seeded_sample(kept.source, kept.n, SIZE, SEED, pooled))
    got = pool_sample(pool, pooled, SIZE)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert len(got) == SIZE


def test_the_pool_decides_no_dtype_for_its_samples(source, candidates, pool):
    """The dtypes decided by a whole column differ between the pool and a sample without its
    odd rows: each sample's own are kept (the test above would pass on a pool of one kind)."""
    pooled = filter_source(candidates, CohortFilter(age_max=90.0)).source
    got = pool_sample(pool, pooled, SIZE)
    assert (pool.rows["patient_id"].dtype, pool.rows["rfs_event"].dtype.name,
            pool.rows["lab"].dtype) == (object, "Int64", object)
    assert (got["patient_id"].dtype, got["rfs_event"].dtype.name, got["lab"].dtype) == \
        (np.int64, "int64", np.float64)


def test_too_few_candidates_give_no_pool_sample(candidates, pool):
    """A filter keeping a few rows: the candidates do not hold its sample (the caller scans)."""
    assert pool_sample(pool, filter_source(candidates, CohortFilter(age_min=94.0)).source,
                       SIZE) is None


@pytest.mark.parametrize("change", [
    {"date_last_contact": "2024-01-02"},  # dates: the day-month order is read off the column
    {"fab": np.nan},  # a category stored as floats: whole numbers only if all are
    {"os_months": -1.0},  # a problem in a candidate row: the sample names it itself
], ids=["dates", "float category", "a problem"])
def test_no_pool_where_validation_is_not_row_by_row(tmp_path, change):
    rows = registry(n=4_000, **change)
    if "os_months" not in change:  # valid rows: no pool for the rule, not for a problem
        assert len(validate_cohort(rows)) == 4_000
    source = write(tmp_path, rows)
    assert validated_pool(key_candidates(source, 4_000, 100, SEED)) is None


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.integers(-3, 3), min_size=1, max_size=60), st.integers(1, 60),
       st.randoms(use_true_random=False))
def test_smallest_keys_are_the_rows_a_two_column_sort_keeps(keys, size, random):
    """The O(n) cut equals ``sort_by([(key, ascending), (id, ascending)]).slice(0, size)``,
    ties at the cut's key included (few key values: many ties)."""
    ids = [f"P{k:03d}" for k in range(len(keys))]
    random.shuffle(ids)
    table = pa.table({"patient_id": ids, "sample_key": pa.array(keys, pa.int64())})
    expected = table.sort_by([("sample_key", "ascending"), ("patient_id", "ascending")]) \
        .slice(0, size).column("patient_id").to_pylist()
    got = table.column("patient_id").take(smallest_keys(table, size)).to_pylist()
    assert sorted(got) == sorted(expected) and len(got) == len(expected)

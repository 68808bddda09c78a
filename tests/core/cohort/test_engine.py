"""Cohort sources on DuckDB: opening files, their errors, and rows that never enter pandas.

The statistics on a source (the same numbers as the pandas path, to 1e-12) are tested in
``tests/core/survival/km/test_counts_engine.py``.
"""

import numpy as np
import pandas as pd
import pytest

from core.cohort import CohortSource, load_seed_cohort, open_cohort, spark_source
from core.cohort.engine import (
    columns_frame,
    count_true,
    is_source,
    key_candidates,
    missing,
    numeric,
    seeded_sample,
)
from core.cohort.engine_filters import filter_source
from core.cohort.filters import CohortFilter
from core.errors import CohortError


@pytest.fixture(scope="module")
def frame():
    return pd.DataFrame({
        "patient_id": ["000123", "000007", "000042", "000001"],
        "rfs_months": [12.0, np.nan, 3.5, 30.0],
        "rfs_event": [1, 0, 1, 0],
        "eln2022_risk": ["adverse", "favorable", None, "adverse"],
    })


@pytest.fixture(scope="module")
def files(frame, tmp_path_factory):
    folder = tmp_path_factory.mktemp("engine")
    frame.to_parquet(folder / "cohort.parquet")
    frame.to_csv(folder / "cohort.csv", index=False)
    return folder


@pytest.mark.parametrize("name", ["cohort.parquet", "cohort.csv"])
def test_open_cohort_reads_rows_in_the_engine(files, name):
    source = open_cohort(files / name)
    assert isinstance(source, CohortSource) and is_source(source)
    assert source.engine == "duckdb" and source.name == name
    assert source.columns == ("patient_id", "rfs_months", "rfs_event", "eln2022_risk")
    assert source.n_rows() == 4


def test_csv_patient_ids_stay_text(files):
    """``000123`` stays ``000123`` (DuckDB would read the column as integers)."""
    head = open_cohort(files / "cohort.csv").head()
    assert head["patient_id"].tolist() == ["000001", "000007", "000042", "000123"]


@pytest.mark.parametrize("name", ["cohort.parquet", "cohort.csv"])
def test_columns_frame_fetches_ids_and_the_named_columns_only(files, frame, name):
    """A source gives ``patient_id`` (text as written) and the named columns, skipping None
    and absent names; a DataFrame is returned as it is."""
    got = columns_frame(open_cohort(files / name), ["rfs_months", None, "nope", "rfs_months"])
    assert list(got.columns) == ["patient_id", "rfs_months"]
    assert got["patient_id"].tolist() == ["000123", "000007", "000042", "000001"]
    np.testing.assert_array_equal(got["rfs_months"].to_numpy(float),
                                  frame["rfs_months"].to_numpy(float))
    assert columns_frame(frame, ["rfs_months"]) is frame


def test_where_is_a_filter_in_the_engine(files):
    source = open_cohort(files / "cohort.parquet")
    adverse = source.where(source.table["eln2022_risk"] == "adverse")
    assert adverse.n_rows() == 2
    assert source.n_rows() == 4  # the original source is unchanged


def test_aggregate_counts_nan_as_missing_and_text_as_numbers(tmp_path):
    pd.DataFrame({"t": ["1.5", "x", None, "-2"], "f": [1.0, 2.0, 3.0, 4.0]}).to_csv(
        tmp_path / "c.csv", index=False)
    source = open_cohort(tmp_path / "c.csv")
    t = source.table
    tallies = source.aggregate(unparsed=count_true(t["t"].notnull() & numeric(t, "t").isnull()),
                               negative=count_true(numeric(t, "t") < 0),
                               missing=count_true(missing(t, "t")))
    assert tallies == {"unparsed": 1, "negative": 1, "missing": 1}
    assert source.aggregate() == {}


def test_nan_in_a_parquet_float_column_is_missing(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"x": pa.array([1.0, float("nan"), None])}), tmp_path / "n.parquet")
    source = open_cohort(tmp_path / "n.parquet")
    t = source.table
    assert source.aggregate(m=count_true(missing(t, "x")),
                            v=count_true(numeric(t, "x").notnull())) == {"m": 2, "v": 1}


def test_booleans_read_as_zero_and_one(tmp_path):
    pd.DataFrame({"b": [True, False, True]}).to_parquet(tmp_path / "b.parquet")
    source = open_cohort(tmp_path / "b.parquet")
    assert source.aggregate(s=numeric(source.table, "b").sum()) == {"s": 2.0}


def test_a_missing_file_names_the_path(tmp_path):
    with pytest.raises(CohortError, match=r"does not exist\. Fix: check the path"):
        open_cohort(tmp_path / "nowhere.parquet")


def test_a_wrong_suffix_names_the_formats(tmp_path):
    (tmp_path / "cohort.xlsx").write_bytes(b"x")
    with pytest.raises(CohortError, match=r"'cohort.xlsx' is not a Parquet or CSV file "
                                          r"\(suffix '.xlsx'\)\. Fix: give a .parquet"):
        open_cohort(tmp_path / "cohort.xlsx")


def test_a_broken_parquet_file_is_a_cohort_error(tmp_path):
    (tmp_path / "broken.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(CohortError, match=r"DuckDB cannot read 'broken.parquet': .*Fix: check "
                                          r"that the file is a valid Parquet file"):
        open_cohort(tmp_path / "broken.parquet")


def test_spark_source_needs_one_of_path_or_table():
    with pytest.raises(CohortError, match=r"spark_source needs exactly one of path= or table="):
        spark_source(session=None)


# ---- the sidebar filter as the engine's WHERE ------------------------------------------------

FILTERS = [
    CohortFilter(),
    CohortFilter(eln2022_risk=("adverse", "intermediate")),
    CohortFilter(mrd_pre_status=("positive",), age_min=30, age_max=60),
    CohortFilter(age_min=30),
    CohortFilter(co_mutations=("NPM1", "DNMT3A"), co_mutation_mode="any"),
    CohortFilter(co_mutations=("NPM1", "DNMT3A"), co_mutation_mode="all", sex=("M",)),
    CohortFilter(relapse_type=("molecular",), eln2022_risk=("adverse",)),
]


@pytest.fixture(scope="module")
def seed_source(tmp_path_factory):
    seed = load_seed_cohort()
    seed.loc[[2, 4], "age"] = np.nan  # missing ages are counted out by an age filter
    path = tmp_path_factory.mktemp("seed") / "seed.parquet"
    seed.to_parquet(path)
    return seed, open_cohort(path)


@pytest.mark.parametrize("cohort_filter", FILTERS, ids=lambda f: ",".join(f.describe()) or "none")
def test_filter_in_the_engine_keeps_the_same_patients(seed_source, cohort_filter):
    seed, source = seed_source
    expected = cohort_filter.apply(seed)
    got = filter_source(source, cohort_filter)
    assert (got.n_total, got.n, got.missing) == (expected.n_total, expected.n, expected.missing)
    assert sorted(got.source.head()["patient_id"].astype(str)) == \
        sorted(expected.cohort["patient_id"].astype(str))
    assert got.notes() == expected.notes()


def test_csv_cells_pandas_reads_as_missing_are_missing_in_the_engine(tmp_path):
    """``NA``, ``NULL`` and empty cells: the file means the same to DuckDB and pandas."""
    (tmp_path / "na.csv").write_text("t,e\n1,1\nNA,0\n3,NULL\n,1\n")
    source = open_cohort(tmp_path / "na.csv")
    frame = pd.read_csv(tmp_path / "na.csv")
    t = source.table
    assert source.aggregate(t=count_true(missing(t, "t")), e=count_true(missing(t, "e"))) == \
        {"t": int(frame["t"].isna().sum()), "e": int(frame["e"].isna().sum())} == {"t": 2, "e": 1}


@pytest.fixture(scope="module")
def sampled(tmp_path_factory):
    """20,000 rows with text ids (one missing), and the seeded sample's definition: the rows
    of smallest ``hash(patient_id || '#7')`` (DuckDB's, as a signed 64-bit integer), ties by id,
    computed by plain DuckDB SQL (not by seeded_sample's one-scan cut)."""
    import duckdb

    n = 20_000
    rows = pd.DataFrame({"patient_id": [f"P{i:06d}" for i in range(n)],
                         "age": np.arange(n) % 90.0, "rfs_months": np.arange(n) / 100})
    rows.loc[5, "patient_id"] = None
    path = tmp_path_factory.mktemp("sample") / "rows.parquet"
    rows.to_parquet(path)

    def definition(size: int, where: str = "TRUE") -> pd.DataFrame:
        return duckdb.sql(
            f"SELECT * FROM read_parquet('{path}') WHERE patient_id IS NOT NULL AND {where} "
            "ORDER BY CAST(CAST(HASH(patient_id || '#7') AS BIT) AS BIGINT), patient_id "
            f"LIMIT {size}").df().sort_values("patient_id").reset_index(drop=True)

    return open_cohort(path), n, definition


@pytest.mark.parametrize("size, n_told", [
    (500, None),  # one scan below the key quantile, cut in Arrow
    (30_000, None),  # more than the source: every row with an id
    (500, 10 ** 9),  # an n far too large: the cut holds too few rows, two scans instead
])
def test_seeded_sample_is_the_rows_of_smallest_seeded_hash(sampled, size, n_told):
    source, n, definition = sampled
    got = seeded_sample(source, n_told or n, size, seed=7)
    want = definition(size)
    assert len(got) == min(size, n - 1)
    assert got["patient_id"].tolist() == want["patient_id"].tolist()
    assert got["age"].tolist() == want["age"].tolist()


@pytest.mark.parametrize("where, chosen, from_candidates", [
    ("age >= 10", CohortFilter(age_min=10.0), True),  # ~89% of the rows: among the candidates
    ("age <= 2", CohortFilter(age_max=2.0), False),  # ~3%: too few candidates, a scan
])
def test_a_sample_cut_from_the_key_candidates_is_the_defined_sample(
        sampled, monkeypatch, where, chosen, from_candidates):
    """The candidates (keys below 4 x the sample's quantile of the unfiltered rows), filtered
    as the source is: the same rows as the definition (ORDER BY key LIMIT on the filtered
    rows), without scanning the source when they hold enough rows."""
    from core.cohort import engine

    source, n, definition = sampled
    pool = key_candidates(source, n, 500, seed=7)
    assert 2_000 < pool.n_rows() < n / 5 and "sample_key" in pool.columns
    kept = filter_source(source, chosen)
    if from_candidates:  # cut from the candidates: the source is never scanned
        monkeypatch.setattr(engine, "_below_cut", lambda *args: pytest.fail("scanned"))
    got = seeded_sample(kept.source, kept.n, 500, 7, filter_source(pool, chosen).source)
    want = definition(500, where)
    assert got["patient_id"].tolist() == want["patient_id"].tolist()
    assert got["age"].tolist() == want["age"].tolist()
    assert list(got.columns) == list(want.columns)
    assert key_candidates(source, n, 5_000, seed=7) is None  # they would be every row

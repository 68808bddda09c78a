"""The same survival numbers from pandas, DuckDB and Spark on the same synthetic cohort.

Every statistic of :mod:`core.survival` starts from the event-count table
(:mod:`core.survival.km.counts`); on an engine source that table, and the gatekeeper's exclusion
counts and row errors, come from SQL. These tests pin the engine paths to the pandas path to
1e-12 on seeded synthetic cohorts (integer-month ties and continuous times, three groups, rows
with a missing time, event or group), and the error messages on the engine to the gatekeeper's.
Spark tests (``@pytest.mark.spark``) share one local Spark session per module.
"""

import shutil

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cohort import open_cohort, spark_source
from core.cox.counts import cox_from_counts
from core.errors import AnalysisError
from core.survival import kaplan_meier, logrank, survival_at
from core.survival.input import survival_data
from core.survival.km.counts import count_table, survival_counts, time_ranks
from core.survival.km.estimate import at_risk_table
from core.survival.km.logrank import logrank_trend, permutation_logrank
from core.survival.km.summary import survival_report

TOL = dict(rtol=1e-12, atol=1e-12)


def synthetic(n: int, seed: int, ties: bool) -> pd.DataFrame:
    """``n`` patients in 3 ELN groups; integer months (ties) or continuous times."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["favorable", "intermediate", "adverse"], n)
    scale = np.select([group == "favorable", group == "intermediate"], [40.0, 25.0], 15.0)
    time = rng.exponential(scale)
    frame = pd.DataFrame({
        "patient_id": [f"{i:06d}" for i in range(n)],
        "rfs_months": np.floor(time) if ties else np.round(time, 6),
        "rfs_event": (rng.uniform(size=n) < 0.7).astype(float),
        "eln2022_risk": group,
        "arm": rng.integers(0, 3, n).astype(float),
    })
    frame.loc[[3, 17], "rfs_months"] = np.nan
    frame.loc[[5], "rfs_event"] = np.nan
    frame.loc[[8, 17, 40], "eln2022_risk"] = None
    return frame


@pytest.fixture(scope="module", params=[True, False], ids=["ties", "continuous"])
def cohort(request, tmp_path_factory):
    frame = synthetic(600, seed=7, ties=request.param)
    folder = tmp_path_factory.mktemp("counts")
    frame.to_parquet(folder / "cohort.parquet")
    frame.to_csv(folder / "cohort.csv", index=False)
    return frame, folder


@pytest.fixture(scope="module", params=["cohort.parquet", "cohort.csv"])
def source(request, cohort):
    return open_cohort(cohort[1] / request.param)


@pytest.mark.parametrize("by", [None, "eln2022_risk", "arm"])
def test_kaplan_meier_is_the_same_on_duckdb(cohort, source, by):
    frame = cohort[0]
    expected, got = kaplan_meier(frame, "rfs_months", "rfs_event", by), \
        kaplan_meier(source, "rfs_months", "rfs_event", by)
    pd.testing.assert_frame_equal(got.table, expected.table, **TOL)
    assert got.groups == expected.groups and got.n == expected.n
    assert got.events == expected.events
    assert [(e.reason, e.count) for e in got.exclusions] == \
        [(e.reason, e.count) for e in expected.exclusions]


def test_exclusions_counted_in_sql_name_the_patients(source):
    fit = kaplan_meier(source, "rfs_months", "rfs_event", "eln2022_risk")
    assert [e.describe() for e in fit.exclusions] == [
        "2 patients left out (no recorded `rfs_months`): 000003, 000017.",
        "1 patient left out (no recorded `rfs_event`): 000005.",
        "2 patients left out (no recorded `eln2022_risk`): 000008, 000040."]


def test_survival_at_logrank_trend_and_at_risk_are_the_same(cohort, source):
    frame = cohort[0]
    args = ("rfs_months", "rfs_event")
    pd.testing.assert_frame_equal(survival_at(source, *args, [0.5, 12, 24, 60], "eln2022_risk"),
                                  survival_at(frame, *args, [0.5, 12, 24, 60], "eln2022_risk"),
                                  **TOL)
    pd.testing.assert_frame_equal(at_risk_table(source, *args, [0, 12, 24], "arm"),
                                  at_risk_table(frame, *args, [0, 12, 24], "arm"))
    expected, got = logrank(frame, *args, "eln2022_risk"), logrank(source, *args, "eln2022_risk")
    assert got.groups == expected.groups and got.dof == expected.dof
    np.testing.assert_allclose([got.statistic, got.p_value, *got.expected],
                               [expected.statistic, expected.p_value, *expected.expected], **TOL)
    trend = [logrank_trend(c, *args, "eln2022_risk") for c in (frame, source)]
    np.testing.assert_allclose(trend[0].statistic, trend[1].statistic, **TOL)


def test_the_survival_report_runs_on_a_source(cohort, source):
    frame = cohort[0]
    expected = survival_report(frame, "rfs", "eln2022_risk")
    got = survival_report(source, "rfs", "eln2022_risk")
    pd.testing.assert_frame_equal(got.fit.table, expected.fit.table, **TOL)
    pd.testing.assert_frame_equal(got.medians, expected.medians, **TOL)
    pd.testing.assert_frame_equal(got.rmst.table, expected.rmst.table, **TOL)
    pd.testing.assert_frame_equal(got.at_risk, expected.at_risk)
    assert got.caption == expected.caption
    np.testing.assert_allclose(got.logrank.statistic, expected.logrank.statistic, **TOL)
    np.testing.assert_allclose(got.trend.statistic, expected.trend.statistic, **TOL)


def test_count_rows_rebuilt_from_an_engine_give_the_same_permutation_p(tmp_path):
    """A small cohort on an engine: the permutation test runs on rows rebuilt from the counts
    (exact enumeration does not depend on row order)."""
    frame = synthetic(60, seed=3, ties=True).iloc[:12]
    frame.to_parquet(tmp_path / "small.parquet")
    source = open_cohort(tmp_path / "small.parquet")
    got = permutation_logrank(source, "rfs_months", "rfs_event", "arm")
    expected = permutation_logrank(frame, "rfs_months", "rfs_event", "arm")
    assert got.exact and got.p_value == pytest.approx(expected.p_value, abs=1e-12)


def test_a_group_whose_only_patients_are_left_out_is_not_a_group():
    frame = pd.DataFrame({"t": [1.0, np.nan, 3.0], "e": [1, 1, 0], "g": ["a", "b", "a"]})
    assert survival_data(frame, "t", "e", "g").groups == ("a",)


def test_groups_from_a_float_column_are_labelled_as_r_factors(source):
    assert kaplan_meier(source, "rfs_months", "rfs_event", "arm").groups == ("0", "1", "2")


def test_an_empty_filtered_source_gives_empty_counts(source):
    empty = source.where(source.table["arm"] > 99)
    counts = survival_counts(empty, "rfs_months", "rfs_event", "eln2022_risk")
    assert counts.n == 0 and counts.groups == () and counts.n_input == 0
    assert survival_counts(empty, "rfs_months", "rfs_event").groups == ("All",)


# ---- the gatekeeper's errors, raised by the engine -----------------------------------------

def _write(tmp_path, frame, name="c.csv"):
    path = tmp_path / name
    (frame.to_csv(path, index=False) if name.endswith(".csv") else frame.to_parquet(path))
    return open_cohort(path)


def _both(tmp_path, frame, *args, name="c.csv"):
    """The error message of the pandas path and of the engine path."""
    messages = []
    for cohort in (frame, _write(tmp_path, frame, name)):
        with pytest.raises(AnalysisError) as caught:
            survival_counts(cohort, *args)
        messages.append(str(caught.value))
    return messages


def test_a_text_time_is_the_same_error_on_the_engine(tmp_path):
    frame = pd.DataFrame({"patient_id": ["a1", "a2", "a3"], "t": ["1", "soon", "3"],
                          "e": [1, 0, 1]})
    pandas_message, engine_message = _both(tmp_path, frame, "t", "e")
    assert engine_message == pandas_message
    with pytest.raises(AnalysisError, match=r"Column `t`: 1 value is not a number: patient a2 "
                                            r"\('soon'\)\. Fix: enter the time in months\."):
        survival_counts(_write(tmp_path, frame), "t", "e")


def test_a_negative_time_is_the_same_error_on_the_engine(tmp_path):
    frame = pd.DataFrame({"patient_id": ["p1", "p2"], "t": [-1.0, 2.0], "e": [1, 0]})
    pandas_message, engine_message = _both(tmp_path, frame, "t", "e", name="c.parquet")
    assert engine_message == pandas_message
    with pytest.raises(AnalysisError, match=r"Column `t`: 1 value is negative: patient p1 "
                                            r"\(-1\)\. Fix: times are months"):
        survival_counts(_write(tmp_path, frame, "n.parquet"), "t", "e")


def test_a_bad_event_code_is_the_same_error_on_the_engine(tmp_path):
    frame = pd.DataFrame({"patient_id": ["p1", "p2", "p3"], "t": [1.0, 2.0, 3.0],
                          "e": [1, 2, 7]})
    pandas_message, engine_message = _both(tmp_path, frame, "t", "e", name="c.parquet")
    assert engine_message == pandas_message
    with pytest.raises(AnalysisError, match=r"Column `e`: 2 values are not 0 or 1"):
        survival_counts(_write(tmp_path, frame, "e.parquet"), "t", "e")


def test_an_absent_column_is_the_same_error_on_the_engine(tmp_path):
    frame = pd.DataFrame({"t": [1.0], "e": [1]})
    pandas_message, engine_message = _both(tmp_path, frame, "t", "e", "grp")
    assert engine_message == pandas_message
    with pytest.raises(AnalysisError, match=r"Column `grp` is not in the cohort \(columns: t, "
                                            r"e\)\. Fix: choose one of these columns"):
        survival_counts(_write(tmp_path, frame), "t", "e", "grp")


def test_without_patient_ids_the_engine_counts_without_naming(tmp_path):
    frame = pd.DataFrame({"t": [1.0, np.nan, 2.0], "e": [1, 0, 0]})
    fit = kaplan_meier(_write(tmp_path, frame, "x.parquet"), "t", "e")
    assert [e.describe() for e in fit.exclusions] == [
        "1 patient left out (no recorded `t`)."]
    with pytest.raises(AnalysisError, match=r"Column `t`: 1 value is negative: -1\. Fix"):
        survival_counts(_write(tmp_path, pd.DataFrame({"t": [-1.0], "e": [1]}), "y.parquet"),
                        "t", "e")



def test_rows_grouped_by_raw_values_count_as_the_rows_themselves(tmp_path):
    """The engine groups the rows by their raw time, event and group before deciding each
    one's kind: texts that read as one number ("12", "12.0", "1.2e1") must still add up in
    one time, and each exclusion must still count and name its own rows, as in memory."""
    frame = pd.DataFrame({"patient_id": [f"p{i}" for i in range(9)],
                          "t": ["12", "12.0", "1.2e1", "3", "3.00", None, "7", "7", "0.5"],
                          "e": [1.0, 1.0, 0.0, 1.0, np.nan, 1.0, 0.0, 1.0, 1.0],
                          "g": ["a", "a", "b", "a", "b", "a", None, "b", "b"]})
    frame.to_parquet(tmp_path / "raw.parquet")
    memory = survival_counts(frame, "t", "e", "g")
    engine = survival_counts(open_cohort(tmp_path / "raw.parquet"), "t", "e", "g")
    pd.testing.assert_frame_equal(engine.table, memory.table, check_exact=True)
    assert engine.table["n_event"].tolist() == [1, 2, 1, 1, 0]  # 12 months in group a: 2
    assert [(e.reason, e.count, e.patients) for e in engine.exclusions] == \
        [(e.reason, e.count, e.patients) for e in memory.exclusions] == [
            ("no recorded `t`", 1, ("p5",)), ("no recorded `e`", 1, ("p4",)),
            ("no recorded `g`", 1, ("p6",))]

# ---- properties ------------------------------------------------------------------------------

@settings(max_examples=15, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(0, 12), st.booleans(), st.sampled_from("xyz")),
                min_size=1, max_size=40))
def test_engine_counts_equal_memory_counts(tmp_path_factory, rows):
    frame = pd.DataFrame(rows, columns=["t", "e", "g"]).astype({"t": float})
    path = tmp_path_factory.mktemp("prop") / "p.parquet"
    frame.to_parquet(path)
    memory = survival_counts(frame, "t", "e", "g")
    engine = survival_counts(open_cohort(path), "t", "e", "g")
    pd.testing.assert_frame_equal(engine.table, memory.table)
    assert engine.groups == memory.groups


@settings(max_examples=60, derandomize=True)
@given(st.lists(st.one_of(st.integers(0, 300).map(float),
                          st.integers(0, 3000).map(lambda k: k / 10),
                          st.integers(0, 30000).map(lambda k: k / 100),
                          st.floats(0, 300, allow_nan=False, allow_infinity=False)),
                min_size=1, max_size=50))
def test_time_ranks_equal_numpy_unique(times):
    """The O(n) path for whole-number times and the sort path give np.unique's answer."""
    times = np.asarray(times, dtype=float)
    values, rank = time_ranks(times)
    expected_values, expected_rank = np.unique(times, return_inverse=True)
    np.testing.assert_array_equal(values, expected_values)
    np.testing.assert_array_equal(rank, expected_rank)


def test_count_table_equals_a_plain_groupby():
    frame = synthetic(500, seed=11, ties=True).dropna()
    data = survival_data(frame, "rfs_months", "rfs_event", "eln2022_risk")
    plain = (frame.assign(n_event=frame["rfs_event"].astype(int),
                          n_censor=1 - frame["rfs_event"].astype(int))
             .groupby(["eln2022_risk", "rfs_months"])[["n_event", "n_censor"]].sum())
    got = count_table(data).set_index(["group", "time"])
    got.index.names = plain.index.names
    pd.testing.assert_frame_equal(got.sort_index(), plain.sort_index())


# ---- Spark (local mode): the same Ibis expressions on another engine --------------------------

@pytest.fixture(scope="module")
def spark():
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java 17 (apt-get install openjdk-17-jre-headless); "
                    "scripts/run_tests.sh installs it under CI=true")
    pyspark_sql = pytest.importorskip("pyspark.sql", reason="pyspark is not installed "
                                      "(pip install -r requirements-dev.txt)")
    # Tuned for a few hundred rows on a loaded 2-core machine: one partition, no adaptive
    # re-planning and no whole-stage code generation (Spark compiles Java for every query,
    # which costs more than these queries; the same expressions run interpreted), and a
    # driver JVM that starts fast (serial GC, C1 compiler only). Measured one after the other
    # on 2026-12-06, load average about 16: session start plus this module's Spark calls
    # 177 s with the former settings, 75 s with these.
    session = (pyspark_sql.SparkSession.builder.master("local[1]").appName("rre-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.driver.host", "127.0.0.1")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.driver.extraJavaOptions",
                       "-XX:+UseSerialGC -XX:TieredStopAtLevel=1")
               .config("spark.sql.shuffle.partitions", "1")
               .config("spark.default.parallelism", "1")
               .config("spark.sql.adaptive.enabled", "false")
               .config("spark.sql.codegen.wholeStage", "false")
               .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.spark
def test_spark_gives_the_same_numbers(spark, tmp_path):
    """Kaplan-Meier (with the exclusions counted in Spark SQL), log-rank and the counts-based
    Cox model, from a Parquet file read by Spark, equal the pandas path (continuous times:
    every double must survive the trip)."""
    frame = synthetic(400, seed=5, ties=False)
    frame.to_parquet(tmp_path / "cohort.parquet")
    source = spark_source(spark, path=str(tmp_path / "cohort.parquet"))
    assert source.engine == "pyspark"
    args = ("rfs_months", "rfs_event", "eln2022_risk")
    expected, got = kaplan_meier(frame, *args), kaplan_meier(source, *args)
    pd.testing.assert_frame_equal(got.table, expected.table, **TOL)
    assert [e.describe() for e in got.exclusions] == [e.describe() for e in expected.exclusions]
    np.testing.assert_allclose(logrank(source, *args).statistic,
                               logrank(frame, *args).statistic, **TOL)
    cox = [cox_from_counts(c, "rfs_months", "rfs_event", ["eln2022_risk", "arm"])
           for c in (frame, source)]
    pd.testing.assert_frame_equal(cox[1].table, cox[0].table, **TOL)

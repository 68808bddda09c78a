"""Cohort sources on a query engine: rows that stay in DuckDB (or Spark) instead of pandas.

Design: a :class:`CohortSource` wraps an Ibis table expression, so one code path runs on
every engine Ibis supports. :func:`open_cohort` reads a Parquet or CSV file through embedded
DuckDB (no server; the file is scanned where it lies, never loaded whole into Python);
:func:`spark_source` puts the same expression on a Spark session (``ibis.pyspark``), local or
a cluster. Filters become the engine's ``WHERE`` (:meth:`CohortSource.where`) and statistics
ask the engine for small aggregates only: the survival gatekeeper on a source
(:mod:`core.survival.km.counts`) counts the excluded rows and builds the event-count table with
one ``GROUP BY``; Kaplan-Meier, log-rank and the rest then run on those counts in Python.

Conventions: column names as in the cohort schema (:mod:`core.cohort.schema`); a CSV's
``patient_id`` is read as text so ``000123`` stays ``000123`` (as :func:`core.cohort.load_cohort`
keeps it); a floating-point NaN, and in a CSV the texts pandas reads as missing (``NA``,
``NULL``, empty, ...), count as missing values, as in pandas. Ibis is imported
only when a source is opened, so the app pays for it only on registry files.

References
----------
Ibis project, https://ibis-project.org (portable dataframe expressions compiled to SQL).
DuckDB, https://duckdb.org (embedded analytical SQL over Parquet/CSV). Apache Spark
(``pyspark``), local mode and cluster deployment.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import CohortError

PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
ID_COLUMN = "patient_id"
MISSING_TEXT = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
                "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]
"""CSV cells read as missing: pandas' ``read_csv`` defaults, so a file means the same to both."""


@dataclass(frozen=True, eq=False)
class CohortSource:
    """Patient rows held by a query engine (one row per patient).

    Attributes
    ----------
    table : ibis.expr.types.Table
        The rows, with every ``WHERE`` applied so far.
    name : str
        Where the rows come from (file name), for captions.
    engine : str
        The engine's name (``"duckdb"``, ``"pyspark"``).
    """

    table: Any
    name: str
    engine: str

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names, as in the file."""
        return tuple(self.table.columns)

    def where(self, predicate) -> CohortSource:
        """The rows for which ``predicate`` (an Ibis boolean expression on :attr:`table`) holds."""
        return CohortSource(self.table.filter(predicate), self.name, self.engine)

    def n_rows(self) -> int:
        """Number of rows (a ``COUNT(*)`` in the engine)."""
        return int(self.table.count().execute())

    def head(self, n: int = 5000) -> Any:
        """The first ``n`` rows as a pandas DataFrame, ordered by ``patient_id`` when present
        (an engine has no row order of its own)."""
        table = self.table
        if ID_COLUMN in self.columns:
            table = table.order_by(ID_COLUMN)
        return table.limit(n).to_pandas()

    def aggregate(self, **metrics) -> dict[str, Any]:
        """One row of aggregates (name -> Ibis scalar expression), computed in one scan."""
        if not metrics:
            return {}
        row = self.table.aggregate(**metrics).to_pandas().iloc[0]
        return {name: row[name] for name in metrics}


def seeded_sample(source: CohortSource, n: int, size: int, seed: int,
                  candidates: CohortSource | None = None) -> Any:
    """At most ``size`` of the source's ``n`` rows, chosen by a seeded hash of ``patient_id``,
    as a pandas DataFrame ordered by ``patient_id``.

    The sample is the ``size`` rows with the smallest key ``hash(patient_id || "#seed")`` (the
    engine's 64-bit hash as a signed integer; ties by ``patient_id``): the same rows for the
    same filter, every time. Rows without a patient id are not drawn. One scan: the keys are
    uniform, so the rows whose key lies below the key quantile ``(size + 6 sqrt(size)) / n``
    hold the ``size`` smallest keys but with probability ~1e-9 (then the exact two-scan query
    runs instead); only those ~``size`` rows are fetched, every column, and cut in Arrow.

    Parameters
    ----------
    source : CohortSource
        The (filtered) rows.
    n : int
        Rows in ``source`` (its ``COUNT``); a wrong ``n`` costs time, never other rows.
    size : int
        Rows wanted.
    seed : int
        The hash's seed.
    candidates : CohortSource, optional
        The same filter applied to :func:`key_candidates` of the unfiltered rows (same
        ``seed``): when it holds at least ``size`` rows, they hold the sample (every row of
        the source with a smaller key is among them), which is then cut from them without
        scanning or hashing the source; otherwise the source is scanned as above.

    Returns
    -------
    pandas.DataFrame
        ``min(size, rows with an id)`` rows (``size`` first rows when there is no id column).
    """
    table = source.table
    if ID_COLUMN not in table.columns:
        return table.limit(size).to_pandas()
    rows = candidates.table.to_pyarrow() if candidates is not None and n > size else None
    if rows is None or rows.num_rows < size:
        rows = _below_cut(table.filter(table[ID_COLUMN].notnull()), n, size, seed)
    rows = rows.sort_by([("sample_key", "ascending"), (ID_COLUMN, "ascending")])
    frame = rows.slice(0, size).drop_columns(["sample_key"]).to_pandas()
    return frame.sort_values(ID_COLUMN, kind="stable").reset_index(drop=True)


def _sample_key(table, seed: int):
    return (table[ID_COLUMN].cast("string") + f"#{seed}").hash()


def _below_cut(table, n: int, size: int, seed: int):
    """The rows (with an id) of the one-scan cut of :func:`seeded_sample`, as Arrow with
    their key in ``sample_key``; every row when the cut would hold them all; the exact
    ``size`` smallest keys by a second scan when the cut holds too few."""
    key = _sample_key(table, seed)
    share = (size + 6 * size ** 0.5 + 100) / max(n, 1)
    order = ["sample_key", ID_COLUMN]
    if share >= 1:  # a small source: every row, cut in the engine
        rows = table.mutate(sample_key=key).order_by(order).limit(size).to_pyarrow()
    else:  # keys are signed 64-bit integers: the quantile ``share`` of their range
        rows = table.filter(key <= _quantile(share)).mutate(sample_key=key).to_pyarrow()
    if rows.num_rows < min(size, n):  # the rare cut too low (or n too small): two scans
        ids = table.select(table[ID_COLUMN], sample_key=key).order_by(order).limit(size)
        rows = table.inner_join(ids, ID_COLUMN).to_pyarrow()
    return rows


def _quantile(share: float) -> int:
    """The key below which a share ``share`` of uniform signed 64-bit keys lies."""
    return int(-2 ** 63 + share * 2.0 ** 64)


def key_candidates(source: CohortSource, n: int, size: int, seed: int,
                   spread: float = 4.0) -> CohortSource | None:
    """The rows of ``source`` (with an id) whose seeded key lies in the lowest
    ``spread x (size + 6 sqrt(size) + 100) / n`` of the key range, with the key as the column
    ``sample_key``, kept in the engine's memory (one scan, once per source): the sample of
    any filter that keeps at least ``1 / spread`` of the ``n`` rows is among them (but with
    probability ~1e-9, see :func:`seeded_sample`), so a filter change hashes and scans
    ``spread x size`` rows instead of ``n``. None when they would be every row."""
    share = spread * (size + 6 * size ** 0.5 + 100) / max(n, 1)
    table = source.table
    if share >= 1 or ID_COLUMN not in table.columns:
        return None
    table = table.filter(table[ID_COLUMN].notnull())
    key = _sample_key(table, seed)
    kept = table.filter(key <= _quantile(share)).mutate(sample_key=key)
    import ibis

    name = f"sample_candidates_{uuid.uuid4().hex}"  # a temporary table of the connection
    return CohortSource(ibis.get_backend(kept).create_table(name, kept, temp=True),
                        source.name, source.engine)


def open_cohort(path: str | Path) -> CohortSource:
    """Open a Parquet or CSV cohort file through embedded DuckDB, without loading it.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.parquet``/``.pq`` file (or a glob of them, ``registry/*.parquet``), or a
        ``.csv``/``.tsv``/``.txt`` file with a header row.

    Returns
    -------
    CohortSource
        Accepted wherever :func:`core.survival.kaplan_meier`, :func:`core.survival.survival_at`
        and :func:`core.survival.km.logrank` accept a DataFrame, with the same numbers.

    Raises
    ------
    CohortError
        The file does not exist, its type is not Parquet or CSV, or DuckDB cannot read it.
    """
    path = str(path)
    suffix = Path(path).suffix.lower()
    if suffix not in PARQUET_SUFFIXES + CSV_SUFFIXES:
        raise CohortError([f"File {Path(path).name!r} is not a Parquet or CSV file (suffix "
                           f"{suffix or 'none'!r}). Fix: give a .parquet or .csv file, or load "
                           "other formats with core.cohort.load_cohort."])
    if not any(ch in path for ch in "*?[") and not Path(path).is_file():
        raise CohortError([f"File {path!r} does not exist. Fix: check the path (it is read on "
                           "the server, not uploaded)."])
    import ibis

    con = ibis.duckdb.connect()
    try:
        if suffix in PARQUET_SUFFIXES:
            table = con.read_parquet(path)
        else:
            table = con.read_csv(path, nullstr=MISSING_TEXT)
            if ID_COLUMN in table.columns and not table[ID_COLUMN].type().is_string():
                table = con.read_csv(path, nullstr=MISSING_TEXT, types={ID_COLUMN: "VARCHAR"})
    except Exception as error:  # DuckDB's own errors: the file is not what its name says
        raise CohortError([f"DuckDB cannot read {Path(path).name!r}: "
                           f"{str(error).splitlines()[0]}. Fix: check that the file is a valid "
                           f"{'Parquet' if suffix in PARQUET_SUFFIXES else 'CSV'} file."]
                          ) from error
    return CohortSource(table=table, name=Path(path).name, engine="duckdb")


def spark_source(session, path: str | None = None, table: str | None = None) -> CohortSource:
    """The same cohort source on Apache Spark (through ``ibis.pyspark``).

    Parameters
    ----------
    session : pyspark.sql.SparkSession
        ``SparkSession.builder.master("local[2]")`` for one machine, a cluster URL otherwise.
    path : str, optional
        A Parquet file or directory readable by the cluster (``hdfs://``, ``s3a://``, local).
    table : str, optional
        Or the name of a table or temporary view registered in the session.

    Returns
    -------
    CohortSource
    """
    if (path is None) == (table is None):
        raise CohortError(["spark_source needs exactly one of path= or table=. Fix: name a "
                           "Parquet path or a table registered in the Spark session."])
    import ibis

    con = ibis.pyspark.connect(session)
    expr = con.read_parquet(path) if path is not None else con.table(table)
    return CohortSource(table=expr, name=str(path or table), engine="pyspark")


def is_source(obj: object) -> bool:
    """True for a :class:`CohortSource` (rows in an engine), False for an in-memory table."""
    return isinstance(obj, CohortSource)


def columns_frame(df, columns) -> Any:
    """The rows of ``df`` as a pandas DataFrame holding what an analysis reads.

    Parameters
    ----------
    df : pandas.DataFrame or CohortSource
        A DataFrame is returned as it is; a source fetches only ``patient_id`` (when present,
        text as written) and the named columns, one engine query.
    columns : iterable of str or None
        Columns the analysis reads; None entries and columns the source lacks are skipped
        (the analysis's own check then names the missing column).

    Returns
    -------
    pandas.DataFrame
    """
    if not is_source(df):
        return df
    wanted = [c for c in (ID_COLUMN, *columns) if c is not None and c in df.columns]
    return df.table.select(*dict.fromkeys(wanted)).to_pandas()


def numeric(table, column: str):
    """Column ``column`` as float64 with NaN and unparseable text as NULL (Ibis expression),
    as :func:`pandas.to_numeric` with ``errors="coerce"`` reads it; booleans give 0/1."""
    value = table[column]
    kind = value.type()
    if kind.is_boolean():
        return value.cast("int64").cast("float64")
    if kind.is_floating():
        return value.isnan().ifelse(None, value)
    if kind.is_numeric():
        return value.cast("float64")
    return value.try_cast("float64")


def missing(table, column: str):
    """True where ``column`` has no value (NULL, or NaN in a floating column)."""
    value = table[column]
    if value.type().is_floating():
        return value.isnull() | value.isnan().fill_null(False)
    return value.isnull()


def count_true(condition):
    """``COALESCE(SUM(CASE WHEN condition THEN 1 ELSE 0 END), 0)``: a NULL condition counts as
    false, and no rows count 0."""
    return condition.fill_null(False).ifelse(1, 0).sum().coalesce(0)

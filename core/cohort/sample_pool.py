"""A registry's sample candidates validated once, so that a filter's sample needs no gatekeeper run.

Design: a registry's sample of any filter that keeps at least a quarter of the rows is cut
from the same few candidate rows (:func:`core.cohort.engine.key_candidates`, ~4 x the sample
size, the rows of lowest seeded key). :func:`validated_pool` passes those candidates through
the gatekeeper (:func:`core.cohort.validate.validate_cohort`) once; :func:`pool_sample` then
gives a filter's sample as the validated rows it holds, without validating again, and equal
to ``validate_cohort`` of the sample :func:`core.cohort.engine.seeded_sample` fetches (same
rows, order, values and dtypes).

Why that is the same frame. Every rule of the gatekeeper is row-wise but these, each kept:

- duplicated patient ids: candidates without duplicates give samples without duplicates;
- dtypes decided by a whole column: ``patient_id`` is ``int64`` when every id of the sample
  is a whole number (else text), an event column ``int64`` when no code of the sample is
  missing (else ``Int64``): both decided again on the sample's rows (:func:`_decide_dtypes`);
  a column outside the schema is numbers or text by all its values: parsed again from the
  sample's raw cells (``parse_extra``, only those columns);
- a text, category or id column stored as floats is read as whole numbers (``59``) only when
  every value of the column is whole, and dates' day-month order is decided by the whole
  column: a registry with either gets no pool (None), and every sample is validated itself;
- a problem in any candidate row: no pool either (the sample's own validation then names the
  problem as before, with the sample's row numbers).

Conventions: the pool's rows are ordered by ``patient_id`` as the file writes it (the order
of a sample); ``sample_key`` is the candidates' seeded key (not a cohort column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.cohort.engine import ID_COLUMN, CohortSource
from core.cohort.schema import BY_NAME, DATE_FIELDS, ENDPOINTS
from core.cohort.validate import normalise_column_name, validate_cohort
from core.cohort.validate_cells import WHOLE_ID, Problems, parse_extra
from core.errors import CohortError

KEY = "sample_key"
TEXT_KINDS = ("id", "text", "category", "list")


@dataclass(frozen=True, eq=False)
class ValidatedPool:
    """Key candidates of a registry, validated once.

    Attributes
    ----------
    rows : pandas.DataFrame
        The candidates as :func:`~core.cohort.validate.validate_cohort` returns them, ordered
        by the file's ``patient_id``.
    ids : pandas.Index
        The file's ``patient_id`` of each row of :attr:`rows` (unique).
    extra : pyarrow.Table
        The raw cells of the columns outside the schema, in the order of :attr:`rows`.
    arrow_ids : pyarrow.Array
        :attr:`ids` as the engine gave them (a sample's ids are looked up in Arrow).
    """

    rows: pd.DataFrame
    ids: pd.Index
    extra: Any
    arrow_ids: Any = None


def validated_pool(candidates: CohortSource | None) -> ValidatedPool | None:
    """The candidates (:func:`core.cohort.engine.key_candidates`) fetched and validated once;
    None when there are none, when the registry has date columns or a text-like column
    stored as floats, or when some candidate row has a problem (see the module's design)."""
    if candidates is None:
        return None
    table = candidates.table.drop(KEY).to_pyarrow()
    names = {c: normalise_column_name(str(c).strip()) for c in table.column_names}
    if any(name in DATE_FIELDS for name in names.values()):
        return None
    import pyarrow as pa

    for column, name in names.items():
        if name in BY_NAME and BY_NAME[name].kind in TEXT_KINDS \
                and pa.types.is_floating(table.schema.field(column).type):
            return None
    order = table.column(ID_COLUMN).to_pandas().sort_values(kind="stable").index.to_numpy()
    table = table.take(order)
    try:
        rows = validate_cohort(table.to_pandas())
    except CohortError:
        return None
    extra = [c for c, name in names.items() if name not in BY_NAME]
    ids = table.column(ID_COLUMN).combine_chunks()
    return ValidatedPool(rows, pd.Index(ids.to_pandas()), table.select(extra), ids)


def pool_sample(pool: ValidatedPool, candidates: CohortSource, size: int) -> pd.DataFrame | None:
    """The sample of ``size`` rows that :func:`core.cohort.engine.seeded_sample` cuts from the
    filtered ``candidates`` (the rows of smallest ``sample_key``, ties by id), validated: the
    pool's rows, no second validation. None when the filtered candidates hold fewer than
    ``size`` rows (the caller then samples the source itself).

    Parameters
    ----------
    pool : ValidatedPool
        :func:`validated_pool` of the unfiltered candidates.
    candidates : CohortSource
        The same candidates with the page's filter applied (only ids and keys are fetched).
    size : int
        Rows wanted; the source must hold more (else its sample is every row).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    keys = candidates.table.select(ID_COLUMN, KEY).to_pyarrow()
    if keys.num_rows < size:
        return None
    ids = keys.column(ID_COLUMN).take(smallest_keys(keys, size))
    known = pool.arrow_ids if pool.arrow_ids is not None else pa.array(pool.ids)
    found = pc.index_in(ids.cast(known.type), value_set=known)  # hashed in Arrow
    if found.null_count:  # not the pool's candidates: never a wrong row
        raise ValueError("pool_sample: candidates outside the validated pool")
    positions = np.sort(found.to_numpy())
    rows = pool.rows.take(positions).reset_index(drop=True)
    if pool.extra.num_columns:
        raw = pool.extra.take(positions).to_pandas()
        for column in raw.columns:
            rows[str(column).strip()] = parse_extra(str(column).strip(), raw[column],
                                                    lambda _: "", Problems())
    return _decide_dtypes(rows)


def smallest_keys(keys, size: int) -> np.ndarray:
    """Positions in ``keys`` (an Arrow table of ``patient_id`` and ``sample_key``) of the
    ``size`` rows of smallest (key, id): the rows ``keys.sort_by([(key, ascending), (id,
    ascending)]).slice(0, size)`` holds, in no particular order, found in O(n) (a partition
    on the 64-bit keys; only rows tied with the cut's key are sorted, by id) instead of
    sorting every candidate by two columns.
    """
    import pyarrow.compute as pc

    key = keys.column(KEY).to_numpy()
    if key.size <= size:
        return np.arange(key.size)
    cut = np.partition(key, size - 1)[size - 1]
    below = np.flatnonzero(key < cut)
    tied = np.flatnonzero(key == cut)
    need = size - below.size
    if tied.size > need:  # ties at the cut: the smallest ids, as the two-column sort
        order = pc.sort_indices(keys.column(ID_COLUMN).take(tied)).to_numpy()
        tied = tied[order[:need]]
    return np.concatenate([below, tied])


def _decide_dtypes(rows: pd.DataFrame) -> pd.DataFrame:
    """The dtypes the gatekeeper decides from a whole column, decided on ``rows``."""
    ids = rows[ID_COLUMN]
    first = ids.iloc[0] if len(ids) else None  # a registry's ids ("R000123") fail at once
    if ids.dtype == object and not (isinstance(first, str) and re.fullmatch(WHOLE_ID, first)
                                    is None) and ids.str.fullmatch(WHOLE_ID).all():
        rows[ID_COLUMN] = ids.astype("string").astype("int64")
    for _, event, _ in ENDPOINTS.values():
        codes = rows[event]
        if isinstance(codes.dtype, pd.Int64Dtype) and codes.notna().all():
            rows[event] = codes.astype("int64")
    return rows

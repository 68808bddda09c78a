"""Cell-level parsing for the gatekeeper: text of each cell, numbers, categories, events.

Design: each function takes one column (a pandas Series) and the collector of problems, and
returns the parsed column; every offending row of one rule goes into one problem sentence
naming rows, column, values and fix (:class:`Problem` keeps the row positions so that rows can
be set aside). Vectorised throughout. Used only by :mod:`core.cohort.validate`.

Conventions: see :mod:`core.cohort.validate` (row numbers, missing-value tokens, id rule).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cohort.schema import Column

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none recorded", ".", "?"})
"""Cell texts read as a missing value (case-insensitive). ``-``/``–`` are missing too, except
in list columns, where the study prints ``–`` for "no co-mutation"."""
DASHES = frozenset({"-", "–", "—"})

ALIASES: dict[str, dict[str, str]] = {
    "sex": {"male": "M", "female": "F", "m": "M", "f": "F"},
    "eln2022_risk": {"favourable": "favorable"},
    "relapse_type": {"cr": "none", "no": "none"},
    "outcome": {"survival": "alive", "death": "dead", "died": "dead", "lost": "lost to follow-up",
                "lost to follow up": "lost to follow-up"},
    "fusion_gene": {"none": "negative", "aml1-eto": "AML1-ETO", "runx1-runx1t1": "AML1-ETO"},
}
"""Accepted spellings, mapped to the canonical value (keys are lower-case)."""

MAX_LISTED = 8
"""At most this many rows are listed in one problem; the rest are counted."""
WHOLE_ID = r"0|[1-9]\d{0,17}"


@dataclass(frozen=True)
class Problem:
    """One broken rule: its sentence and the row positions it concerns (empty: whole file)."""

    text: str
    rows: tuple[int, ...] = ()


class Problems(list):
    """Collected :class:`Problem` objects."""

    def add(self, text: str, rows: Iterable[int] = ()) -> None:
        self.append(Problem(text, tuple(int(r) for r in rows)))


def clean_column(values: pd.Series, dashes_missing: bool = True) -> pd.Series:
    """Stripped text of every cell (object dtype), ``None`` for a missing cell (see
    :func:`clean_text`)."""
    return as_objects(clean_text(values, dashes_missing))


FEW_DISTINCT = 0.1
"""A column whose first :data:`SAMPLE_ROWS` cells hold at most this share of distinct values
is cleaned and parsed once per distinct value (:func:`per_distinct`), else cell by cell."""
SAMPLE_ROWS = 10_000


def few_distinct(text: pd.Series) -> bool:
    """Whether ``text`` likely repeats its values (a category, a code, an age), judged from
    its first :data:`SAMPLE_ROWS` cells; a wrong guess costs time, never a different result."""
    if len(text) <= 1_000:
        return False
    head = text.iloc[:SAMPLE_ROWS]
    return head.nunique() <= FEW_DISTINCT * len(head)


def per_distinct(text: pd.Series, parse: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``parse(text)``, computed once per distinct value when ``text`` repeats its values.

    ``parse`` maps a Series of texts to a Series of the same length, each cell's result
    depending on that cell alone. A 10^6-row column of four words is parsed as four texts and
    the results taken back to the rows (missing cells give a missing result), instead of
    10^6 times; a column of distinct values (ids, measurements) is parsed as it is.
    """
    if not few_distinct(text):
        return parse(text)
    codes, uniques = pd.factorize(text)
    done = parse(pd.Series(uniques, dtype=text.dtype))
    if done.dtype == object:  # the rows share the distinct values' Python objects
        shared = np.append(done.to_numpy(dtype=object), None)
        return pd.Series(shared[codes], index=text.index, dtype=object)
    return pd.Series(done.array.take(codes, allow_fill=True), index=text.index)


def as_objects(text: pd.Series) -> pd.Series:
    """A ``string`` Series as object dtype with ``None`` for missing cells; equal texts share
    one Python string (a column of four words in 10^6 rows takes 8 MB, not 60)."""
    return per_distinct(text, _objects)


def _objects(text: pd.Series) -> pd.Series:
    arrow = getattr(text.array, "__arrow_array__", None)
    if arrow is not None:  # Arrow text: its own conversion, None for missing cells
        return pd.Series(arrow().to_numpy(zero_copy_only=False), index=text.index,
                         name=text.name, dtype=object, copy=False)
    return text.astype(object).where(text.notna().to_numpy(dtype=bool), None)


def clean_text(values: pd.Series, dashes_missing: bool = True) -> pd.Series:
    """Stripped text of every cell (pandas ``string`` dtype), ``<NA>`` for a missing cell.

    Vectorised: a 10^6-row column takes well under a second; a column that repeats its
    values (categories, codes) is cleaned once per distinct value (:func:`per_distinct`).
    Whole floats (``59.0``, as spreadsheets and Parquet store integers) become ``"59"`` when
    they are exact integers (below 2^53); larger floats keep their float text.
    """
    if pd.api.types.is_float_dtype(values) and not isinstance(values.dtype, pd.CategoricalDtype):
        finite = values.dropna()
        if len(finite) and bool((np.isfinite(finite) & (finite.abs() < 2.0 ** 53)
                                 & (finite % 1 == 0)).all()):
            values = values.astype("Int64")
    try:
        text = values.astype("string")
    except Exception:  # noqa: BLE001 - exotic cells (Decimal('sNaN'), ...) go one by one
        text = pd.Series([None if is_missing(v) else str(v) for v in values],
                         dtype="string", index=values.index)
    return per_distinct(text, lambda t: _clean(t, dashes_missing))


def _clean(text: pd.Series, dashes_missing: bool) -> pd.Series:
    """:func:`clean_text` of a ``string`` Series, cell by cell, in Arrow's kernels called
    directly (what ``str.strip``, ``str.lower``, ``isin`` and ``mask`` call, without pandas'
    fixed cost per call: this runs for every column of every load)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow = text.array.__arrow_array__()
    stripped = pc.utf8_trim_whitespace(arrow)
    missing = pc.is_in(pc.utf8_lower(stripped),
                       value_set=pa.array(sorted(MISSING_TOKENS), type=arrow.type))
    if dashes_missing:
        missing = pc.or_(missing, pc.is_in(stripped,
                                           value_set=pa.array(sorted(DASHES), type=arrow.type)))
    kept = pc.if_else(pc.fill_null(missing, True), pa.scalar(None, arrow.type), stripped)
    return pd.Series(pd.arrays.ArrowStringArray(kept), index=text.index, name=text.name,
                     copy=False)


def is_missing(value: object) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except Exception:  # noqa: BLE001 - e.g. Decimal('sNaN') refuses comparison
        return False


def positions(mask: pd.Series) -> list[int]:
    return np.flatnonzero(mask.fillna(False).to_numpy(dtype=bool)).tolist()


def row_labeller(ids: pd.Series, numbers: np.ndarray) -> Callable[[Iterable[int]], str]:
    def label(positions: Iterable[int]) -> str:
        positions = list(positions)
        shown = positions[:MAX_LISTED]
        rows = ", ".join(str(numbers[p]) for p in shown)
        pats = ", ".join(ids.iloc[p] if ids.iloc[p] is not None else "(no id)" for p in shown)
        more = f" and {len(positions) - len(shown)} more" if len(positions) > len(shown) else ""
        if len(positions) == 1:
            return f"row {rows} (patient {pats})"
        return f"rows {rows}{more} (patients {pats}{more and ', ...'})"

    label.numbers = numbers  # type: ignore[attr-defined]
    return label


def quote_list(values: Iterable[object], limit: int = MAX_LISTED) -> str:
    values = list(values)
    shown = ", ".join(repr(str(v)) for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def values_are(values: Iterable[object]) -> str:
    """``"value 'x' is"`` or ``"values 'x', 'y' are"``: the subject of a problem sentence."""
    values = list(values)
    if len(values) == 1:
        return f"value {quote_list(values)} is"
    return f"values {quote_list(values)} are"


def check_nul(name: str, texts: pd.Series, row_label, problems: Problems) -> pd.Series:
    if not _may_hold_nul(texts):
        return texts
    nul = texts.str.contains("\x00", regex=False)
    rows = positions(nul)
    if rows:
        problems.add(f"Column `{name}`, {row_label(rows)}: the value contains a NUL byte (\\x00), "
                     "a control character no spreadsheet writes. Fix: remove it (export the "
                     "file again as CSV UTF-8 or XLSX).", rows)
    return texts


def _may_hold_nul(texts: pd.Series) -> bool:
    """False when no byte of the column's Arrow text buffers is 0 (a scan of raw bytes, no
    string built); True when one is, or when the column is not Arrow text."""
    import pyarrow as pa

    to_arrow = getattr(texts.array, "__arrow_array__", None)
    if to_arrow is None:  # not Arrow text: look cell by cell
        return True
    arrow = to_arrow()
    chunks = arrow.chunks if isinstance(arrow, pa.ChunkedArray) else [arrow]
    for chunk in chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return True
        data = chunk.buffers()[2]
        if data is not None and not np.frombuffer(data, dtype=np.uint8).all():
            return True
    return False


def parse_column(column: Column, values: pd.Series, row_label, problems: Problems
                  ) -> pd.Series:
    """Parse one column, adding a problem per broken rule (all offending rows in one)."""
    name = column.name
    if column.kind == "list":
        return parse_list(check_nul(name, clean_text(values, False), row_label, problems))
    texts = check_nul(name, clean_text(values), row_label, problems)
    if column.kind in ("id", "text"):
        if column.kind == "id" and texts.isna().any():
            rows = positions(texts.isna())
            problems.add(f"Column `patient_id`, {row_label(rows)}: the patient id is empty. Fix: "
                         "give every patient a unique id.", rows)
        if column.kind == "id" and texts.notna().all() and \
                texts.str.fullmatch(WHOLE_ID).all():
            return texts.astype("int64")
        return as_objects(texts)
    if column.kind == "category":
        return parse_category(column, texts, row_label, problems)
    if column.kind == "event":
        numbers = to_numbers(texts)
        mapped = numbers.where(numbers.isin([0, 1]) & texts.isin(["0", "1", "0.0", "1.0"])
                               ).astype("Float64")
        bad = positions(texts.notna() & mapped.isna())
        if bad:
            meaning = "relapse" if name == "rfs_event" else "death"
            problems.add(
                f"Column `{name}`, {row_label(bad)}: {values_are(texts.iloc[bad])} not an "
                f"event code. Fix: write 1 for {meaning} and 0 for censored (no {meaning} at "
                "last contact), or map the file's codes on the Your data page.", bad)
        return mapped
    return parse_number(column, texts, row_label, problems)


def parse_category(column: Column, texts: pd.Series, row_label, problems) -> pd.Series:
    lookup = {level.lower(): level for level in column.allowed or ()}
    lookup.update(ALIASES.get(column.name, {}))

    spellings = list(lookup)
    levels = np.array([lookup[k] for k in spellings] + [None], dtype=object)

    def canonical(text: pd.Series) -> pd.Series:  # the level, None where unknown
        import pyarrow as pa
        import pyarrow.compute as pc

        arrow = text.array.__arrow_array__()
        found = pc.index_in(pc.utf8_lower(arrow), value_set=pa.array(spellings, arrow.type))
        at = pc.fill_null(found, len(spellings)).to_numpy().astype(np.intp, copy=False)
        known = at < len(spellings)
        values = pd.Series(levels[at], index=text.index, dtype=object)
        if column.allowed is None:  # open vocabulary: keep the text, canonicalise aliases
            return values.where(known, _objects(text))
        return values

    values = per_distinct(texts, canonical)
    if column.allowed is None:
        return values
    bad = positions(texts.notna() & values.isna())
    if bad:
        allowed = ", ".join(f"'{v}'" for v in column.allowed)
        problems.add(
            f"Column `{column.name}`, {row_label(bad)}: {values_are(texts.iloc[bad])} not "
            f"allowed. Fix: use one of {allowed} (capitals do not matter).", bad)
    return values.where(values.notna(), None)


_NUMBER = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
_SPECIAL_NUMBERS = ("inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan",
                    "-nan")


def to_numbers(texts: pd.Series) -> pd.Series:
    """Each cell's number (``float64``), NaN where the text is not a number: what
    ``pandas.to_numeric(errors="coerce")`` gives, computed in Arrow (about ten times faster on
    a 10^6-row column), once per distinct text when the column repeats its values. Numbers are
    decimal (``+1.5``, ``.5``, ``1e-3``, ``inf``, ``nan``); anything else (``1,5``, ``0x1A``,
    ``12 mg``, ``nan(1)``) is not a number. Each value is read exactly (Arrow's parser rounds
    correctly, where pandas < 3 reads ``0.30000000000000004`` as 0.3), so an exported table
    read back gives the same numbers on every pandas the requirements allow."""
    return per_distinct(texts, _to_numbers)


def _to_numbers(texts: pd.Series) -> pd.Series:
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(texts.astype(pd.StringDtype("pyarrow")).array)
    specials = pa.array(_SPECIAL_NUMBERS)
    try:  # the usual column: every text is a number as written, read in one pass
        values = pc.cast(text, pa.float64())
        odd = pc.fill_null(pc.invert(pc.is_finite(values)), False)  # inf, nan: spelled so?
        if pc.any(odd).as_py() and not pc.all(pc.is_in(pc.utf8_lower(pc.filter(text, odd)),
                                                       value_set=specials)).as_py():
            raise pa.ArrowInvalid("a spelling Arrow reads and the rule does not (nan(1))")
    except pa.ArrowInvalid:  # some text is no number as written: decide each by the rule
        number = pc.fill_null(pc.match_substring_regex(text, _NUMBER), False)
        special = pc.fill_null(pc.is_in(pc.utf8_lower(pc.utf8_trim_whitespace(text)),
                                        value_set=specials), False)
        kept = pc.if_else(pc.or_(number, special), pc.utf8_trim_whitespace(text),
                          pa.scalar(None, pa.string()))
        values = pc.cast(kept, pa.float64())
    return pd.Series(values.to_numpy(zero_copy_only=False), index=texts.index, dtype="float64")


def parse_number(column: Column, texts: pd.Series, row_label, problems) -> pd.Series:
    numbers = to_numbers(texts)
    bad = positions(texts.notna() & numbers.isna())
    unit = f" in {column.unit}" if column.unit else ""
    if bad:
        comma = any("," in str(texts.iloc[i]) for i in bad)
        hint = " with a decimal point, not a comma" if comma else ""
        problems.add(
            f"Column `{column.name}`, {row_label(bad)}: {values_are(texts.iloc[bad])} not "
            f"numeric. Fix: enter {noun(column)}{unit} as a number{hint}, or leave "
            "the cell empty if it is unknown.", bad)
    low = positions(numbers < column.minimum) if column.minimum is not None else []
    high = positions(numbers > column.maximum) if column.maximum is not None else []
    is_time = column.unit == "months"
    for rows, rule, why in (
            (low, f"below the minimum {column.minimum:g}" if column.minimum is not None else "",
             " (times are counted from the start point and cannot be negative)"),
            (high, f"above the maximum {column.maximum:g}" if column.maximum is not None else "",
             " (100 years; a longer time is a unit or entry error, or not a number)")):
        if rows:
            problems.add(
                f"Column `{column.name}`, {row_label(rows)}: {values_are(texts.iloc[rows])} "
                f"{rule}{unit}{why if is_time else ''}. Fix: correct the value or leave the "
                "cell empty if unknown.", rows)
    return numbers


def noun(column: Column) -> str:
    """The column's label without unit, lower-cased unless it is an acronym (WBC, RFS)."""
    noun = column.label.split(" (")[0]
    return noun if noun[:2].isupper() else noun.lower()


def parse_extra(name: str, values: pd.Series, row_label, problems) -> pd.Series:
    """A column outside the schema: numbers when every value is a finite number, else text
    (date columns are read by :mod:`core.cohort.dates`)."""
    texts = check_nul(name, clean_text(values), row_label, problems)
    numbers = to_numbers(texts)
    known = texts.notna()
    if known.any() and bool((numbers[known].notna() & np.isfinite(numbers[known])).all()) \
            and not pd.api.types.is_bool_dtype(values):
        return numbers
    return as_objects(texts)


def parse_list(texts: pd.Series) -> pd.Series:
    """Canonical co-mutation lists: upper-case symbols joined by ``"; "``, ``"none"`` if empty.

    ``-``/``–`` and ``none`` mean "no co-mutation" (the study prints ``–``); separators may be
    ``;``, ``,``, ``/`` or ``|``. A column that repeats its lists is parsed once per distinct
    list (:func:`per_distinct`: pandas runs this regex replace cell by cell in Python).
    """
    return per_distinct(texts.astype("string"), _parse_list)


def _parse_list(texts: pd.Series) -> pd.Series:
    lower = texts.astype("string").str.lower()
    genes = (texts.astype("string").str.upper()
             .str.replace(r"\s*[;,/|]+\s*", "; ", regex=True).str.strip("; "))
    none = lower.isin(["none", *DASHES]) | (texts.notna() & genes.eq("")).fillna(False)
    out = genes.astype(object).where(texts.notna().to_numpy(dtype=bool), None)
    return out.where(~none.to_numpy(dtype=bool), "none")


def split_list(value: str | None) -> frozenset[str]:
    """Genes in a canonical co-mutation list (``"none"`` and missing give the empty set)."""
    if value is None or value == "none" or (isinstance(value, float) and math.isnan(value)):
        return frozenset()
    return frozenset(value.split("; "))

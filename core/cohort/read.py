"""Loading a cohort and the one gatekeeper every cohort passes through.

``validate_cohort`` is the only place that decides whether a table is a usable cohort. It
collects every problem it finds (not just the first) and raises one
:class:`~core.errors.CohortError` whose ``problems`` each name the row(s), the column, the
offending value(s) and the fix. Row numbers count the header as row 1, as a spreadsheet shows
them, so "row 5" is the fourth patient.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from core.cohort.schema import BY_NAME, COLUMNS, REQUIRED, Column
from core.errors import CohortError

SEED_PATH = Path(__file__).resolve().parents[2] / "data" / "seed_cohort.csv"

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


# --------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------

def load_seed_cohort() -> pd.DataFrame:
    """Return the embedded 19-patient cohort of the seed study, validated.

    Returns
    -------
    pandas.DataFrame
        One row per patient with the columns of :data:`core.cohort.schema.COLUMNS`; times in months.
    """
    return validate_cohort(read_table(SEED_PATH))


def load_cohort(source: str | Path | IO[bytes]) -> pd.DataFrame:
    """Read a user's cohort (CSV, XLSX or Parquet) and validate it.

    Parameters
    ----------
    source : str, pathlib.Path or binary file-like
        A path, or an open binary file such as Streamlit's ``UploadedFile``. The format is
        taken from the file name's extension and, failing that, from the file's first bytes.

    Returns
    -------
    pandas.DataFrame
        The cohort in the shape of :func:`load_seed_cohort`.

    Raises
    ------
    core.errors.CohortError
        When the file cannot be read, or any value breaks a rule of the schema.
    """
    return validate_cohort(read_table(source))


def read_table(source: str | Path | IO[bytes]) -> pd.DataFrame:
    """Read a CSV, XLSX or Parquet file into a DataFrame without interpreting any value.

    CSV text is decoded as UTF-8 (with or without BOM), falling back to Windows-1252; the
    separator (comma, semicolon, tab or pipe) is detected. Cells are kept as text.

    Raises
    ------
    core.errors.CohortError
        When the file is empty, in an unsupported format, or unreadable.
    """
    if isinstance(source, (str, Path)):
        name = str(source)
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise CohortError([f"The file {name!r} could not be opened ({exc.strerror}). "
                               "Fix: check the path."]) from exc
    else:
        name = str(getattr(source, "name", "") or "")
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
    if not data.strip():
        raise CohortError([f"The file {name or '(upload)'} is empty. Fix: export the cohort "
                           "again with a header row and one row per patient."])
    kind = _file_kind(name, data)
    try:
        if kind == "xlsx":
            return pd.read_excel(io.BytesIO(data), dtype=object, engine="openpyxl")
        if kind == "parquet":
            return pd.read_parquet(io.BytesIO(data))
        return _read_csv(data)
    except CohortError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure becomes a user message
        raise CohortError([f"The file {name or '(upload)'} could not be read as {kind.upper()} "
                           f"({type(exc).__name__}: {exc}). Fix: save it as CSV (UTF-8), "
                           "XLSX or Parquet with a header row."]) from exc


def _file_kind(name: str, data: bytes) -> str:
    suffix = Path(name).suffix.lower()
    if suffix == ".xls":
        raise CohortError([f"The file {name} is in the old Excel 97-2003 format (.xls). Fix: "
                           "open it in a spreadsheet and save it as .xlsx or .csv."])
    if suffix in {".xlsx", ".xlsm"} or data[:4] == b"PK\x03\x04":
        return "xlsx"
    if suffix in {".parquet", ".pq"} or data[:4] == b"PAR1":
        return "parquet"
    return "csv"


def _read_csv(data: bytes) -> pd.DataFrame:
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    first_lines = "\n".join(text.splitlines()[:20])
    try:
        sep = csv.Sniffer().sniff(first_lines, delimiters=",;\t|").delimiter
    except csv.Error:
        sep = ","
    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------------------------
# The gatekeeper
# --------------------------------------------------------------------------------------------

def normalise_column_name(name: object) -> str:
    """Map a header to snake_case (``"RFS months "`` -> ``"rfs_months"``)."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def validate_cohort(raw: pd.DataFrame) -> pd.DataFrame:
    """Check a raw cohort table against the schema and return it typed and canonical.

    Parameters
    ----------
    raw : pandas.DataFrame
        One row per patient; cells may be text (as read from a file) or already typed.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`core.cohort.schema.COLUMNS` in schema order (absent optional columns are
        derived where a rule exists, else empty), followed by any extra columns of ``raw``.
        Numbers are ``float64``; events are ``int64`` (``Int64`` when some are missing);
        categories are canonical text; ``patient_id`` is ``int64`` when every id is a whole
        number, else text.

    Raises
    ------
    core.errors.CohortError
        With every problem found, each naming row(s), column, value(s) and fix.
    """
    problems: list[str] = []
    df = raw.copy()
    df.columns = [normalise_column_name(c) for c in df.columns]
    duplicated = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    for col in duplicated:
        problems.append(f"Column `{col}` appears more than once in the header. Fix: keep one "
                        "column of that name and rename or delete the others.")
    if duplicated:
        raise CohortError(problems)
    df = df.reset_index(drop=True)
    if len(df) == 0:
        raise CohortError(["The table has a header but no patient rows. Fix: add one row per "
                           "patient below the header."])
    for name in REQUIRED:
        if name not in df.columns:
            problems.append(
                f"Required column `{name}` ({BY_NAME[name].label}) is missing; the file has "
                f"{_quote_list(df.columns, 30)}. Fix: add the column or rename the matching one "
                "to this name (see data/DATA_DICTIONARY.md)."
            )
    if problems:
        raise CohortError(problems)

    ids = _clean_column(df["patient_id"])
    row_label = _row_labeller(ids)
    out: dict[str, pd.Series] = {}
    for column in COLUMNS:
        if column.name in df.columns:
            out[column.name] = _parse_column(column, df[column.name], row_label, problems)
    _derive_missing_columns(out, len(df))
    _check_ids(out["patient_id"], row_label, problems)
    _check_consistency(out, df, row_label, problems)
    if problems:
        raise CohortError(problems)

    cohort = pd.DataFrame(out)
    extra = [c for c in df.columns if c not in BY_NAME]
    for name in extra:
        cohort[name] = _clean_column(df[name])
    for name in ("rfs_event", "os_event"):
        events = cohort[name]
        cohort[name] = events.astype("int64") if events.notna().all() else events.astype("Int64")
    return cohort


def _clean_column(values: pd.Series, dashes_missing: bool = True) -> pd.Series:
    """Stripped text of every cell (object dtype), ``None`` for a missing cell.

    Vectorised: a 10^6-row column takes well under a second. Whole floats (``59.0``, as
    spreadsheets and Parquet store integers) become ``"59"``.
    """
    if pd.api.types.is_float_dtype(values):
        finite = values.dropna()
        if len(finite) and bool((finite % 1 == 0).all()):
            values = values.astype("Int64")
    text = values.astype("string").str.strip()
    missing = text.isna() | text.str.lower().isin(MISSING_TOKENS)
    if dashes_missing:
        missing |= text.isin(DASHES)
    return text.astype(object).where(~missing.to_numpy(dtype=bool), None)


def _positions(mask: pd.Series) -> list[int]:
    return np.flatnonzero(mask.to_numpy(dtype=bool)).tolist()


def _row_labeller(ids: pd.Series) -> Callable[[Iterable[int]], str]:
    def label(positions: Iterable[int]) -> str:
        positions = list(positions)
        shown = positions[:MAX_LISTED]
        rows = ", ".join(str(p + 2) for p in shown)
        pats = ", ".join(ids.iloc[p] if ids.iloc[p] is not None else "(no id)" for p in shown)
        more = f" and {len(positions) - len(shown)} more" if len(positions) > len(shown) else ""
        if len(positions) == 1:
            return f"row {rows} (patient {pats})"
        return f"rows {rows}{more} (patients {pats}{more and ', ...'})"

    return label


def _quote_list(values: Iterable[object], limit: int = MAX_LISTED) -> str:
    values = list(values)
    shown = ", ".join(repr(str(v)) for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def _values_are(values: Iterable[object]) -> str:
    """``"value 'x' is"`` or ``"values 'x', 'y' are"``: the subject of a problem sentence."""
    values = list(values)
    if len(values) == 1:
        return f"value {_quote_list(values)} is"
    return f"values {_quote_list(values)} are"


def _parse_column(column: Column, values: pd.Series, row_label, problems: list[str]) -> pd.Series:
    """Parse one column, appending a problem per broken rule (all offending rows in one)."""
    name = column.name
    if column.kind == "list":
        return _parse_list(values)
    texts = _clean_column(values)
    if column.kind in ("id", "text"):
        if column.kind == "id" and texts.isna().any():
            problems.append(f"Column `patient_id`, {row_label(_positions(texts.isna()))}: the "
                            "patient id is empty. Fix: give every patient a unique id.")
        if column.kind == "id" and texts.notna().all() and \
                texts.astype("string").str.fullmatch(r"\d{1,18}").all():
            return texts.astype("int64")
        return texts
    if column.kind == "category":
        return _parse_category(column, texts, row_label, problems)
    if column.kind == "event":
        codes = {"0": 0, "1": 1, "0.0": 0, "1.0": 1}
        mapped = texts.map(codes).astype("Float64")
        bad = _positions(texts.notna() & mapped.isna())
        if bad:
            meaning = "relapse" if name == "rfs_event" else "death"
            problems.append(
                f"Column `{name}`, {row_label(bad)}: {_values_are(texts.iloc[bad])} not an "
                f"event code. Fix: write 1 for {meaning} and 0 for censored (no {meaning} at "
                "last contact)."
            )
        return mapped
    return _parse_number(column, texts, row_label, problems)


def _parse_category(column: Column, texts: pd.Series, row_label, problems) -> pd.Series:
    lookup = {level.lower(): level for level in column.allowed or ()}
    lookup.update(ALIASES.get(column.name, {}))
    lower = texts.astype("string").str.lower()
    values = lower.map(lookup).astype(object)
    if column.allowed is None:  # open vocabulary: keep the text, canonicalise known aliases
        return values.where(values.notna(), texts)
    bad = _positions(texts.notna() & values.isna())
    if bad:
        allowed = ", ".join(f"'{v}'" for v in column.allowed)
        problems.append(
            f"Column `{column.name}`, {row_label(bad)}: {_values_are(texts.iloc[bad])} not "
            f"allowed. Fix: use one of {allowed} (capitals do not matter)."
        )
    return values.where(values.notna(), None)


def _parse_number(column: Column, texts: pd.Series, row_label, problems) -> pd.Series:
    numbers = pd.to_numeric(texts, errors="coerce").astype("float64")
    bad = _positions(texts.notna() & numbers.isna())
    unit = f" in {column.unit}" if column.unit else ""
    if bad:
        comma = any("," in str(texts.iloc[i]) for i in bad)
        hint = " with a decimal point, not a comma" if comma else ""
        problems.append(
            f"Column `{column.name}`, {row_label(bad)}: {_values_are(texts.iloc[bad])} not "
            f"numeric. Fix: enter {_noun(column)}{unit} as a number{hint}, or leave "
            "the cell empty if it is unknown."
        )
    low = _positions(numbers < column.minimum) if column.minimum is not None else []
    high = _positions(numbers > column.maximum) if column.maximum is not None else []
    for rows, rule in ((low, f"below the minimum {column.minimum:g}"),
                       (high, f"above the maximum {column.maximum:g}" if column.maximum
                        is not None else "")):
        if rows:
            why = (" (times are counted from the start point and cannot be negative)"
                   if column.unit == "months" else "")
            problems.append(
                f"Column `{column.name}`, {row_label(rows)}: {_values_are(texts.iloc[rows])} "
                f"{rule}{unit}{why}. Fix: correct the value or leave the cell empty if unknown."
            )
    return numbers


def _noun(column: Column) -> str:
    """The column's label without unit, lower-cased unless it is an acronym (WBC, RFS)."""
    noun = column.label.split(" (")[0]
    return noun if noun[:2].isupper() else noun.lower()


def _parse_list(values: pd.Series) -> pd.Series:
    """Canonical co-mutation lists: upper-case symbols joined by ``"; "``, ``"none"`` if empty.

    ``-``/``–`` and ``none`` mean "no co-mutation" (the study prints ``–``); separators may be
    ``;``, ``,``, ``/`` or ``|``.
    """
    texts = _clean_column(values, dashes_missing=False)
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


def _derive_missing_columns(out: dict[str, pd.Series], n: int) -> None:
    """Fill absent optional columns by their documented rule, or leave them empty."""
    empty = pd.Series([None] * n, dtype=object)
    def derive(values: pd.Series, rule: Callable[[Any], str | None]) -> pd.Series:
        return pd.Series([None if pd.isna(v) else rule(v) for v in values], dtype=object)

    if "fab_class" not in out:
        out["fab_class"] = derive(
            out["fab"], lambda f: m.group(1) if (m := re.match(r"(M\d)", f)) else f)
    if "relapse_type" not in out:  # a relapse's type cannot be derived from the event code
        out["relapse_type"] = derive(out["rfs_event"], lambda e: "none" if e == 0 else None)
    if "outcome" not in out:  # "alive" and "lost to follow-up" cannot be told apart from 0
        out["outcome"] = derive(out["os_event"], lambda e: "dead" if e == 1 else None)
    for column in COLUMNS:
        if column.name not in out:
            out[column.name] = (pd.Series([math.nan] * n, dtype="float64")
                                if column.kind == "number" else empty.copy())
    ordered = {c.name: out[c.name] for c in COLUMNS}
    out.clear()
    out.update(ordered)


def _check_ids(ids: pd.Series, row_label, problems: list[str]) -> None:
    text = ids.astype("string")
    repeated = text[text.duplicated(keep=False) & text.notna()]
    for value, rows in repeated.groupby(repeated, sort=False).groups.items():
        problems.append(f"Column `patient_id`, {row_label(list(rows))}: the id {value!r} is used "
                        "more than once. Fix: give every patient a unique id (one row per "
                        "patient).")
        if len(problems) > 50:
            break


def _check_consistency(out: dict[str, pd.Series], raw: pd.DataFrame, row_label,
                       problems: list[str]) -> None:
    """Rules that involve two columns (cells already reported as unreadable are skipped)."""
    for time, event in (("rfs_months", "rfs_event"), ("os_months", "os_event")):
        rows = _positions(_clean_column(raw[time]).isna() != _clean_column(raw[event]).isna())
        if rows:
            problems.append(
                f"Columns `{time}`/`{event}`, {row_label(rows)}: one of the pair is empty. Fix: "
                "fill both (time and event code) or leave both empty if the endpoint is unknown."
            )
    rows = _positions(out["rfs_months"] > out["os_months"])
    if rows:
        problems.append(
            f"Columns `rfs_months`/`os_months`, {row_label(rows)}: RFS is longer than OS. RFS "
            "starts at maintenance, which begins after diagnosis, so it cannot exceed OS. Fix: "
            "check both times."
        )
    pairs = (
        ("relapse_type", "rfs_event", lambda kind, e: (kind == "none") == (e == 0),
         "relapse_type 'none' goes with rfs_event 0, 'molecular'/'morphological' with 1"),
        ("outcome", "os_event", lambda o, e: (o == "dead") == (e == 1),
         "outcome 'dead' goes with os_event 1, 'alive'/'lost to follow-up' with 0"),
    )
    for label_col, event_col, agrees, rule in pairs:
        known = out[label_col].notna() & out[event_col].notna()
        label, event = out[label_col].astype("string"), out[event_col].fillna(-1)
        rows = _positions(known & ~agrees(label, event).fillna(True))
        if rows:
            shown = ", ".join(f"{out[label_col].iloc[i]}/{int(out[event_col].iloc[i])}"
                              for i in rows[:MAX_LISTED])
            problems.append(f"Columns `{label_col}`/`{event_col}`, {row_label(rows)}: the values "
                            f"disagree ({shown}). Fix: {rule}.")
    rows = _positions((out["mrd_pre_status"] == "negative") & (out["mrd_pre_flow_pct"] >= 0.01))
    if rows:
        problems.append(
            f"Columns `mrd_pre_status`/`mrd_pre_flow_pct`, {row_label(rows)}: status 'negative' "
            f"with a flow MRD of {_quote_list(out['mrd_pre_flow_pct'].iloc[rows])}%. Fix: MRD is "
            "positive at >= 0.01%; correct the status or the level."
        )

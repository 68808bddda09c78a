"""The one gatekeeper every cohort passes through, and setting problem rows aside.

Design: :func:`validate_cohort` is the only place that decides whether a table is a usable
cohort. It collects every problem it finds (not just the first) and raises one
:class:`~core.errors.CohortError` whose ``problems`` each name the row(s), the column, the
offending value(s) and the fix. A cohort needs only a patient id and, for at least one
endpoint, its time and event (OS: ``os_months`` + ``os_event``; RFS: ``rfs_months`` +
``rfs_event``); every other schema column is optional (absent ones are derived where a rule
exists, else empty) and the table's other columns are kept under their own names (numeric
when every value is a number, else text). Each row-level problem remembers its rows, so
:func:`set_aside_invalid_rows` can return the valid rows plus the set-aside rows with their
reasons when the user chooses to continue without them; nothing is dropped silently. Every
step is vectorised (a 10^6-row table validates in seconds).

Conventions: row numbers are those a spreadsheet shows (the raw table's index when it is named
``"row"``, as :func:`core.cohort.read.read_table` gives it; else header = row 1, so "row 5" is
the fourth patient). Times are months, finite and at most 1,200 (100 years). Patient ids are
identifiers: whole numbers written without leading zeros become integers (the seed's 1-19),
any other id (``000123``, ``A-17``) stays text exactly as written.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.cohort.schema import BY_NAME, COLUMNS, DATE_FIELDS, ENDPOINTS
from core.cohort.validate_cells import (  # noqa: F401  (split_list, clean_column, to_numbers re-exported)
    ALIASES,
    MAX_LISTED,
    Problem,
    Problems,
    clean_column,
    parse_column,
    parse_extra,
    positions,
    quote_list,
    row_labeller,
    split_list,
    to_numbers,
)
from core.errors import CohortError

MAX_ID_PROBLEMS = 50
"""Duplicated ids beyond this many get one summary problem (their rows are all set aside)."""
DATE_ORDER: tuple[tuple[str, str], ...] = (
    ("date_diagnosis", "date_maintenance_start"), ("date_maintenance_start", "date_relapse"),
    ("date_diagnosis", "date_relapse"), ("date_diagnosis", "date_death"),
    ("date_diagnosis", "date_last_contact"), ("date_maintenance_start", "date_last_contact"),
    ("date_relapse", "date_death"),
)
"""(earlier, later) date pairs that must be in this order for every patient."""


@dataclass(frozen=True)
class CohortSplit:
    """The valid rows of a table and the rows set aside, with the reason for each.

    Attributes
    ----------
    cohort : pandas.DataFrame
        The valid rows, validated (as :func:`validate_cohort` returns them).
    set_aside : pandas.DataFrame
        One row per set-aside row, columns ``row`` (number as a spreadsheet shows it),
        ``patient_id`` (text as written, ``None`` when empty) and ``reasons`` (the problems
        naming that row, joined by newlines).
    problems : tuple of str
        Every problem found in the whole table.
    """

    cohort: pd.DataFrame
    set_aside: pd.DataFrame
    problems: tuple[str, ...] = field(default=())

    @property
    def n_set_aside(self) -> int:
        return len(self.set_aside)


def normalise_column_name(name: object) -> str:
    """Map a header to snake_case (``"RFS months "`` -> ``"rfs_months"``); letters of any
    script are kept (``"诊断日期"`` stays ``"诊断日期"``)."""
    return re.sub(r"[\W_]+", "_", str(name).strip().lower()).strip("_")


def validate_cohort(raw: pd.DataFrame) -> pd.DataFrame:
    """Check a raw cohort table against the schema and return it typed and canonical.

    Parameters
    ----------
    raw : pandas.DataFrame
        One row per patient; cells may be text (as read from a file) or already typed. Headers
        matching a schema name after :func:`normalise_column_name` are that schema column.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`core.cohort.schema.COLUMNS` in schema order (absent optional columns
        derived where a rule exists, else empty), followed by the other columns of ``raw``
        under their own (stripped) names. Numbers are ``float64``; events are ``int64``
        (``Int64`` when some are missing); categories are canonical text; ``patient_id`` is
        ``int64`` when every id is a whole number written without leading zeros, else text.

    Raises
    ------
    core.errors.CohortError
        With every problem found, each naming row(s), column, value(s) and fix.
    """
    cohort, problems = _check(raw)
    if problems:
        raise CohortError([p.text for p in problems])
    return cohort


def set_aside_invalid_rows(raw: pd.DataFrame) -> CohortSplit:
    """Validate ``raw`` and keep its valid rows, setting every row named by a problem aside.

    For the user who chooses to continue without the problem rows: the set-aside rows are
    returned with their reasons (for the page to list and count), never dropped silently.

    Raises
    ------
    core.errors.CohortError
        When a problem concerns the whole file (a missing column, a duplicated header), or
        when no row is valid.
    """
    cohort, problems = _check(raw)
    if not problems:
        return CohortSplit(cohort, _set_aside_table(raw, {}), ())
    if any(not p.rows for p in problems):
        raise CohortError([p.text for p in problems])
    reasons: dict[int, list[str]] = {}
    for problem in problems:
        for position in problem.rows:
            reasons.setdefault(position, []).append(problem.text)
    keep = np.setdiff1d(np.arange(len(raw)), np.fromiter(reasons, dtype=int))
    if len(keep) == 0:
        raise CohortError([f"No row of the table is valid ({len(raw)} rows, all with a "
                           "problem). Fix: correct the file; the problems are:",
                           *(p.text for p in problems)])
    cohort = validate_cohort(raw.iloc[keep])
    return CohortSplit(cohort, _set_aside_table(raw, reasons), tuple(p.text for p in problems))


def _set_aside_table(raw: pd.DataFrame, reasons: dict[int, list[str]]) -> pd.DataFrame:
    positions = sorted(reasons)
    numbers = _row_numbers(raw)
    id_column = next((c for c in raw.columns if normalise_column_name(c) == "patient_id"), None)
    ids = clean_column(raw[id_column]) if id_column is not None else None
    return pd.DataFrame({
        "row": [int(numbers[p]) for p in positions],
        "patient_id": [None if ids is None else ids.iloc[p] for p in positions],
        "reasons": ["\n".join(reasons[p]) for p in positions],
    }, columns=["row", "patient_id", "reasons"])


def _row_numbers(raw: pd.DataFrame) -> np.ndarray:
    if raw.index.name == "row" and pd.api.types.is_integer_dtype(raw.index):
        return raw.index.to_numpy(dtype="int64")
    return np.arange(len(raw)) + 2


# --------------------------------------------------------------------------------------------

def _check(raw: pd.DataFrame) -> tuple[pd.DataFrame | None, list[Problem]]:
    problems = Problems()
    originals = [str(c).strip() for c in raw.columns]
    names = [n if (n := normalise_column_name(c)) in BY_NAME or n in DATE_FIELDS else c
             for c in originals]
    for text in originals:
        if "\x00" in text:
            problems.add(f"A column name contains a NUL byte (\\x00): {text!r}. Fix: rename the "
                         "column; control characters are not allowed in names.")
    counts = Counter(names)
    for col, count in counts.items():
        if count > 1:
            problems.add(f"Column `{col}` appears more than once in the header. Fix: keep one "
                         "column of that name and rename or delete the others.")
    if problems:
        return None, problems
    df = raw.set_axis(names, axis=1).reset_index(drop=True)
    if len(df) == 0:
        problems.add("The table has a header but no patient rows. Fix: add one row per patient "
                     "below the header.")
        return None, problems
    _check_required(df, problems)
    if problems:
        return None, problems

    numbers = _row_numbers(raw)
    ids = clean_column(df["patient_id"])
    row_label = row_labeller(ids, numbers)
    out: dict[str, pd.Series] = {}
    for column in COLUMNS:
        if column.name in df.columns:
            out[column.name] = parse_column(column, df[column.name], row_label, problems)
    _derive_missing_columns(out, len(df))
    _check_ids(out["patient_id"], ids, row_label, problems)
    _check_consistency(out, df, row_label, problems)
    extra = {name: parse_extra(name, df[name], row_label, problems)
             for name in df.columns if name not in BY_NAME}
    _check_dates(extra, row_label, problems)
    if problems:
        return None, problems
    cohort = pd.DataFrame(out)
    if extra:
        cohort = pd.concat([cohort, pd.DataFrame(extra)], axis=1)
    for name in ("rfs_event", "os_event"):
        events = cohort[name]
        cohort[name] = events.astype("int64") if events.notna().all() else events.astype("Int64")
    return cohort, problems


def _check_required(df: pd.DataFrame, problems: Problems) -> None:
    if "patient_id" not in df.columns:
        problems.add(f"Required column `patient_id` ({BY_NAME['patient_id'].label}) is missing; "
                     f"the file has {quote_list(df.columns, 30)}. Fix: add the column or "
                     "rename the matching one to this name (see data/DATA_DICTIONARY.md).")
    complete = 0
    for key, (time, event, _) in ENDPOINTS.items():
        has_time, has_event = time in df.columns, event in df.columns
        complete += has_time and has_event
        if has_time != has_event:
            present, absent = (time, event) if has_time else (event, time)
            problems.add(f"Column `{absent}` ({BY_NAME[absent].label}) is missing while "
                         f"`{present}` is present: the {key.upper()} endpoint needs both its time "
                         "and its event. Fix: add the column, or remove "
                         f"`{present}` if {key.upper()} is not recorded.")
    if complete == 0 and not any(t in df.columns or e in df.columns
                                 for t, e, _ in ENDPOINTS.values()):
        problems.add(f"The table has no endpoint; the file has {quote_list(df.columns, 30)}. "
                     "Fix: add a time and an event column for overall survival (`os_months`, "
                     "`os_event`) or relapse-free survival (`rfs_months`, `rfs_event`), or both "
                     "(see data/DATA_DICTIONARY.md).")


def _derive_missing_columns(out: dict[str, pd.Series], n: int) -> None:
    """Fill absent optional columns by their documented rule, or leave them empty."""
    empty = pd.Series([None] * n, dtype=object)

    def derive(values: pd.Series, rule: Callable[[Any], str | None]) -> pd.Series:
        return pd.Series([None if pd.isna(v) else rule(v) for v in values], dtype=object)

    if "fab_class" not in out and "fab" in out:
        out["fab_class"] = derive(
            out["fab"], lambda f: m.group(1) if (m := re.match(r"(M\d)", f)) else f)
    if "relapse_type" not in out and "rfs_event" in out:  # a relapse's type is not derivable
        out["relapse_type"] = out["rfs_event"].map({0: "none"}).astype(object)
        out["relapse_type"] = out["relapse_type"].where(out["relapse_type"].notna(), None)
    if "outcome" not in out and "os_event" in out:  # "alive"/"lost" cannot be told apart
        out["outcome"] = out["os_event"].map({1: "dead"}).astype(object)
        out["outcome"] = out["outcome"].where(out["outcome"].notna(), None)
    for column in COLUMNS:
        if column.name not in out:
            out[column.name] = (pd.Series([math.nan] * n, dtype="float64")
                                if column.kind in ("number", "event") else empty.copy())
    ordered = {c.name: out[c.name] for c in COLUMNS}
    out.clear()
    out.update(ordered)


def _check_ids(parsed: pd.Series, ids: pd.Series, row_label, problems: Problems) -> None:
    text = ids.astype("string")
    positions = np.flatnonzero((text.duplicated(keep=False) & text.notna()).to_numpy(bool))
    repeated = text.iloc[positions].reset_index(drop=True)
    groups = [(value, positions[rows]) for value, rows
              in repeated.groupby(repeated, sort=False).indices.items()]
    for value, rows in groups[:MAX_ID_PROBLEMS]:
        problems.add(f"Column `patient_id`, {row_label(rows)}: the id {value!r} is used more "
                     "than once. Fix: give every patient a unique id (one row per patient).",
                     rows)
    if len(groups) > MAX_ID_PROBLEMS:
        rest = groups[MAX_ID_PROBLEMS:]
        rows = np.concatenate([r for _, r in rest])
        problems.add(f"Column `patient_id`: {len(rest):,} more ids are used more than once "
                     f"({quote_list([v for v, _ in rest])}; {len(rows):,} rows). Fix: give every "
                     "patient a unique id (one row per patient).", rows)


def _check_consistency(out: dict[str, pd.Series], raw: pd.DataFrame, row_label,
                       problems: Problems) -> None:
    """Rules that involve two columns (cells already reported as unreadable are skipped)."""
    for time, event in (("rfs_months", "rfs_event"), ("os_months", "os_event")):
        if time not in raw.columns:
            continue
        rows = positions(clean_column(raw[time]).isna() != clean_column(raw[event]).isna())
        if rows:
            problems.add(
                f"Columns `{time}`/`{event}`, {row_label(rows)}: one of the pair is empty. Fix: "
                "fill both (time and event code) or leave both empty if the endpoint is "
                "unknown.", rows)
    rows = positions(out["rfs_months"] > out["os_months"])
    if rows:
        problems.add(
            f"Columns `rfs_months`/`os_months`, {row_label(rows)}: RFS is longer than OS. RFS "
            "starts at maintenance, which begins after diagnosis, so it cannot exceed OS. Fix: "
            "check both times.", rows)
    pairs = (
        ("relapse_type", "rfs_event", lambda kind, e: (kind == "none") == (e == 0),
         "relapse_type 'none' goes with rfs_event 0, 'molecular'/'morphological' with 1"),
        ("outcome", "os_event", lambda o, e: (o == "dead") == (e == 1),
         "outcome 'dead' goes with os_event 1, 'alive'/'lost to follow-up' with 0"),
    )
    for label_col, event_col, agrees, rule in pairs:
        known = out[label_col].notna() & out[event_col].notna()
        label, event = out[label_col].astype("string"), out[event_col].fillna(-1)
        rows = positions(known & ~agrees(label, event).fillna(True))
        if rows:
            shown = ", ".join(f"{out[label_col].iloc[i]}/{int(out[event_col].iloc[i])}"
                              for i in rows[:MAX_LISTED])
            problems.add(f"Columns `{label_col}`/`{event_col}`, {row_label(rows)}: the values "
                         f"disagree ({shown}). Fix: {rule}.", rows)
    rows = positions((out["mrd_pre_status"] == "negative") & (out["mrd_pre_flow_pct"] >= 0.01))
    if rows:
        problems.add(
            f"Columns `mrd_pre_status`/`mrd_pre_flow_pct`, {row_label(rows)}: status 'negative' "
            f"with a flow MRD of {quote_list(out['mrd_pre_flow_pct'].iloc[rows])}%. Fix: MRD is "
            "positive at >= 0.01%; correct the status or the level.", rows)


def _check_dates(extra: dict[str, pd.Series], row_label, problems: Problems) -> None:
    """Dates of one patient must follow the course of the disease (see :data:`DATE_ORDER`)."""
    for earlier, later in DATE_ORDER:
        if earlier not in extra or later not in extra:
            continue
        first, second = extra[earlier], extra[later]
        rows = positions(pd.Series(second < first))
        if rows:
            shown = ", ".join(f"{first.iloc[i]:%Y-%m-%d} > {second.iloc[i]:%Y-%m-%d}"
                              for i in rows[:MAX_LISTED])
            problems.add(f"Columns `{earlier}`/`{later}`, {row_label(rows)}: the dates are out "
                         f"of order ({shown}): {DATE_FIELDS[earlier].lower()} must come before "
                         f"{DATE_FIELDS[later].lower()}. Fix: check both dates (day and month "
                         "swapped?).", rows)

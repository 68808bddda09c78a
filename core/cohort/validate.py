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
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.cohort import derive
from core.cohort.dates import no_event_cells, read_date_columns
from core.cohort.derive import DateInputs, derive_endpoints, missing_ingredients
from core.cohort.schema import BY_NAME, COLUMNS, DATE_FIELDS, ENDPOINTS
from core.cohort.validate_cells import (  # noqa: F401  (split_list, clean_column, to_numbers re-exported)
    ALIASES,
    MAX_LISTED,
    Problem,
    Problems,
    as_objects,
    clean_column,
    clean_text,
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
SOURCE_COLUMNS = "source_columns"
"""Key of ``DataFrame.attrs`` where :func:`core.cohort.mapping.apply_mapping` leaves the file's
own header of each field, so that problems name the column the user knows."""


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
    events : tuple of (str, int, int)
        Per kind of event recorded in the file (``"deaths"``, ``"relapses"``): how many the
        set-aside rows hold and how many the whole file holds (a death flag or date, a relapse
        flag or date, an event code 1), so that nobody continues without rows unaware of the
        events they take away.
    """

    cohort: pd.DataFrame
    set_aside: pd.DataFrame
    problems: tuple[str, ...] = field(default=())
    events: tuple[tuple[str, int, int], ...] = field(default=())

    @property
    def n_set_aside(self) -> int:
        return len(self.set_aside)

    def events_removed(self) -> str:
        """``"removes 51 of 51 deaths and 0 of 12 relapses"`` (kinds the file records)."""
        parts = [f"{removed:,} of {total:,} {kind}" for kind, removed, total in self.events
                 if total]
        return "removes " + " and ".join(parts) if parts else "removes no recorded event"

    def problem_rows(self) -> pd.DataFrame:
        """One line per set-aside row and problem: columns ``row``, ``patient_id``,
        ``problem`` (for a page to list every problem row, not only the first few)."""
        table = self.set_aside.assign(problem=self.set_aside["reasons"].str.split("\n"))
        return table.explode("problem")[["row", "patient_id", "problem"]].reset_index(drop=True)

    def removes_all_events(self) -> bool:
        """Whether the set-aside rows hold every recorded event of some kind."""
        return any(total and removed == total for _, removed, total in self.events)


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
    cohort, problems, _ = _check(raw)
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
    cohort, problems, events = _check(raw)
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
    aside = np.fromiter(reasons, dtype=int)
    counts = tuple((kind, int(flags[aside].sum()), int(flags.sum()))
                   for kind, flags in events.items())
    return CohortSplit(cohort, _set_aside_table(raw, reasons), tuple(p.text for p in problems),
                       counts)


def _set_aside_table(raw: pd.DataFrame, reasons: dict[int, list[str]]) -> pd.DataFrame:
    positions = sorted(reasons)
    if not positions:
        return pd.DataFrame({"row": [], "patient_id": [], "reasons": []},
                            columns=["row", "patient_id", "reasons"])
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

def _check(raw: pd.DataFrame) -> tuple[pd.DataFrame | None, list[Problem],
                                        dict[str, np.ndarray]]:
    """The gatekeeper's work: the cohort (``None`` when a problem was found), every problem,
    and per kind of event the rows recording one (see :attr:`CohortSplit.events`)."""
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
        return None, problems, {}
    df = raw.set_axis(names, axis=1).reset_index(drop=True)
    df.attrs = {}  # read below from raw; pandas deep-copies attrs into every derived object
    if len(df) == 0:
        problems.add("The table has a header but no patient rows. Fix: add one row per patient "
                     "below the header.")
        return None, problems, {}
    _check_required(df, problems)
    if problems:
        return None, problems, {}

    numbers = _row_numbers(raw)
    ids = clean_column(df["patient_id"])
    row_label = row_labeller(ids, numbers)
    out: dict[str, pd.Series] = {}
    for column in COLUMNS:
        if column.name in df.columns:
            out[column.name] = parse_column(column, df[column.name], row_label, problems)
    events = _recorded_events(df, out)
    dates, derived = _from_dates(df, out, raw.attrs.get(SOURCE_COLUMNS, {}), row_label,
                                 problems)
    _derive_missing_columns(out, len(df))
    _check_ids(out["patient_id"], ids, row_label, problems)
    _check_consistency(out, df, row_label, problems)
    extra = {name: parse_extra(name, df[name], row_label, problems)
             for name in df.columns if name not in BY_NAME and name not in DATE_FIELDS}
    extra = {**extra, **dates, **derived}
    if problems:
        return None, problems, events
    if set(extra) & set(out):
        cohort = pd.concat([pd.DataFrame(out), pd.DataFrame(extra)], axis=1)
    else:  # one frame of the parsed columns as they are (no block copies: 10^6 rows, -250 MB)
        cohort = pd.DataFrame({**out, **extra}, copy=False)
    for name in ("rfs_event", "os_event"):
        codes = cohort[name]
        cohort[name] = codes.astype("int64") if codes.notna().all() else codes.astype("Int64")
    return cohort, problems, events


def _recorded_events(df: pd.DataFrame, out: dict[str, pd.Series]) -> dict[str, np.ndarray]:
    """Rows recording a death / a relapse by an event code or flag of 1 or by a date."""
    events = {}
    for kind, event, date in (("deaths", "os_event", "date_death"),
                              ("relapses", "rfs_event", "date_relapse")):
        flags = np.zeros(len(df), dtype=bool)
        if event in out:
            flags |= out[event].eq(1).fillna(False).to_numpy(dtype=bool)
        if date in df.columns:
            flags |= (clean_column(df[date]).notna()
                      & ~no_event_cells(df[date], date)).to_numpy(dtype=bool)
        if event in out or date in df.columns:
            events[kind] = flags
    return events


def _check_required(df: pd.DataFrame, problems: Problems) -> None:
    if "patient_id" not in df.columns:
        problems.add(f"Required column `patient_id` ({BY_NAME['patient_id'].label}) is missing; "
                     f"the file has {quote_list(df.columns, 30)}. Fix: add the column or "
                     "rename the matching one to this name (see data/DATA_DICTIONARY.md).")
    fields = set(df.columns)
    has_dates = bool(fields & set(DATE_FIELDS))
    missing = missing_ingredients(fields) if has_dates else {}
    complete, before = 0, len(problems)
    for key, (time, event, _) in ENDPOINTS.items():
        has_time, has_event = time in fields, event in fields
        complete += (has_time and has_event) or (not has_time and missing.get(key) == [])
        if has_time != has_event and not (has_event and has_dates):  # with dates: a flag
            present, absent = (time, event) if has_time else (event, time)
            problems.add(f"Column `{absent}` ({BY_NAME[absent].label}) is missing while "
                         f"`{present}` is present: the {key.upper()} endpoint needs both its time "
                         "and its event. Fix: add the column, or remove "
                         f"`{present}` if {key.upper()} is not recorded.")
    if complete == 0 and len(problems) == before:
        from_dates = "".join(f" {derive.not_available_text(k, m)}" for k, m in missing.items())
        problems.add(f"The table has no endpoint; the file has {quote_list(df.columns, 30)}."
                     f"{from_dates} Fix: add a time and an event column for overall survival "
                     "(`os_months`, `os_event`) or relapse-free survival (`rfs_months`, "
                     "`rfs_event`), or both, or the dates they are computed from (see "
                     "data/DATA_DICTIONARY.md).")


def _from_dates(df: pd.DataFrame, out: dict[str, pd.Series], sources: dict[str, str],
                row_label, problems: Problems) -> tuple[dict[str, pd.Series],
                                                        dict[str, pd.Series]]:
    """Read the date columns, derive the endpoints whose times the table lacks (into ``out``)
    and return the dates and the other derived columns (see :mod:`core.cohort.derive`)."""
    present = [f for f in DATE_FIELDS if f in df.columns]
    if not present:
        return {}, {}
    read = read_date_columns({f: df[f] for f in present})
    names = {f: derive.column_name(f, sources.get(f)) for f in [*present, "os_event",
                                                                "rfs_event"]}
    for name, column in read.items():
        if column.ambiguous:
            problems.add(ambiguous_dates_text(names[name], column.texts))
        for i in positions(column.bad):
            problems.add(f"Column {names[name]}, {row_label([i])}: value "
                         f"{column.texts.iloc[i]!r} is not a date. Fix: correct it (a "
                         "calendar date from 1900 on, e.g. 2020-03-25 or 25.03.2020).", [i])
    missing = missing_ingredients(set(df.columns))
    wanted = {key for key, (time, _, _) in ENDPOINTS.items()
              if time not in df.columns and not missing[key]}
    inputs = DateInputs({f: c.dates.reset_index(drop=True) for f, c in read.items()},
                        _flag(out, "os_event"), _flag(out, "rfs_event"),
                        {f: sources[f] for f in sources})
    derived = derive_endpoints(inputs, wanted, row_label, problems, derive.today())
    outcome = derive.outcome_from_death(inputs, len(df))
    if "outcome" not in out and outcome is not None:  # dead, or "alive or lost": never made up
        out["outcome"] = outcome
    for key, (time, event, _) in ENDPOINTS.items():
        if key in wanted:
            out[time], out[event] = derived.pop(time), derived.pop(event)
        elif time not in df.columns and key == "os":  # a death flag without OS: no endpoint
            out.pop(event, None)  # (a relapse flag stays: relapse counts and CIR read it)
    if "rfs_status" in derived:
        out["rfs_status"] = derived.pop("rfs_status")
    return {f: c.dates.reset_index(drop=True) for f, c in read.items()}, derived


def _flag(out: dict[str, pd.Series], name: str) -> pd.Series | None:
    values = out.get(name)
    return None if values is None else values.astype("float64").reset_index(drop=True)


def ambiguous_dates_text(name: str, texts: pd.Series) -> str:
    """The problem of a date column whose day-month order nothing decides."""
    example = texts.dropna().iloc[0] if texts.notna().any() else ""
    return (f"Column {name}: dates such as {example!r} read both as day/month/year and as "
            "month/day/year, and no date in the file has a day above 12 to tell which. Fix: "
            "choose the order (day first or month first) under Dates on the Your data page "
            "(in a saved mapping: date_format '%d/%m/%Y' or '%m/%d/%Y'), or write the dates as "
            "YYYY-MM-DD.")


def _derive_missing_columns(out: dict[str, pd.Series], n: int) -> None:
    """Fill absent optional columns by their documented rule, or leave them empty."""
    empty = pd.Series(np.full(n, None, dtype=object))
    if "fab_class" not in out and "fab" in out:  # "M2a" -> "M2"; a subtype without M<digit>
        fab = out["fab"].astype("string")           # stays as written
        out["fab_class"] = as_objects(fab.str.extract(r"^(M\d)", expand=False).fillna(fab))
    # relapse_type is never made up from the events (a relapse's type is not derivable), nor
    # is outcome beyond the death record (derive.outcome_from_death: "alive" cannot be told
    # from "lost to follow-up"). Absent, they stay "not recorded".
    for column in COLUMNS:
        if column.name not in out:
            out[column.name] = (pd.Series(np.full(n, math.nan), dtype="float64")
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
        rows = positions(clean_text(raw[time]).isna() != clean_text(raw[event]).isna())
        if rows:
            problems.add(
                f"Columns `{time}`/`{event}`, {row_label(rows)}: one of the pair is empty. Fix: "
                "fill both (time and event code) or leave both empty if the endpoint is "
                "unknown.", rows)
    from_dates = "os_months" not in raw.columns and "rfs_months" not in raw.columns
    rows = [] if from_dates else positions(out["rfs_months"] > out["os_months"])
    if rows:  # (times from dates are ordered by the date rules)
        shown = ", ".join(f"RFS {out['rfs_months'].iloc[i]:.4g} > OS {out['os_months'].iloc[i]:.4g}"
                          for i in rows[:MAX_LISTED])
        problems.add(
            f"Columns `rfs_months`/`os_months`, {row_label(rows)}: RFS is longer than OS "
            f"({shown} months). RFS starts at maintenance, which begins after diagnosis, so it "
            "cannot exceed OS. Fix: check both times.", rows)
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

"""De-identified exports: keyed pseudonyms, no dates, no free text, small counts as "<5".

Design: two pure functions, one per kind of table that leaves the app.

- :func:`deidentify_rows` for patient rows (CSV, XLSX, the reproduce zip, the report's patient
  list, the swimmer plot's lanes): each ``patient_id`` becomes ``P-`` + the first 20 hex digits
  of HMAC-SHA256(key, id), the same for the same id and key in every export, so a data manager
  holding the key can re-link (:func:`pseudonym`); date columns are dropped (times stay as
  months from their origin, which is how the app keeps them); free-text columns (the schema's
  ``text`` columns, and an upload's text columns with more distinct values than a group may
  have) are dropped. The statistics of the rows are unchanged.
- :func:`suppress_small_counts` for aggregate tables: a count of 1 to 4 patients or events is
  shown as ``"<5"`` (0 stays: it reveals nobody), in count columns and in "n (%)" cells, and a
  continuous summary "median (min–max)" loses its range (the extremes are single patients'
  values).

Known limit: complementary suppression is not done (a total minus the shown counts can reveal
a suppressed one); the note on every de-identified file says counts below 5 are hidden, not
that nothing can be derived.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

import pandas as pd

from core.cohort.columns import MAX_LEVELS
from core.cohort.schema import BY_NAME, DATE_FIELDS

PREFIX = "P-"
DIGITS = 20
"""Hex digits of the HMAC kept in a pseudonym (80 bits: no collision in a registry)."""
SMALL = "<5"
NOTE = ("De-identified export: patient ids are replaced by keyed pseudonyms (HMAC-SHA256; the "
        "same patient has the same pseudonym in every export), dates and free-text columns are "
        "removed, and counts of 1 to 4 are shown as \"<5\" in aggregate tables.")
"""The sentence every de-identified file starts with."""
AGGREGATE_NOTE = ("De-identified aggregate export (viewer role): no patient rows, no patient "
                  "ids, no dates; counts of 1 to 4 are shown as \"<5\" and continuous "
                  "summaries without their range.")
COUNT_COLUMN = re.compile(
    r"^(n|patients|relapses|deaths|events|censored|at risk|n_risk|n_event|n_censor|"
    r"cum_events|cum_censored|n_events|events?_\w+)$|at risk$|^(patients|events) with",
    re.IGNORECASE)
"""Column names that hold counts of patients or events."""
N_PERCENT = re.compile(r"^\s*([0-9]+)\s*\(([0-9.]+)%\)\s*$")
MEDIAN_RANGE = re.compile(r"^\s*([^()]+?)\s*\([^()%]*[–-][^()%]*\)\s*$")


LEVELS = ("identified", "deidentified", "aggregate")
"""What an export may hold: patient rows as loaded; rows de-identified; no rows at all."""


@dataclass(frozen=True)
class Privacy:
    """How much of the patients a file may carry (one value passed to every exporter).

    Attributes
    ----------
    level : {"identified", "deidentified", "aggregate"}
        ``identified``: as loaded. ``deidentified``: rows through :func:`deidentify_rows`,
        aggregate tables through :func:`suppress_small_counts`. ``aggregate``: like
        ``deidentified``, and no patient rows or per-patient figures at all (the viewer role).
    key : str
        The pseudonym key (unused at ``identified``).
    """

    level: str = "identified"
    key: str = ""

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"Unknown privacy level {self.level!r}: use one of "
                             f"{', '.join(LEVELS)}.")
        if self.level != "identified" and len(self.key) < 16:
            raise ValueError("A de-identified export needs the pseudonym key "
                             "([access] pseudonym_key).")

    @property
    def deidentified(self) -> bool:
        return self.level != "identified"

    @property
    def rows_allowed(self) -> bool:
        return self.level != "aggregate"

    @property
    def note(self) -> str | None:
        """The sentence a de-identified file starts with (None when identified)."""
        return {"identified": None, "deidentified": NOTE,
                "aggregate": AGGREGATE_NOTE}[self.level]

    def rows(self, rows: pd.DataFrame) -> pd.DataFrame:
        """``rows`` as this level lets them leave (pseudonyms, no dates, no free text)."""
        return deidentify_rows(rows, self.key).table if self.deidentified else rows

    def aggregate(self, table: pd.DataFrame) -> pd.DataFrame:
        """An aggregate table as this level lets it leave (small counts as "<5")."""
        return suppress_small_counts(table) if self.deidentified else table


IDENTIFIED = Privacy()
"""Files as the app has always made them (the open demo, or a data manager's choice)."""


@dataclass(frozen=True)
class Deidentified:
    """Patient rows ready to leave the app.

    Attributes
    ----------
    table : pandas.DataFrame
        The rows with pseudonyms, without dates and free text.
    dropped : tuple of str
        The columns removed, in the input's order.
    note : str
        :data:`NOTE`, naming the removed columns.
    """

    table: pd.DataFrame
    dropped: tuple[str, ...]
    note: str


def pseudonym(patient_id: object, key: str) -> str:
    """The keyed pseudonym of one patient id (``P-`` + 20 hex digits of HMAC-SHA256).

    Ids are compared as text (``000123`` and ``123`` are different patients, as in the files).
    """
    digest = hmac.digest(key.encode("utf-8"), str(patient_id).encode("utf-8"), "sha256")
    return PREFIX + digest.hex()[:DIGITS]


def free_text_columns(rows: pd.DataFrame) -> list[str]:
    """Columns holding free text: the schema's ``text`` columns, and columns outside the
    schema whose text has more distinct values than a group may have (``MAX_LEVELS``), or a
    value of its own for most patients (at least 5 distinct values, more than half the
    recorded ones): in a cohort of 19, a note per patient has fewer than 20 values but is
    still free text."""
    found = []
    for name in rows.columns:
        column = BY_NAME.get(name)
        if column is not None:
            if column.kind == "text":
                found.append(name)
            continue
        values = rows[name]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        recorded = values.dropna()
        distinct = recorded.nunique()
        if distinct > MAX_LEVELS or (distinct >= 5 and distinct > len(recorded) / 2):
            found.append(name)
    return found


def date_columns(rows: pd.DataFrame) -> list[str]:
    """The mapping's date columns and any column of dates or times."""
    return [name for name in rows.columns
            if name in DATE_FIELDS or pd.api.types.is_datetime64_any_dtype(rows[name])]


def deidentify_rows(rows: pd.DataFrame, key: str) -> Deidentified:
    """Patient rows with pseudonyms instead of ids, without dates and free text.

    Parameters
    ----------
    rows : pandas.DataFrame
        Cohort rows with a ``patient_id`` column.
    key : str
        The secret behind the pseudonyms (``[access] pseudonym_key``).

    Returns
    -------
    Deidentified
        Linear in the rows: one HMAC per patient (measured 20 s for 10^6 ids on the shared
        2-core development machine at load average 20; the pages cache a viewer's rows).
    """
    dropped = [c for c in rows.columns if c in set(date_columns(rows)) | set(
        free_text_columns(rows))]
    table = rows.drop(columns=dropped)
    if "patient_id" in table.columns:
        table = table.assign(patient_id=[pseudonym(i, key) for i in table["patient_id"]])
    note = NOTE + (f" Columns removed: {', '.join(dropped)}." if dropped else "")
    return Deidentified(table.reset_index(drop=True), tuple(dropped), note)


def suppress_small_counts(table: pd.DataFrame) -> pd.DataFrame:
    """An aggregate table with counts of 1 to 4 shown as ``"<5"`` (see the module docstring).

    Count columns are found by name (:data:`COUNT_COLUMN`: ``Patients``, ``Relapses``,
    ``12 months: at risk``, ``n_risk``, ...); in any text column an "n (%)" cell with n from 1
    to 4 becomes ``"<5"``, and in a column whose header says "range" a "median (min–max)" cell
    keeps only its median. Linear in the cells of the (small) table.
    """
    out = table.copy()
    for name in out.columns:
        values = out[name]
        if COUNT_COLUMN.search(str(name)) and pd.api.types.is_numeric_dtype(values):
            small = values.between(1, 4)
            if small.any():
                out[name] = values.astype(object).where(~small, SMALL)
        elif pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
            ranges = "range" in str(name).lower()
            out[name] = values.map(lambda cell, r=ranges: _suppress_cell(cell, r)).astype(object)
    return out


def _suppress_cell(cell: object, ranges: bool) -> object:
    """One text cell: "n (%)" with n from 1 to 4 -> "<5"; in a column whose header says
    "range", "median (min–max)" -> "median"."""
    if not isinstance(cell, str):
        return cell
    counted = N_PERCENT.match(cell)
    if counted:
        return SMALL if 1 <= int(counted.group(1)) <= 4 else cell
    ranged = MEDIAN_RANGE.match(cell) if ranges else None
    return ranged.group(1) if ranged else cell

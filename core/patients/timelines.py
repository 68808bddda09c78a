"""Patient timelines: the two clocks, lane ends, the derived maintenance start, swimmer lanes.

One patient's card and events are in :mod:`core.patients.card`; the patient's place on the
cohort's Kaplan-Meier curve in :mod:`core.patients.place`.

Two clocks
----------
The data carry two times per patient, on two different clocks:

- ``os_months``: months from **diagnosis** to death or last follow-up;
- ``rfs_months``: months from the **start of sorafenib + ITI maintenance** to relapse or last
  contact.

Neither clock records when maintenance began relative to diagnosis. This module derives it by
one rule, and only where the rule holds:

    maintenance start (months after diagnosis) = ``os_months - rfs_months``
    **only when the patient did not relapse** (``rfs_event == 0``), because then both follow-ups
    end at the same date (last contact, or death), so the two differences cancel.

For a relapsed patient (``rfs_event == 1``) the RFS clock stops at the relapse, which comes
before the last contact that ends OS; the gap between relapse and last contact is not in the
data, so the maintenance start is **not derivable from the data** and is left empty (NaN) with
that reason; no date is invented. (``os_months - rfs_months`` is then only an upper bound.)

Check on the seed cohort (Tables 1 and 2 of the study): for the 13 patients without relapse,
``os_months - rfs_months`` is 4 to 55 months, never negative (the gatekeeper also rejects
RFS > OS). For 10 of them it is 4-15 months, plausible after 2-9 courses of chemotherapy. For
patients 14, 17 and 18 it is 45, 43 and 55 months after 6, 6 and 3 pre-treatment courses: their
RFS (1, 1 and 4 months) probably stopped when they left maintenance, not at last contact. The
study says three patients went on to allogeneic HSCT after a median of one maintenance cycle
(range 1-4); the data do not say who, so the rule cannot exclude them and these derived starts
must be read as "at most". The caveat is carried in ``maintenance_start_note``.

Everything here is pure Python/pandas (no streamlit); times are in months throughout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from core.cohort.coding import natural_key, present_levels
from core.cohort.groups import CUSTOM_GROUP_COLUMN
from core.cohort.schema import ENDPOINTS, LABELS
from core.cohort.text import plotly_safe
from core.errors import AnalysisError

Mode = Literal["rfs", "os"]
SortBy = Literal["duration", "group", "patient"]

MODES: tuple[str, ...] = ("rfs", "os")
MAX_LANES = 500
"""Most lanes drawn; beyond, the first in the chosen order are shown and the rest counted."""
SORTS: tuple[str, ...] = ("duration", "group", "patient")

COLOR_CHOICES: tuple[str, ...] = (
    "eln2022_risk", "sorafenib_timing", "mrd_pre_status", "sex", "fab_class", "fab",
    "cytogenetics", "fusion_gene", "relapse_type", "outcome",
)
"""Categorical columns the swimmer lanes can be coloured by, in menu order; also the custom
group (:data:`core.cohort.groups.CUSTOM_GROUP_COLUMN`) when the cohort has it."""

END_MARKERS: tuple[str, ...] = (
    "molecular relapse", "morphological relapse", "relapse, type not recorded", "censored",
    "death", "alive at last follow-up", "lost to follow-up", "endpoint event", "competing event",
)
"""Every lane end the swimmer plot can show. "relapse, type not recorded" and (on the OS clock)
"censored" only occur in uploaded cohorts without ``relapse_type`` / ``outcome``."""

END_MARKER_MEANING: dict[str, str] = {
    "molecular relapse": "relapse by MRD ≥ 0.01% while in morphological remission",
    "morphological relapse": "relapse with bone-marrow blasts > 5%",
    "relapse, type not recorded": "relapse; the cohort does not record its type",
    "censored": "no event at last contact (censored)",
    "death": "died",
    "alive at last follow-up": "alive at last follow-up (31 May 2025 for the study)",
    "lost to follow-up": "lost to follow-up (censored at last contact)",
    "endpoint event": "the chosen endpoint's event (your own endpoint's event dates)",
    "competing event": "a competing event of the chosen endpoint (ends its follow-up)",
}

NOT_RECORDED = "not recorded"
NOT_DERIVABLE = ("not derivable from the data: RFS ends at the relapse, which precedes the last "
                 "contact that ends OS, and the data do not give the time between the two")
DERIVED_NOTE = ("derived as OS − RFS, an upper bound: exact only if RFS follow-up ended on the "
                "same date as OS follow-up (a patient who left maintenance earlier, e.g. for "
                "allogeneic HSCT, began maintenance earlier than this)")


# --------------------------------------------------------------------------------------------
# Swimmer lanes
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SwimmerLanes:
    """One swimmer lane per drawable patient, in drawing order (lane 0 at the top).

    Attributes
    ----------
    mode : {"rfs", "os"}
        ``"rfs"``: lanes on the maintenance clock (months from maintenance start);
        ``"os"``: lanes on the diagnosis clock (months from diagnosis).
    color_by : str or None
        Column whose value is ``group``; ``None`` = one group "All patients".
    sort_by : {"duration", "group", "patient"}
    lanes : pandas.DataFrame
        Columns ``lane`` (int, 0 = top), ``patient_id`` (str), ``start`` and ``end`` (months on
        the mode's clock; ``start`` is 0), ``end_marker`` (one of :data:`END_MARKERS`),
        ``group`` (str, ``"not recorded"`` when missing), ``maintenance_start_months``
        (months after diagnosis, NaN where not derivable), ``maintenance_start_note`` (the
        rule used, or why it is not derivable), ``hover`` (HTML text for the tooltip).
    groups : tuple of str
        Group levels in legend order (only those present).
    n_excluded : int
        Patients of the cohort not drawn because their time on this clock is missing.
    excluded_ids : tuple of str
        Their patient ids.
    axis_title : str
        The x-axis title, with the clock and unit.
    n_hidden : int
        Drawable patients beyond the first :data:`MAX_LANES` in the chosen order, not drawn.
    """

    mode: str
    color_by: str | None
    sort_by: str
    lanes: pd.DataFrame
    groups: tuple[str, ...]
    n_excluded: int
    excluded_ids: tuple[str, ...]
    axis_title: str
    n_hidden: int = 0

    @property
    def hidden_note(self) -> str | None:
        """A sentence for the page when lanes beyond :data:`MAX_LANES` are not drawn."""
        if not self.n_hidden:
            return None
        return (f"Showing the first {len(self.lanes):,} of {len(self.lanes) + self.n_hidden:,} "
                "patients in the chosen order; narrow the filters to see the others. Lanes stop "
                "being readable long before a registry's size.")

    @property
    def excluded_note(self) -> str | None:
        """A sentence for the page, e.g. "2 patients without a recorded RFS time are not
        drawn (patients 4, 7)."; ``None`` when every patient is drawn."""
        if not self.n_excluded:
            return None
        what = "RFS" if self.mode == "rfs" else "OS"
        noun = "patient" if self.n_excluded == 1 else "patients"
        verb = "is" if self.n_excluded == 1 else "are"
        ids = ", ".join(self.excluded_ids[:10]) + (", ..." if self.n_excluded > 10 else "")
        return (f"{self.n_excluded} {noun} without a recorded {what} time {verb} not drawn "
                f"({noun} {ids}).")


def is_missing(value: object) -> bool:
    """True for None, pandas NA and NaN (a value not recorded)."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _num(value: float) -> str:
    return f"{float(value):g}"


def _months(value: float) -> str:
    """``"1 month"``, ``"6 months"``, ``"0.5 months"``."""
    return f"{_num(value)} month" + ("" if float(value) == 1 else "s")


def rfs_end_marker(row: pd.Series) -> str | None:
    """How the RFS lane ends: molecular/morphological relapse (or type not recorded), censored.

    ``None`` when ``rfs_event`` is missing.
    """
    event = row.get("rfs_event")
    if is_missing(event):
        return None
    if int(event) == 0:
        return "censored"
    kind = row.get("relapse_type")
    return f"{kind} relapse" if kind in ("molecular", "morphological") else \
        "relapse, type not recorded"


def os_end_marker(row: pd.Series) -> str | None:
    """How the OS lane ends: death, alive at last follow-up, lost to follow-up (or censored).

    ``None`` when ``os_event`` is missing.
    """
    event = row.get("os_event")
    if is_missing(event):
        return None
    if int(event) == 1:
        return "death"
    outcome = row.get("outcome")
    if outcome == "alive":
        return "alive at last follow-up"
    if outcome == "lost to follow-up":
        return "lost to follow-up"
    return "censored"


def maintenance_start(row: pd.Series) -> tuple[float, str]:
    """Months from diagnosis to the start of maintenance, by the rule of the module docstring.

    Parameters
    ----------
    row : pandas.Series
        One patient with ``rfs_months``, ``rfs_event``, ``os_months``.

    Returns
    -------
    (float, str)
        ``(os_months - rfs_months, DERIVED_NOTE)`` for a patient without relapse;
        ``(nan, reason)`` otherwise (relapse, or a time/event missing).
    """
    rfs, event, os_ = row.get("rfs_months"), row.get("rfs_event"), row.get("os_months")
    if is_missing(rfs) or is_missing(os_) or is_missing(event):
        return math.nan, "not derivable from the data: RFS or OS time is not recorded"
    if int(event) == 1:
        return math.nan, NOT_DERIVABLE
    return float(os_) - float(rfs), DERIVED_NOTE


def _levels(cohort: pd.DataFrame, column: str) -> list[str]:
    return list(present_levels(cohort[column], column))


def check_color_by(cohort: pd.DataFrame, color_by: str | None) -> None:
    """Raise :class:`~core.errors.AnalysisError` unless ``color_by`` is ``None`` or a
    categorical column of ``cohort`` offered in :data:`COLOR_CHOICES`."""
    if color_by is None:
        return
    choices = (*COLOR_CHOICES, CUSTOM_GROUP_COLUMN)
    if color_by not in choices or color_by not in cohort.columns:
        offered = ", ".join(f"'{c}'" for c in choices if c in cohort.columns)
        raise AnalysisError(
            f"Cannot colour lanes by {color_by!r}: it is not a categorical column of the "
            f"cohort. Fix: colour by one of {offered}, or by nothing (None).")


def swimmer_lanes(cohort: pd.DataFrame, mode: Mode = "rfs", color_by: str | None = None,
                  sort_by: SortBy = "duration") -> SwimmerLanes:
    """One lane per patient of ``cohort`` for a swimmer plot.

    Parameters
    ----------
    cohort : pandas.DataFrame
        A validated cohort (:func:`core.cohort.read.validate_cohort`), typically filtered.
    mode : {"rfs", "os"}, default "rfs"
        ``"rfs"``: bar from 0 to ``rfs_months`` (months from maintenance start), ending in
        molecular relapse, morphological relapse or censored. ``"os"``: bar from 0 to
        ``os_months`` (months from diagnosis), ending in death, alive at last follow-up or lost
        to follow-up.
    color_by : str, optional
        A column of :data:`COLOR_CHOICES`; its value (``"not recorded"`` when missing) becomes
        ``group``. ``None``: all lanes in one group "All patients".
    sort_by : {"duration", "group", "patient"}, default "duration"
        ``"duration"``: longest lane at the top; ``"group"``: by group (legend order), longest
        first within a group; ``"patient"``: by patient number (natural order: 2 before 10).
        Ties are broken by patient number.

    Returns
    -------
    SwimmerLanes
        Patients whose time on the chosen clock is missing are not drawn and are counted in
        ``n_excluded``.

    Raises
    ------
    core.errors.AnalysisError
        For an unknown ``mode``, ``sort_by`` or ``color_by``.
    """
    if mode not in MODES:
        raise AnalysisError(f"Unknown swimmer mode {mode!r}. Fix: use 'rfs' (months from "
                            "maintenance start) or 'os' (months from diagnosis).")
    if sort_by not in SORTS:
        raise AnalysisError(f"Unknown lane order {sort_by!r}. Fix: use one of 'duration', "
                            "'group', 'patient'.")
    check_color_by(cohort, color_by)
    time_col, event_col, _ = ENDPOINTS[mode]
    drawable = cohort[time_col].notna() & cohort[event_col].notna()
    excluded = tuple(str(p) for p in cohort.loc[~drawable, "patient_id"])
    rows = cohort[drawable]

    if color_by is None:
        groups = ["All patients"] if len(rows) else []
    else:
        groups = _levels(rows, color_by)
        if rows[color_by].isna().any():
            groups.append(NOT_RECORDED)
    n_hidden = max(len(rows) - MAX_LANES, 0)
    if n_hidden:
        rows = _first_lanes(rows, time_col, color_by, groups, sort_by)
    if color_by is None:
        group_values = ["All patients"] * len(rows)
    else:
        group_values = [NOT_RECORDED if is_missing(v) else str(v) for v in rows[color_by]]

    records = []
    for (_, row), group in zip(rows.iterrows(), group_values, strict=True):
        marker = rfs_end_marker(row) if mode == "rfs" else os_end_marker(row)
        start_months, note = maintenance_start(row)
        record = {
            "patient_id": str(row["patient_id"]),
            "start": 0.0,
            "end": float(row[time_col]),
            "end_marker": marker,
            "group": group,
            "maintenance_start_months": start_months,
            "maintenance_start_note": note,
        }
        record["hover"] = _hover(row, record, color_by)
        records.append(record)
    lanes = pd.DataFrame(records, columns=["patient_id", "start", "end", "end_marker", "group",
                                           "maintenance_start_months",
                                           "maintenance_start_note", "hover"])
    lanes = _sort(lanes, sort_by, groups)
    lanes.insert(0, "lane", range(len(lanes)))
    axis = ("Months from start of sorafenib + ITI maintenance" if mode == "rfs"
            else "Months from diagnosis")
    return SwimmerLanes(mode=mode, color_by=color_by, sort_by=sort_by, lanes=lanes,
                        groups=tuple(groups), n_excluded=len(excluded), excluded_ids=excluded,
                        axis_title=axis, n_hidden=n_hidden)


def _first_lanes(rows: pd.DataFrame, time_col: str, color_by: str | None, groups: list[str],
                 sort_by: str) -> pd.DataFrame:
    """The :data:`MAX_LANES` rows that come first in the lane order, chosen vectorised (a
    registry-size cohort is never turned into lanes row by row); :func:`_sort` then orders
    them exactly.

    The numeric part of the order (group, then duration) is sorted first; only the rows tied
    with the last lane kept or before it (the candidates) get the natural patient-number key,
    whose text parsing costs ~100x a numeric sort (a 10^5-row registry sample: ~1 s)."""
    keys = pd.DataFrame({
        "group": (rows[color_by].astype(str).where(rows[color_by].notna(), NOT_RECORDED)
                  .map({g: i for i, g in enumerate(groups)}) if color_by else 0),
        "end": -rows[time_col].astype(float),
    }, index=rows.index)
    primary = {"duration": ["end"], "group": ["group", "end"], "patient": []}[sort_by]
    if primary:  # rows after the MAX_LANES-th one's (group, duration) can never be drawn
        ordered = keys.sort_values(primary, kind="stable", na_position="last")
        tied = np.ones(len(ordered), dtype=bool)
        for column in primary:
            values = ordered[column].to_numpy(dtype=float)
            cut = values[MAX_LANES - 1]
            tied &= (values == cut) | (np.isnan(values) & np.isnan(cut))
        last = len(tied) - 1 - int(np.argmax(tied[::-1]))  # the cut's tie block ends here
        keys = keys.loc[ordered.index[:last + 1]]
    parts = rows.loc[keys.index, "patient_id"].astype(str) \
        .str.extract(r"^(\D*)(\d*)(.*)$")  # natural order: "S2" before "S10"
    keys = keys.assign(prefix=parts[0].str.lower(),
                       number=pd.to_numeric(parts[1], errors="coerce"), rest=parts[2])
    columns = [*primary, "prefix", "number", "rest"]
    chosen = keys.sort_values(columns, kind="stable", na_position="last").index[:MAX_LANES]
    return rows.loc[chosen]


def _sort(lanes: pd.DataFrame, sort_by: str, groups: list[str]) -> pd.DataFrame:
    if lanes.empty:
        return lanes.reset_index(drop=True)
    key = lanes["patient_id"].map(natural_key)
    order = pd.DataFrame({"pid": key, "end": -lanes["end"],
                          "group": lanes["group"].map({g: i for i, g in enumerate(groups)})})
    columns = {"duration": ["end", "pid"], "group": ["group", "end", "pid"],
               "patient": ["pid"]}[sort_by]
    positions = sorted(range(len(lanes)),
                       key=lambda i: tuple(order[c].iloc[i] for c in columns))
    return lanes.iloc[positions].reset_index(drop=True)


def _hover(row: pd.Series, record: dict, color_by: str | None) -> str:
    lines = [f"<b>Patient {plotly_safe(record['patient_id'])}</b>"]
    rfs, os_ = row.get("rfs_months"), row.get("os_months")
    rfs_marker, os_marker = rfs_end_marker(row), os_end_marker(row)
    if not is_missing(rfs):
        lines.append(f"RFS {_months(rfs)} from maintenance start: {rfs_marker}")
    if not is_missing(os_):
        lines.append(f"OS {_months(os_)} from diagnosis: {os_marker}")
    start, _ = maintenance_start(row)
    lines.append(f"Maintenance began at most {_months(start)} after diagnosis (OS − RFS)"
                 if not math.isnan(start) else "Maintenance start: not derivable from the data")
    for column in ("eln2022_risk", "mrd_pre_status", "sorafenib_timing"):
        if column in row.index and not is_missing(row[column]):
            lines.append(f"{LABELS[column]}: {plotly_safe(row[column])}")
    if color_by and color_by not in ("eln2022_risk", "mrd_pre_status", "sorafenib_timing"):
        lines.append(f"{LABELS.get(color_by, color_by)}: {plotly_safe(record['group'])}")
    return "<br>".join(lines)

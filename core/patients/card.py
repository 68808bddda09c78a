"""One patient: the card of every recorded field, and the events on the patient's two clocks.

Design: :func:`patient_card` turns one row into readable ``(label, value)`` pairs in a fixed
order (abbreviations spelled out, units written, missing values "not recorded");
:func:`patient_timeline` lists the events on the diagnosis (OS) and maintenance (RFS) clocks,
with the derived maintenance start marked as an upper bound. The clock rules (lane ends,
maintenance start = OS − RFS) are those of :mod:`core.patients.timelines`.

Conventions: times in months; patient ids compared as text. Pure Python/pandas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from core.cohort.read import split_list
from core.cohort.schema import COLUMNS
from core.cohort.text import format_number, plural
from core.errors import AnalysisError
from core.patients.regimens import regimen_steps
from core.patients.timelines import (
    NOT_RECORDED,
    is_missing,
    maintenance_start,
    os_end_marker,
    rfs_end_marker,
)


def find_patient(cohort: pd.DataFrame, patient_id: object) -> pd.Series:
    """The row of ``patient_id`` (compared as text, so ``9`` and ``"9"`` both work).

    Raises
    ------
    core.errors.AnalysisError
        When no patient of ``cohort`` has that id.
    """
    matches = cohort[cohort["patient_id"].astype(str) == str(patient_id)]
    if matches.empty:
        ids = [str(p) for p in cohort["patient_id"]]
        shown = ", ".join(ids[:20]) + (", ..." if len(ids) > 20 else "")
        raise AnalysisError(
            f"No patient {str(patient_id)!r} in the (filtered) cohort of {len(ids)} patients "
            f"({shown or 'none'}). Fix: choose one of these ids, or widen the filters.")
    return matches.iloc[0]


_SEX = {"M": "male", "F": "female"}
_TIMING = {"induction": "during induction and consolidation",
           "consolidation": "during consolidation only"}
_RELAPSE = {"none": "no relapse during maintenance (CR)",
            "molecular": "molecular relapse (MRD ≥ 0.01% in remission)",
            "morphological": "morphological relapse (bone-marrow blasts > 5%)"}


def _value(row: pd.Series, column: str) -> object:
    return row[column] if column in row.index and not is_missing(row[column]) else None


def patient_card(cohort: pd.DataFrame, patient_id: object) -> list[tuple[str, str]]:
    """Every recorded field of one patient, in readable form and a fixed order.

    Parameters
    ----------
    cohort : pandas.DataFrame
        A validated cohort.
    patient_id : object
        The patient's id (compared as text).

    Returns
    -------
    list of (str, str)
        ``(label, readable value)`` pairs: patient, sex, age, WBC, blasts, FAB, cytogenetics,
        co-mutations, fusion gene, ELN 2022 risk, sorafenib timing, regimens before maintenance
        (abbreviations spelled out), MRD before maintenance (with flow and AML1-ETO/ABL levels
        where measured), relapse type, RFS, OS, outcome, maintenance start, then any extra
        columns of an uploaded cohort. Missing values read ``"not recorded"``.

    Raises
    ------
    core.errors.AnalysisError
        For an unknown ``patient_id``.
    """
    row = find_patient(cohort, patient_id)
    v = lambda column: _value(row, column)  # noqa: E731
    card: list[tuple[str, str]] = [("Patient", str(row["patient_id"]))]

    def add(label: str, value: object, text: str | None = None) -> None:
        card.append((label, NOT_RECORDED if value is None else (text or str(value))))

    add("Sex", v("sex"), _SEX.get(v("sex"), str(v("sex"))))
    add("Age at diagnosis", v("age"),
        f"{format_number(v('age'))} years" if v("age") is not None else None)
    add("WBC at diagnosis", v("wbc"), f"{format_number(v('wbc'))} ×10⁹/L" if v("wbc") is not None
        else None)
    add("Bone-marrow blasts at diagnosis", v("blasts_pct"),
        f"{format_number(v('blasts_pct'))}%" if v("blasts_pct") is not None else None)
    fab, fab_class = v("fab"), v("fab_class")
    add("FAB subtype", fab, f"{fab} (class {fab_class})" if fab_class and fab_class != fab
        else None)
    add("Cytogenetics", v("cytogenetics"))
    mutations = v("co_mutations")
    genes = sorted(split_list(mutations)) if mutations is not None else []
    add("Co-mutations (besides FLT3-ITD)", mutations,
        ", ".join(mutations.split("; ")) if genes else "none besides FLT3-ITD")
    fusion = v("fusion_gene")
    add("Fusion gene", fusion, "none detected" if fusion == "negative" else None)
    risk = v("eln2022_risk")
    add("ELN 2022 risk", risk, str(risk).capitalize() if risk else None)
    timing = v("sorafenib_timing")
    add("Sorafenib started", timing, _TIMING.get(timing, str(timing)))
    steps = regimen_steps(v("pretreatment_regimens"))
    add("Regimens before maintenance", steps or None,
        "; ".join(s.readable() for s in steps))
    add("MRD before maintenance", v("mrd_pre_status"), _mrd_text(row))
    relapse = v("relapse_type")
    add("Relapse during maintenance", relapse, _RELAPSE.get(relapse, str(relapse)))
    add("Relapse-free survival (RFS)", v("rfs_months"), _rfs_text(row))
    add("Overall survival (OS)", v("os_months"), _os_text(row))
    outcome = v("outcome")
    add("Outcome at last follow-up", outcome)
    start, note = maintenance_start(row)
    card.append(("Maintenance start",
                 f"at most {_in_months(start)} after diagnosis, {note}" if not math.isnan(start)
                 else note))
    known = {c.name for c in COLUMNS}
    for column in row.index:
        if column not in known:
            add(str(column), v(column))
    return card


def _mrd_text(row: pd.Series) -> str | None:
    status = _value(row, "mrd_pre_status")
    flow, qpcr = _value(row, "mrd_pre_flow_pct"), _value(row, "mrd_pre_aml1eto_abl_pct")
    if status is None and flow is None and qpcr is None:
        return None
    parts = [str(status or NOT_RECORDED)]
    if flow is not None:
        parts.append(f"{format_number(flow)}% by flow cytometry")
    if qpcr is not None:
        parts.append(f"AML1-ETO/ABL {format_number(qpcr)}% by qPCR")
    return parts[0] + (f" ({'; '.join(parts[1:])})" if len(parts) > 1 else "")


def _rfs_text(row: pd.Series) -> str | None:
    rfs, marker = _value(row, "rfs_months"), rfs_end_marker(row)
    if rfs is None:
        return None
    if marker == "censored":
        return f"{_in_months(rfs)} from maintenance start, censored (relapse-free at last contact)"
    return f"{_in_months(rfs)} from maintenance start, ended by {marker or 'an unrecorded event'}"


def _os_text(row: pd.Series) -> str | None:
    os_, marker = _value(row, "os_months"), os_end_marker(row)
    if os_ is None:
        return None
    if marker == "death":
        return f"{_in_months(os_)} from diagnosis to death"
    return f"{_in_months(os_)} from diagnosis, censored ({marker or 'status not recorded'})"


@dataclass(frozen=True)
class TimelineEvent:
    """One event of a patient's timeline.

    Attributes
    ----------
    clock : {"diagnosis", "maintenance"}
        The time origin: diagnosis (OS clock) or maintenance start (RFS clock).
    months : float
        Months since that origin.
    marker : str
        ``"diagnosis"``, ``"maintenance start"`` or one of :data:`END_MARKERS`.
    label : str
        Readable text for the figure.
    upper_bound : bool
        The time is an upper bound, not a fact (the derived maintenance start: OS − RFS is
        exact only when both follow-ups ended on the same date); figures draw it as uncertain.
    """

    clock: Literal["diagnosis", "maintenance"]
    months: float
    marker: str
    label: str
    upper_bound: bool = False


def patient_timeline(row: pd.Series) -> list[TimelineEvent]:
    """The events of one patient on their two clocks.

    Parameters
    ----------
    row : pandas.Series
        One patient of a validated cohort (see :func:`find_patient`).

    Returns
    -------
    list of TimelineEvent
        Diagnosis (diagnosis clock, 0); OS end (diagnosis clock, ``os_months``); maintenance
        start (maintenance clock, 0, and on the diagnosis clock at ``os_months - rfs_months``
        where :func:`maintenance_start` derives it); RFS end (maintenance clock,
        ``rfs_months``). Events whose time is missing are left out.
    """
    events = [TimelineEvent("diagnosis", 0.0, "diagnosis", "Diagnosis")]
    start, _ = maintenance_start(row)
    if not math.isnan(start):
        events.append(TimelineEvent("diagnosis", start, "maintenance start",
                                    f"Maintenance start: at most {_in_months(start)} (OS − RFS)",
                                    upper_bound=True))
    os_, rfs = _value(row, "os_months"), _value(row, "rfs_months")
    if os_ is not None and os_end_marker(row):
        events.append(TimelineEvent("diagnosis", float(os_), os_end_marker(row),
                                    f"{os_end_marker(row).capitalize()} ({_in_months(os_)})"))
    events.append(TimelineEvent("maintenance", 0.0, "maintenance start", "Maintenance start"))
    if rfs is not None and rfs_end_marker(row):
        events.append(TimelineEvent("maintenance", float(rfs), rfs_end_marker(row),
                                    f"{rfs_end_marker(row).capitalize()} ({_in_months(rfs)})"))
    return events




def _in_months(value: float) -> str:
    """``"1 month"``, ``"6 months"``, ``"0.5 months"``."""
    return plural(float(value), "month")


def patient_summary(cohort: pd.DataFrame, patient_id: object) -> str:
    """One line that opens a patient's card, before the full fields and any conflict notes.

    Who (age, sex, ELN 2022 risk, MRD before maintenance), then how maintenance ended (the
    relapse and its month, or relapse-free to the last visit) and the last known status;
    a field that is not recorded is left out rather than guessed.

    Examples
    --------
    "Patient 9: 43 years, female, ELN adverse, MRD positive before maintenance; morphological
    relapse at 16 months; died at 20 months."
    """
    row = find_patient(cohort, patient_id)
    v = lambda column: _value(row, column)  # noqa: E731
    who = [f"{format_number(v('age'))} years" if v("age") is not None else None,
           _SEX.get(v("sex")) if v("sex") is not None else None,
           f"ELN {v('eln2022_risk')}" if v("eln2022_risk") is not None else None,
           f"MRD {v('mrd_pre_status')} before maintenance" if v("mrd_pre_status") is not None
           else None]
    course = []
    relapse, rfs = v("relapse_type"), v("rfs_months")
    if relapse is not None and relapse != "none":
        course.append(f"{relapse} relapse" + (f" at {_in_months(rfs)}" if rfs is not None
                                              else ""))
    elif relapse == "none" or (v("rfs_event") == 0 and rfs is not None):
        course.append("no relapse" + (f" in {_in_months(rfs)} of follow-up" if rfs is not None
                                      else ""))
    os_, died = v("os_months"), v("os_event")
    if os_ is not None and died is not None:
        course.append(f"died at {_in_months(os_)}" if int(died) == 1
                      else f"alive at {_in_months(os_)}")
    head = ", ".join(w for w in who if w)
    return f"Patient {row['patient_id']}" + (f": {head}" if head else "") + (
        "; " + "; ".join(course) if course else "") + "."

"""Where one patient sits on the Kaplan-Meier curve of their (filtered) cohort.

Design: the cohort's curve comes from :func:`core.survival.km.estimate.kaplan_meier` (one KM
implementation in the app); the patient's point is the estimate at their own time on the
chosen clock (RFS from maintenance start, OS from diagnosis, or any survival endpoint as
:func:`core.survival.endpoint.resolve_endpoint` gives its columns, delayed entry included).

Conventions: times in months; patient ids compared as text. Pure Python/pandas.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from core.cohort.schema import ENDPOINTS
from core.cohort.text import plural
from core.errors import AnalysisError
from core.patients.card import find_patient
from core.patients.timelines import MODES, Mode, is_missing
from core.survival.endpoint import SURVIVAL, ResolvedEndpoint, resolve_endpoint
from core.survival.km.estimate import kaplan_meier


@dataclass(frozen=True)
class PatientOnKM:
    """The cohort's Kaplan-Meier curve and one patient's place on it.

    Attributes
    ----------
    endpoint : str
        ``"rfs"``, ``"os"`` or the key of the endpoint (:func:`patient_on_endpoint`).
    km : pandas.DataFrame
        Columns ``time`` (months; starts with 0), ``n_risk``, ``n_event``, ``n_censor``,
        ``survival`` (product-limit estimate just after ``time``), from
        :func:`core.survival.km.estimate.kaplan_meier`.
    patient_id : str
    patient_time : float
        The patient's time on the endpoint's clock (months).
    patient_event : bool
        Whether the patient's time is an event (relapse / death) rather than a censoring.
    patient_survival : float
        The estimate at ``patient_time`` (after any drop at that time).
    n_patients : int
        Patients in the estimate (those with a recorded time).
    n_longer : int
        Patients whose time is longer than this patient's.
    what : str
        The curve, lower case ("relapse-free survival", "GVHD-free survival (GFS)").
    event_word : str
        The endpoint's event, singular ("relapse", "death", "relapse or death").
    axis : str
        The clock ("Months from start of maintenance").
    entry : bool
        Whether the estimate has delayed entry (patients at risk only from their entry).
    """

    endpoint: str
    km: pd.DataFrame
    patient_id: str
    patient_time: float
    patient_event: bool
    patient_survival: float
    n_patients: int
    n_longer: int
    what: str
    event_word: str
    axis: str
    entry: bool

    def summary(self) -> str:
        """One sentence for the page."""
        event = self.event_word if self.patient_event else "censoring"
        return (f"Patient {self.patient_id}: {event} at {_in_months(self.patient_time)}, where "
                f"the cohort's estimated {self.what} is {100 * self.patient_survival:.1f}%; "
                f"{self.n_longer} of {self.n_patients} patients have a longer time.")


def patient_on_km(cohort: pd.DataFrame, patient_id: object,
                  endpoint: Mode = "rfs") -> PatientOnKM:
    """Kaplan-Meier estimate of ``cohort`` and where ``patient_id`` sits on it, on a stored
    clock: :func:`patient_on_endpoint` of the endpoint's
    :func:`core.survival.endpoint.resolve_endpoint`, in the Patients page's words for RFS and
    OS, with this function's own messages for an unknown endpoint or a missing time.

    Parameters
    ----------
    cohort : pandas.DataFrame
        A validated (filtered) cohort; patients without a time on the endpoint are left out.
    patient_id : object
        Compared as text.
    endpoint : {"rfs", "os"}, default "rfs"
        ``"rfs"``: months from maintenance start to relapse; ``"os"``: months from diagnosis
        to death.

    Returns
    -------
    PatientOnKM

    Raises
    ------
    core.errors.AnalysisError
        Unknown endpoint, unknown patient, or a patient without a recorded time.
    """
    if endpoint not in MODES:
        raise AnalysisError(f"Unknown endpoint {endpoint!r}. Fix: use 'rfs' or 'os'.")
    row = find_patient(cohort, patient_id)
    time_col, event_col, _ = ENDPOINTS[endpoint]
    if is_missing(row[time_col]) or is_missing(row[event_col]):
        raise AnalysisError(
            f"Patient {row['patient_id']} has no recorded {endpoint.upper()} time, so they "
            "have no place on the Kaplan-Meier curve. Fix: choose another patient or endpoint.")
    place = patient_on_endpoint(resolve_endpoint(cohort, endpoint), patient_id)
    rfs = endpoint == "rfs"  # the page's words for its two stored clocks
    return replace(place, what="relapse-free survival" if rfs else "overall survival",
                   axis="Months from start of maintenance" if rfs else "Months from diagnosis")


def patient_on_endpoint(resolved: ResolvedEndpoint, patient_id: object) -> PatientOnKM:
    """Where ``patient_id`` sits on the Kaplan-Meier curve of a survival endpoint.

    Parameters
    ----------
    resolved : core.survival.endpoint.ResolvedEndpoint
        The endpoint's columns on the (filtered) cohort, from
        :func:`core.survival.endpoint.resolve_endpoint`; with an entry column the estimate
        has delayed entry (R ``survfit(Surv(entry, time, event) ~ 1)``).
    patient_id : object
        Compared as text.

    Returns
    -------
    PatientOnKM

    Raises
    ------
    core.errors.AnalysisError
        A cumulative-incidence endpoint (one minus Kaplan-Meier overstates it when there are
        competing events), an unknown patient, or a patient without a time on the endpoint.
    """
    endpoint = resolved.endpoint
    if endpoint.kind != SURVIVAL:
        raise AnalysisError(
            f"{endpoint.label} is a cumulative incidence with "
            f"{' or '.join(endpoint.competing)} as competing event; a Kaplan-Meier curve "
            "would overstate it. Fix: see it on the Competing risks page, or choose a "
            "survival endpoint.")
    frame = resolved.frame
    row = find_patient(frame, patient_id)
    columns = [resolved.time, resolved.event, *([resolved.entry] if resolved.entry else [])]
    if any(is_missing(row[c]) for c in columns):
        raise AnalysisError(
            f"Patient {row['patient_id']} has no recorded time on {endpoint.label}, so they "
            "have no place on its Kaplan-Meier curve. Fix: choose another patient or "
            "endpoint.")
    return _place(frame, row, resolved.time, resolved.event, resolved.entry, endpoint.key,
                  what=endpoint.title(), event_word=endpoint.singular,
                  axis=f"Months from {endpoint.origin}")


def _place(cohort: pd.DataFrame, row: pd.Series, time_col: str, event_col: str,
           entry_col: str | None, key: str, **labels: str) -> PatientOnKM:
    """The Kaplan-Meier table (with a row at time 0) and the patient's point on it."""
    fit = kaplan_meier(cohort, time_col, event_col, entry=entry_col)  # leaves out missing
    table = fit.table
    unique = table["time"].to_numpy(dtype=float)
    survival = table["survival"].to_numpy(dtype=float)
    known = cohort[time_col].notna() & cohort[event_col].notna()
    if entry_col is not None:
        known &= cohort[entry_col].notna()
    times = cohort.loc[known, time_col].to_numpy(dtype=float)
    at_start = (fit.n["All"] if entry_col is None  # at risk at time 0: entered by then
                else int((cohort.loc[known, entry_col] <= 0).sum()))
    start = pd.DataFrame({"time": [0.0], "n_risk": [at_start], "n_event": [0],
                          "n_censor": [0], "survival": [1.0]})
    km = table[["time", "n_risk", "n_event", "n_censor", "survival"]]
    if not (len(unique) and unique[0] == 0):  # a time of 0 is its own row
        km = pd.concat([start, km], ignore_index=True)
    km = km.reset_index(drop=True)
    t = float(row[time_col])
    at = np.searchsorted(unique, t, side="right") - 1
    patient_survival = float(survival[at]) if at >= 0 else 1.0
    return PatientOnKM(endpoint=key, km=km, patient_id=str(row["patient_id"]),
                       patient_time=t, patient_event=bool(int(row[event_col]) == 1),
                       patient_survival=patient_survival, n_patients=fit.n["All"],
                       n_longer=int((times > t).sum()), entry=entry_col is not None,
                       **labels)


def _in_months(value: float) -> str:
    """``"1 month"``, ``"6 months"``, ``"0.5 months"``."""
    return plural(float(value), "month")

"""Where one patient sits on the Kaplan-Meier curve of their (filtered) cohort.

Design: the cohort's curve comes from :func:`core.survival.km.estimate.kaplan_meier` (one KM
implementation in the app); the patient's point is the estimate at their own time on the
chosen clock (RFS from maintenance start, or OS from diagnosis).

Conventions: times in months; patient ids compared as text. Pure Python/pandas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cohort.schema import ENDPOINTS
from core.cohort.text import plural
from core.errors import AnalysisError
from core.patients.card import find_patient
from core.patients.timelines import MODES, Mode, is_missing
from core.survival.km.estimate import kaplan_meier


@dataclass(frozen=True)
class PatientOnKM:
    """The cohort's Kaplan-Meier curve and one patient's place on it.

    Attributes
    ----------
    endpoint : {"rfs", "os"}
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
    """

    endpoint: str
    km: pd.DataFrame
    patient_id: str
    patient_time: float
    patient_event: bool
    patient_survival: float
    n_patients: int
    n_longer: int

    def summary(self) -> str:
        """One sentence for the page."""
        what = ("relapse-free survival" if self.endpoint == "rfs" else "overall survival")
        event = ("relapse" if self.endpoint == "rfs" else "death") if self.patient_event \
            else "censoring"
        return (f"Patient {self.patient_id}: {event} at {_in_months(self.patient_time)}, where "
                f"the cohort's estimated {what} is {100 * self.patient_survival:.1f}%; "
                f"{self.n_longer} of {self.n_patients} patients have a longer time.")


def patient_on_km(cohort: pd.DataFrame, patient_id: object,
                  endpoint: Mode = "rfs") -> PatientOnKM:
    """Kaplan-Meier estimate of ``cohort`` and where ``patient_id`` sits on it.

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
    fit = kaplan_meier(cohort, time_col, event_col)  # counts and leaves out missing rows
    table = fit.table
    unique = table["time"].to_numpy(dtype=float)
    survival = table["survival"].to_numpy(dtype=float)
    known = cohort[time_col].notna() & cohort[event_col].notna()
    times = cohort.loc[known, time_col].to_numpy(dtype=float)
    start = pd.DataFrame({"time": [0.0], "n_risk": [fit.n["All"]], "n_event": [0],
                          "n_censor": [0], "survival": [1.0]})
    km = table[["time", "n_risk", "n_event", "n_censor", "survival"]]
    if not (len(unique) and unique[0] == 0):  # a time of 0 is its own row
        km = pd.concat([start, km], ignore_index=True)
    km = km.reset_index(drop=True)
    t = float(row[time_col])
    at = np.searchsorted(unique, t, side="right") - 1
    patient_survival = float(survival[at]) if at >= 0 else 1.0
    return PatientOnKM(endpoint=endpoint, km=km, patient_id=str(row["patient_id"]),
                       patient_time=t, patient_event=bool(int(row[event_col]) == 1),
                       patient_survival=patient_survival, n_patients=fit.n["All"],
                       n_longer=int((times > t).sum()))


def _in_months(value: float) -> str:
    """``"1 month"``, ``"6 months"``, ``"0.5 months"``."""
    return plural(float(value), "month")

"""Which risk is predicted: the endpoints of the Relapse risk page and the model kinds each
allows.

* ``"cir"``: relapse (cause 1) with death without relapse competing (cause 2), on the
  relapse-free clock; the death rule of :mod:`core.survival.competing.input` says when a death
  is a competing event. Fine-Gray or cause-specific Cox.
* every endpoint of :data:`core.cohort.schema.ENDPOINTS` (RFS, OS, and any added later):
  one event, a Cox model.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.cohort.schema import ENDPOINTS
from core.errors import AnalysisError
from core.survival.competing.input import STATUS, TIME, prepared

CIR = "cir"
STATUS_COLUMN = "_risk_status"
"""Column added to a working copy for a one-event endpoint: its 0/1 event."""


@dataclass(frozen=True)
class Endpoint:
    """An endpoint prepared on a cohort.

    Attributes
    ----------
    key : str
        ``"cir"``, ``"rfs"``, ``"os"``, ...
    frame : pandas.DataFrame
        A copy of the cohort with the status column filled.
    time, status : str
        Columns of follow-up (months) and status (0 censored, 1 the event, 2 competing).
    label : str
        E.g. "relapse (death without relapse competing)".
    kinds : tuple of str
        Model kinds that fit the endpoint.
    note : str
        How the endpoint was derived (the death rule and the patients it affects), or "".
    """

    key: str
    frame: pd.DataFrame
    time: str
    status: str
    label: str
    kinds: tuple[str, ...]
    note: str = ""


def endpoint_choices(cohort: pd.DataFrame) -> dict[str, str]:
    """Endpoint key -> label of the endpoints this cohort has the columns for."""
    out = {}
    if {"rfs_months", "rfs_event"} <= set(cohort.columns):
        out[CIR] = "Relapse (death without relapse competing)"
    for key, (time, event, _) in ENDPOINTS.items():
        if {time, event} <= set(cohort.columns):
            out[key] = {"rfs": "Relapse-free survival (RFS)",
                        "os": "Overall survival (OS)"}.get(key, key.upper())
    return out


def prepare_endpoint(cohort: pd.DataFrame, key: str, death_rule: str = "censor") -> Endpoint:
    """The cohort with the endpoint's time and status columns.

    Raises
    ------
    core.errors.AnalysisError
        An endpoint the cohort has no columns for.
    """
    choices = endpoint_choices(cohort)
    if key not in choices:
        raise AnalysisError(f"The cohort has no columns for the endpoint {key!r}; it has "
                            f"{sorted(choices) or 'none'}. Fix: map the endpoint's time and "
                            "event columns on the Your data page.")
    if key == CIR:
        frame, rule = prepared(cohort, death_rule)
        return Endpoint(CIR, frame, TIME, STATUS, choices[key], ("fine_gray", "cause_specific"),
                        rule.describe())
    time, event, _ = ENDPOINTS[key]
    frame = cohort.copy()
    frame[STATUS_COLUMN] = pd.to_numeric(frame[event], errors="coerce")
    return Endpoint(key, frame, time, STATUS_COLUMN, choices[key], ("cox",))

"""Which risk is predicted: the endpoints of the Relapse risk page and the model kinds each
allows.

* ``"cir"``: relapse (cause 1) with death without relapse competing (cause 2), on the
  relapse-free clock; the death rule of :mod:`core.survival.competing.input` says when a death
  is a competing event. Fine-Gray or cause-specific Cox.
* every endpoint of :data:`core.cohort.schema.ENDPOINTS` (RFS, OS, and any added later):
  one event, a Cox model.
* the user's own endpoints (defined on the Your data page) that end with a relapse and have no
  delayed entry, through the one resolver (:func:`core.survival.endpoint.resolve_endpoint`):
  a cumulative incidence (a competing event defined) with Fine-Gray or cause-specific Cox,
  otherwise a Cox model. The others are listed with the reason (:func:`not_offered`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.cohort.schema import ENDPOINTS
from core.errors import AnalysisError
from core.survival.competing.input import STATUS, TIME, prepared
from core.survival.endpoint import Endpoint as Definition
from core.survival.endpoint import find_endpoint, resolve_endpoint, unavailable_reason
from core.survival.endpoint.definition import USER_PREFIX

CIR = "cir"
COMPETING_KINDS, ONE_EVENT_KINDS = ("fine_gray", "cause_specific"), ("cox",)
RELAPSE_COLUMNS = ("date_relapse", "relapse_os_months", "rfs_months")
RELAPSE_WORDS = ("relapse", "rezidiv", "rechute", "recaída", "recaida", "recidiva", "复发")
"""An event column is a relapse when it is the relapse field of the mapping or its name holds
one of these words (English, German, French, Spanish, Italian, Chinese)."""
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


def _is_relapse(column: str) -> bool:
    return column in RELAPSE_COLUMNS or any(w in column.lower() for w in RELAPSE_WORDS)


def _user_reason(cohort: pd.DataFrame, endpoint: Definition) -> str:
    """Why a user endpoint is not predicted on this page ("" when it is)."""
    if endpoint.entry:
        return (f"{endpoint.label} is not offered here: it has delayed entry (from "
                f"`{endpoint.recipe.entry}`), which the risk models and their validation "
                "(time-dependent AUC, calibration, Brier score, all weighted by censoring) do "
                "not take. Fix: define the endpoint again without an entry time.")
    if not any(_is_relapse(c) for c in endpoint.recipe.events):
        return (f"{endpoint.label} is not offered here: none of its events "
                f"({', '.join(f'`{c}`' for c in endpoint.recipe.events)}) is a relapse, and "
                "this page predicts the risk of relapse. Fix: include the relapse date among "
                "its events on the Your data page.")
    return unavailable_reason(cohort, endpoint)


def not_offered(cohort: pd.DataFrame, user_endpoints: tuple[Definition, ...]) -> list[str]:
    """One sentence per user endpoint the page does not offer, with the reason."""
    return [r for r in (_user_reason(cohort, e) for e in user_endpoints) if r]


def endpoint_kinds(key: str, user_endpoints: tuple[Definition, ...] = ()) -> tuple[str, ...]:
    """The model kinds that fit the endpoint ``key``."""
    if key == CIR:
        return COMPETING_KINDS
    if key in {e.key for e in user_endpoints} and find_endpoint(key, user_endpoints).competing:
        return COMPETING_KINDS
    return ONE_EVENT_KINDS


def endpoint_choices(cohort: pd.DataFrame, user_endpoints: tuple[Definition, ...] = ()
                     ) -> dict[str, str]:
    """Endpoint key -> label of the endpoints this cohort has the columns for (then the
    user's own that the page can predict)."""
    out = {}
    if {"rfs_months", "rfs_event"} <= set(cohort.columns):
        out[CIR] = "Relapse (death without relapse competing)"
    for key, (time, event, _) in ENDPOINTS.items():
        if {time, event} <= set(cohort.columns):
            out[key] = {"rfs": "Relapse-free survival (RFS)",
                        "os": "Overall survival (OS)"}.get(key, key.upper())
    for endpoint in user_endpoints:
        if not _user_reason(cohort, endpoint):
            out[endpoint.key] = endpoint.label
    return out


def prepare_endpoint(cohort: pd.DataFrame, key: str, death_rule: str = "censor",
                     user_endpoints: tuple[Definition, ...] = ()) -> Endpoint:
    """The cohort with the endpoint's time and status columns (``death_rule``: for CIR;
    ``user_endpoints``: the user's own endpoints ``key`` may name).

    Raises
    ------
    core.errors.AnalysisError
        An endpoint the cohort has no columns for.
    """
    choices = endpoint_choices(cohort, user_endpoints)
    if key.startswith(USER_PREFIX) and key not in {e.key for e in user_endpoints}:
        raise AnalysisError(f"The model predicts your own endpoint {key!r}, which is not "
                            "defined in this session (a frozen model keeps its key, not its "
                            "definition). Fix: define it again on the Your data page, with the "
                            "same abbreviation and columns, then validate.")
    if key not in choices:
        raise AnalysisError(f"The cohort has no columns for the endpoint {key!r}; it has "
                            f"{sorted(choices) or 'none'}. Fix: map the endpoint's time and "
                            "event columns on the Your data page.")
    if key == CIR:
        frame, rule = prepared(cohort, death_rule)
        return Endpoint(CIR, frame, TIME, STATUS, choices[key], COMPETING_KINDS,
                        rule.describe())
    if key not in ENDPOINTS:  # the user's own: the one resolver (a copy of the cohort)
        resolved = resolve_endpoint(cohort, key, user_endpoints)
        note = " ".join(resolved.notes)
        if resolved.status is not None:  # 1 the event, 2 a competing event
            return Endpoint(key, resolved.frame, resolved.time, resolved.status, choices[key],
                            COMPETING_KINDS, note)
        frame = resolved.frame
        frame[STATUS_COLUMN] = pd.to_numeric(frame[resolved.event], errors="coerce")
        return Endpoint(key, frame, resolved.time, STATUS_COLUMN, choices[key],
                        ONE_EVENT_KINDS, note)
    time, event, _ = ENDPOINTS[key]
    frame = cohort.copy()
    frame[STATUS_COLUMN] = pd.to_numeric(frame[event], errors="coerce")
    return Endpoint(key, frame, time, STATUS_COLUMN, choices[key], ONE_EVENT_KINDS)

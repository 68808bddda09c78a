"""An endpoint on a cohort: :func:`resolve_endpoint` (the one place endpoints become
columns), :func:`offered_endpoints` (which a cohort supports, and why not the others) and the
study's derivation rules (:func:`maintenance_entry`, death without relapse).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.cohort.engine import is_source
from core.cohort.text import plural
from core.errors import AnalysisError
from core.survival.competing.input import competing_status
from core.survival.endpoint.definition import (
    BUILT_IN,
    ENTRY,
    EVENT,
    STATUS,
    SURVIVAL,
    TIME,
    Endpoint,
    find_endpoint,
)


@dataclass(frozen=True)
class ResolvedEndpoint:
    """An endpoint on one cohort: the columns to hand to the estimators.

    Attributes
    ----------
    endpoint : Endpoint
    frame : pandas.DataFrame or core.cohort.engine.CohortSource
        The cohort, with the derived columns (:data:`TIME`, ...) added when there are any.
    time : str
        Column of months from the origin to the end of follow-up.
    event : str
        Column of 0/1: the endpoint's event (for an incidence endpoint: any event).
    status : str or None
        For an incidence endpoint: 0 censored, 1 the event, 2 a competing event.
    entry : str or None
        Column of delayed-entry months on the same clock.
    notes : tuple of str
        How derived values were obtained and how certain they are, naming the patients.
    """

    endpoint: Endpoint
    frame: object
    time: str
    event: str
    status: str | None = None
    entry: str | None = None
    notes: tuple[str, ...] = field(default=())


def _values(cohort: pd.DataFrame, column: str) -> pd.Series:
    if column not in cohort.columns:
        return pd.Series(np.nan, index=cohort.index)
    return pd.to_numeric(cohort[column], errors="coerce")


def _ids(cohort: pd.DataFrame, mask: pd.Series) -> list[str]:
    if "patient_id" in cohort.columns:
        return cohort.loc[mask, "patient_id"].astype(str).tolist()
    return [f"row {i + 2}" for i in np.flatnonzero(mask.to_numpy())]


def _who(ids: list[str]) -> str:
    shown = ", ".join(ids[:10]) + (" …" if len(ids) > 10 else "")
    return f"{plural(len(ids), 'patient')} ({shown})"


def maintenance_entry(cohort: pd.DataFrame) -> tuple[pd.Series, tuple[str, ...]]:
    """Maintenance start in months from diagnosis (the entry of :data:`OS_ENTRY`), and notes.

    From ``maintenance_os_months`` where the cohort has it (derived from dates on upload);
    otherwise ``os_months - rfs_months``: exact for a patient without relapse (both clocks
    then end on the same day), an upper bound for a relapsed patient (the months between
    relapse and last contact are not recorded), so that patient enters no earlier than the
    true start. Negative values are left empty.
    """
    notes = []
    recorded = _values(cohort, "maintenance_os_months")
    derived = _values(cohort, "os_months") - _values(cohort, "rfs_months")
    derived = derived.where(derived >= 0)
    use = recorded.isna() & derived.notna()
    entry = recorded.where(recorded.notna(), derived)
    if use.any():
        relapsed = use & (_values(cohort, "rfs_event") == 1)
        notes.append(
            f"Maintenance start is not dated in these data; it is derived as OS minus RFS "
            f"months for {_who(_ids(cohort, use))}. For a patient without relapse both "
            "follow-ups end on the same day, so the difference is the start (read it as "
            "'at most' where relapse-free follow-up may have stopped before last contact).")
        if relapsed.any():
            notes.append(
                f"For {_who(_ids(cohort, relapsed))} with a relapse the difference is only "
                "an upper bound (the months from relapse to last contact are not recorded): "
                "they enter the risk sets no earlier than they truly did.")
    return entry, tuple(notes)


def _status(cohort: pd.DataFrame) -> tuple[pd.Series, tuple[str, ...]]:
    """Relapse (1) / death without relapse (2) / censored (0) on the maintenance clock."""
    rule = competing_status(cohort, "end_of_rfs")
    notes = ()
    recorded = _values(cohort, "rfs_status")
    placed = _ids(cohort, (rule.status == 2) & recorded.isna())
    if placed:
        notes = (f"Death without relapse is not dated on the maintenance clock for "
                 f"{_who(placed)}: it is placed at the end of relapse-free follow-up (RFS "
                 "months), which assumes that follow-up ended with the death.",)
    return rule.status, notes


def resolve_endpoint(cohort, endpoint: Endpoint | str,
                     user_endpoints: tuple[Endpoint, ...] = ()) -> ResolvedEndpoint:
    """The columns of ``endpoint`` on ``cohort`` (the one place endpoints become columns).

    Parameters
    ----------
    cohort : pandas.DataFrame or core.cohort.engine.CohortSource
        One row per patient. An engine source supports the endpoints stored as columns
        (OS, RFS).
    endpoint : Endpoint or str
        The endpoint or its key.
    user_endpoints : tuple of Endpoint
        User-defined endpoints a key may name.

    Returns
    -------
    ResolvedEndpoint

    Raises
    ------
    AnalysisError
        The key is unknown, or the cohort lacks the columns the endpoint needs (the message
        names them and the fix).
    """
    endpoint = find_endpoint(endpoint, user_endpoints)
    if is_source(cohort):
        if endpoint.key not in ("os", "rfs"):
            raise AnalysisError(f"{endpoint.label} is derived from several columns, which "
                                "registry mode does not do. Fix: choose OS or RFS, or load "
                                "the cohort as a file.")
        return _stored(cohort, endpoint)
    if endpoint.user_defined:
        from core.survival.endpoint.user import from_recipe  # uses this module

        return from_recipe(cohort, endpoint)
    if endpoint.key in ("os", "rfs"):
        return _stored(cohort, endpoint)
    _require(cohort, endpoint)
    frame = cohort.copy()
    if endpoint.key == "os_entry":
        entry, notes = maintenance_entry(cohort)
        frame[ENTRY] = entry
        return ResolvedEndpoint(endpoint, frame, "os_months", "os_event", entry=ENTRY,
                                notes=notes)
    if endpoint.key == "os_maint":
        entry, notes = maintenance_entry(cohort)
        frame[TIME] = _values(cohort, "os_months") - entry
        frame[EVENT] = _values(cohort, "os_event")
        if len(notes) > 1:  # relapsed patients with an upper-bound start
            notes += ("Their OS from maintenance start is therefore a lower bound.",)
        return ResolvedEndpoint(endpoint, frame, TIME, EVENT, notes=notes)
    status, notes = _status(cohort)
    frame[TIME] = _values(cohort, "rfs_months")
    if endpoint.key == "efs":
        frame[EVENT] = np.where(status.isna(), np.nan, (status > 0).astype(float))
        return ResolvedEndpoint(endpoint, frame, TIME, EVENT, notes=notes)
    cause = {"cir": 1, "nrm": 2}[endpoint.key]
    frame[STATUS] = status.where(status.isna() | (status == 0), np.where(status == cause, 1, 2))
    frame[EVENT] = np.where(status.isna(), np.nan, (status > 0).astype(float))
    return ResolvedEndpoint(endpoint, frame, TIME, EVENT, status=STATUS, notes=notes)


NEEDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "os": (("os_months", "os_event"),),
    "rfs": (("rfs_months", "rfs_event"),),
    "efs": (("rfs_months", "rfs_event"), ("os_event",)),
    "cir": (("rfs_months", "rfs_event"), ("os_event",)),
    "nrm": (("rfs_months", "rfs_event"), ("os_event",)),
    "os_entry": (("os_months", "os_event"), ("rfs_months", "rfs_event")),
    "os_maint": (("os_months", "os_event"), ("rfs_months", "rfs_event")),
}
"""Columns each built-in needs, in groups: every column of every group must hold values."""


def _require(cohort: pd.DataFrame, endpoint: Endpoint) -> None:
    """Raise when a column the endpoint needs is absent (empty columns and no events are
    :func:`unavailable_reason`'s business, on the unfiltered cohort)."""
    absent = [c for group in NEEDS[endpoint.key] for c in group if c not in cohort.columns]
    if absent:
        raise AnalysisError(f"{endpoint.label} needs {', '.join(f'`{c}`' for c in absent)}, "
                            "which this cohort does not have. Fix: map "
                            f"{'it' if len(absent) == 1 else 'them'} on the Your data page, "
                            "or choose another endpoint.")


def _stored(cohort, endpoint: Endpoint) -> ResolvedEndpoint:
    (time, event), = NEEDS[endpoint.key]
    if not is_source(cohort):
        _require(cohort, endpoint)
    return ResolvedEndpoint(endpoint, cohort, time, event)


def unavailable_reason(cohort: pd.DataFrame, endpoint: Endpoint) -> str:
    """Why ``endpoint`` cannot be offered on ``cohort`` ("" when it can).

    Not offered: a column it needs is absent or empty, or no patient has its event (an
    endpoint on which every patient is censored; on a whole cohort that means the event was
    not mapped, on the Your data page). Apply it to the unfiltered cohort: a filter that
    leaves no event is a finding, not a mapping gap.
    """
    if endpoint.user_defined:
        missing = [c for c in endpoint.recipe.columns() if c not in cohort.columns
                   or cohort[c].isna().all()]
        needs = missing
    else:
        needs = [c for group in NEEDS[endpoint.key] for c in group
                 if c not in cohort.columns or cohort[c].isna().all()]
    if needs:
        return (f"{endpoint.label} is not offered: the cohort has no values in "
                f"{', '.join(f'`{c}`' for c in needs)}. Fix: map "
                f"{'it' if len(needs) == 1 else 'them'} on the Your data page.")
    try:
        resolved = resolve_endpoint(cohort, endpoint) if endpoint.user_defined else None
    except AnalysisError as error:
        return str(error)
    if resolved is None:
        events = _built_in_events(cohort, endpoint)
    else:
        events = int((pd.to_numeric(resolved.frame[resolved.event], errors="coerce") == 1).sum())
    if events == 0:
        return (f"{endpoint.label} is not offered: no patient has its event "
                f"({' or '.join(endpoint.events)}), so every patient would be censored. Fix: "
                "if the cohort records these events, map the column that holds them on the "
                "Your data page.")
    return ""


def _built_in_events(cohort: pd.DataFrame, endpoint: Endpoint) -> int:
    relapse, death = _values(cohort, "rfs_event") == 1, _values(cohort, "os_event") == 1
    if endpoint.key in ("os", "os_entry", "os_maint"):
        return int(death.sum())
    if endpoint.key in ("rfs", "cir"):
        return int(relapse.sum())
    if endpoint.key == "efs":
        return int((relapse | death).sum())
    return int((death & ~relapse).sum())  # nrm


def offered_endpoints(cohort, kinds: tuple[str, ...] = (SURVIVAL,),
                      user_endpoints: tuple[Endpoint, ...] = (),
                      entry: bool = True) -> tuple[list[Endpoint], list[str]]:
    """The endpoints of ``kinds`` that ``cohort`` supports, and one sentence per one it does
    not (built-ins first, then the user's, in definition order).

    Parameters
    ----------
    cohort : pandas.DataFrame or core.cohort.engine.CohortSource
        The unfiltered cohort.
    kinds : tuple of {"survival", "incidence"}
    user_endpoints : tuple of Endpoint
    entry : bool
        Offer endpoints with delayed entry (False on pages whose methods do not take it).
    """
    candidates = [e for e in (*BUILT_IN, *user_endpoints)
                  if e.kind in kinds and (entry or not e.entry)]
    if is_source(cohort):
        return [e for e in candidates if e.key in ("os", "rfs")], [
            f"{e.label}: derived endpoints are not computed in registry mode."
            for e in candidates if e.key not in ("os", "rfs") and not e.user_defined]
    offered, reasons = [], []
    for e in candidates:
        reason = unavailable_reason(cohort, e)
        if reason:
            reasons.append(reason)
        else:
            offered.append(e)
    return offered, reasons



"""Swimmer lanes of any endpoint, such as the user's own from the Your data page.

Design: :func:`endpoint_lanes` takes the endpoint as the one resolver gives it
(:func:`core.survival.endpoint.resolve_endpoint`: its time, event, competing status and entry
columns) and returns the :class:`~core.patients.timelines.SwimmerLanes` that
:func:`core.patients.figures.swimmer_figure` draws: one lane per patient from 0 (or, with
delayed entry, from the entry: the months before it are not at risk) to the end of the
endpoint's follow-up, ending in its event, a competing event or censored. Colouring, ordering
and the 500-lane cap are those of :func:`core.patients.timelines.swimmer_lanes`; no row loop.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.cohort.schema import LABELS
from core.cohort.text import plotly_safe
from core.errors import AnalysisError
from core.patients.timelines import (
    MAX_LANES,
    NOT_RECORDED,
    SORTS,
    SwimmerLanes,
    _first_lanes,
    _levels,
    _sort,
    check_color_by,
)
from core.survival.endpoint import ResolvedEndpoint

MARKERS = {0.0: "censored", 1.0: "endpoint event", 2.0: "competing event"}


def endpoint_lanes(resolved: ResolvedEndpoint, color_by: str | None = None,
                   sort_by: str = "duration") -> SwimmerLanes:
    """One lane per patient on the clock of ``resolved``'s endpoint.

    Parameters
    ----------
    resolved : core.survival.endpoint.ResolvedEndpoint
        The endpoint on the (filtered) cohort.
    color_by, sort_by
        As :func:`core.patients.timelines.swimmer_lanes`.

    Returns
    -------
    SwimmerLanes
        ``mode`` is the endpoint's key; ``start`` the entry time (0 without delayed entry);
        patients without the endpoint's time or event are counted in ``n_excluded``.
    """
    if sort_by not in SORTS:
        raise AnalysisError(f"Unknown lane order {sort_by!r}. Fix: use one of 'duration', "
                            "'group', 'patient'.")
    frame, endpoint = resolved.frame, resolved.endpoint
    check_color_by(frame, color_by)
    time = pd.to_numeric(frame[resolved.time], errors="coerce")
    status = pd.to_numeric(frame[resolved.status or resolved.event], errors="coerce")
    drawable = time.notna() & status.notna()
    excluded = tuple(frame.loc[~drawable, "patient_id"].astype(str))
    rows = frame[drawable].assign(_end=time[drawable])
    groups = (["All patients"] if len(rows) else []) if color_by is None else \
        _levels(rows, color_by) + ([NOT_RECORDED] if rows[color_by].isna().any() else [])
    n_hidden = max(len(rows) - MAX_LANES, 0)
    if n_hidden:
        rows = _first_lanes(rows, "_end", color_by, groups, sort_by)
    start = (pd.to_numeric(rows[resolved.entry], errors="coerce").fillna(0.0)
             if resolved.entry else pd.Series(0.0, index=rows.index))
    group = (pd.Series("All patients", index=rows.index) if color_by is None else
             rows[color_by].astype(str).where(rows[color_by].notna(), NOT_RECORDED))
    marker = status[rows.index].map(MARKERS)
    ids = rows["patient_id"].astype(str)
    hover = ("<b>Patient " + ids.map(plotly_safe) + "</b><br>"
             + plotly_safe(endpoint.abbreviation) + " " + rows["_end"].map("{:.1f}".format)
             + f" months from {plotly_safe(endpoint.origin)}: " + marker)
    if resolved.entry:
        hover += "<br>At risk from " + start.map("{:.1f}".format) + " months (delayed entry)"
    if color_by:
        hover += f"<br>{plotly_safe(LABELS.get(color_by, color_by))}: " + group.map(plotly_safe)
    lanes = pd.DataFrame({"patient_id": ids, "start": start.astype(float),
                          "end": rows["_end"].astype(float), "end_marker": marker,
                          "group": group, "maintenance_start_months": np.nan,
                          "maintenance_start_note": "", "hover": hover}).reset_index(drop=True)
    lanes = _sort(lanes, sort_by, groups)
    lanes.insert(0, "lane", range(len(lanes)))
    return SwimmerLanes(mode=endpoint.key, color_by=color_by, sort_by=sort_by, lanes=lanes,
                        groups=tuple(groups), n_excluded=len(excluded), excluded_ids=excluded,
                        axis_title=f"Months from {endpoint.origin}", n_hidden=n_hidden)

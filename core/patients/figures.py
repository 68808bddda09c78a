"""Plotly figures of patient timelines (drawing only: every number comes from
core.patients.timelines).

- :func:`swimmer_figure`: one horizontal lane per patient, coloured by group (Okabe-Ito), the
  lane's end marked by a symbol per end type (readable without colour: every end type has its own
  shape, all drawn in black), patient numbers on the y-axis (thinned beyond 40 lanes).
- :func:`patient_timeline_figure`: one patient's events on the OS and RFS clocks.
- :func:`patient_km_figure`: the cohort's Kaplan-Meier curve with the patient marked.

Text from the data (group values, patient ids) passes through
:func:`core.cohort.text.plotly_safe`, because plotly renders tags in it. Traces are built from
Python lists (not numpy arrays) so the figure JSON holds plain values; every point of the
swimmer plot carries ``customdata = [patient_id]`` so a click can be mapped back to the
patient.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from core.cohort.schema import LABELS
from core.cohort.text import plotly_safe, plural
from core.patients.card import TimelineEvent
from core.patients.place import PatientOnKM
from core.patients.timelines import (
    END_MARKER_MEANING,
    END_MARKERS,
    SwimmerLanes,
)
from core.style.plot import (
    NOT_RECORDED_COLOR,
    OKABE_ITO,
    READABLE_FONT,
    READABLE_HOVER,
    group_colors,
    readable_axis,
    tick_times,
    trusted_figure,
)

END_SYMBOLS: dict[str, str] = {
    "molecular relapse": "triangle-up",
    "morphological relapse": "diamond",
    "relapse, type not recorded": "star-diamond",
    "censored": "line-ns-open",
    "death": "x",
    "alive at last follow-up": "arrow-right",
    "lost to follow-up": "circle-open",
    "endpoint event": "triangle-down",
    "competing event": "square",
}
"""Marker symbol of each lane end; all different so the ends read without colour."""
START_SYMBOLS = {"diagnosis": "circle", "maintenance start": "square-open"}
SYMBOL_GLYPHS: dict[str, str] = {
    "triangle-up": "▲", "diamond": "◆", "star-diamond": "✦", "line-ns-open": "|", "x": "✕",
    "arrow-right": "➜", "circle-open": "○", "square-open": "□", "circle": "●",
    "triangle-down": "▼", "square": "■",
}
"""A text glyph resembling each marker symbol, for captions that explain the markers."""
MARKER_COLOR = "#000000"
MAX_TICK_LABELS = 40
"""Beyond this many lanes only every k-th patient number is written on the y-axis."""


def lane_height(n_lanes: int) -> int:
    """Pixels per lane: 26 for up to 30 lanes, shrinking to 8 (300 lanes fit in ~2,500 px)."""
    if n_lanes <= 30:
        return 26
    return max(8, int(800 / n_lanes))


def swimmer_figure(swimmer: SwimmerLanes, *, show_maintenance_start: bool = True,
                   tick_step: float = 12) -> go.Figure:
    """Swimmer plot of :func:`core.patients.timelines.swimmer_lanes`.

    Parameters
    ----------
    swimmer : SwimmerLanes
        Lanes in drawing order (lane 0 at the top).
    show_maintenance_start : bool, default True
        On the OS clock, mark the derived maintenance start (square) where it is derivable.
    tick_step : float, default 12
        Spacing of x-axis ticks in months.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per group (legend group "groups"), one marker trace per end type present
        (legend group "ends"), an optional "maintenance start" trace. Every point has
        ``customdata = [patient_id]``. The layout height grows with the number of lanes.
    """
    lanes = swimmer.lanes
    n = len(lanes)
    if n == 0:
        fig = go.Figure()
        fig.add_annotation(text="No patient to draw", showarrow=False, x=0.5, y=0.5,
                           xref="paper", yref="paper")
        fig.update_layout(height=200)
        return fig
    colors = group_colors(swimmer.groups, swimmer.color_by)
    group_title = LABELS.get(swimmer.color_by, swimmer.color_by) if swimmer.color_by else \
        "Lanes"
    thickness = 0.7 if n <= 60 else 0.85
    marker_size = 12 if n <= 60 else 7

    def points(rows) -> dict:
        """Where a trace's points are, which patient each is, and its hover text."""
        return {"y": rows["lane"].astype(int).tolist(),
                "customdata": [[p] for p in rows["patient_id"]],
                "hovertext": rows["hover"].tolist(), "hoverinfo": "text"}

    data = []
    for group in swimmer.groups:
        rows = lanes[lanes["group"] == group]
        data.append({"type": "bar", "orientation": "h",
                     "name": f"{plotly_safe(group)} (n={len(rows)})",
                     "x": (rows["end"] - rows["start"]).astype(float).tolist(),
                     "base": rows["start"].astype(float).tolist(), **points(rows),
                     "width": thickness,
                     "marker": {"color": colors[group], "line": {"width": 0}},
                     "legendgroup": "groups", "legendgrouptitle": {"text": group_title}})
    ends = {"legendgroup": "ends", "legendgrouptitle": {"text": "Lane end"}}
    for marker in END_MARKERS:
        rows = lanes[lanes["end_marker"] == marker]
        if rows.empty:
            continue
        data.append({"type": "scatter", "x": rows["end"].astype(float).tolist(),
                     **points(rows), "mode": "markers", "name": marker,
                     "marker": {"symbol": END_SYMBOLS[marker], "size": marker_size,
                                "color": MARKER_COLOR,
                                "line": {"width": 2, "color": MARKER_COLOR}}, **ends})
    if swimmer.mode == "os" and show_maintenance_start:
        rows = lanes[lanes["maintenance_start_months"].notna()]
        if not rows.empty:
            data.append({
                "type": "scatter", "x": rows["maintenance_start_months"].astype(float).tolist(),
                **points(rows), "mode": "markers",
                "name": "maintenance start, at most OS − RFS (patients without relapse)",
                "marker": {"symbol": START_SYMBOLS["maintenance start"],
                           "size": marker_size - 2, "color": MARKER_COLOR,
                           "line": {"width": 2, "color": MARKER_COLOR}}, **ends})

    step = 1 if n <= MAX_TICK_LABELS else math.ceil(n / MAX_TICK_LABELS)
    ticks = list(range(0, n, step))
    max_time = float(lanes["end"].max())
    x_ticks = tick_times(max_time, tick_step if max_time > 2 * tick_step else 3)
    yaxis = {"tickmode": "array", "tickvals": ticks,
             "ticktext": [plotly_safe(lanes["patient_id"].iloc[i]) for i in ticks],
             "autorange": "reversed",
             "title": {"text": "Patient" + ("" if step == 1 else
                                            f" (every {step}th number shown)")},
             "showgrid": False, "zeroline": False}
    xaxis = {"title": {"text": swimmer.axis_title}, "tickmode": "array", "tickvals": x_ticks,
             "range": [-0.01 * x_ticks[-1], x_ticks[-1] * 1.03 + 0.5], "showgrid": True,
             "gridcolor": "#eeeeee", "zeroline": True, "zerolinecolor": "#888888"}
    layout = {"xaxis": readable_axis(xaxis), "yaxis": readable_axis(yaxis),
              "barmode": "overlay", "hovermode": "closest",
              "height": 140 + lane_height(n) * n, "font": {"size": 14, **READABLE_FONT},
              "legend": {"groupclick": "toggleitem", "tracegroupgap": 12},
              "margin": {"l": 70, "r": 20, "t": 30, "b": 60}, "clickmode": "event+select",
              "hoverlabel": READABLE_HOVER}
    # one construction, unvalidated (plain lists of Python numbers and strings): a swimmer
    # plot built by add_trace and update calls spent most of its ~60 ms in plotly's walks
    return trusted_figure(data, layout)


def patient_timeline_figure(events: list[TimelineEvent], patient_id: str) -> go.Figure:
    """One patient's events on two lanes: the OS clock and the RFS (maintenance) clock.

    Parameters
    ----------
    events : list of TimelineEvent
        From :func:`core.patients.card.patient_timeline`.
    patient_id : str
        For the title.

    Returns
    -------
    plotly.graph_objects.Figure
        Where the maintenance start is derivable (an event ``"maintenance start"`` on the
        diagnosis clock), both lanes share one axis, months from diagnosis, and the RFS lane is
        shifted to begin at the maintenance start. Otherwise each lane starts at its own 0 and
        the axis title says the two cannot be aligned.
    """
    derived = [e.months for e in events if e.clock == "diagnosis"
               and e.marker == "maintenance start"]
    offset = derived[0] if derived else 0.0
    uncertain = any(e.upper_bound for e in events if e.marker == "maintenance start")
    lane_names = {"diagnosis": "OS: from diagnosis",
                  "maintenance": "RFS: from maintenance start"}
    data = []
    max_x = 0.0
    for clock, color in (("diagnosis", OKABE_ITO[0]), ("maintenance", OKABE_ITO[2])):
        shift = offset if clock == "maintenance" else 0.0
        on_clock = [e for e in events if e.clock == clock]
        if not on_clock:
            continue
        xs = [e.months + shift for e in on_clock]
        max_x = max(max_x, *xs)
        shifted = clock == "maintenance" and derived and uncertain
        data.append({"type": "scatter", "x": [min(xs), max(xs)], "y": [lane_names[clock]] * 2,
                     "mode": "lines",
                     "line": {"color": color, "width": 6 if shifted else 10,
                              "dash": "dash" if shifted else "solid"},
                     "hoverinfo": "skip", "showlegend": False, "name": lane_names[clock]})
        if shifted:  # the lane may begin earlier: its start is an upper bound
            data.append({
                "type": "scatter", "x": [0.0, offset], "y": [lane_names[clock]] * 2,
                "mode": "lines",
                "line": {"color": NOT_RECORDED_COLOR, "width": 3, "dash": "dot"},
                "name": "possible earlier maintenance start",
                "hovertext": [f"Maintenance began at most {plural(offset, 'month')} after "
                              "diagnosis; the exact start is not in the data"] * 2,
                "hoverinfo": "text", "showlegend": False})
        for event, x in zip(on_clock, xs, strict=True):
            symbol = END_SYMBOLS.get(event.marker) or START_SYMBOLS.get(event.marker, "circle")
            data.append({
                "type": "scatter", "x": [x], "y": [lane_names[clock]], "mode": "markers+text",
                "name": event.label, "text": [event.label],
                "textposition": "bottom right" if event.marker in START_SYMBOLS
                else "top center",
                "marker": {"symbol": symbol, "size": 14, "color": MARKER_COLOR,
                           "line": {"width": 2, "color": MARKER_COLOR}},
                "hovertext": [f"{event.label}<br>{lane_names[clock]}"], "hoverinfo": "text",
                "showlegend": False})
    title = ("Months from diagnosis; maintenance start at most OS − RFS (dotted: may be "
             "earlier)" if derived and uncertain else
             "Months from diagnosis (maintenance start = OS − RFS)" if derived else
             "Months from each lane's own start: the maintenance start is not derivable from "
             "the data, so the lanes are not aligned")
    xaxis = {"title": {"text": title}, "range": [-0.05 * max(max_x, 1), max(max_x, 1) * 1.45],
             "showgrid": True, "gridcolor": "#eeeeee"}
    yaxis = {"categoryorder": "array",
             "categoryarray": [lane_names["maintenance"], lane_names["diagnosis"]],
             "range": [-0.7, 1.8]}
    return trusted_figure(data, {
        "xaxis": readable_axis(xaxis), "yaxis": readable_axis(yaxis), "height": 260,
        "font": {"size": 13, **READABLE_FONT},
        "title": {"text": f"Patient {plotly_safe(patient_id)}", "font": {"size": 14}},
        "margin": {"l": 20, "r": 20, "t": 40, "b": 60}})  # one construction, as the swimmer


def patient_km_figure(place: PatientOnKM) -> go.Figure:
    """The cohort's Kaplan-Meier curve with one patient marked (star).

    Parameters
    ----------
    place : PatientOnKM
        From :func:`core.patients.place.patient_on_km` or
        :func:`core.patients.place.patient_on_endpoint`.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces: ``"Kaplan-Meier estimate"`` (step line), ``"censored"`` (ticks),
        ``"Patient <id>"`` (the patient's point).
    """
    km = place.km
    what = place.what[:1].upper() + place.what[1:]
    censored = km[km["n_censor"] > 0]
    data = [
        {"type": "scatter", "x": km["time"].astype(float).tolist(),
         "y": km["survival"].astype(float).tolist(), "mode": "lines",
         "line": {"shape": "hv", "color": OKABE_ITO[0], "width": 2.5},
         "name": f"Kaplan-Meier estimate (n={place.n_patients})",
         "hovertext": [f"{plural(t, 'month')}: {100 * s:.1f}%, at risk {r}" for t, s, r in
                       zip(km["time"], km["survival"], km["n_risk"], strict=True)],
         "hoverinfo": "text"},
        {"type": "scatter", "x": censored["time"].astype(float).tolist(),
         "y": censored["survival"].astype(float).tolist(), "mode": "markers",
         "name": "censored",
         "marker": {"symbol": "line-ns-open", "size": 11, "color": OKABE_ITO[0],
                    "line": {"width": 2, "color": OKABE_ITO[0]}}, "hoverinfo": "skip"},
        {"type": "scatter", "x": [place.patient_time], "y": [place.patient_survival],
         "mode": "markers", "name": f"Patient {plotly_safe(place.patient_id)}",
         "marker": {"symbol": "star", "size": 18, "color": OKABE_ITO[1],
                    "line": {"width": 1, "color": MARKER_COLOR}},
         "hovertext": [plotly_safe(place.summary())], "hoverinfo": "text"}]
    max_time = float(km["time"].max()) if len(km) else 0.0
    ticks = tick_times(max(max_time, 1.0))
    xaxis = {"title": {"text": place.axis}, "tickmode": "array", "tickvals": ticks,
             "range": [-0.02 * ticks[-1], ticks[-1] * 1.02 + 0.5], "gridcolor": "#eeeeee"}
    yaxis = {"title": {"text": what}, "range": [-0.02, 1.05], "tickformat": ".0%",
             "gridcolor": "#eeeeee"}
    return trusted_figure(data, {
        "xaxis": readable_axis(xaxis), "yaxis": readable_axis(yaxis), "height": 360,
        "font": {"size": 13, **READABLE_FONT},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        "margin": {"l": 60, "r": 20, "t": 40, "b": 50}})  # one construction, as the swimmer


def end_marker_legend() -> list[tuple[str, str, str]]:
    """``(glyph, end type, meaning)`` of every lane end, for a caption or table."""
    return [(SYMBOL_GLYPHS[END_SYMBOLS[m]], m, END_MARKER_MEANING[m]) for m in END_MARKERS]

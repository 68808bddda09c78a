"""Figures of the Relapse risk page (drawing only: every number comes in computed).

* :func:`calibration_figure`: observed against predicted risk at the horizon, risk groups with
  their intervals, the smoothed curve and the diagonal of perfect calibration.
* :func:`position_figure`: the cohort's predicted risks as a strip, the profile's risk (and
  interval) marked: where this patient sits among the cohort.
* :func:`nomogram_figure`: the points chart of :func:`core.risk.nomogram.nomogram`.

Traces are built from Python lists (plain numbers in the figure JSON); covariate names and
levels may be user text and pass through :func:`core.cohort.text.plotly_safe`.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from core.cohort.text import plotly_safe
from core.risk.calibration import Calibration
from core.risk.nomogram import Nomogram
from core.style.plot import OKABE_ITO, READABLE_FONT, readable_axes, readable_axis

PERCENT_AXIS = {"tickformat": ".0%", "rangemode": "tozero"}
MAX_POINTS = 2_000
"""Points drawn per trace at most (evenly spread in the sorted order): a registry's 10^5
patients would slow the browser without changing the picture."""


def _thin(values) -> np.ndarray:
    """At most :data:`MAX_POINTS` positions, evenly spread, first and last kept."""
    n = len(values)
    return np.unique(np.linspace(0, n - 1, min(n, MAX_POINTS)).round().astype(int))


def _values(values) -> list:
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
            for v in values]


def calibration_figure(cal: Calibration, title: str = "") -> go.Figure:
    """Observed against predicted risk at the horizon."""
    top = float(np.nanmax([*cal.groups["predicted"], *cal.groups["ci_upper"].fillna(0),
                           *cal.curve["observed"], 0.05]))
    top = min(1.0, top * 1.05)
    traces = [go.Scatter(x=[0, top], y=[0, top], mode="lines", name="Perfect calibration",
                         line={"color": "#777777", "dash": "dot"}, hoverinfo="skip")]
    if not cal.curve.empty:
        keep = _thin(cal.curve)
        traces.append(go.Scatter(x=_values(cal.curve["predicted"].to_numpy()[keep]),
                                 y=_values(cal.curve["observed"].to_numpy()[keep]), mode="lines",
                                 name=f"Smoothed (ICI {cal.ici:.3f})",
                                 line={"color": OKABE_ITO[0], "width": 2}))
    groups = cal.groups
    upper = (groups["ci_upper"] - groups["observed"]).tolist()
    lower = (groups["observed"] - groups["ci_lower"]).tolist()
    traces.append(go.Scatter(
        x=_values(groups["predicted"]), y=_values(groups["observed"]), mode="markers",
        name="Risk groups (observed, 95% CI)",
        marker={"color": OKABE_ITO[1], "size": 10, "symbol": "square"},
        error_y={"type": "data", "array": _values(upper), "arrayminus": _values(lower),
                 "visible": True},
        text=[f"group {g}: {n} patients, {e} events" for g, n, e in
              zip(groups["group"], groups["n"], groups["events"], strict=True)],
        hovertemplate="%{text}<br>predicted %{x:.1%}, observed %{y:.1%}<extra></extra>"))
    return go.Figure(data=traces, layout={  # one construction: a fraction of add + update
        "title": plotly_safe(title), "height": 460, "font": READABLE_FONT,
        "xaxis": readable_axis({"title": {"text": f"Predicted risk by {cal.horizon:g} months"},
                                "range": [0, top], **PERCENT_AXIS}),
        "yaxis": readable_axis({"title": {"text": f"Observed risk by {cal.horizon:g} months"},
                                "range": [0, top], **PERCENT_AXIS}),
        "legend": {"orientation": "h", "y": -0.2}})


def position_figure(risks, profile_risk: float, lower: float | None = None,
                    upper: float | None = None, horizon: float = 24,
                    label: str = "This patient") -> go.Figure:
    """The cohort's predicted risks (one dot each) and the profile's risk with its interval."""
    risks = np.sort(np.asarray(risks, dtype=float))
    drawn = risks[_thin(risks)]
    jitter = np.random.default_rng(0).uniform(-0.3, 0.3, drawn.size)
    interval = {}
    if lower is not None and upper is not None and math.isfinite(lower) and \
            math.isfinite(upper):
        interval = {"error_x": {"type": "data", "array": [upper - profile_risk],
                                "arrayminus": [profile_risk - lower], "visible": True,
                                "thickness": 2, "width": 10}}
    traces = [go.Scatter(x=drawn.tolist(), y=jitter.tolist(), mode="markers",
                         name="Patients of the cohort",
                         marker={"color": "#8a8a8a", "size": 7, "opacity": 0.6},
                         hovertemplate="predicted %{x:.1%}<extra></extra>"),
              go.Scatter(x=[profile_risk], y=[0], mode="markers", name=plotly_safe(label),
                         marker={"color": OKABE_ITO[1], "size": 16, "symbol": "diamond"},
                         hovertemplate="%{x:.1%}<extra></extra>", **interval)]
    share = float(np.mean(risks < profile_risk)) if risks.size else math.nan
    return go.Figure(data=traces, layout={
        "height": 230, "font": READABLE_FONT,
        "title": f"Higher than {share:.0%} of the cohort's predicted risks"
        if math.isfinite(share) else "",
        "xaxis": readable_axis({"title": {"text": f"Predicted risk by {horizon:g} months"},
                                "range": [0, 1], "tickformat": ".0%"}),
        "yaxis": readable_axis({"visible": False, "range": [-0.6, 0.6]}),
        "legend": {"orientation": "h", "y": -0.45}, "margin": {"t": 50, "b": 30}})


def nomogram_figure(nomo: Nomogram, title: str = "") -> go.Figure:
    """One row per covariate with its values at their points; total points and risk below."""
    fig = go.Figure()
    names = list(dict.fromkeys(nomo.points["covariate"]))
    rows = ["Points", *names, "Total points", f"Risk by {nomo.horizon:g} months"]
    level = {name: len(rows) - 1 - k for k, name in enumerate(rows)}

    def axis_row(name: str, xs, labels, color="#1a1a1a"):
        y = level[name]
        fig.add_trace(go.Scatter(x=[min(xs), max(xs)], y=[y, y], mode="lines",
                                 line={"color": color, "width": 2}, hoverinfo="skip",
                                 showlegend=False))
        fig.add_trace(go.Scatter(x=list(xs), y=[y] * len(xs), mode="markers+text",
                                 marker={"symbol": "line-ns-open", "size": 12,
                                         "color": color},
                                 text=[plotly_safe(t) for t in labels], textposition="top center",
                                 hoverinfo="skip", showlegend=False))

    # the points rows run 0-100; the total and risk rows stretch 0-max total to the same width
    to_width = 100 / nomo.max_points
    axis_row("Points", list(range(0, 101, 10)), [str(p) for p in range(0, 101, 10)])
    for name in names:
        part = nomo.points[nomo.points["covariate"] == name]
        axis_row(name, part["points"].tolist(), part["value"].tolist(), OKABE_ITO[0])
    totals = np.linspace(0, nomo.max_points, 6)
    axis_row("Total points", (totals * to_width).tolist(), [f"{t:.0f}" for t in totals])
    if not nomo.risk_axis.empty:
        axis_row(rows[-1], (nomo.risk_axis["total_points"] * to_width).tolist(),
                 [f"{r:.0%}" for r in nomo.risk_axis["risk"]], OKABE_ITO[1])
    fig.update_layout(title=plotly_safe(title),
                      height=110 + 70 * len(rows),
                      xaxis={"visible": False},
                      yaxis={"tickvals": [level[r] for r in rows],
                             "ticktext": [plotly_safe(r) for r in rows], "showgrid": False,
                             "zeroline": False},
                      margin={"l": 160})
    return readable_axes(fig)

"""Figures of an intervention during follow-up (drawing only: every number comes in as a table).

All three are :func:`core.survival.figures.km.km_figure` (step curves, censoring ticks, Okabe-Ito
colours, number-at-risk table) fed with the tables of :mod:`core.survival.timedep.km` and
:mod:`core.survival.timedep.landmark`, with the few changes each method needs:

* Simon-Makuch: the censoring ticks mark real censorings only (a patient leaving "not yet"
  for "after" is a move, not a censoring), and the legend carries no "n=" (the "after" group
  has no fixed size: patients join it over time).
* Landmark: the x-axis is months since the landmark.
* Sensitivity: the curve as observed and the curve censored at the intervention.
"""

from __future__ import annotations

import re

import plotly.graph_objects as go

from core.style.plot import tick_times
from core.survival.figures.km import km_figure
from core.survival.km.estimate import at_risk_from_counts
from core.survival.timedep.km import SensitivityResult, SimonMakuchResult
from core.survival.timedep.landmark import LandmarkResult


def simon_makuch_figure(result: SimonMakuchResult, y_title: str, x_title: str,
                        show_ci: bool = False) -> go.Figure:
    """Simon-Makuch curves with the number at risk in each status under the plot."""
    table = result.table.copy()
    table["n_censor"] = table["n_censor"] - table["n_switched"]
    figure = km_figure(table, result.at_risk, groups=list(result.groups), show_ci=show_ci,
                       y_title=y_title, x_title=x_title)
    for trace in figure.data:
        if trace.name:
            trace.name = re.sub(r" \(n=\d+\)$", "", trace.name)
    return figure


def landmark_figure(result: LandmarkResult, y_title: str, show_ci: bool = True) -> go.Figure:
    """Kaplan-Meier curves from the landmark, by intervention status at the landmark."""
    table = result.fit.table
    ticks = tick_times(float(table["time"].max()) if len(table) else 0.0)
    at_risk = at_risk_from_counts(table, ticks, result.groups)
    return km_figure(table, at_risk, groups=list(result.groups), show_ci=show_ci,
                     y_title=y_title,
                     x_title=f"Months since the landmark ({result.landmark:g} months)")


def sensitivity_figure(result: SensitivityResult, y_title: str, x_title: str) -> go.Figure:
    """The endpoint as observed and censored at the intervention, on one plot."""
    table = result.fit.table
    ticks = tick_times(float(table["time"].max()) if len(table) else 0.0)
    at_risk = at_risk_from_counts(table, ticks, result.groups)
    return km_figure(table, at_risk, groups=list(result.groups), show_ci=False,
                     y_title=y_title, x_title=x_title)

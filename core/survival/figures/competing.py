"""Plotly figures of cumulative incidence (drawing only: every number comes in as a table).

The Kaplan-Meier figure (:func:`core.survival.figures.km.km_figure`) draws the frame: step curves,
pointwise bands, censoring ticks, the number-at-risk table under the x-axis ticks, Okabe-Ito
colours with line styles per group. Here its curves start at 0% instead of 100% and the hover
text names the cumulative incidence.
Optionally the 1 - Kaplan-Meier curve of the same cause is drawn thin and dotted for contrast,
in its group's colour. Colours come from :func:`core.survival.figures.km.group_colors` (ELN risk
always in :data:`core.survival.figures.km.RISK_COLORS`); every group name passes through
:func:`core.cohort.text.plotly_safe`.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from core.cohort.text import plotly_safe, plural
from core.style.plot import group_colors
from core.survival.figures.km import change_points, km_figure


def _pct(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{100 * value:.1f}%"


def cif_figure(cif: pd.DataFrame, at_risk: pd.DataFrame | None = None, *,
               groups: list[str] | None = None, show_ci: bool = True, show_censor: bool = True,
               km: pd.DataFrame | None = None, y_title: str = "Cumulative incidence",
               x_title: str = "Months from maintenance start", tick_step: float = 12,
               conf_level: float = 0.95, by: str | None = None) -> go.Figure:
    """Cumulative-incidence step curves with an aligned number-at-risk table.

    Parameters
    ----------
    cif : pandas.DataFrame
        :class:`core.survival.competing.estimate.CumulativeIncidence` ``.table``: ``group, time,
        n_risk, n_event, n_censor, cif, ci_lower, ci_upper`` (months).
    at_risk : pandas.DataFrame, optional
        ``group, time, n_risk`` at the ticks, drawn under the plot.
    groups : list of str, optional
        Group order (legend, colours, table rows).
    show_ci, show_censor : bool
        Pointwise bands; ticks at censoring times.
    km : pandas.DataFrame, optional
        A Kaplan-Meier table (``group, time, survival``) whose 1 - survival is drawn dotted.
    conf_level : float
        Level of the bands, for the hover text. ``n_risk`` values of ``cif`` (all causes)
        give the legend's group sizes.
    by : str, optional
        The stratifying column, for its fixed colours (``"eln2022_risk"``: the risk palette).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    groups = groups or list(dict.fromkeys(cif["group"].astype(str)))
    table = cif.rename(columns={"cif": "survival"})
    fig = km_figure(table, at_risk, groups=groups, show_ci=show_ci, show_censor=show_censor,
                    y_title=y_title, x_title=x_title, tick_step=tick_step, by=by)
    level = f"{conf_level:.0%}"
    for trace in fig.data:  # the KM frame starts every curve at 100%; incidence starts at 0
        if trace.mode == "lines" and trace.x and trace.x[0] == 0.0:
            trace.y = (0.0, *trace.y[1:])
            if trace.hovertext:
                group = trace.legendgroup  # the group as drawn (plotly_safe), e.g. "A &amp; B"
                typed = next((g for g in groups if plotly_safe(g) == group), group)
                rows = change_points(table[table["group"].astype(str) == typed]
                                     .sort_values("time"))  # the rows km_figure drew
                trace.hovertext = [
                    f"<b>{group}</b><br>{plural(t, 'month')}<br>cumulative incidence "
                    f"{_pct(v)}<br>{level} CI {_pct(lo)} to {_pct(hi)}"
                    for t, v, lo, hi in zip(trace.x, trace.y,
                                            [0.0, *rows["ci_lower"].astype(float)],
                                            [0.0, *rows["ci_upper"].astype(float)],
                                            strict=True)]
    if km is not None:
        axes = {"xaxis": "x", "yaxis": "y"} if at_risk is not None else {}  # the curves
        colors = group_colors(groups, by)
        for group in groups:
            k = km[km["group"].astype(str) == group].sort_values("time")
            fig.add_trace(go.Scatter(
                x=[0.0, *k["time"].astype(float).tolist()],
                y=[0.0, *(1 - k["survival"].astype(float)).tolist()], mode="lines",
                line={"color": colors[group], "dash": "dot", "width": 1.2, "shape": "hv"},
                name=f"{plotly_safe(group)}: 1 − Kaplan-Meier", legendgroup=plotly_safe(group),
                hoverinfo="skip", **axes))
    return fig

"""Plotly figure of a cut-point search (drawing only: every number comes from
:func:`core.survival.cutpoint.maxstat.max_logrank`).

:func:`cutpoint_figure` draws the standardized log-rank statistic against each candidate cut
(a step line, the statistic being constant between marker values), the chosen cut, the 5%
critical value corrected for the search (Lausen & Schumacher 1992) and, for contrast, the
uncorrected 1.96 a naive single test would use: peaks between the two lines are what a search
produces by chance. The marker's name and unit pass through
:func:`core.cohort.text.plotly_safe`; axes use :func:`core.survival.figures.km.readable_axes`.
Traces are built from lists.
"""

from __future__ import annotations

import plotly.graph_objects as go

from core.cohort.schema import LABELS
from core.cohort.text import plotly_safe
from core.style.plot import OKABE_ITO, READABLE_FONT, readable_axis, simple_white
from core.survival.cutpoint.maxstat import CutpointResult, lausen92_critical

NAIVE_CRITICAL = 1.959963984540054
"""Two-sided 5% point of the standard normal: right for one pre-specified cut, not a search."""


def cutpoint_figure(result: CutpointResult, *, unit: str = "") -> go.Figure:
    """Standardized log-rank statistic against the cut-point.

    Parameters
    ----------
    result : CutpointResult
    unit : str
        The marker's unit for the axis title (e.g. ``"years"``).

    Returns
    -------
    plotly.graph_objects.Figure
        Markers and a step line over ``result.curve``; a vertical line at the chosen cut; a
        horizontal line at the Lausen-Schumacher 5% critical value (when the range is trimmed)
        and a dotted one at 1.96 labelled as uncorrected.
    """
    curve = result.curve
    label = plotly_safe(LABELS.get(result.marker, result.marker))
    hover = [f"cut {c:g}: {int(b)} ≤ cut ({int(eb)} events), {int(a)} > cut ({int(ea)} events),"
             f" statistic {s:.3f}" for c, b, a, eb, ea, s in curve[
                 ["cut", "n_below", "n_above", "events_below", "events_above", "statistic"]
             ].itertuples(index=False)]
    x_title = f"Cut-point: {label}" + (f" ({plotly_safe(unit)})" if unit and "(" not in label
                                        else "")
    fig = simple_white(go.Figure(data=[{
        "type": "scatter", "x": curve["cut"].tolist(), "y": curve["statistic"].tolist(),
        "mode": "lines+markers", "line": {"shape": "hv", "color": OKABE_ITO[0]},
        "marker": {"size": 5}, "name": "standardized log-rank statistic", "hovertext": hover,
        "hoverinfo": "text"}], layout={  # one construction: no update walks
        "xaxis": readable_axis({"title": {"text": x_title}}),
        "yaxis": readable_axis({"title": {"text": "Standardized log-rank statistic"},
                                "rangemode": "tozero"}),
        "height": 380, "showlegend": False,
        "margin": {"l": 10, "r": 20, "t": 40}, "font": READABLE_FONT}))  # template: cached
    fig.add_vline(x=result.cutpoint, line={"color": OKABE_ITO[1], "width": 2}, opacity=1,
                  annotation_text=f"chosen cut ≤ {result.cutpoint:g}",
                  annotation_position="top")
    if 0 < result.minprop and result.maxprop < 1:
        critical = lausen92_critical(0.05, result.minprop, result.maxprop)
        fig.add_hline(y=critical, line={"color": OKABE_ITO[2], "dash": "dash", "width": 2},
                      opacity=1,
                      annotation_text=f"5% level corrected for the search ({critical:.2f})",
                      annotation_position="top left")
    fig.add_hline(y=NAIVE_CRITICAL, line={"color": "#888888", "dash": "dot", "width": 2},
                  opacity=1,
                  annotation_text="uncorrected 1.96 (misleading after a search)",
                  annotation_position="bottom left")
    return fig

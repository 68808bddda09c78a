"""Plotly figures of Cox model results (drawing only: every number comes in as a table).

* :func:`forest_figure` draws hazard ratios with their confidence intervals on a log axis,
  one row per term, labelled with the patients and events behind the term.
* :func:`schoenfeld_figure` draws the scaled Schoenfeld residuals of :func:`core.cox.ph.ph_test`
  against transformed time, one panel per term, with the fitted coefficient as a reference
  line and a running-mean trend (a flat trend supports proportional hazards).

Traces are built from Python lists, so the figure JSON holds plain numbers. Term labels,
titles and panel titles may carry user text (a category value or column name of an uploaded
cohort) and pass through :func:`core.cohort.text.plotly_safe`, so ``<a href=...>`` or ``<b>``
is drawn as typed; axes use :func:`core.survival.figures.km.readable_axes` (14 px near-black
text) like every figure of the app.
"""

from __future__ import annotations

import functools
import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.cohort.text import plotly_safe
from core.style.numbers import format_hr, p_phrase
from core.style.plot import (
    NO_EFFECT_LINE,
    OKABE_ITO,
    READABLE_FONT,
    edge_arrows,
    ratio_axis,
    ratio_axis_layout,
    readable_axis,
    simple_white,
    trusted_figure,
    wrap_label,
)

MAX_RESIDUAL_POINTS = 2000
"""Residual points drawn per panel at most (evenly spread over the events, in time order);
the running mean always uses every event."""


def _finite(value: object) -> float | None:
    """A float, or None for a missing/infinite value (plotly leaves a gap)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def forest_figure(table: pd.DataFrame, *, title: str = "", x_title: str = "Hazard ratio",
                  conf_level: float = 0.95, labels: dict[str, str] | None = None) -> go.Figure:
    """Forest plot of hazard ratios.

    Parameters
    ----------
    table : pandas.DataFrame
        ``CoxResult.table``: indexed by term with columns ``hr``, ``hr_lower``, ``hr_upper``,
        ``p_value`` and, optionally, ``n`` and ``events``.
    title : str
        Figure title.
    x_title : str
        Title of the (logarithmic) hazard-ratio axis.
    conf_level : float
        Confidence level, shown in the hover text.
    labels : dict of str to str, optional
        Readable names for terms (default: the term itself).

    Returns
    -------
    plotly.graph_objects.Figure
        One marker per term at its hazard ratio with a whisker over the interval, a dashed
        reference line at HR = 1, terms top to bottom in table order. A bound that is
        infinite or 0 (a diverging coefficient), or an estimate beyond the axis, is drawn to
        the plot edge with an arrow marker pointing outward (:func:`edge_arrows`, a second
        trace) and said so in the hover text.
    """
    labels = labels or {}
    terms = [str(t) for t in table.index]
    rows = []
    for term in terms:
        row = table.loc[term]
        name = plotly_safe(labels.get(term, term))
        if "n" in table.columns and "events" in table.columns:
            name = f"{name} (n={int(row['n'])}, events={int(row['events'])})"
        rows.append(wrap_label(name))

    low, high = ratio_axis([v for col in ("hr", "hr_lower", "hr_upper")
                            for v in table[col].tolist() if _finite(v) is not None])

    hr, lower, upper, hover, cut = [], [], [], [], []
    for term, y in zip(terms, rows, strict=True):
        row = table.loc[term]
        h = _finite(row["hr"])
        lo = _finite(row["hr_lower"])
        up = _finite(row["hr_upper"])
        h_plot = None if h is None else min(max(h, low), high)
        lo_plot = low if lo is None or lo < low else lo
        up_plot = high if up is None or up > high else up
        hr.append(h_plot)
        lower.append(None if h_plot is None else max(h_plot - lo_plot, 0.0))
        upper.append(None if h_plot is None else max(up_plot - h_plot, 0.0))
        p = row.get("p_value", math.nan)
        ptxt = p_phrase(math.nan if p is None else float(p))
        beyond = [what for what, out in (
            ("estimate", h is not None and not low <= h <= high),
            ("interval", lo is None or up is None or lo < low or up > high)) if out]
        clipped = f" ({' and '.join(beyond)} beyond the axis)" if beyond else ""
        hover.append(f"HR {_fmt(row['hr'])} ({conf_level:.0%} CI {_fmt(row['hr_lower'])}–"
                     f"{_fmt(row['hr_upper'])}), {ptxt}{clipped}")
        cut.append((y, h, lo, up, hover[-1]))

    layout = {
        "shapes": [NO_EFFECT_LINE],
        "xaxis": {**ratio_axis_layout(low, high, x_title),
                  "minor": {"showgrid": False, "ticks": ""}},
        "yaxis": readable_axis({"autorange": "reversed", "categoryorder": "array",
                                "categoryarray": rows, "tickmode": "array", "tickvals": rows,
                                "ticktext": rows}),  # every row labelled
        "height": max(260, 140 + 50 * len(rows) + 18 * sum(r.count("<br>") for r in rows)),
        "margin": {"l": 10, "r": 20}, "font": READABLE_FONT}
    layout["title"] = {"text": plotly_safe(title)} if title else {}
    trace = {"type": "scatter", "x": hr, "y": rows, "mode": "markers",
             "marker": {"symbol": "square", "size": 10, "color": OKABE_ITO[0]},
             "error_x": {"type": "data", "symmetric": False, "array": upper,
                         "arrayminus": lower, "color": OKABE_ITO[0], "thickness": 2,
                         "width": 6},
             "hovertext": hover, "hoverinfo": "text+y", "name": "Hazard ratio",
             "showlegend": False}
    arrows = edge_arrows(cut, low, high)  # what is drawn to the edge goes on beyond it
    return simple_white(go.Figure(data=[trace, *([arrows] if arrows else [])],
                                  layout=layout))  # one construction: no update walks


def _fmt(value: object) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "–"
    return format_hr(number)


def schoenfeld_figure(residuals: pd.DataFrame, table: pd.DataFrame | None = None, *,
                      coefficients: dict[str, float] | None = None,
                      x_title: str = "Transformed time g(t)", window: int | None = None,
                      labels: dict[str, str] | None = None) -> go.Figure:
    """Scaled Schoenfeld residuals against transformed time, one panel per term.

    Parameters
    ----------
    residuals : pandas.DataFrame
        ``PHTestResult.residuals``: columns ``time``, ``transformed_time`` and one column per
        term (scaled residuals, on the log-hazard-ratio scale).
    table : pandas.DataFrame, optional
        ``PHTestResult.table``; when given, each panel title shows the covariate's p-value.
    coefficients : dict of str to float, optional
        Fitted coefficient per term, drawn as a dashed horizontal line (the constant beta
        that proportional hazards implies).
    x_title : str
        Title of the x axes.
    window : int, optional
        Width (in events) of the centred running mean drawn as the trend; default about a
        third of the events, at least 3.
    labels : dict of str to str, optional
        Readable names for terms in the panel titles (default: the term itself).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    terms = [c for c in residuals.columns if c not in ("time", "transformed_time")]
    titles = []
    for term in terms:
        text = plotly_safe((labels or {}).get(term, term))
        if table is not None:
            base = term.split("[")[0]
            key = term if term in table.index else base
            if key in table.index:
                text = f"{text} ({p_phrase(float(table.loc[key, 'p_value']))})"
        titles.append(text)
    layout = _panel_grid(len(terms))  # plotly's make_subplots layout, without its text
    for annotation, text in zip(layout["annotations"], titles, strict=True):
        annotation["text"] = text
    order = np.argsort(residuals["transformed_time"].to_numpy(), kind="stable")
    x_all = residuals["transformed_time"].to_numpy(dtype=float)[order]
    n = len(x_all)
    width = window or max(3, n // 3)
    shown = (np.arange(n) if n <= MAX_RESIDUAL_POINTS
             else np.unique(np.linspace(0, n - 1, MAX_RESIDUAL_POINTS).round().astype(int)))
    x = x_all[shown].tolist()
    times = residuals["time"].to_numpy(dtype=float)[order][shown].tolist()
    data = []
    for i, term in enumerate(terms, start=1):
        axes = {"xaxis": f"x{i if i > 1 else ''}", "yaxis": f"y{i if i > 1 else ''}"}
        y_all = residuals[term].to_numpy(dtype=float)[order]
        y = y_all[shown].tolist()
        data.append({"type": "scatter", "x": x, "y": y, "mode": "markers",
                     "marker": {"color": OKABE_ITO[0], "size": 7}, "customdata": times,
                     "hovertemplate": "time %{customdata:g}<br>residual %{y:.3g}",
                     "name": plotly_safe(term), "showlegend": False, **axes})
        trend = _running_mean(y_all, width)[shown].tolist()
        data.append({"type": "scatter", "x": x, "y": trend, "mode": "lines",
                     "line": {"color": OKABE_ITO[1], "width": 2}, "name": "running mean",
                     "showlegend": (i == 1), **axes})
        if coefficients and term in coefficients:
            beta = float(coefficients[term])
            data.append({"type": "scatter", "x": [min(x), max(x)] if x else [],
                         "y": [beta, beta], "mode": "lines",
                         "line": {"color": "#555555", "dash": "dash"},
                         "name": "fitted coefficient", "showlegend": (i == 1), **axes})
        layout[axes["yaxis"].replace("y", "yaxis")].update(
            readable_axis({"title": {"text": "β(t)"}}))
        layout[axes["xaxis"].replace("x", "xaxis")].update(
            readable_axis({"title": {"text": x_title}} if i == len(terms) else {}))
    layout.update(height=max(260, 240 * len(terms)), font=READABLE_FONT)
    # one construction, and the template from plotly's cache: same JSON as make_subplots,
    # add_traces and update_layout(template="simple_white"), a third of the time
    return simple_white(trusted_figure(data, layout))  # plain lists: no per-element walk


@functools.lru_cache(maxsize=16)
def _grid(rows: int) -> str:
    """The layout plotly's ``make_subplots`` gives ``rows`` panels in one column sharing
    their x axis, with a title per panel (its text a placeholder), as JSON; computed
    once per number of panels (``make_subplots`` takes about 17 ms per figure)."""
    grid = make_subplots(rows=rows, cols=1, subplot_titles=["title"] * rows, shared_xaxes=True,
                         vertical_spacing=0.12 if rows > 1 else 0.0).to_plotly_json()["layout"]
    grid.pop("template", None)
    return json.dumps(grid)


def _panel_grid(rows: int) -> dict:
    """A fresh copy of :func:`_grid`'s layout, to fill in."""
    return json.loads(_grid(rows))


def _running_mean(y: np.ndarray, width: int) -> np.ndarray:
    """Centred running mean over ``width`` points (shorter at the ends), by cumulative sums."""
    n = len(y)
    k = np.arange(n)
    lo = np.maximum(0, k - width // 2)
    hi = np.minimum(n, k + width // 2 + 1)
    cum = np.concatenate([[0.0], np.cumsum(y)])
    return (cum[hi] - cum[lo]) / (hi - lo)


def prediction_figure(table: pd.DataFrame, *, title: str = "",
                      x_title: str = "Months", y_title: str = "Predicted survival",
                      marks: tuple[float, ...] = (), conf_level: float = 0.95) -> go.Figure:
    """Predicted survival of one covariate profile as a step curve with its confidence band.

    Parameters
    ----------
    table : pandas.DataFrame
        ``SurvivalPrediction.table``: columns ``time``, ``survival``, ``ci_lower``,
        ``ci_upper``, sorted by time (the curve ends at the last time: never extrapolated).
    title, x_title, y_title : str
        Figure and axis titles.
    marks : tuple of float
        Times to mark with a dotted vertical line (e.g. 12 and 24 months), drawn only when
        within the table's times.
    conf_level : float
        Confidence level, named in the legend.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces ``"upper"`` (upper limit, no legend), ``"{conf_level} CI"`` (lower limit,
        filled up to the upper one) and ``"Predicted"`` (step line).
    """
    t = [float(v) for v in table["time"]]
    s = [float(v) for v in table["survival"]]
    lo = [float(v) for v in table["ci_lower"]]
    hi = [float(v) for v in table["ci_upper"]]
    data = [
        {"type": "scatter", "x": t, "y": hi, "mode": "lines",
         "line": {"width": 0, "shape": "hv"}, "hoverinfo": "skip", "showlegend": False,
         "name": "upper"},
        {"type": "scatter", "x": t, "y": lo, "mode": "lines",
         "line": {"width": 0, "shape": "hv"}, "fill": "tonexty",
         "fillcolor": "rgba(0,114,178,0.18)", "hoverinfo": "skip",
         "name": f"{conf_level:.0%} CI"},
        {"type": "scatter", "x": t, "y": s, "mode": "lines",
         "line": {"color": OKABE_ITO[0], "width": 2, "shape": "hv"},
         "customdata": [list(pair) for pair in zip(lo, hi, strict=True)],
         "hovertemplate": "%{x:g} months: %{y:.1%} "
                          "(%{customdata[0]:.1%}–%{customdata[1]:.1%})<extra></extra>",
         "name": "Predicted"}]
    layout = {
        "xaxis": readable_axis({"title": {"text": x_title}, "rangemode": "tozero",
                                "dtick": 12}),  # 12-month steps, as KM
        "yaxis": readable_axis({"title": {"text": y_title}, "range": [0, 1.02],
                                "tickformat": ".0%"}),
        "height": 360, "legend": {"orientation": "h", "y": -0.25},
        "margin": {"l": 10, "r": 20, "t": 50 if title else 20}, "font": READABLE_FONT}
    shapes = [{"type": "line", "x0": mark, "x1": mark, "xref": "x", "y0": 0, "y1": 1,
               "yref": "y domain", "line": {"dash": "dot", "color": "#888888", "width": 1}}
              for mark in marks if t and mark <= max(t)]
    # unvalidated (trusted_figure): no empty title or shapes, as validation drops them
    if shapes:
        layout["shapes"] = shapes
    if title:
        layout["title"] = {"text": plotly_safe(title)}
    return simple_white(trusted_figure(data, layout))  # one construction, no walks

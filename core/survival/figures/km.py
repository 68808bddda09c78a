"""Plotly figures of Kaplan-Meier results (drawing only: every number comes in as a table).

The figure follows what survminer and lifelines users expect: step curves starting at
(0, 100%), censoring ticks, optional confidence bands, a number-at-risk table aligned under the
x-axis ticks, months on the x-axis in 12-month steps, and a colour-blind-safe palette (Okabe-Ito)
with line styles that also separate the groups in greyscale. Every group name comes from the
data and passes through :func:`core.cohort.text.plotly_safe`, so a value such as
``<a href=...>`` is drawn as typed, never as a link or markup.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.cohort.text import plotly_safe, plural
from core.style.plot import (
    DASHES,
    TEXT_COLOR,
    TICK_FONT,
    TITLE_FONT,
    group_colors,
    tick_times,
    trusted_figure,
)


def _percent(value: float) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else \
        f"{100 * value:.1f}%"


def km_figure(km: pd.DataFrame, at_risk: pd.DataFrame | None = None, *,
              groups: list[str] | None = None, show_ci: bool = True,
              show_censor: bool = True, y_title: str = "Survival probability",
              x_title: str = "Months", tick_step: float = 12,
              extra_rows: tuple[str, ...] = ("cum_events", "cum_censored"),
              by: str | None = None, curtail_below: int = 0,
              small_cells: bool = False) -> go.Figure:
    """Kaplan-Meier step curves with an aligned number-at-risk table.

    Parameters
    ----------
    km : pandas.DataFrame
        Columns ``group, time, n_risk, n_event, n_censor, survival, ci_lower, ci_upper``
        (:func:`core.survival.km.estimate.kaplan_meier`); times in months.
    at_risk : pandas.DataFrame, optional
        Columns ``group, time, n_risk`` (and ``cum_events``, ``cum_censored`` to show them) at
        the tick times; drawn as a table under the plot.
    groups : list of str, optional
        Group order (legend, colours, table rows); default: order of appearance in ``km``.
    show_ci : bool
        Draw the pointwise confidence bands. Where the estimator gives no interval (survival
        1 before the first event, or 0), the band collapses onto the curve.
    show_censor : bool
        Mark censoring times with a vertical tick on the curve.
    extra_rows : tuple of {"cum_events", "cum_censored"}
        Rows to add under each group's number at risk; by default both (the KMunicate table:
        at risk, cumulative events, cumulative censored; Morris et al. 2019). ``()`` for the
        number at risk alone.
    curtail_below : int
        Pocock's rule: stop drawing a curve (and its band and ticks) after the last time at
        which at least this many patients were at risk (0: draw to the end);
        :func:`curtail_caption` says so in the caption.
    small_cells : bool
        Show counts of 1 to 4 in the table as "<5" (registries' small-cell rule).
    by : str, optional
        The stratifying column, for its fixed colours (:func:`group_colors`: ELN risk always
        in :data:`RISK_COLORS`).

    Returns
    -------
    plotly.graph_objects.Figure
        Traces are built from lists (not numpy arrays) so the JSON is plain numbers. With a
        table, the curves are on axes ``x``/``y`` and the table on ``x2``/``y2`` (no plotly
        subplot grid: add a trace to the curves with ``xaxis="x", yaxis="y"``).
    """
    groups = groups or list(dict.fromkeys(km["group"].astype(str)))
    max_time = float(km["time"].max()) if len(km) else 0.0
    ticks = tick_times(max_time, tick_step)
    if at_risk is not None:  # the KMunicate rows the table has the counts for
        extra_rows = tuple(r for r in extra_rows if r in at_risk.columns)
    table_rows = (len(groups) * (1 + len(extra_rows))) if at_risk is not None else 0
    curve_axes = {"xaxis": "x", "yaxis": "y"} if table_rows else {}

    colors = group_colors(groups, by)
    data: list[dict] = []
    for index, group in enumerate(groups):
        color, dash = colors[group], DASHES[index % len(DASHES)]
        rows = km[km["group"].astype(str) == group].sort_values("time")
        n_start = int(rows["n_risk"].iloc[0]) if len(rows) else 0
        if curtail_below > 0:
            rows = rows[rows["n_risk"] >= curtail_below]
        marks = rows[rows["n_censor"] > 0]
        rows = change_points(rows)  # noqa: PLW2901 - the curve only moves at events
        group = plotly_safe(group)  # noqa: PLW2901 - a value from the data, drawn as typed
        times = [0.0, *rows["time"].astype(float).tolist()]
        surv = [1.0, *rows["survival"].astype(float).tolist()]
        lower = [1.0, *[s if math.isnan(v) else v for s, v in
                        zip(rows["survival"], rows["ci_lower"].astype(float), strict=False)]]
        upper = [1.0, *[s if math.isnan(v) else v for s, v in
                        zip(rows["survival"], rows["ci_upper"].astype(float), strict=False)]]
        n_risk = [n_start, *rows["n_risk"].astype(int).tolist()]
        hover = [f"<b>{group}</b><br>{plural(t, 'month')}<br>survival {_percent(s)}"
                 f"<br>95% CI {_percent(lo)} to {_percent(hi)}<br>at risk {n}"
                 for t, s, lo, hi, n in zip(times, surv, lower, upper, n_risk, strict=False)]
        if show_ci:
            data.append({"type": "scatter", "x": times, "y": upper, "mode": "lines",
                         "line": {"width": 0, "shape": "hv"}, "hoverinfo": "skip",
                         "showlegend": False, "legendgroup": group, "name": f"{group} upper",
                         **curve_axes})
            data.append({"type": "scatter", "x": times, "y": lower, "mode": "lines",
                         "line": {"width": 0, "shape": "hv"}, "fill": "tonexty",
                         "fillcolor": _alpha(color, 0.15), "hoverinfo": "skip",
                         "showlegend": False, "legendgroup": group,
                         "name": f"{group} 95% CI", **curve_axes})
        data.append({"type": "scatter", "x": times, "y": surv, "mode": "lines",
                     "name": f"{group} (n={n_start})",
                     "line": {"color": color, "dash": dash, "width": 2.5, "shape": "hv"},
                     "hovertext": hover, "hoverinfo": "text", "legendgroup": group,
                     **curve_axes})
        if show_censor:
            censored = censor_marks(marks, max_time)
            data.append({
                "type": "scatter", "x": censored["time"].astype(float).tolist(),
                "y": censored["survival"].astype(float).tolist(), "mode": "markers",
                "marker": {"symbol": "line-ns-open", "size": 11, "color": color,
                           "line": {"width": 2, "color": color}},
                "name": f"{group} censored", "legendgroup": group, "showlegend": False,
                "hovertext": [_censor_hover(group, c, t, last) for c, t, last in zip(
                    censored["n_censor"], censored["time"], censored["last"], strict=False)],
                "hoverinfo": "text", **curve_axes})

    axis = {"tickmode": "array", "tickvals": ticks,
            "range": [-0.02 * ticks[-1], ticks[-1] * 1.02 + 0.5], "showgrid": True,
            "gridcolor": "#eeeeee", "zeroline": False, "tickfont": TICK_FONT,
            "linecolor": "#444444"}
    titled = {"text": x_title, "font": TITLE_FONT}
    curve_y = {"range": [-0.02, 1.03], "tickformat": ".0%", "gridcolor": "#eeeeee",
               "title": {"text": y_title, "font": TITLE_FONT}, "tickfont": TICK_FONT,
               "linecolor": "#444444"}
    layout = km_layout(table_rows)
    figure_layout = {
        "hovermode": "closest", "height": layout.height,
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        "margin": {"l": MARGIN["l"], "r": MARGIN["r"], "t": MARGIN["t"], "b": MARGIN["b"]},
        "font": {"size": 14, "color": TEXT_COLOR}}
    if table_rows:
        labels = _add_at_risk_table(data, at_risk, groups, extra_rows, colors, small_cells)
        figure_layout |= {
            "xaxis": {"anchor": "y", "domain": [0.0, 1.0], "matches": "x2",
                      "showticklabels": True, **axis, "title": {"font": TITLE_FONT}},
            "yaxis": {"anchor": "x", "domain": list(layout.curve_domain), **curve_y},
            "xaxis2": {"anchor": "y2", "domain": [0.0, 1.0], **axis, "title": titled},
            "yaxis2": {"anchor": "x2", "domain": list(layout.table_domain),
                       "categoryorder": "array", "categoryarray": list(reversed(labels)),
                       "showgrid": False, "zeroline": False, "tickfont": TICK_FONT,
                       "range": [-0.5, table_rows - 0.5], "linecolor": "#444444",
                       # a vertical title must fit the table's height
                       "title": {"text": "Number at risk",
                                 "font": {"size": 12, "color": TEXT_COLOR}}}}
    else:
        figure_layout |= {"xaxis": {**axis, "title": titled}, "yaxis": curve_y}
    # one construction, no subplot grid (a trace for the curve panel names its axes,
    # xaxis="x", yaxis="y"): adding traces and axes one update at a time, on plotly's
    # subplots, cost several times more (bench/bench_first_draw.py); unvalidated, as the
    # lists are plain Python numbers and strings (10^5 patients: 130-200 -> 60-100 ms)
    return trusted_figure(data, figure_layout)


MARK_BINS = 1000
"""Censoring marks drawn per curve at most: one per 1/1000 of the time axis, about a pixel
of a full-width figure, so many censorings in one pixel are one mark (their count in its
hover text) and the figure stays small whatever the number of distinct times."""


def change_points(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of one group's Kaplan-Meier (or cumulative-incidence) table a step curve
    needs: every time with an event (``n_event``, or ``n_competing``: where the estimate or
    its interval changes) and the last time (where the curve ends). A time with only
    censorings changes nothing drawn with a step line, so a cohort of 10^5 continuous times
    draws its events, not its rows (10^5 patients by ELN, all times distinct: 368,565 points
    and 35 MB of figure JSON before, 95,176 points and 9.0 MB after).

    Examples
    --------
    >>> t = pd.DataFrame({"time": [1.0, 2.0, 3.0, 4.0], "n_event": [0, 1, 0, 0]})
    >>> change_points(t)["time"].tolist()
    [2.0, 4.0]
    """
    keep = rows["n_event"].to_numpy() > 0
    if "n_competing" in rows.columns:  # the incidence's interval moves at competing events
        keep |= rows["n_competing"].to_numpy() > 0
    if len(keep):
        keep[-1] = True
    return rows[keep]


def censor_marks(censored: pd.DataFrame, max_time: float,
                 bins: int = MARK_BINS) -> pd.DataFrame:
    """Censoring marks of one curve, at most one per ``max_time / bins`` months: columns
    ``time`` (first censoring in the bin), ``survival`` (the curve there), ``n_censor``
    (censored in the bin) and ``last`` (the bin's last censoring time).

    Parameters
    ----------
    censored : pandas.DataFrame
        Kaplan-Meier rows with ``n_censor > 0`` (columns ``time, survival, n_censor``),
        sorted by time.
    max_time : float
        Length of the time axis (months).
    bins : int
        Marks at most.
    """
    times = censored["time"].to_numpy(dtype=float)
    width = max_time / bins if max_time > 0 else 1.0
    key = np.floor(times / width).astype(np.int64)
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.array([], int)
    ends = np.r_[first[1:], len(key)] - 1 if len(key) else first
    counts = np.add.reduceat(censored["n_censor"].to_numpy(dtype=np.int64), first) \
        if len(key) else np.array([], np.int64)
    return pd.DataFrame({"time": times[first],
                         "survival": censored["survival"].to_numpy(dtype=float)[first],
                         "n_censor": counts, "last": times[ends]})


def _censor_hover(group: str, count: int, time: float, last: float) -> str:
    when = (f"at {plural(time, 'month')}" if last == time else
            f"between {time:g} and {last:g} months")
    return f"<b>{group}</b><br>{int(count)} censored {when}"


@dataclass(frozen=True)
class KMLayout:
    """Pixel layout of a Kaplan-Meier figure with its number-at-risk table.

    Attributes
    ----------
    height : int
        Figure height in pixels, margins included.
    curve_domain, table_domain : tuple of (float, float)
        Vertical domains (fractions of the plot area between the margins) of the curve and of
        the table; the table's y-axis runs from -0.5 to ``rows - 0.5``, so each row is the
        centre of a band of :data:`TABLE_ROW_PX` pixels and no row touches the edge.
    """

    height: int
    curve_domain: tuple[float, float]
    table_domain: tuple[float, float]


CURVE_PX = 380
"""Height of the curve panel (pixels)."""
TABLE_ROW_PX = 26
"""Height of one at-risk row (pixels): twice the at-risk font size."""
GAP_PX = 56
"""Between the curve panel and the table: the curve's x tick labels and breathing room."""
AT_RISK_FONT = 13
MARGIN = {"l": 70, "r": 20, "t": 40, "b": 60}


def km_layout(table_rows: int) -> KMLayout:
    """Heights and domains for a KM figure with ``table_rows`` at-risk rows (0: no table).

    The table gets a fixed height per row rather than a fraction of the figure, so adding
    groups (or event/censored rows) grows the figure instead of squeezing the rows together.
    """
    if table_rows <= 0:
        return KMLayout(MARGIN["t"] + CURVE_PX + MARGIN["b"], (0.0, 1.0), (0.0, 0.0))
    table_px = TABLE_ROW_PX * table_rows
    plot_px = CURVE_PX + GAP_PX + table_px
    return KMLayout(height=MARGIN["t"] + plot_px + MARGIN["b"],
                    curve_domain=((table_px + GAP_PX) / plot_px, 1.0),
                    table_domain=(0.0, table_px / plot_px))


def cell_text(value: int, small_cells: bool) -> str:
    """A count as printed in a table: "<5" for 1 to 4 under the small-cell rule."""
    return "<5" if small_cells and 0 < value < 5 else str(value)


def curtail_caption(curtail_below: int) -> str:
    """The caption sentence of Pocock's rule ("" when off)."""
    if curtail_below <= 0:
        return ""
    return (f"Curves stop once fewer than {curtail_below} patients remain at risk (Pocock et "
            "al., Lancet 2002): the estimate beyond is too uncertain to draw.")


def _add_at_risk_table(data: list[dict], at_risk: pd.DataFrame, groups: list[str],
                       extra_rows: tuple[str, ...], colors: dict[str, str],
                       small_cells: bool = False) -> list[str]:
    """Append the number-at-risk rows (text traces on the lower panel) to ``data``; returns
    the row labels, top to bottom."""
    labels: list[str] = []
    names = {"cum_events": "events", "cum_censored": "censored"}
    for group in groups:
        color = colors[group]
        rows = at_risk[at_risk["group"].astype(str) == group].sort_values("time")
        group = plotly_safe(group)  # noqa: PLW2901 - a value from the data, drawn as typed
        for column in ("n_risk", *extra_rows):
            label = group if column == "n_risk" else f"{group}: {names[column]}"
            labels.append(label)
            data.append({
                "type": "scatter", "x": rows["time"].astype(float).tolist(),
                "y": [label] * len(rows), "mode": "text",
                "text": [cell_text(int(v), small_cells) for v in rows[column]],
                "textfont": {"color": color, "size": AT_RISK_FONT}, "cliponaxis": False,
                "hoverinfo": "skip", "showlegend": False, "name": f"{label} at risk",
                "xaxis": "x2", "yaxis": "y2"})
    return labels


def _alpha(hex_color: str, alpha: float) -> str:
    red, green, blue = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"

"""Plotly figures of subgroup and side-by-side univariable hazard ratios (drawing only).

:func:`subgroup_forest_figure` draws one row per subgroup (or per univariable model term),
grouped under a bold heading per attribute with its interaction p-value, on a logarithmic
hazard-ratio axis labelled at the decades 0.01 ... 100 (1-2-5 steps on a narrow axis; the
conventions of :func:`core.cox.figures.forest_figure`: squares at the estimate, whiskers over
the interval, dashed line at HR = 1, bounds beyond the axis drawn to its edge). Rows without
an estimate are kept, with the reason in the row label (long labels wrap, the row taking the
room of its lines). Firth-penalized rows are drawn as open diamonds.
User text (group names, attribute names, notes, the title) is escaped with
:func:`core.cohort.text.plotly_safe`; axes use :func:`core.survival.figures.km.readable_axes`;
traces are built from lists.
"""

from __future__ import annotations

import math
from itertools import accumulate

import pandas as pd
import plotly.graph_objects as go

from core.cohort.schema import LABELS
from core.cohort.text import plotly_safe
from core.cox.figures import _finite, _fmt
from core.style.plot import (
    NO_EFFECT_LINE,
    OKABE_ITO,
    READABLE_FONT,
    edge_arrows,
    ratio_axis,
    ratio_axis_layout,
    readable_axis,
    simple_white,
    wrap_label,
)


def _p_text(p: object) -> str:
    try:
        value = float(p)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(value):
        return "–"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def subgroup_forest_figure(table: pd.DataFrame, interactions: pd.DataFrame | None = None, *,
                           title: str = "", x_title: str = "Hazard ratio (log scale)",
                           conf_level: float = 0.95) -> go.Figure:
    """Forest plot of hazard ratios grouped by attribute.

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`core.cox.subgroups.SubgroupForest.table` or
        :func:`core.cox.subgroups.univariable_forest`: columns ``attribute, level, label, n,
        events, hr, hr_lower, hr_upper, p_value, method, note``.
    interactions : pandas.DataFrame, optional
        ``attribute, p_value, df, note``: the interaction p shown in each attribute's heading.
    title, x_title : str
    conf_level : float
        Shown in the hover text.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    p_of = {} if interactions is None else {
        r["attribute"]: (r["p_value"], r["df"], r["note"]) for _, r in interactions.iterrows()}
    low, high = ratio_axis([v for col in ("hr", "hr_lower", "hr_upper")
                            for v in table[col].tolist() if _finite(v) is not None])

    names, xs, minus, plus, hover, firth, bounds = [], [], [], [], [], [], []
    seen: set[str] = set()
    for _, row in table.iterrows():
        attribute = str(row["attribute"])
        if attribute not in seen and attribute != "All patients":
            seen.add(attribute)
            heading = f"<b>{plotly_safe(LABELS.get(attribute, attribute))}</b>"
            if attribute in p_of:
                p, df, note = p_of[attribute]
                heading += (f"  interaction p = {_p_text(p)}" + (f" (df {int(df)})" if df
                                                                  else ""))
                if note.startswith("unreliable"):
                    heading += " (unreliable)"
            names.append(heading)
            xs.append(None), minus.append(None), plus.append(None), hover.append("")
            firth.append(False), bounds.append((None, None, None))
        level = "" if row["level"] in ("all", None) or pd.isna(row["level"]) else row["level"]
        label = plotly_safe(level or row["label"] or "All patients")
        label = (f"<b>All patients</b>: {label}" if attribute == "All patients" else
                 f"   {label}") + f" (n={int(row['n'])}, events={int(row['events'])})"
        h, lo, up = _finite(row["hr"]), _finite(row["hr_lower"]), _finite(row["hr_upper"])
        if h is None:
            label += f" – {plotly_safe(row['note']) or 'no estimate'}"
        names.append(wrap_label(label))
        h_plot = None if h is None else min(max(h, low), high)
        xs.append(h_plot)
        minus.append(None if h_plot is None else max(h_plot - (lo if lo and lo > low else low),
                                                     0.0))
        plus.append(None if h_plot is None else max((up if up and up < high else high)
                                                    - h_plot, 0.0))
        hover.append("" if h is None else
                     f"HR {_fmt(row['hr'])} ({conf_level:.0%} CI {_fmt(row['hr_lower'])}–"
                     f"{_fmt(row['hr_upper'])}), p = {_p_text(row['p_value'])}, "
                     f"{row['method']}{'; ' + plotly_safe(row['note']) if row['note'] else ''}")
        firth.append(row["method"] == "Firth")
        bounds.append((h, lo, up))

    # rows are spaced by their lines: a wrapped label takes 0.6 row more, not its neighbour's
    sizes = [1.0 + 0.6 * name.count("<br>") for name in names]
    positions = [round(start + (size - 1.0) / 2, 6) for start, size in
                 zip(accumulate(sizes, initial=0.0), sizes, strict=False)]
    bottom = sum(sizes) - 0.5
    data = []
    for is_firth, symbol, name in ((False, "square", "Cox"), (True, "diamond-open",
                                                               "Firth-penalized")):
        pick = [i for i, f in enumerate(firth) if f == is_firth and xs[i] is not None]
        if not pick:
            continue
        color = OKABE_ITO[1 if is_firth else 0]
        data.append({
            "type": "scatter", "x": [xs[i] for i in pick], "y": [positions[i] for i in pick],
            "mode": "markers", "name": name,
            "marker": {"symbol": symbol, "size": 10, "color": color},
            "error_x": {"type": "data", "symmetric": False, "array": [plus[i] for i in pick],
                        "arrayminus": [minus[i] for i in pick], "thickness": 2, "width": 6,
                        "color": color},
            "hovertext": [f"{names[i].strip()}<br>{hover[i]}" for i in pick],
            "hoverinfo": "text"})
        arrows = edge_arrows([(positions[i], *bounds[i], f"{names[i].strip()}<br>{hover[i]}")
                              for i in pick], low, high, color)
        if arrows is not None:  # what is drawn to the edge goes on beyond it
            data.append(arrows)
    layout = {
        "shapes": [NO_EFFECT_LINE],
        "xaxis": ratio_axis_layout(low, high, x_title),
        "yaxis": readable_axis({"autorange": False, "tickmode": "array", "tickvals": positions,
                                "ticktext": names, "range": [bottom, -0.5],
                                "showgrid": False}),  # rows top to bottom
        "title": {"text": plotly_safe(title)} if title else {},
        "showlegend": any(firth),
        "height": max(280, round(120 + 30 * sum(sizes))), "margin": {"l": 10, "r": 20},
        "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.0,
                   "yanchor": "bottom"},
        "font": READABLE_FONT}
    # one construction (no update walks), the template from plotly's cache
    return simple_white(go.Figure(data=data, layout=layout))

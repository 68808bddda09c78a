"""The look every figure shares: palettes, line styles, fonts, axes and month ticks.

One Okabe-Ito palette (colour-blind safe; ELN 2022 risk groups always in the same colours,
adverse never green), line styles that separate groups in greyscale, and near-black 14 px
axis text.

The house template, plotly's "plotly_white", is plotly's default once this module is imported
(:data:`TEMPLATE`): a figure gets it when it is created, from plotly's cached default, which
costs about 1 ms, where ``update_layout(template="plotly_white")`` builds and validates the
template again for every figure (about 30 ms each; a page of four figures spent 0.1-0.3 s of
its draw on it, ``bench/bench_first_draw.py``). Figures in "simple_white" get it from plotly's
cache the same way, without a validated copy, through :func:`simple_white` (about 1 ms instead
of 13-15 ms per figure).
Streamlit sets its own default when its plotly module is imported, so this module must be
imported after Streamlit (as ``streamlit run`` does; tests/conftest.py does the same).
"""

from __future__ import annotations

import math
import re
import textwrap

import plotly.graph_objects as go
import plotly.io as pio

TEMPLATE = "plotly_white"
pio.templates.default = TEMPLATE

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
             "#F0E442")
"""Okabe & Ito (2008) colour-blind-safe palette, most distinct colours first."""
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
RISK_COLORS: dict[str, str] = {"favorable": "#0072B2", "intermediate": "#E69F00",
                               "adverse": "#D55E00"}
"""The one ELN 2022 risk palette of every page and export: Okabe-Ito blue, orange and
vermillion, ordered from cool to warm (and from light to dark for the two warm colours), so
it reads in order and with colour-vision deficiency; adverse is never green."""
NOT_RECORDED_COLOR = "#999999"
TEXT_COLOR = "#1a1a1a"
"""Axis text: near-black (plotly's default is a light grey-blue at 12 px)."""
TICK_FONT = {"size": 14, "color": TEXT_COLOR}
TITLE_FONT = {"size": 15, "color": TEXT_COLOR}


def simple_white(fig: go.Figure) -> go.Figure:
    """Give ``fig`` plotly's "simple_white" template, as plotly gives a figure its default one.

    ``layout={"template": "simple_white"}`` or ``update_layout(template="simple_white")``
    deep-copies and validates the whole template for every figure (13-15 ms); plotly assigns
    its default template from its cache with the layout's validation off (the template is
    valid already), which costs about 1 ms. This does the same for "simple_white": the
    figure's JSON is the same. Returns ``fig``.
    """
    return with_template(fig, "simple_white")


def with_template(fig: go.Figure, name: str) -> go.Figure:
    """Give ``fig`` plotly's template ``name`` from plotly's cache, unvalidated (see
    :func:`simple_white`): the JSON of ``update_layout(template=name)``. Returns ``fig``."""
    layout = fig.layout
    layout._validate = False  # as plotly's BaseFigure._initialize_layout_template
    try:
        layout.template = pio.templates[name]
    finally:
        layout._validate = fig._validate
    return fig


def trusted_figure(data: list[dict], layout: dict) -> go.Figure:
    """``go.Figure(data=data, layout=layout)`` without plotly validating ``data`` and ``layout``.

    For builders whose traces hold thousands of points (a Kaplan-Meier curve of 10^5
    patients: three traces of 10^4 times and hover texts): plotly walks every element of
    every list to validate it, about half of such a figure's construction. The builder's
    input must be what validation would leave unchanged (plain lists of Python numbers and
    strings, valid property names and values); tests/core/survival/figures checks the figures
    made here against a validated copy. Validation is back on once the figure is built: later
    updates and added traces are checked as usual.
    """
    fig = go.Figure(data=data, layout=layout, _validate=False)
    fig._validate = True
    fig._layout_obj._validate = True
    for trace in fig._data_objs:
        trace._validate = True
    return fig


def group_style(index: int) -> tuple[str, str]:
    """Colour and dash of the ``index``-th group (cycles when there are many groups)."""
    return OKABE_ITO[index % len(OKABE_ITO)], DASHES[index % len(DASHES)]


def group_colors(groups: list[str] | tuple[str, ...], by: str | None = None) -> dict[str, str]:
    """The colour of each group, the same on every page and in every export.

    Parameters
    ----------
    groups : sequence of str
        Group levels in display order.
    by : str, optional
        The column the groups come from. For ``"eln2022_risk"`` each risk level has its fixed
        colour (:data:`RISK_COLORS`); otherwise groups take Okabe-Ito colours in order.
        ``"not recorded"`` is always grey.
    """
    colors, index = {}, 0
    for group in groups:
        if group == "not recorded":
            colors[group] = NOT_RECORDED_COLOR
        elif by == "eln2022_risk" and group in RISK_COLORS:
            colors[group] = RISK_COLORS[group]
        else:
            free = [c for c in OKABE_ITO if by != "eln2022_risk" or c not in
                    RISK_COLORS.values()]
            colors[group] = free[index % len(free)]
            index += 1
    return colors


READABLE_HOVER = {"bgcolor": "white", "bordercolor": "#888888", "align": "left",
                  "font": {"size": 14, "color": TEXT_COLOR}}
"""Hover boxes that read on a laptop: dark 14 px text on white, whatever the lane's colour
(plotly's default fills the box with the trace colour: white text on a yellow lane)."""


def readable_axes(fig: go.Figure) -> go.Figure:
    """Larger, near-black tick labels and axis titles on every axis of ``fig`` (the first x
    and y axes always, as ``update_xaxes`` would), in one update of the layout: one walk of
    plotly's property tree instead of three."""
    names = {"xaxis", "yaxis", *(name for name in fig.layout.to_plotly_json()
                                 if _AXIS_NAME.fullmatch(name))}
    style = {"tickfont": TICK_FONT, "title": {"font": TITLE_FONT}, "linecolor": "#444444"}
    return fig.update_layout({name: style for name in sorted(names)}, font=READABLE_FONT)


_AXIS_NAME = re.compile(r"[xy]axis\d*")


def readable_axis(axis: dict) -> dict:
    """An axis of a figure's layout, given as a dict, styled as :func:`readable_axes` styles
    it: for a figure built in one construction (``go.Figure(data=..., layout=...)``), which
    costs plotly a fraction of a construction followed by updates."""
    title = {**axis.get("title", {}), "font": TITLE_FONT}
    return {**axis, "tickfont": TICK_FONT, "title": title, "linecolor": "#444444"}


READABLE_FONT = {"color": TEXT_COLOR}
"""The layout's ``font`` that :func:`readable_axes` sets."""


def tick_times(max_time: float, step: float = 12) -> list[float]:
    """0, step, 2·step, ... up to the last tick at or after ``max_time`` (months)."""
    if not math.isfinite(max_time) or max_time <= 0:
        return [0.0]
    return [step * k for k in range(int(math.ceil(max_time / step)) + 1)]


LABEL_WIDTH = 56
"""Characters per line of a forest plot's row label: longer labels wrap (``<br>``) so the
plotting panel keeps most of a laptop-wide figure (a 95-character note once took half)."""


def wrap_label(text: str, width: int = LABEL_WIDTH) -> str:
    """``text`` broken with ``<br>`` at spaces into lines of at most ``width`` characters
    (a longer word stays whole, a bracket such as "(n=7, events=4)" is never split);
    leading spaces (an indent) are kept on the first line.

    Examples
    --------
    >>> wrap_label("   adverse (n=7, events=4) – only one value of MRD here", 30)
    '   adverse (n=7, events=4) –<br>only one value of MRD here'
    >>> wrap_label("MRD: positive vs negative (n=4, events=2)", 30)
    'MRD: positive vs negative<br>(n=4, events=2)'
    """
    body = text.lstrip(" ")
    indent = text[:len(text) - len(body)]
    glued = _BRACKET.sub(lambda m: m.group(0).replace(" ", "\0"), body)
    lines = textwrap.wrap(glued, width - len(indent), break_long_words=False,
                          break_on_hyphens=False) or [""]
    return indent + "<br>".join(lines).replace("\0", " ")


_BRACKET = re.compile(r"\([^()]*\)")


RATIO_AXIS_LIMITS = (0.01, 100.0)
"""Widest hazard-ratio axis of a forest plot: labelled 0.01, 0.1, 1, 10, 100 at most. A
clinician reads nothing more from 0.001 or 1000 than from "beyond 100"; an estimate or bound
outside is drawn to the edge and the hover text says it lies beyond the axis."""


def ratio_axis(values: list[float]) -> tuple[float, float]:
    """Range (low, high) of a log ratio axis holding ``values`` (finite, > 0) and 1 with a
    margin of a factor 1.5 each side, within :data:`RATIO_AXIS_LIMITS`.

    Examples
    --------
    >>> ratio_axis([0.5, 3.0])
    (0.3333333333333333, 4.5)
    >>> ratio_axis([1e-9, 26.5])
    (0.01, 39.75)
    """
    low = max(min([*values, 1.0]) / 1.5, RATIO_AXIS_LIMITS[0])
    high = min(max([*values, 1.0]) * 1.5, RATIO_AXIS_LIMITS[1])
    return low, high


def ratio_ticks(low: float, high: float) -> list[float]:
    """Labelled values of a log ratio axis from ``low`` to ``high`` (both > 0): the decades
    (0.01, 0.1, 1, 10, 100) when the axis spans two decades or more, else 1-2-5 steps, so
    labels never crowd (seen: 0.001 0.002 0.005 ... 20 turned on their side).

    Examples
    --------
    >>> ratio_ticks(0.02, 40)
    [0.1, 1.0, 10.0]
    >>> ratio_ticks(0.4, 6)
    [0.5, 1.0, 2.0, 5.0]
    """
    lo_exp, hi_exp = math.floor(math.log10(low)), math.ceil(math.log10(high))
    if math.log10(high) - math.log10(low) >= 2:
        steps = (1.0,)
    else:
        steps = (1.0, 2.0, 5.0)
    ticks = [round(s * 10.0 ** e, 12) for e in range(lo_exp, hi_exp + 1) for s in steps]
    return [t for t in ticks if low <= t <= high] or [1.0]


NO_EFFECT_LINE = {"type": "line", "x0": 1, "x1": 1, "y0": 0, "y1": 1, "yref": "paper",
                  "line": {"dash": "dash", "color": "#555555", "width": 1}}
"""The dashed vertical line at a ratio of 1 on a forest plot (a layout shape)."""


def ratio_axis_layout(low: float, high: float, title: str) -> dict:
    """The logarithmic ratio x-axis of a forest plot from ``low`` to ``high``, labelled at
    :func:`ratio_ticks`, as a layout axis dict styled by :func:`readable_axis`."""
    ticks = ratio_ticks(low, high)
    return readable_axis({"type": "log", "title": {"text": title},
                          "range": [math.log10(low), math.log10(high)], "tickmode": "array",
                          "tickvals": ticks, "ticktext": [f"{t:g}" for t in ticks]})


def edge_arrows(rows: list[tuple[object, float | None, float | None, float | None, str]],
                low: float, high: float, color: str = OKABE_ITO[0]) -> dict | None:
    """Arrow markers at the edges of a forest plot's ratio axis, for the rows whose estimate
    or interval runs beyond it (a separated level's HR of 1e-10, an upper bound of infinity):
    the plot draws them to the edge, the arrow says they go on, pointing outward.

    Parameters
    ----------
    rows : list of (y, estimate, lower, upper, hover)
        One per drawn row: its position on the y axis, the ratio and its bounds (None when
        missing, 0 or infinite; a row without an estimate gets no arrow) and its hover text.
    low, high : float
        The axis range (:func:`ratio_axis`).
    color : str
        The rows' colour.

    Returns
    -------
    dict or None
        A plotly scatter trace (a triangle pointing left at ``low``, right at ``high``), or
        None when nothing is cut.

    Examples
    --------
    >>> edge_arrows([("a", 1e-10, None, None, "HR 1e-10")], 0.01, 100)["marker"]["symbol"]
    ['triangle-left', 'triangle-right']
    """
    xs, ys, symbols, hover = [], [], [], []
    for y, estimate, lower, upper, text in rows:
        if estimate is None:
            continue
        for edge, symbol, cut in (
                (low, "triangle-left", estimate < low or lower is None or lower < low),
                (high, "triangle-right", estimate > high or upper is None or upper > high)):
            if cut:
                xs.append(edge), ys.append(y), symbols.append(symbol), hover.append(text)
    if not xs:
        return None
    return {"type": "scatter", "x": xs, "y": ys, "mode": "markers", "name": "beyond the axis",
            "marker": {"symbol": symbols, "size": 13, "color": color},
            "hovertext": hover, "hoverinfo": "text", "showlegend": False, "cliponaxis": False}

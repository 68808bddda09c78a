"""The Kaplan-Meier figure draws exactly the numbers it is given.

The input is a hand-made KM table for 4 patients (times 2+, 3, 5, 8+ months; one group):
S(3) = 2/3 (3 at risk, 1 event), S(5) = 2/3 * 1/2 = 1/3.
"""

import pandas as pd
import pytest

from core.style.plot import OKABE_ITO, tick_times
from core.survival.figures.km import km_figure

KM = pd.DataFrame({
    "group": ["A"] * 4, "time": [2.0, 3.0, 5.0, 8.0], "n_risk": [4, 3, 2, 1],
    "n_event": [0, 1, 1, 0], "n_censor": [1, 0, 0, 1],
    "survival": [1.0, 2 / 3, 1 / 3, 1 / 3],
    "ci_lower": [float("nan"), 0.05, 0.01, 0.01], "ci_upper": [float("nan"), 0.95, 0.77, 0.77],
})
AT_RISK = pd.DataFrame({"group": ["A", "A"], "time": [0.0, 12.0], "n_risk": [4, 0],
                        "cum_events": [0, 2], "cum_censored": [0, 2]})


def traces_by_name(fig):
    return {t.name: t for t in fig.data}


def test_curve_starts_at_one_and_steps_through_the_table():
    fig = km_figure(KM, AT_RISK)
    curve = traces_by_name(fig)["A (n=4)"]
    # drawn from its change points: 2 (a censoring only) moves nothing; 8 ends the curve
    assert list(curve.x) == [0.0, 3.0, 5.0, 8.0]
    assert list(curve.y) == [1.0, 2 / 3, 1 / 3, 1 / 3]
    assert curve.line.shape == "hv" and curve.line.color == OKABE_ITO[0]


def test_censor_marks_at_censoring_times():
    censored = traces_by_name(km_figure(KM))["A censored"]
    assert list(censored.x) == [2.0, 8.0] and list(censored.y) == [1.0, 1 / 3]


def test_ci_band_collapses_onto_curve_where_undefined():
    traces = traces_by_name(km_figure(KM, show_ci=True))
    assert list(traces["A upper"].y) == [1.0, 0.95, 0.77, 0.77]
    assert list(traces["A 95% CI"].y) == [1.0, 0.05, 0.01, 0.01]
    assert "A 95% CI" not in traces_by_name(km_figure(KM, show_ci=False))


def test_at_risk_table_rows_and_ticks():
    fig = km_figure(KM, AT_RISK, extra_rows=("cum_events",))
    table = traces_by_name(fig)
    assert list(table["A at risk"].text) == ["4", "0"]
    assert list(table["A: events at risk"].text) == ["0", "2"]
    assert list(fig.layout.xaxis.tickvals) == [0, 12]


def test_tick_times():
    assert tick_times(133) == [0, 12, 24, 36, 48, 60, 72, 84, 96, 108, 120, 132, 144]
    assert tick_times(12) == [0, 12]
    assert tick_times(0) == [0.0]


def test_groups_get_distinct_colour_and_dash():
    two = pd.concat([KM, KM.assign(group="B")])
    fig = km_figure(two)
    a, b = traces_by_name(fig)["A (n=4)"], traces_by_name(fig)["B (n=4)"]
    assert (a.line.color, a.line.dash) != (b.line.color, b.line.dash)
    assert a.line.dash != b.line.dash  # greyscale still separates them


# ---- the number-at-risk table lies inside the figure's drawing area ---------------------------

def at_risk_rows_outside(fig) -> list[str]:
    """Every at-risk row (text trace on the table's y-axis) whose text would be clipped.

    Computed from the layout alone, as plotly.js places it: the plot area is the figure height
    minus the top and bottom margins; the table axis occupies ``domain`` of it and maps its
    ``range`` linearly onto that band; a category row sits at its index in ``categoryarray``;
    its text (``textfont.size`` pixels, drawn centred) must fit inside the band with half a
    line to spare above and below. A missing range (plotly's autorange, which ignores text
    height and puts the outer rows on the axis edges) counts as outside.
    """
    layout = fig.layout
    axis = layout.yaxis2
    plot_px = layout.height - layout.margin.t - layout.margin.b
    if axis.range is None or axis.domain is None or plot_px <= 0:
        return ["<no explicit range/domain on the at-risk axis>"]
    low, high = axis.range
    bottom_px = layout.margin.b + axis.domain[0] * plot_px  # from the figure's bottom edge
    top_px = layout.margin.b + axis.domain[1] * plot_px
    order = list(axis.categoryarray)
    outside = []
    for trace in fig.data:
        if trace.yaxis != "y2" or trace.mode != "text":
            continue
        half = 0.6 * (trace.textfont.size or layout.font.size)
        for label in set(trace.y):
            index = order.index(label)
            centre = bottom_px + (index - low) / (high - low) * (top_px - bottom_px)
            if centre - half < bottom_px or centre + half > top_px or \
                    centre + half > layout.height - layout.margin.t:
                outside.append(f"{label}: centre {centre:.1f}px, band {bottom_px:.1f}–"
                               f"{top_px:.1f}px")
    return outside


def test_at_risk_geometry_detects_a_row_on_the_edge():
    """The checker itself: plotly's autorange (no explicit range) is caught, and so is a
    range that puts the first row on the upper edge (the defect of issue 17)."""
    fig = km_figure(pd.concat([KM, KM.assign(group="B")]),
                    pd.concat([AT_RISK, AT_RISK.assign(group="B")]))
    assert at_risk_rows_outside(fig) == []
    fig.update_layout(yaxis2_range=None)  # the table's axis
    assert at_risk_rows_outside(fig)
    fig.update_layout(yaxis2_range=[0, 1])
    assert any(row.startswith("A:") for row in at_risk_rows_outside(fig))


@pytest.mark.parametrize("n_groups", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("extra", [(), ("cum_events", "cum_censored")])
def test_every_at_risk_row_lies_inside_the_drawing_area(n_groups, extra):
    groups = [chr(ord("A") + i) for i in range(n_groups)]
    km = pd.concat([KM.assign(group=g) for g in groups])
    risk = pd.concat([AT_RISK.assign(group=g) for g in groups])
    fig = km_figure(km, risk, groups=groups, extra_rows=extra)
    assert at_risk_rows_outside(fig) == []
    rows = n_groups * (1 + len(extra))
    table_px = (fig.layout.yaxis2.domain[1] - fig.layout.yaxis2.domain[0]) * (
        fig.layout.height - fig.layout.margin.t - fig.layout.margin.b)
    assert table_px / rows == pytest.approx(26, abs=1e-9)  # rows never squeezed
    # the table sits below the curve's panel, with room for the curve's tick labels between
    assert fig.layout.yaxis2.domain[1] < fig.layout.yaxis.domain[0]


def test_seed_grouped_figures_keep_every_at_risk_row_inside():
    from core.cohort.read import load_seed_cohort
    from core.survival.km.summary import survival_report
    seed = load_seed_cohort()
    for endpoint in ("os", "rfs"):
        for by in ("eln2022_risk", "mrd_pre_status", "sorafenib_timing"):
            report = survival_report(seed, endpoint, by)
            fig = km_figure(report.fit.table, report.at_risk, groups=list(report.fit.groups))
            assert at_risk_rows_outside(fig) == [], (endpoint, by)


def test_group_names_from_the_data_are_drawn_as_typed():
    """Issue 18: a category ``<a href=...>`` became a clickable legend entry."""
    link = '<a href="https://example.org">x</a>'
    km = pd.concat([KM.assign(group=link), KM.assign(group="<b>B</b>")])
    risk = pd.concat([AT_RISK.assign(group=link), AT_RISK.assign(group="<b>B</b>")])
    fig = km_figure(km, risk, groups=[link, "<b>B</b>"])
    text = fig.to_json()
    assert "<a " not in text and "<b>B" not in text
    names = [t.name for t in fig.data]
    assert '&lt;a href="https://example.org"&gt;x&lt;/a&gt; (n=4)' in names
    assert "&lt;b&gt;B&lt;/b&gt; (n=4)" in names
    assert at_risk_rows_outside(fig) == []


GREENS = {"#009E73", "#00A000", "#2CA02C", "green"}


def test_one_risk_palette_ordered_and_adverse_never_green():
    """Issue 17: adverse was drawn green on the swimmer plot; one ELN palette everywhere."""
    from core.style.plot import RISK_COLORS, group_colors
    assert list(RISK_COLORS) == ["favorable", "intermediate", "adverse"]
    assert RISK_COLORS["adverse"] not in GREENS
    assert set(RISK_COLORS.values()) <= set(OKABE_ITO)
    assert group_colors(["adverse", "favorable"], "eln2022_risk") == {
        "adverse": RISK_COLORS["adverse"], "favorable": RISK_COLORS["favorable"]}
    assert group_colors(["adverse", "not recorded"], "eln2022_risk")["not recorded"] == "#999999"
    # other columns take Okabe-Ito in order
    assert group_colors(["M", "F"], "sex") == {"M": OKABE_ITO[0], "F": OKABE_ITO[1]}


def test_km_by_eln_risk_uses_the_risk_palette_and_readable_axes():
    from core.cohort.read import load_seed_cohort
    from core.style.plot import RISK_COLORS
    from core.survival.km.summary import survival_report
    report = survival_report(load_seed_cohort(), "rfs", "eln2022_risk")
    fig = km_figure(report.fit.table, report.at_risk, groups=list(report.fit.groups),
                    by="eln2022_risk")
    curves = {t.name.split(" (")[0]: t.line.color for t in fig.data if t.name.endswith(")")}
    assert curves == RISK_COLORS
    for axis in (fig.layout.xaxis, fig.layout.yaxis, fig.layout.xaxis2):
        assert axis.tickfont.size >= 14 and axis.tickfont.color == "#1a1a1a"


def test_points_drawn_are_bounded_by_event_times_not_rows():
    """10^5 patients with continuous times (every time distinct): each curve and band is drawn
    from its event times (plus 0 and the last time), censoring marks at most one per 1/1000
    of the axis; the step function drawn equals the estimate at every event time."""
    import numpy as np

    from core.survival.figures.km import MARK_BINS
    from core.survival.km.estimate import kaplan_meier

    rng = np.random.default_rng(3)
    n = 100_000
    cohort = pd.DataFrame({"t": rng.exponential(30, n), "e": rng.random(n) < 0.3,
                           "g": rng.choice(["a", "b"], n)}).assign(e=lambda d: d.e.astype(int))
    fit = kaplan_meier(cohort, "t", "e", "g")
    fig = km_figure(fit.table)
    traces = traces_by_name(fig)
    points = sum(len(t.x) for t in fig.data)
    events = int((fit.table["n_event"] > 0).sum())
    assert points <= 3 * (events + 2 * len(fit.groups)) + len(fit.groups) * (MARK_BINS + 1)
    assert points < n  # drawn from rows: 3.7 x 10^5 points
    for group in fit.groups:
        rows = fit.group_table(group)
        hits = rows[rows["n_event"] > 0]
        curve = traces[f"{group} (n={int(rows['n_risk'].iloc[0])})"]
        assert list(curve.x[1:-1]) == hits["time"].tolist()[:len(curve.x) - 2]
        np.testing.assert_allclose(curve.y[1:len(hits) + 1], hits["survival"], rtol=0)
        marks = traces[f"{group} censored"]
        assert len(marks.x) <= MARK_BINS + 1
        assert sum(int(h.split("<br>")[1].split(" ")[0]) for h in marks.hovertext) == \
            int(rows["n_censor"].sum())  # every censoring is counted in a mark


def test_house_template_comes_from_plotly_default_not_per_figure():
    """core.style.plot makes "plotly_white" plotly's default (cached, ~1 ms a figure) instead
    of every figure building it again (~30 ms): the figures still carry it."""
    import plotly.io as pio

    from core.style.plot import TEMPLATE

    assert pio.templates.default == TEMPLATE == "plotly_white"
    for fig in (km_figure(KM), km_figure(KM, AT_RISK)):
        assert fig.layout.template.to_plotly_json() == \
            pio.templates["plotly_white"].to_plotly_json()


def test_figure_built_unvalidated_is_what_plotly_validation_leaves_unchanged():
    """km_figure skips plotly's validation of its lists (core.style.plot.trusted_figure): a
    validated copy of each figure, one group and two, with and without the table and bands,
    has the same JSON, and validation is on again for what is added later."""
    import json

    import plotly.graph_objects as go

    two = pd.concat([KM, KM.assign(group="<b>B</b>")])
    risk = pd.concat([AT_RISK, AT_RISK.assign(group="<b>B</b>")])
    for fig in (km_figure(KM), km_figure(KM, AT_RISK), km_figure(KM, show_ci=False),
                km_figure(two, risk, small_cells=True), km_figure(two, show_censor=False,
                                                                  curtail_below=2)):
        assert json.loads(go.Figure(fig.to_plotly_json()).to_json()) == json.loads(fig.to_json())
        with pytest.raises(ValueError):
            fig.update_layout(heigth=300)
        with pytest.raises(ValueError):
            fig.data[0].line.color = "not a colour"

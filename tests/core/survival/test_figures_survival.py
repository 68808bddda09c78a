"""The Kaplan-Meier figure draws exactly the numbers it is given.

The input is a hand-made KM table for 4 patients (times 2+, 3, 5, 8+ months; one group):
S(3) = 2/3 (3 at risk, 1 event), S(5) = 2/3 * 1/2 = 1/3.
"""

import pandas as pd

from core.survival.figures import OKABE_ITO, km_figure, tick_times

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
    assert list(curve.x) == [0.0, 2.0, 3.0, 5.0, 8.0]
    assert list(curve.y) == [1.0, 1.0, 2 / 3, 1 / 3, 1 / 3]
    assert curve.line.shape == "hv" and curve.line.color == OKABE_ITO[0]


def test_censor_marks_at_censoring_times():
    censored = traces_by_name(km_figure(KM))["A censored"]
    assert list(censored.x) == [2.0, 8.0] and list(censored.y) == [1.0, 1 / 3]


def test_ci_band_collapses_onto_curve_where_undefined():
    traces = traces_by_name(km_figure(KM, show_ci=True))
    assert list(traces["A upper"].y) == [1.0, 1.0, 0.95, 0.77, 0.77]
    assert list(traces["A 95% CI"].y) == [1.0, 1.0, 0.05, 0.01, 0.01]
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

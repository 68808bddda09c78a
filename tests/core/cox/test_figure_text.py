"""Cox and subgroup figures draw user text as typed and use the app's readable axes
(issues 17 and 18)."""

from __future__ import annotations

import numpy as np
import pytest

from core.cohort.read import load_seed_cohort
from core.cox.display import term_labels
from core.cox.figures import forest_figure, prediction_figure, schoenfeld_figure
from core.cox.figures_subgroups import subgroup_forest_figure
from core.cox.fit import fit_cox
from core.cox.ph import ph_test
from core.cox.predict import predict_survival
from core.cox.subgroups import subgroup_forest, univariable_forest
from core.style.plot import TICK_FONT
from tests.core.figure_text import BOLD, LINK, assert_drawn_as_typed


@pytest.fixture(scope="module")
def hostile():
    """The seed cohort with a two-level column whose values are HTML."""
    cohort = load_seed_cohort()
    cohort["arm"] = np.where(cohort["fab_class"].isin(["M2", "M1"]), LINK, BOLD)
    return cohort


@pytest.fixture(scope="module")
def fit(hostile):
    return fit_cox(hostile, "os_months", "os_event", ["arm", "age"])


def test_forest_term_labels_and_title_drawn_as_typed(fit):
    figure = forest_figure(fit.table, labels=term_labels(fit), title=f"Model of {BOLD}")
    assert_drawn_as_typed(figure, BOLD)
    assert figure.layout.yaxis.tickfont.size == TICK_FONT["size"]
    bare = forest_figure(fit.table, title=LINK)  # raw terms, e.g. "arm[<b>bold</b>]"
    assert_drawn_as_typed(bare, LINK)


def test_schoenfeld_panels_drawn_as_typed(fit):
    ph = ph_test(fit)
    figure = schoenfeld_figure(ph.residuals, ph.table, labels=term_labels(fit),
                               coefficients=dict(zip(fit.terms, fit.params, strict=True)))
    assert_drawn_as_typed(figure, BOLD)
    assert_drawn_as_typed(schoenfeld_figure(ph.residuals, ph.table), BOLD)
    assert figure.layout.xaxis.tickfont.color == TICK_FONT["color"]


def test_prediction_title_drawn_as_typed(fit):
    curve = predict_survival(fit, {"arm": BOLD, "age": 50}, [12, 24])
    figure = prediction_figure(curve.table, title=f"Predicted survival, arm {LINK}")
    assert_drawn_as_typed(figure, LINK)
    assert figure.layout.yaxis.tickfont.size == TICK_FONT["size"]


def test_subgroup_forests_drawn_as_typed(hostile):
    forest = subgroup_forest(hostile, "os_months", "os_event", "mrd_pre_status", ["arm"])
    figure = subgroup_forest_figure(forest.table, forest.interactions, title=f"By {BOLD}")
    assert_drawn_as_typed(figure, LINK, BOLD)
    uni = subgroup_forest_figure(univariable_forest(hostile, "os_months", "os_event",
                                                    ["arm", "age"]))
    assert_drawn_as_typed(uni, BOLD)
    assert uni.layout.yaxis.tickfont.size == TICK_FONT["size"]


@pytest.mark.parametrize("low, high, expected", [
    (0.001 / 1.5, 26.5 * 1.5, [0.001, 0.01, 0.1, 1.0, 10.0]),  # seen: 13 labels on their side
    (0.3, 4.0, [0.5, 1.0, 2.0]),
    (1 / 1.5, 1.5, [1.0]),  # the narrowest forest axis
])
def test_ratio_axis_labels_decades_when_wide_and_1_2_5_when_narrow(low, high, expected):
    from core.style.plot import ratio_ticks

    assert ratio_ticks(low, high) == expected

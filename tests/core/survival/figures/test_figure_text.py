"""Competing-risks, cut-point and during-follow-up figures draw user text as typed and use
the one palette and readable axes (issues 17 and 18)."""

from __future__ import annotations

import numpy as np
import pytest

from core.cohort.read import load_seed_cohort
from core.style.plot import RISK_COLORS, TICK_FONT, group_colors
from core.survival.competing.summary import competing_report
from core.survival.cutpoint.maxstat import max_logrank
from core.survival.figures.competing import cif_figure
from core.survival.figures.cutpoint import cutpoint_figure
from core.survival.figures.timedep import (
    landmark_figure,
    sensitivity_figure,
    simon_makuch_figure,
)
from core.survival.timedep.km import intervention_sensitivity, simon_makuch
from core.survival.timedep.landmark import landmark_logrank
from tests.core.figure_text import BOLD, LINK, assert_drawn_as_typed


@pytest.fixture(scope="module")
def hostile():
    """The seed cohort with HTML in a category column, a column name and a group name."""
    cohort = load_seed_cohort()
    cohort["arm"] = np.where(cohort["fab_class"].isin(["M2", "M1"]), LINK, BOLD)
    # every other patient has the intervention at a third of their follow-up
    cohort["hsct_months"] = np.where(np.arange(len(cohort)) % 2 == 0,
                                     cohort["os_months"] / 3, np.nan)
    return cohort.rename(columns={"blasts_pct": BOLD, "hsct_months": LINK})


def test_cif_figure_and_its_km_contrast_drawn_as_typed(hostile):
    report = competing_report(hostile, "arm", (12, 24))
    groups = list(report.incidence[1].groups)
    figure = cif_figure(report.incidence[1].table, report.at_risk, groups=groups,
                        km=report.km.table)
    assert_drawn_as_typed(figure, LINK, BOLD)
    contrast = [t for t in figure.data if t.name and t.name.endswith("1 − Kaplan-Meier")]
    assert len(contrast) == 2
    colors = group_colors(groups)
    assert [t.line.color for t in contrast] == [colors[g] for g in groups]


def test_cif_figure_by_eln_risk_uses_the_risk_palette(hostile):
    report = competing_report(hostile, "eln2022_risk", (12, 24))
    figure = cif_figure(report.incidence[1].table, report.at_risk,
                        groups=list(report.incidence[1].groups), km=report.km.table,
                        by="eln2022_risk")
    drawn = {t.legendgroup: t.line.color for t in figure.data
             if t.mode == "lines" and t.line.width != 0 and t.legendgroup in RISK_COLORS}
    assert drawn and all(RISK_COLORS[g] == c for g, c in drawn.items())
    assert figure.layout.xaxis.tickfont.size == TICK_FONT["size"]


def test_cutpoint_figure_drawn_as_typed_with_readable_axes(hostile):
    result = max_logrank(hostile, "os_months", "os_event", BOLD)
    figure = cutpoint_figure(result, unit=LINK)
    assert_drawn_as_typed(figure, BOLD, LINK)
    assert figure.layout.xaxis.tickfont.size == TICK_FONT["size"]
    assert figure.layout.yaxis.tickfont.color == TICK_FONT["color"]


def test_during_follow_up_figures_drawn_as_typed(hostile):
    sm = simon_makuch(hostile, "os_months", "os_event", LINK, name=BOLD)
    assert_drawn_as_typed(simon_makuch_figure(sm, "OS probability", "Months"), BOLD)
    lm = landmark_logrank(hostile, "os_months", "os_event", LINK, 12, name=BOLD)
    assert_drawn_as_typed(landmark_figure(lm, "OS probability"), BOLD)
    sens = intervention_sensitivity(hostile, "os_months", "os_event", LINK)
    figure = sensitivity_figure(sens, "OS probability", "Months")
    assert_drawn_as_typed(figure, LINK)
    assert figure.layout.xaxis.tickfont.size == TICK_FONT["size"]

"""Exported images draw user text as typed: the figure's and the caption's (issue 18)."""

from __future__ import annotations

import numpy as np

from core.cohort.read import load_seed_cohort
from core.report import images
from core.survival.figures.km import km_figure
from core.survival.km.summary import survival_report
from tests.core.figure_text import BOLD, LINK, assert_drawn_as_typed


def test_caption_and_group_names_of_an_exported_figure_drawn_as_typed():
    cohort = load_seed_cohort()
    cohort["arm"] = np.where(cohort["fab_class"].isin(["M2", "M1"]), LINK, BOLD)
    report = survival_report(cohort, "rfs", "arm")
    figure = km_figure(report.fit.table, report.at_risk, groups=list(report.fit.groups))
    caption = f"Kaplan-Meier by arm ({LINK} vs {BOLD}) & more"
    for preset in ("slide_full", "journal_single"):
        styled = images.publication_style(figure, preset, caption)
        assert_drawn_as_typed(styled, LINK, BOLD)
        assert any("&amp; more" in a.text for a in styled.layout.annotations)

"""Projector screens (core.report.screens): every section cut into screens that fit one
window, tables paged, the figure's own table on a screen of its own, and the Cox slide's
headline free of separated levels."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import plotly.graph_objects as go
import pytest

from core.cohort.read import load_seed_cohort
from core.report.screens import (
    FIRST_TABLE_ROWS,
    TABLE_ROWS,
    projector_figure,
    projector_screens,
)
from core.report.sections import ReportChoices, Section, cox_section, key_numbers


def _table(rows: int, columns: int = 6) -> pd.DataFrame:
    return pd.DataFrame({f"c{j}": [f"r{i}" for i in range(rows)] for j in range(columns)})


def test_a_long_wide_table_is_paged_with_the_first_page_shorter():
    section = Section("Baseline", table=_table(30), key="baseline", metrics=(("n", "19"),))
    screens = projector_screens([section])
    sizes = [len(s.tables[0]) for s in screens]
    assert sizes == [FIRST_TABLE_ROWS, TABLE_ROWS, TABLE_ROWS, 30 - FIRST_TABLE_ROWS
                     - 2 * TABLE_ROWS]
    assert [s.title for s in screens] == [f"Baseline · {i}/4" for i in range(1, 5)]
    assert [s.key for s in screens] == ["baseline", "baseline.2", "baseline.3", "baseline.4"]
    assert screens[0].metrics == (("n", "19"),) and not screens[1].metrics  # first screen only
    rows = pd.concat([s.tables[0] for s in screens])
    assert rows["c0"].tolist() == _table(30)["c0"].tolist()  # every row once, in order


def test_a_narrow_table_stands_in_two_halves_side_by_side():
    section = Section("Patients", table=_table(2 * TABLE_ROWS + 3, columns=3), key="patients")
    screens = projector_screens([section])
    assert [tuple(len(t) for t in s.tables) for s in screens] == [(TABLE_ROWS, TABLE_ROWS),
                                                                  (2, 1)]


def test_a_short_table_is_one_screen_without_a_page_number():
    screens = projector_screens([Section("Rates", table=_table(4), key="rates")])
    assert [s.title for s in screens] == ["Rates"] and len(screens[0].tables[0]) == 4


def test_a_figure_keeps_its_screen_and_its_tables_follow():
    figure = go.Figure(go.Scatter(x=[0, 1], y=[1, 0.5]))
    effects = pd.DataFrame({"Group": ["a", "b"], "Median, months (95% CI)": ["12", "8"],
                            "HR (95% CI)": ["1 (reference)", "2.0"]})
    section = Section("RFS", ("n = 19 patients, 6 relapses.", "Log-rank chi-square 1.2."),
                      table=_table(3), figure=figure,
                      warnings=("Small sample.", "Cox fit did not converge."),
                      key="km.rfs", notes=("RFS from maintenance. n = 19 patients, 6 "
                                           "relapses. Kaplan-Meier.",),
                      metrics=(("Log-rank p", "0.269"),), figure_table=effects,
                      figure_table_notes=("Cox fit did not converge.",))
    first, table_of_figure, numbers = projector_screens([section])
    assert first.figure is figure and first.warnings == ("Small sample.",)
    assert first.caption == "n = 19 patients, 6 relapses."  # who is drawn, not the method
    assert table_of_figure.title == "RFS · hazard ratios and medians"
    assert table_of_figure.tables[0] is effects
    assert table_of_figure.warnings == ("Cox fit did not converge.",)  # with its table
    fine_gray = effects.drop(columns="Median, months (95% CI)")  # incidence: no medians
    screens = projector_screens([replace(section, figure_table=fine_gray)])
    assert screens[1].title == "RFS · hazard ratios"
    assert numbers.title == "RFS · numbers" and numbers.paragraphs == (
        "Log-rank chi-square 1.2.",)


@pytest.fixture(scope="module")
def seed():
    return load_seed_cohort()


def test_the_cox_slide_never_headlines_a_separated_level(seed):
    """ELN intermediate has no relapse in the seed cohort: its ordinary HR runs to 0 (seen
    headlined as 'HR 0.0164, p 0.003', Firth's number). R: coxph(Surv(rfs_months, rfs_event) ~
    mrd_pre_status + eln2022_risk) warns 'Loglik converged before variable 2; coefficient may
    be infinite'."""
    section = cox_section(seed, ReportChoices())
    metrics = dict(section.metrics)
    assert metrics["ELN 2022 risk: intermediate vs favorable"] == "not estimable: see the caveat"
    assert metrics["MRD before maintenance: positive vs negative"].startswith("HR 2.40 (")
    assert len(section.warnings) >= 1
    assert any("none of the relapses" in w for w in section.warnings)
    assert not any("Monotone likelihood" in w for w in section.warnings)  # in the notes
    assert any("onotone likelihood" in n for n in section.notes)


def test_key_numbers_one_line_per_group_and_zero_once_the_curve_reached_zero(seed):
    from core.survival.km.summary import survival_report

    cohort = seed.copy()
    positive = cohort["mrd_pre_status"] == "positive"
    cohort.loc[positive, "rfs_months"] = [2.0, 3.0, 5.0, 6.0]
    cohort.loc[positive, "rfs_event"] = 1
    numbers = dict(key_numbers(survival_report(cohort, "rfs", "mrd_pre_status", (12, 24))))
    # R: S = 0.5 from 3 to 5 months, so the median is their midpoint (survfit's rule)
    assert numbers["positive (n=4)"] == "median 4.0 months; 0% at 12 months"
    assert numbers["negative (n=15)"].startswith("median not reached; ")
    assert "Log-rank p" in numbers


def test_projector_figure_stretches_and_keeps_the_at_risk_title_off_the_ticks(seed):
    from core.survival.figures.km import km_figure
    from core.survival.km.summary import survival_report

    report = survival_report(seed, "rfs", "mrd_pre_status")
    figure = km_figure(report.fit.table, report.at_risk, groups=list(report.fit.groups))
    shown = projector_figure(figure)
    assert shown.layout.autosize and shown.layout.width is None and shown.layout.height is None
    assert shown.layout.xaxis2.showticklabels is False  # the months stand under the curve
    title = next(a for a in shown.layout.annotations if a.text == "Number at risk")
    assert title.xanchor == "right"
    assert projector_figure(go.Figure(go.Bar(x=[1], y=[1]))).layout.autosize  # one panel


def test_a_wide_table_gets_fewer_rows_a_screen():
    """Seen: Table 2 (9 columns) wrapped its cells and overflowed 1366 x 768 at 7 + 10 rows."""
    from core.report.screens import WIDE_COLUMNS, WIDE_ROWS

    section = Section("Table 2", table=_table(12, columns=WIDE_COLUMNS), key="table2",
                      warnings=("A caveat.",))
    assert [len(s.tables[0]) for s in projector_screens([section])] == [WIDE_ROWS - 2,
                                                                         WIDE_ROWS]

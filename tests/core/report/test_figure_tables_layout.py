"""The hazard-ratio table and the KMunicate at-risk table fit a Kaplan-Meier figure at every
slide and journal size (no Chromium needed: the layout is read off the restyled figure), and
the table travels with the figure into exported images and slides."""

from __future__ import annotations

import pytest

from core.cohort import load_seed_cohort
from core.cox.annotation import km_effects
from core.report.images import (
    CHAR_EM,
    MIN_TABLE_FONT,
    PRESETS,
    figure_table_layout,
    publication_style,
    risk_table_font,
)
from core.survival.figures.km import km_figure
from core.survival.km.summary import survival_report


def km_with_kmunicate(by: str = "eln2022_risk"):
    report = survival_report(load_seed_cohort(), "os", by)
    figure = km_figure(report.fit.table, report.at_risk, groups=list(report.fit.groups), by=by,
                       extra_rows=("cum_events", "cum_censored"))
    return figure, km_effects(load_seed_cohort(), "os", by).display()


@pytest.mark.parametrize("preset", list(PRESETS))
def test_effects_table_fits_the_width(preset):
    """Every column of the HR table (3 ELN groups) fits the figure's width at a font of at
    least MIN_TABLE_FONT; on slides at the full base font."""
    _, table = km_with_kmunicate()
    size = PRESETS[preset]
    width, _ = size.css_size
    layout = figure_table_layout(table, width, size.font_px * 0.9)
    assert layout.fits and layout.font >= MIN_TABLE_FONT
    assert layout.x[-1] + max(len(str(v)) for v in [*table[table.columns[-1]], "p"]) \
        * layout.font * CHAR_EM <= width
    if preset.startswith("slide"):
        assert layout.font == pytest.approx(size.font_px * 0.9)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_kmunicate_rows_never_overlap(preset):
    """3 groups x (at risk, events, censored) = 9 rows: each row's band is at least 1.5 times
    its font, at every size (the font shrinks in a journal column, not below the floor)."""
    figure, table = km_with_kmunicate()
    styled = publication_style(figure, preset, caption="A caption of two lines " * 6,
                               table=table)
    axis = next(styled.layout[n] for n in styled.layout if n.startswith("yaxis")
                and styled.layout[n].categoryarray)
    rows = len(axis.categoryarray)
    assert rows == 9
    size = PRESETS[preset]
    margin = styled.layout.margin
    plot_px = size.css_size[1] - margin.t - margin.b
    band = (axis.domain[1] - axis.domain[0]) * plot_px / rows
    text_fonts = {t.textfont.size for t in styled.data if t.mode == "text"}
    assert len(text_fonts) == 1
    font = text_fonts.pop()
    assert font >= MIN_TABLE_FONT
    assert band >= 1.5 * font, (preset, band, font)
    assert plot_px > 0


def test_effects_table_is_drawn_into_the_exported_figure():
    figure, table = km_with_kmunicate("mrd_pre_status")
    styled = publication_style(figure, "journal_double", table=table)
    texts = [a.text for a in styled.layout.annotations]
    assert "<b>HR (95% CI)</b>" in texts and "1 (reference)" in texts
    assert "2.59 (0.471–14.2)" not in texts  # that is RFS; OS by MRD has its own numbers
    hr = table.set_index("Group").at["positive", "HR (95% CI)"]
    assert hr in texts


def test_risk_table_font_shrinks_only_when_needed():
    assert risk_table_font(3, 400, 12) == 12
    assert risk_table_font(30, 200, 12) == MIN_TABLE_FONT
    assert MIN_TABLE_FONT < risk_table_font(9, 200, 12) < 12


def test_pocock_curtail_and_small_cells():
    """Curves stop after the last time with at least k at risk (stated in the caption);
    counts 1-4 read "<5" under the small-cell rule, 0 stays 0."""
    from core.survival.figures.km import cell_text, change_points, curtail_caption

    report = survival_report(load_seed_cohort(), "os", "mrd_pre_status")
    full = km_figure(report.fit.table, report.at_risk, groups=list(report.fit.groups))
    cut = km_figure(report.fit.table, report.at_risk, groups=list(report.fit.groups),
                    curtail_below=5, small_cells=True)
    def curve(fig, name):
        return next(t for t in fig.data if t.name == name)
    table = report.fit.table
    kept = table[(table["group"] == "positive") & (table["n_risk"] >= 5)]
    assert list(curve(cut, "positive (n=4)").x) == [0.0, *change_points(kept)["time"].tolist()]
    assert max(curve(full, "negative (n=15)").x) > max(curve(cut, "negative (n=15)").x)
    texts = {v for t in cut.data if t.mode == "text" for v in t.text}
    assert "<5" in texts and not ({"1", "2", "3", "4"} & texts)
    assert cell_text(0, True) == "0" and cell_text(4, True) == "<5" and cell_text(5, True) == "5"
    assert curtail_caption(0) == ""
    assert curtail_caption(10).startswith("Curves stop once fewer than 10 patients remain")


def cif_with_fine_gray(by: str = "mrd_pre_status"):
    """The Competing risks page's relapse figure and its Fine-Gray table (sensitivity rule,
    so both causes have events)."""
    from core.survival.competing.annotation import competing_effects
    from core.survival.competing.summary import competing_report
    from core.survival.figures.competing import cif_figure

    report = competing_report(load_seed_cohort(), by, (12, 24), "end_of_rfs")
    figure = cif_figure(report.incidence[1].table, report.at_risk,
                        groups=list(report.incidence[1].groups), by=by)
    return figure, competing_effects(load_seed_cohort(), by, 1, "end_of_rfs").display()


@pytest.mark.parametrize("preset", list(PRESETS))
def test_fine_gray_table_fits_and_travels_with_the_incidence_figure(preset):
    """The subdistribution HR table under a cumulative-incidence figure fits every slide and
    journal width at a font of at least MIN_TABLE_FONT, and is drawn into the export."""
    figure, table = cif_with_fine_gray()
    size = PRESETS[preset]
    layout = figure_table_layout(table, size.css_size[0], size.font_px * 0.9)
    assert layout.fits and layout.font >= MIN_TABLE_FONT
    styled = publication_style(figure, preset, table=table)
    texts = [a.text for a in styled.layout.annotations]
    assert "<b>SHR (95% CI)</b>" in texts and "1 (reference)" in texts

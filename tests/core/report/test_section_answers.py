"""Every deliverable section opens with its page's answer line (issue 24).

The slide deck (read back with python-pptx), the HTML report (read as text) and projector
mode's screens open each section that a page opens with a result (Cohort, Survival, Cox,
Competing risks, Relapse risk) with that page's line, the same words: the seed cohort's lines
are the ones the page tests pin (tests/pages/test_cohort_page.py, test_survival_page.py,
test_competing_page.py, test_cox_page.py, test_relapse_risk_page.py); a filtered, grouped
cohort is compared with the page's own functions on the same rows.
"""

from __future__ import annotations

import functools
import html
import io
import re
from datetime import date

import pytest
from pptx import Presentation

from core.cohort.filters import CohortFilter
from core.cohort.read import load_seed_cohort
from core.cox.answer import cox_answer
from core.cox.view import CoxChoices, cox_view
from core.report.deck import DeckContext, slide_deck
from core.report.html import report_sections, tumor_board_html
from core.report.screens import projector_screens
from core.report.sections import ReportChoices
from core.risk.summary import risk_report
from core.survival.competing.summary import answer_sentence as competing_answer
from core.survival.competing.summary import competing_report
from core.survival.km.summary import answer_sentence, survival_report
from tests.core.report.test_deck import _tiny_png

SEED = ReportChoices(by="mrd_pre_status", competing_by="mrd_pre_status",
                     risk_covariates=("mrd_pre_status", "age"))
PAGE_LINES = {  # the seed cohort's lines as the pages' tests pin them
    "baseline": "19 patients: 6 relapses and 3 deaths over a median follow-up of 54.0 months; "
                "at 24 months RFS 66%, OS 94%.",
    "km.rfs": "RFS at 24 months: negative 73.3%, positive 37.5%; log-rank p 0.269 "
              "(permutation 0.326): not conclusive with 4 patients in the smallest group.",
    "competing": "Relapse by 24 months: negative 26.7%, positive 62.5%; Gray's p 0.282 "
                 "(permutation 0.328): not conclusive with 4 patients in the smallest group.",
}


@functools.cache
def _seed_lines() -> dict[str, str]:
    seed = load_seed_cohort()
    return {**PAGE_LINES,
            "km.os": answer_sentence(survival_report(seed, "os", "mrd_pre_status", (12, 24),
                                                     24)),
            "cox": cox_answer(cox_view(seed, CoxChoices("rfs", ("mrd_pre_status",
                                                                "eln2022_risk")))),
            "risk": risk_report(seed, "cir", "fine_gray", ["mrd_pre_status", "age"],
                                24).answer}


def _filtered():
    """Induction patients only (14 of 19), grouped by MRD, OS first, Cox on OS."""
    selection = CohortFilter(sorafenib_timing=("induction",)).apply(load_seed_cohort())
    choices = ReportChoices(endpoint="os", by="mrd_pre_status", competing_by="mrd_pre_status",
                            cox_endpoint="os", cox_covariates=("mrd_pre_status",))
    cohort = selection.cohort
    lines = {
        "km.os": answer_sentence(survival_report(cohort, "os", "mrd_pre_status", (12, 24), 24)),
        "km.rfs": answer_sentence(survival_report(cohort, "rfs", "mrd_pre_status", (12, 24),
                                                  24)),
        "cox": cox_answer(cox_view(cohort, CoxChoices("os", ("mrd_pre_status",)))),
        "competing": competing_answer(competing_report(cohort, "mrd_pre_status", (12, 24),
                                                       "censor"))}
    return selection, choices, lines


@pytest.fixture(scope="module")
def seed_sections():
    return report_sections(load_seed_cohort(), choices=SEED)


def test_sections_carry_their_pages_lines(seed_sections):
    answers = {s.key: s.answer for s in seed_sections if s.answer}
    assert answers == _seed_lines()
    assert answers["cox"].startswith("RFS, multivariable Cox model of 19 patients with 6 "
                                     "relapses: MRD before maintenance: positive vs negative HR")
    assert "intermediate vs favorable not estimable" in answers["cox"]  # never a number
    # continuations and sections no page opens with a result carry none
    assert {s.key for s in seed_sections if not s.answer} >= {
        "contrasts.rfs", "table2", "swimmer", "methods", "patients"}


def _html_first_lines(data: bytes) -> dict[str, str]:
    """Section title -> the text of the first paragraph after its heading."""
    text = data.decode()
    found = re.findall(r"<section><h2>([^<]*)</h2>\s*<p[^>]*>(?:<strong>)?(.*?)(?:</strong>)?</p>",
                       text, flags=re.S)
    return {html.unescape(t): html.unescape(p) for t, p in found}


def _deck_first_lines(data: bytes) -> dict[str, str]:
    """Slide title -> the first text under it (shapes in the order drawn)."""
    out = {}
    for slide in Presentation(io.BytesIO(data)).slides:
        texts = [(s.name, s.text_frame.text) for s in slide.shapes if s.has_text_frame
                 and s.name not in ("Footer", "Slide number")]
        if texts and texts[0][0] == "Title" and len(texts) > 1:
            out.setdefault(texts[0][1], texts[1][1])
    return out


@pytest.fixture
def quick_pictures(monkeypatch):
    """The deck's pictures as a one-pixel PNG: the slides' text is what is tested."""
    from core.report import deck

    monkeypatch.setattr(deck, "render_figure", lambda *args, **kwargs: _tiny_png())


def _check(sections, lines: dict[str, str], first: dict[str, str]) -> None:
    for section in sections:
        if section.key in lines:
            title = next(t for t in first if t == section.title
                         or t.startswith(section.title + " ("))
            assert first[title] == lines[section.key], section.key


def test_report_and_deck_open_each_section_with_its_pages_line(seed_sections,
                                                               quick_pictures):
    cohort = load_seed_cohort()
    report = tumor_board_html(cohort, source="seed", n_total=19, filters=[], choices=SEED,
                              today=date(2026, 12, 6), sections=seed_sections)
    _check(seed_sections, _seed_lines(), _html_first_lines(report))
    deck = slide_deck(cohort, DeckContext("seed", 19), SEED, today=date(2026, 12, 6),
                      sections=seed_sections)
    first = _deck_first_lines(deck)
    _check(seed_sections, _seed_lines(), first)
    assert first["Baseline characteristics (1/3)"] == PAGE_LINES["baseline"]  # a table slide


def test_a_filtered_grouped_cohort_opens_with_the_pages_lines_too(quick_pictures):
    selection, choices, lines = _filtered()
    sections = report_sections(selection.cohort, choices=choices)
    assert {s.key: s.answer for s in sections if s.key in lines} == lines
    assert lines["km.os"].startswith("OS at ")
    report = tumor_board_html(selection.cohort, source="seed", n_total=19,
                              filters=["Sorafenib timing: induction"], choices=choices,
                              sections=sections)
    _check(sections, lines, _html_first_lines(report))
    deck = slide_deck(selection.cohort, DeckContext("seed", 19), choices, sections=sections)
    _check(sections, lines, _deck_first_lines(deck))


def test_projector_opens_each_section_with_its_pages_line(seed_sections):
    screens = projector_screens(seed_sections)
    lines = _seed_lines()
    for section in seed_sections:
        mine = [s for s in screens if s.key == section.key or s.key.startswith(
            section.key + ".")]
        assert mine[0].answer == lines.get(section.key, ""), section.key
        assert all(not s.answer for s in mine[1:])  # the first screen only

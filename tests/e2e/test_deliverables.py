"""Tumor-board deliverables in a real browser: each Prepare/Download button. (The projector
mode's buttons and arrow keys are stepped in tests/e2e/test_projector_fit.py's walks.)"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from pptx import Presentation

from core.report.images import PRESETS, png_size
from tests.e2e.helpers import expect_count, expect_no_error, link, sidebar_link, wait_idle

pytestmark = pytest.mark.e2e

RFS_BY_MRD = {"survival.endpoint": "rfs", "survival.by": "mrd_pre_status"}


def _open_deliverables(page) -> None:
    page.get_by_text("Slides, figures and", exact=False).first.click()
    wait_idle(page)


def _select(page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label``. The list opens on a click; a rerun
    can redraw it between "visible" and the click (the option detaches), so the open and the
    click are retried together."""
    box = page.get_by_label(label, exact=True)
    choice = page.get_by_role("option", name=option, exact=True)
    for attempt in range(5):
        wait_idle(page)
        expect(box).to_be_visible()
        box.click()
        try:
            choice.click(timeout=5_000)
            break
        except PlaywrightTimeout:
            if attempt == 4:
                raise
            page.keyboard.press("Escape")
    wait_idle(page)


def _prepare_and_download(page, label: str) -> bytes:
    """Press "Prepare <label>", then "Download <label>"; the downloaded bytes."""
    page.get_by_role("button", name=f"Prepare {label}").click()
    button = page.get_by_role("button", name=f"Download {label}")
    expect(button).to_be_visible(timeout=90_000)  # a cold renderer starts Chromium first
    wait_idle(page)  # the rerun that replaced Prepare by Download has finished
    with page.expect_download(timeout=60_000) as caught:
        button.click()
    return open(caught.value.path(), "rb").read()


def test_survival_page_slides_reproduce_and_figure(server, page):
    page.goto(link(server.url, "Survival", RFS_BY_MRD))
    expect_count(page, 19)
    _open_deliverables(page)

    deck = Presentation(io.BytesIO(_prepare_and_download(page, "slides (PPTX)")))
    titles = [next(s.text_frame.text for s in slide.shapes if s.name == "Title")
              for slide in deck.slides]
    assert titles[1:2] == ["Who is in the analysis (RFS)"]  # the flow diagram comes first
    assert titles[4] == "Baseline characteristics (3/3)"  # 18-pt tables: 3 slides
    # Table 1 by the compared groups (the Cohort page has no split), with p per row
    assert titles[5].startswith("Baseline characteristics by MRD before maintenance (1/")
    rfs = titles.index("Relapse-free survival (RFS; study: relapse only)")
    assert titles[rfs + 1] == "Relapse-free survival (RFS; study: relapse only): numbers"
    assert "Does the difference hold? RFS" in titles  # the page's weighted/stratified tests
    # the competing-risk section by the Survival grouping (the Competing risks page not
    # visited; that page's own choices reaching the deck: tests/pages/
    # test_deck_follows_page_choices.py)
    assert "Relapse with death as a competing risk" in titles
    texts = " ".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes
                     if shape.has_text_frame)
    assert "Relapse (CIR): Gray's test chi-square 1.16" in texts  # R cuminc: 1.1587
    footer = next(s.text_frame.text for s in deck.slides[rfs].shapes if s.name == "Footer")
    assert footer.endswith("n = 19 of 19 patients")

    archive = zipfile.ZipFile(io.BytesIO(_prepare_and_download(page, "Reproduce this (zip)")))
    assert sorted(archive.namelist()) == ["README.txt", "app_numbers.json",
                                          "cohort_filtered.csv", "reproduce.R", "reproduce.py"]
    numbers = json.loads(archive.read("app_numbers.json"))
    assert {m["group"] for m in numbers["medians"]} == {"negative", "positive"}
    assert numbers["logrank"]["dof"] == 1

    png = _prepare_and_download(page, "figure (PNG)")
    assert png_size(png) == PRESETS["slide_full"].pixel_size()
    expect_no_error(page)


def test_cohort_page_reproduce_zip_html_report_and_figure(server, page):
    page.goto(link(server.url, query={"sorafenib_timing": "induction"}))
    expect_count(page, 14)
    _open_deliverables(page)
    archive = zipfile.ZipFile(io.BytesIO(_prepare_and_download(page, "Reproduce this (zip)")))
    rows = archive.read("cohort_filtered.csv").decode().strip().splitlines()
    assert len(rows) == 1 + 14
    report = _prepare_and_download(page, "report (HTML)").decode()
    for title in ("Who is in the analysis (RFS)", "Baseline characteristics",
                  "Relapse-free survival (RFS; study: relapse only)",
                  "Cox regression: relapse-free survival (RFS)", "Patient timelines",
                  "Methods and definitions"):
        assert f"<h2>{title}</h2>" in report  # the deck's sections
    assert "14 of 19 patients" in report
    _select(page, "Figure", "Relapse-free survival")  # issue 14: OS or RFS curves
    png = _prepare_and_download(page, "figure (PNG)")
    assert png_size(png) == PRESETS["slide_full"].pixel_size()
    expect_no_error(page)


def test_cox_forest_plot_as_svg_then_patients_swimmer_plot_for_a_journal_column(server, page):
    """Two pages of one session (the second reached by the sidebar, no new page load)."""
    page.goto(link(server.url, "Cox"))
    expect_count(page, 19)
    _open_deliverables(page)
    _select(page, "Format", "SVG")
    svg = _prepare_and_download(page, "figure (SVG)")
    assert svg.lstrip().startswith(b"<svg") and b"MRD before maintenance" in svg
    expect_no_error(page)

    sidebar_link(page, "Patients").click()
    expect_count(page, 19)
    _open_deliverables(page)
    _select(page, "Size", PRESETS["journal_single"].label)
    png = _prepare_and_download(page, "figure (PNG)")
    assert png_size(png) == PRESETS["journal_single"].pixel_size()
    expect_no_error(page)

"""The Cohort page's CSV download, caught as a real browser download."""

import re

import pandas as pd
import pytest
from playwright.sync_api import expect

from core.cohort.read import load_seed_cohort
from tests.e2e.helpers import expect_count, expected_view, link

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("query", [{}, {"mrd_pre_status": "positive", "sex": "M"}],
                         ids=["all", "filtered"])
def test_download_csv_holds_the_filtered_patients(server, page, query):
    n, _ = expected_view(query)
    page.goto(link(server.url, query=query))
    expect_count(page, n)
    button = page.get_by_role("button", name="Download CSV", exact=True)
    expect(button).to_be_enabled()
    with page.expect_download() as caught:
        button.click()
    download = caught.value
    short = "_".join(f"{ {'mrd_pre_status': 'mrd'}.get(k, k)}-{v}" for k, v in query.items())
    assert re.fullmatch(rf"relapse-explorer_cohort_patients_{short or 'all'}_"
                        r"\d{8}-\d{6}\.csv", download.suggested_filename)
    table = pd.read_csv(download.path())

    seed = load_seed_cohort()
    expected = seed
    for key, value in query.items():
        expected = expected[expected[key] == value]
    assert len(table) == n == len(expected)
    assert "patient_id" in table.columns
    assert table["patient_id"].tolist() == expected["patient_id"].tolist()
    for key, value in query.items():
        assert set(table[key]) == {value}


def test_tumor_board_report_opens_offline_with_both_curves(server, page, new_context,
                                                           tmp_path):
    """Download the report for MRD-positive patients, open the file itself in a new tab and
    record every request it makes: only the file, nothing from any host."""
    page.goto(link(server.url, query={"mrd_pre_status": "positive"}))
    expect_count(page, 4)
    button = page.get_by_role("button", name="Download tumor-board report (HTML)")
    expect(button).to_be_enabled()
    with page.expect_download() as caught:
        button.click()
    download = caught.value
    assert re.fullmatch(r"relapse-explorer_cohort_report_mrd-positive_\d{8}-\d{6}\.html",
                        download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    viewer = new_context().new_page()
    requests: list[str] = []
    viewer.on("request", lambda request: requests.append(request.url))
    viewer.goto(f"file://{path}")
    # the flow diagram (first section), then the RFS and the OS curves
    expect(viewer.locator(".js-plotly-plot")).to_have_count(3)
    expect(viewer.get_by_text("4 of 19 patients", exact=True)).to_be_visible()
    assert [url for url in requests if not url.startswith("file://")] == []


def test_readable_csv_spells_out_units_and_events(server, page):
    """Issue 17: the CSV offers readable headers with units and event codes spelled out."""
    page.goto(link(server.url))
    expect_count(page, 19)
    button = page.get_by_role("button", name="Download CSV, readable headers", exact=True)
    with page.expect_download() as caught:
        button.click()
    download = caught.value
    assert re.fullmatch(r"relapse-explorer_cohort_patients-readable_all_\d{8}-\d{6}\.csv",
                        download.suggested_filename)
    table = pd.read_csv(download.path())
    assert {"Age (years)", "RFS (months)", "RFS end: relapse or censored"} <= set(table.columns)
    assert set(table["OS end: death or censored"]) == {
        "death", "censored (alive or lost to follow-up at last contact)"}

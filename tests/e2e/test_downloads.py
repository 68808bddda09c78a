"""The Cohort page's downloads, caught as real browser downloads: the CSV (as stored and with
readable headers) and the tumor-board report, which opens offline.

Each page load serves several downloads: the whole cohort's two CSVs, and a filtered view's
CSV and report (two filters, so both must reach the file and its name)."""

import re

import pandas as pd
import pytest
from playwright.sync_api import expect

from core.cohort.read import load_seed_cohort
from tests.e2e.helpers import expect_count, expected_view, link

pytestmark = pytest.mark.e2e

FILTERED = {"mrd_pre_status": "positive", "sex": "M"}


def download(page, button: str):
    """Click the button labelled exactly ``button``; the caught download."""
    target = page.get_by_role("button", name=button, exact=True)
    expect(target).to_be_enabled()
    with page.expect_download() as caught:
        target.click()
    return caught.value


def check_csv(page, query: dict[str, str], n: int) -> None:
    """The CSV holds exactly the view's patients, in the cohort's order, named by its filters."""
    downloaded = download(page, "Download CSV")
    short = "_".join(f"{ {'mrd_pre_status': 'mrd'}.get(k, k)}-{v}" for k, v in query.items())
    assert re.fullmatch(rf"relapse-explorer_cohort_patients_{short or 'all'}_"
                        r"\d{8}-\d{6}\.csv", downloaded.suggested_filename)
    table = pd.read_csv(downloaded.path())

    seed = load_seed_cohort()
    expected = seed
    for key, value in query.items():
        expected = expected[expected[key] == value]
    assert len(table) == n == len(expected)
    assert "patient_id" in table.columns
    assert table["patient_id"].tolist() == expected["patient_id"].tolist()
    for key, value in query.items():
        assert set(table[key]) == {value}


def test_download_csv_of_all_patients_and_with_readable_headers(server, page):
    """Issue 17: the CSV also comes with readable headers, units and event codes spelled out."""
    page.goto(link(server.url))
    expect_count(page, 19)
    check_csv(page, {}, 19)
    downloaded = download(page, "Download CSV, readable headers")
    assert re.fullmatch(r"relapse-explorer_cohort_patients-readable_all_\d{8}-\d{6}\.csv",
                        downloaded.suggested_filename)
    table = pd.read_csv(downloaded.path())
    assert {"Age (years)", "RFS (months)", "RFS end: relapse or censored"} <= set(table.columns)
    assert set(table["OS end: death or censored"]) == {
        "death", "censored (alive or lost to follow-up at last contact)"}


def test_filtered_csv_and_tumor_board_report_opening_offline(server, page, new_context,
                                                             tmp_path):
    """The filtered view's CSV; then its report: open the file itself in a new tab and record
    every request it makes: only the file, nothing from any host."""
    n, _ = expected_view(FILTERED)
    page.goto(link(server.url, query=FILTERED))
    expect_count(page, n)
    check_csv(page, FILTERED, n)
    downloaded = download(page, "Download tumor-board report (HTML)")
    assert re.fullmatch(r"relapse-explorer_cohort_report_mrd-positive_sex-M_\d{8}-\d{6}\.html",
                        downloaded.suggested_filename)
    path = tmp_path / downloaded.suggested_filename
    downloaded.save_as(path)
    viewer = new_context().new_page()
    requests: list[str] = []
    viewer.on("request", lambda request: requests.append(request.url))
    viewer.goto(f"file://{path}")
    # the flow diagram (first section), then the RFS and the OS curves
    expect(viewer.locator(".js-plotly-plot")).to_have_count(3)
    expect(viewer.get_by_text(f"{n} of 19 patients", exact=True)).to_be_visible()
    assert [url for url in requests if not url.startswith("file://")] == []

"""The Cohort page's CSV download, caught as a real browser download."""

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
    assert download.suggested_filename == "cohort_filtered.csv"
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
    assert download.suggested_filename.startswith("tumor_board_report_")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    viewer = new_context().new_page()
    requests: list[str] = []
    viewer.on("request", lambda request: requests.append(request.url))
    viewer.goto(f"file://{path}")
    expect(viewer.locator(".js-plotly-plot")).to_have_count(2)
    expect(viewer.get_by_text("4 of 19 patients", exact=True)).to_be_visible()
    assert [url for url in requests if not url.startswith("file://")] == []

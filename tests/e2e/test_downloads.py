"""The Cohort page's CSV download, caught as a real browser download."""

import pandas as pd
import pytest
from playwright.sync_api import expect

from core.cohort import load_seed_cohort
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

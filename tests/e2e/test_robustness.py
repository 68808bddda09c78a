"""Bad input from a link or a file: the app explains, never crashes, and other sessions go on."""

import io

import pytest
from playwright.sync_api import expect

from core.cohort.read import load_cohort
from core.cohort.schema import LABELS
from core.errors import CohortError
from tests.e2e.helpers import (
    choose,
    expect_count,
    expect_no_error,
    expected_view,
    header_line,
    link,
    wait_idle,
)

pytestmark = pytest.mark.e2e

MALFORMED_QUERY = {
    "eln2022_risk": "<script>alert(1)</script>",
    "age_min": "1e309",
    "sex": "XYZ",
    "mrd_pre_status": "positive,bogus",
}

BROKEN_CSV = (  # issue 11: an id and one endpoint are required, so the rows' problems show
    b"patient_id,sex,age,wbc,blasts_pct,os_months,os_event\n"
    b"1,Q,-5,12,40,5,1\n"
    b"1,M,abc,7,300,6,0\n"
)


def test_malformed_link_opens_with_notices(server, page):
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(link(server.url, query=MALFORMED_QUERY))
    expect_count(page, 4)  # only the valid part of the link (MRD positive) applies
    notices = page.locator('[data-testid="stMain"] [data-testid="stAlert"]')
    for text in ("ELN 2022 risk 'scriptalert(1)/script'", "Sex 'XYZ'",
                 "MRD before maintenance 'bogus'", "`age_min` value '1e309'"):
        expect(notices.filter(has_text=text.replace("`", ""))).to_have_count(1)
    expect_no_error(page)
    expect(page.locator("script", has_text="alert(1)")).to_have_count(0)
    # the app still works after the bad link
    choose(page, LABELS["eln2022_risk"], "adverse")
    n, line = expected_view({"mrd_pre_status": "positive", "eln2022_risk": "adverse"})
    expect_count(page, n)
    expect(header_line(page)).to_have_text(line)
    expect_no_error(page)
    assert not dialogs, f"the link ran script in the page: {dialogs}"


def test_broken_upload_lists_problems_and_spares_other_sessions(server, page, new_context):
    with pytest.raises(CohortError) as raised:
        load_cohort(io.BytesIO(BROKEN_CSV))
    problems = raised.value.problems
    assert len(problems) >= 2

    a = page  # a tab of the worker's context (the app's JavaScript already cached)
    b = new_context().new_page()  # another browser: shares nothing with a
    a.goto(server.url)
    b.goto(server.url)
    expect_count(a, 19)
    expect_count(b, 19)

    sidebar = a.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Cohort data", exact=True).click()
    sidebar.locator('input[type="file"]').set_input_files(
        files=[{"name": "broken.csv", "mimeType": "text/csv", "buffer": BROKEN_CSV}])
    error = sidebar.locator('[data-testid="stAlert"]').filter(has_text="was not loaded")
    expect(error).to_contain_text(f"broken.csv was not loaded ({len(problems)} problems)")
    expect(error.locator("li")).to_have_count(len(problems))
    wait_idle(a)
    expect_count(a, 19)  # the current cohort is unchanged
    expect_no_error(a)

    b.reload()
    expect_count(b, 19)
    expect(b.locator('[data-testid="stSidebar"] [data-testid="stAlert"]')).to_have_count(0)
    choose(b, LABELS["mrd_pre_status"], "positive")
    expect_count(b, 4)
    expect_no_error(b)

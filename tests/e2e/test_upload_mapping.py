"""A hospital export in the browser (issue 11): upload, map, explore, download the mapping,
re-upload with the mapping; another session never sees the upload.

The export is generated here: an XLSX with a title line, Chinese headers, dates and 是/否 events.
"""

import io
import json

import openpyxl
import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import RENDER_TIMEOUT, UPLOAD_TIMEOUT
from tests.e2e.helpers import expect_count, expect_no_error, sidebar_link, wait_idle

pytestmark = pytest.mark.e2e


def chinese_export() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["急性髓系白血病随访表 2025"])
    sheet.append(["病历号", "性别", "危险分层", "诊断日期", "维持治疗开始日期", "复发日期",
                  "末次随访日期", "是否死亡", "死亡日期"])
    day = pd.Timestamp
    rows = [
        ("000101", "男", "高危", "2020-01-10", "2020-06-01", "2021-03-01", "2021-09-01", "是",
         "2021-09-01"),
        ("000102", "女", "低危", "2019-05-02", "2019-10-15", None, "2024-05-31", "否", None),
        ("000103", "女", "中危", "2021-02-20", "2021-07-01", None, "2023-01-15", "否", None),
        ("000104", "男", "高危", "2018-03-03", "2018-08-20", "2019-02-11", "2019-12-01", "是",
         "2019-12-01"),
    ]
    for row in rows:
        sheet.append([day(v).to_pydatetime() if isinstance(v, str) and v[:2] == "20" else v
                      for v in row])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def upload_export(page, data: bytes) -> None:
    main = page.locator('[data-testid="stMain"]')
    main.locator('input[type="file"]').first.set_input_files(files=[{
        "name": "his_export.xlsx", "buffer": data,
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    expect(main.get_by_text("Which column is which?")).to_be_visible(timeout=UPLOAD_TIMEOUT)
    wait_idle(page)


def test_upload_map_explore_and_reupload_with_the_mapping(server, page, new_context, tmp_path):
    data = chinese_export()  # uploaded in a tab of the worker's context (JavaScript cached)
    other = new_context().new_page()  # another browser: shares nothing with page
    page.goto(f"{server.url}/Your_data")
    expect_count(page, 19)
    upload_export(page, data)
    main = page.locator('[data-testid="stMain"]')
    preview = main.locator('[data-testid="stDataFrame"]').first
    expect(preview).to_be_visible()

    with page.expect_download() as download:
        main.get_by_role("button", name="Download this mapping (JSON)").click()
    saved = tmp_path / "mapping.json"
    download.value.save_as(saved)
    mapping = json.loads(saved.read_text(encoding="utf-8"))
    assert mapping["columns"]["patient_id"] == "病历号"
    assert mapping["event_codes"] == {"os_event": {"否": 0, "是": 1}}

    main.get_by_role("button", name="Check and use this cohort").click()
    expect_count(page, 4, total=4)
    expect(main.get_by_text("In use: Uploaded file his_export.xlsx, 4 patients.")).to_be_visible()
    expect_no_error(page)

    sidebar_link(page, "Survival").click()
    expect_count(page, 4, total=4)
    expect(page.locator('[data-testid="stPlotlyChart"]').first).to_be_visible(
        timeout=RENDER_TIMEOUT)
    expect_no_error(page)

    other.goto(server.url)  # another browser session: still the study cohort
    expect_count(other, 19)

    again = new_context().new_page()  # the next export, with the saved mapping
    again.goto(f"{server.url}/Your_data")
    upload_export(again, data)
    again.locator('[data-testid="stMain"] input[type="file"]').nth(1).set_input_files(
        files=[{"name": "mapping.json", "mimeType": "application/json",
                "buffer": saved.read_bytes()}])
    # the run that receives the file applies its choices and says so (no rerun that could
    # swallow the click: pages/0_Your_data.py applies it above the sheet and header row)
    expect(again.get_by_text("The choices of mapping.json are applied in the form below")
           ).to_be_visible(timeout=RENDER_TIMEOUT)
    again.get_by_role("button", name="Check and use this cohort").click()
    expect_count(again, 4, total=4)
    expect_no_error(again)
    expect_count(other, 19)

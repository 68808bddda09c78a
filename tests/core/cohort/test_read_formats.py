"""Reading every supported format and encoding, judged by content (issue 11).

Each file is generated here from one small cohort; the expected outcome of each is pinned.
"""

import io

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from core.cohort.read import ROW_INDEX, load_cohort, read_table, sheet_names
from core.cohort.sniff import decode_text, detect_format, detect_separator
from core.errors import CohortError

CHINESE = ("patient_id,os_months,os_event,备注\n"
           "000123,12.5,1,分子学复发\n"
           "000124,30,0,无\n")


def upload(data: bytes, name: str = "") -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def minimal_frame() -> pd.DataFrame:
    return pd.DataFrame({"patient_id": ["000123", "000124", "A-7"],
                         "os_months": [12.5, 30.0, 7.25], "os_event": [1, 0, 1],
                         "group": ["a", "b", "a"]})


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le",
                                      "utf-16-be", "gb18030", "gbk"])
def test_chinese_text_survives_every_encoding(encoding):
    """分子学复发 must never turn into mojibake (issue 18), whatever the encoding."""
    cohort = load_cohort(upload(CHINESE.encode(encoding)))
    assert cohort["备注"].tolist() == ["分子学复发", "无"]
    assert cohort["patient_id"].tolist() == ["000123", "000124"]


def test_encoding_names():
    assert decode_text("f", CHINESE.encode("gb18030"))[1] == "gb18030"
    assert decode_text("f", CHINESE.encode("utf-16-le"))[1] == "utf-16-le"
    assert decode_text("f", CHINESE.encode("utf-16"))[1] == "utf-16"
    assert decode_text("f", "café;Müller\n".encode("cp1252"))[1] == "cp1252"
    assert decode_text("f", CHINESE.encode("utf-8-sig"))[1] == "utf-8-sig"


def test_windows_1252_text():
    data = "patient_id;os_months;os_event;note\n1;2;1;DA×2 – café\n".encode("cp1252")
    assert load_cohort(upload(data))["note"].tolist() == ["DA×2 – café"]


def test_undecodable_text_is_refused_not_guessed():
    """Chinese bytes cut in half (odd runs) decode neither as GB18030 nor as clean Latin."""
    cut = "分子学复发".encode("gb18030")[:-1]
    data = b"patient_id,os_months,os_event,x\n1,2,1," + cut + b"\x81\x8d\n"
    with pytest.raises(CohortError, match=r"^The cohort has 1 problem:\n- The text encoding of "
                       r"\(upload\) could not be recognised \(not UTF-8, UTF-16, GB18030/GBK or "
                       r"Windows-1252\), so its text would be garbled\. Fix: save it as 'CSV "
                       r"UTF-8' \(Excel: File > Save as > CSV UTF-8\) or as XLSX\.$"):
        read_table(upload(data))


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_separators(sep):
    text = minimal_frame().to_csv(sep=sep, index=False)
    assert detect_separator(text) == sep
    cohort = load_cohort(upload(text.encode(), "c.txt"))
    assert cohort["patient_id"].tolist() == ["000123", "000124", "A-7"]
    assert cohort["os_months"].tolist() == [12.5, 30.0, 7.25]


@pytest.mark.parametrize("sep", [";", "\t"])
def test_decimal_commas(sep):
    text = f"patient_id{sep}os_months{sep}os_event\n1{sep}12,5{sep}1\n2{sep}30{sep}0\n"
    assert load_cohort(upload(text.encode()))["os_months"].tolist() == [12.5, 30.0]


def test_ids_are_kept_as_written():
    text = "patient_id,os_months,os_event\n000001,1,1\n000002,2,0\n"
    assert load_cohort(upload(text.encode()))["patient_id"].tolist() == ["000001", "000002"]
    text = "patient_id,os_months,os_event\n1,1,1\n2,2,0\n"
    assert load_cohort(upload(text.encode()))["patient_id"].tolist() == [1, 2]


def test_xlsx_sheet_choice_and_header_below_a_title(tmp_path):
    path = tmp_path / "export.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active["A1"] = "exported 2025-06-01"
    sheet = book.create_sheet("Patients")
    sheet["A1"] = "Hospital cohort export"
    sheet.append([])
    sheet.append(["patient_id", "os_months", "os_event"])
    sheet.append(["000123", 12.5, 1])
    sheet.append([124, 30, 0])
    book.save(path)
    assert sheet_names(path) == ["Notes", "Patients"]
    raw = read_table(path, sheet="Patients")
    assert raw.index.name == ROW_INDEX and raw.index.tolist() == [4, 5]
    cohort = load_cohort(path, {"format": "relapse-risk-explorer mapping", "sheet": "Patients",
                                "columns": {}})
    assert cohort["patient_id"].tolist() == ["000123", "124"]
    with pytest.raises(CohortError, match=r"has no sheet 'Other'; its sheets are 'Notes', "
                       r"'Patients'\. Fix: choose one of them\."):
        read_table(path, sheet="Other")
    with pytest.raises(CohortError, match=r"has no row 40 to read the header from"):
        read_table(path, sheet="Patients", header_row=40)
    assert read_table(path, sheet="Patients", header_row=3).columns.tolist() == \
        ["patient_id", "os_months", "os_event"]


def test_problem_rows_name_the_spreadsheet_row(tmp_path):
    path = tmp_path / "t.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Title"])
    book.active.append(["patient_id", "os_months", "os_event"])
    book.active.append([1, -3, 1])
    book.save(path)
    with pytest.raises(CohortError, match=r"Column `os_months`, row 3 \(patient 1\): value '-3'"):
        load_cohort(path)


def test_parquet_sav_and_dta(tmp_path):
    frame = minimal_frame()
    frame.to_parquet(tmp_path / "c.parquet")
    pyreadstat.write_sav(frame, str(tmp_path / "c.sav"))
    pyreadstat.write_dta(frame, str(tmp_path / "c.dta"))
    for name in ("c.parquet", "c.sav", "c.dta"):
        data = (tmp_path / name).read_bytes()
        cohort = load_cohort(upload(data, "renamed.bin"))  # content decides, not the name
        assert cohort["patient_id"].tolist() == ["000123", "000124", "A-7"], name
        assert cohort["os_months"].tolist() == [12.5, 30.0, 7.25], name
        assert cohort["os_event"].tolist() == [1, 0, 1], name


def test_sav_value_labels_become_category_text(tmp_path):
    frame = pd.DataFrame({"patient_id": [1.0, 2.0], "os_months": [3.0, 4.0],
                          "os_event": [1.0, 0.0], "eln2022_risk": [3.0, 1.0]})
    path = tmp_path / "labels.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels={
        "eln2022_risk": {1.0: "favorable", 2.0: "intermediate", 3.0: "adverse"}})
    cohort = load_cohort(path)
    assert cohort["eln2022_risk"].tolist() == ["adverse", "favorable"]
    assert cohort["patient_id"].tolist() == [1, 2]


@pytest.mark.parametrize(("data", "sentence"), [
    (b"\x89PNG\r\n\x1a\n....", "The file scan.png is a PNG image, not a table."),
    (b"%PDF-1.7\n...", "The file scan.png is a PDF document, not a table."),
    (b"\xff\xd8\xff\xe0....", "The file scan.png is a JPEG image, not a table."),
])
def test_non_tables_get_one_sentence(data, sentence):
    with pytest.raises(CohortError) as info:
        read_table(upload(data, "scan.png"))
    assert info.value.problems == [
        f"{sentence} Fix: export the cohort as CSV (UTF-8), XLSX, Parquet, SPSS .sav or Stata "
        ".dta, one row per patient under a header row."]


def test_zip_and_ods_and_empty():
    archive = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("cohort.csv", "a,b\n1,2\n")
    with pytest.raises(CohortError, match=r"^The cohort has 1 problem:\n- The file "
                       r"cohort\.zip is a zip archive, not a table\. Fix: unpack it and upload "
                       r"the table inside \(CSV, XLSX, Parquet, \.sav or \.dta\)\.$"):
        read_table(upload(archive.getvalue(), "cohort.zip"))
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<x/>")
    with pytest.raises(CohortError, match=r"is an OpenDocument spreadsheet \(\.ods\)\. Fix: "
                       r"save it as \.xlsx or \.csv\."):
        read_table(upload(ods.getvalue(), "c.ods"))
    with pytest.raises(CohortError, match=r"The file e\.csv is empty\. Fix: export the cohort "
                       r"again with a header row and one row per patient\."):
        read_table(upload(b"\xef\xbb\xbf \r\n", "e.csv"))


def test_format_detection_by_content():
    assert detect_format("a.csv", b"PAR1....") == "parquet"
    assert detect_format("a.xlsx", b"patient_id\n1\n") == "csv"
    assert detect_format("a", b"$FL2@(#) SPSS") == "sav"
    assert detect_format("a", b"<stata_dta><header>") == "dta"


def test_ragged_line_is_one_plain_sentence():
    data = b"patient_id,os_months,os_event\n1,2,1\n2,3,0,5\n"
    with pytest.raises(CohortError) as info:
        read_table(upload(data, "r.csv"))
    assert info.value.problems == [
        "The file r.csv: line 3 has more values than the header has columns (3); a separator "
        "inside a value that is not quoted? Fix: quote such values or remove the stray "
        "separator."]


def test_unclosed_quote_is_one_plain_sentence():
    data = b'patient_id,os_months,os_event\n1,2,"1\n' + b"2,3,0\n" * 5
    with pytest.raises(CohortError) as info:
        read_table(upload(data, "q.csv"))
    assert info.value.problems == [
        "The file q.csv could not be read as a text table: a quotation mark is opened and "
        "never closed. Fix: open it in the program that made it and export it again (CSV "
        "UTF-8 or XLSX, one header row)."]


def test_typed_xlsx_dates_and_numbers_are_kept(tmp_path):
    path = tmp_path / "d.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["patient_id", "os_months", "os_event", "seen"])
    book.active.append(["7", 1.5, 1, pd.Timestamp("2024-02-03").to_pydatetime()])
    book.save(path)
    raw = read_table(path)
    assert raw.loc[2, "seen"] == pd.Timestamp("2024-02-03")
    assert isinstance(raw.loc[2, "os_months"], float) and np.isclose(raw.loc[2, "os_months"], 1.5)


def test_upload_limit_matches_the_server_setting():
    import tomllib
    from pathlib import Path

    from core.cohort.read import MAX_UPLOAD_MB

    config = Path(__file__).resolve().parents[3] / ".streamlit" / "config.toml"
    assert tomllib.loads(config.read_text())["server"]["maxUploadSize"] == MAX_UPLOAD_MB


def test_deployment_notes_allow_the_same_upload_size():
    """Issue 25: the nginx block allowed 50 MB while the app allowed 200 MB (nginx answered
    413 to a file the page said it takes)."""
    import re
    from pathlib import Path

    from core.cohort.read import MAX_UPLOAD_MB

    notes = (Path(__file__).resolve().parents[3] / "docs" / "deployment.md").read_text()
    assert re.findall(r"client_max_body_size (\d+)m;", notes) == [str(MAX_UPLOAD_MB)]
    assert f"| `server.maxUploadSize` | `{MAX_UPLOAD_MB}` (MB) |" in notes


@pytest.mark.parametrize("name", ["cohort_template.csv", "cohort_template.xlsx"])
def test_templates_load_as_minimal_cohorts(name):
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "data" / "templates" / name
    cohort = load_cohort(path)
    assert cohort["patient_id"].tolist() == ["P001", "P002"]
    assert cohort["os_event"].tolist() == [0, 1] and cohort["rfs_months"].tolist() == [18.0, 6.5]

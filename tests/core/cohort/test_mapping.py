"""The mapping step (issue 11): proposals, codes, dates to months, JSON round trip."""

import io
import json

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cohort.mapping import DAYS_PER_MONTH, Mapping, apply_mapping
from core.cohort.proposal import propose_mapping, resolve_mapping
from core.cohort.read import SEED_PATH, load_cohort, load_seed_cohort, read_table
from core.cohort.validate import set_aside_invalid_rows, validate_cohort
from core.errors import CohortError
from core.survival import kaplan_meier


def chinese_workbook(path, death_codes=("是", "否")):
    """A hospital export: a title line, Chinese headers, dates, 是/否 events, 高危 risk."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "随访"
    sheet.append(["急性髓系白血病随访表 2025"])
    sheet.append(["病历号", "性别", "年龄", "危险分层", "MRD", "诊断日期", "维持治疗开始日期",
                  "复发日期", "末次随访日期", "是否死亡", "死亡日期", "移植"])
    day = pd.Timestamp
    rows = [
        ("000101", "男", 45, "高危", "阳性", day("2020-01-10"), day("2020-06-01"),
         day("2021-03-01"), day("2021-09-01"), death_codes[0], day("2021-09-01"), "是"),
        ("000102", "女", 52, "低危", "阴性", day("2019-05-02"), day("2019-10-15"), None,
         day("2024-05-31"), death_codes[1], None, "否"),
        ("000103", "女", 38, "中危", "阴性", day("2021-02-20"), day("2021-07-01"), None,
         day("2023-01-15"), death_codes[1], None, "否"),
    ]
    for row in rows:
        sheet.append([v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in row])
    book.save(path)
    return path


def test_chinese_export_is_proposed_completely(tmp_path):
    raw = read_table(chinese_workbook(tmp_path / "export.xlsx"))
    proposal = propose_mapping(raw)
    assert proposal.choices == ()
    assert dict(proposal.mapping.columns) == {
        "patient_id": "病历号", "sex": "性别", "age": "年龄", "eln2022_risk": "危险分层",
        "mrd_pre_status": "MRD", "date_diagnosis": "诊断日期",
        "date_maintenance_start": "维持治疗开始日期", "date_relapse": "复发日期",
        "date_last_contact": "末次随访日期", "os_event": "是否死亡", "date_death": "死亡日期"}
    assert dict(proposal.mapping.event_codes) == {"os_event": (("否", 0), ("是", 1))}
    assert dict(dict(proposal.mapping.value_codes)["eln2022_risk"]) == {
        "中危": "intermediate", "低危": "favorable", "高危": "adverse"}


def test_chinese_export_loads_with_times_from_dates(tmp_path):
    cohort = load_cohort(chinese_workbook(tmp_path / "export.xlsx"))
    assert cohort["patient_id"].tolist() == ["000101", "000102", "000103"]
    assert cohort["sex"].tolist() == ["M", "F", "F"]
    assert cohort["eln2022_risk"].tolist() == ["adverse", "favorable", "intermediate"]
    assert cohort["mrd_pre_status"].tolist() == ["positive", "negative", "negative"]
    days_os = [(pd.Timestamp("2021-09-01") - pd.Timestamp("2020-01-10")).days,
               (pd.Timestamp("2024-05-31") - pd.Timestamp("2019-05-02")).days,
               (pd.Timestamp("2023-01-15") - pd.Timestamp("2021-02-20")).days]
    assert cohort["os_months"].tolist() == pytest.approx([d / 30.4375 for d in days_os],
                                                         abs=1e-12)
    assert cohort["os_event"].tolist() == [1, 0, 0]
    assert cohort["rfs_event"].tolist() == [1, 0, 0]  # relapse date recorded
    assert cohort["rfs_months"].iloc[0] == pytest.approx(
        (pd.Timestamp("2021-03-01") - pd.Timestamp("2020-06-01")).days / 30.4375, abs=1e-12)
    assert cohort["移植"].tolist() == ["是", "否", "否"]  # an extra column keeps its own name
    assert DAYS_PER_MONTH == 30.4375
    assert kaplan_meier(cohort, "os_months", "os_event").table["survival"].iloc[-1] >= 0


def test_mapping_round_trips_through_json(tmp_path):
    path = chinese_workbook(tmp_path / "export.xlsx")
    mapping = propose_mapping(read_table(path)).mapping
    again = Mapping.from_json(mapping.to_json())
    assert again == mapping
    assert json.loads(mapping.to_json())["event_codes"] == {"os_event": {"否": 0, "是": 1}}
    pd.testing.assert_frame_equal(load_cohort(path, json.loads(mapping.to_json())),
                                  load_cohort(path))


def test_unknown_event_codes_need_a_choice_then_load(tmp_path):
    """Without a mapping, unknown codes are reported row by row (with the file's other
    problems); the proposal asks the Your data page for them."""
    path = chinese_workbook(tmp_path / "export.xlsx", death_codes=("死于感染", "在随访"))
    with pytest.raises(CohortError) as info:
        load_cohort(path)
    assert info.value.problems == [
        "Column `os_event`, rows 3, 4, 5 (patients 000101, 000102, 000103): values '死于感染', "
        "'在随访', '在随访' are not an event code. Fix: write 1 for death and 0 for censored (no "
        "death at last contact), or map the file's codes on the Your data page."]
    proposal = propose_mapping(read_table(path))
    assert proposal.choices == proposal.checked_by_row == (
        "Column '是否死亡' (Death) has values '在随访', '死于感染' that are not known event codes. "
        "Assign each value to event (1) or censored (0) in the mapping.",)
    chosen = proposal.mapping.to_dict()
    chosen["event_codes"] = {"os_event": {"死于感染": 1, "在随访": 0}}
    assert load_cohort(path, chosen)["os_event"].tolist() == [1, 0, 0]


def test_known_event_codes_are_kept_beside_an_unknown_one():
    raw = pd.DataFrame({"patient_id": ["a", "b", "c"], "os_months": ["1", "2", "3"],
                        "os_event": ["yes", "no", "maybe"]})
    proposal = propose_mapping(raw)
    assert dict(proposal.mapping.event_codes)["os_event"] == (("no", 0), ("yes", 1))
    with pytest.raises(CohortError, match=r"Column `os_event`, row 4 \(patient c\): value "
                                          r"'maybe' is not an event code\. Fix: write 1 for "
                                          "death .* or map the file's codes on the Your data"):
        load_cohort(io.BytesIO(raw.to_csv(index=False).encode()))


def test_ambiguous_columns_are_listed():
    raw = pd.DataFrame({"ID": ["1"], "Patient": ["a"], "os_months": ["1"], "os_event": ["1"]})
    with pytest.raises(CohortError) as info:
        resolve_mapping(raw)
    assert info.value.problems == [
        "Several columns could be `patient_id` (Patient): 'ID', 'Patient'. Choose one in the "
        "mapping. (No mapping was given and the file is ambiguous here.)"]


@pytest.mark.parametrize(("unit", "factor"), [("days", 1 / 30.4375), ("weeks", 7 / 30.4375),
                                              ("years", 12.0), ("months", 1.0)])
def test_time_units(unit, factor):
    raw = pd.DataFrame({"id": ["1", "2"], "OS": ["100", "20"], "dead": ["1", "0"]})
    mapping = Mapping(columns=(("os_event", "dead"), ("os_months", "OS"), ("patient_id", "id")),
                      time_units=(("os_months", unit),))
    cohort = validate_cohort(apply_mapping(raw, mapping))
    assert cohort["os_months"].tolist() == pytest.approx([100 * factor, 20 * factor])


def test_unit_proposed_from_header():
    raw = pd.DataFrame({"id": ["1"], "OS (days)": ["30"], "os_event": ["yes"]})
    mapping = propose_mapping(raw).mapping
    assert dict(mapping.time_units) == {"os_months": "days"}
    assert dict(mapping.event_codes) == {"os_event": (("yes", 1),)}


@pytest.mark.parametrize(("codes", "expected"), [
    (["1", "0"], [1, 0]), (["yes", "no"], [1, 0]), (["是", "否"], [1, 0]),
    (["dead", "alive"], [1, 0]), (["relapse", "CR"], [1, 0]), (["Dead", "Lost"], [1, 0])])
def test_event_codes_proposed(codes, expected):
    raw = pd.DataFrame({"id": ["1", "2"], "rfs_months": ["3", "4"], "rfs_event": codes})
    assert load_cohort(io.BytesIO(raw.to_csv(index=False).encode()))["rfs_event"].tolist() \
        == expected


def test_text_dates_out_of_order_are_reported_and_can_be_set_aside():
    raw = pd.DataFrame({"id": ["1", "2", "3"],
                        "diagnosis date": ["2020-01-01", "2021-05-01", "2020-02-30"],
                        "last contact": ["2021-01-01", "2020-05-01", "2021-01-01"],
                        "death date": ["", "", ""]})
    mapping = propose_mapping(raw).mapping
    with pytest.raises(CohortError) as info:
        validate_cohort(apply_mapping(raw, mapping))
    assert info.value.problems == [
        "Column 'diagnosis date', row 4 (patient 3): value '2020-02-30' is not a date. Fix: "
        "correct it (a calendar date from 1900 on, e.g. 2020-03-25 or 25.03.2020).",
        "Column 'last contact', row 3 (patient 2): the last contact "
        "2020-05-01 is before diagnosis 2021-05-01 (column 'diagnosis date'). Fix: correct one "
        "of the two dates (day and month swapped?); every date of the course follows "
        "diagnosis."]
    split = set_aside_invalid_rows(apply_mapping(raw, mapping))
    assert split.cohort["patient_id"].tolist() == [1]
    assert split.set_aside["row"].tolist() == [3, 4]


def test_ambiguous_day_month_dates_need_a_choice():
    raw = pd.DataFrame({"id": ["1"], "diagnosis date": ["03/04/2020"],
                        "last contact": ["05/06/2021"], "dead": ["no"]})
    proposal = propose_mapping(raw)
    assert proposal.choices == (
        "Columns 'diagnosis date', 'last contact' hold dates such as '03/04/2020' that read "
        "both as day/month/year and as month/day/year (no date in the file has a day above 12 "
        "to tell which). Choose the order (day first or month first) under Dates on the Your "
        "data page (in a saved mapping: date_format '%d/%m/%Y' or '%m/%d/%Y'), or write the "
        "dates as YYYY-MM-DD.",)
    mapping = Mapping.from_dict({**proposal.mapping.to_dict(), "date_format": "%d/%m/%Y"})
    cohort = validate_cohort(apply_mapping(raw, mapping))
    days = (pd.Timestamp("2021-06-05") - pd.Timestamp("2020-04-03")).days
    assert cohort["os_months"].iloc[0] == pytest.approx(days / 30.4375)


def test_category_values_mapped():
    raw = pd.DataFrame({"id": ["1", "2"], "os": ["1", "2"], "os_event": ["0", "1"],
                        "MRD": ["Pos", "neg"], "risk": ["高危", "Favorable"]})
    cohort = load_cohort(io.BytesIO(raw.to_csv(index=False).encode()))
    assert cohort["mrd_pre_status"].tolist() == ["positive", "negative"]
    assert cohort["eln2022_risk"].tolist() == ["adverse", "favorable"]


def test_seed_file_needs_no_mapping_and_is_unchanged():
    assert propose_mapping(read_table(SEED_PATH)).choices == ()
    pd.testing.assert_frame_equal(load_cohort(SEED_PATH), load_seed_cohort())


def test_bad_mappings_are_refused():
    with pytest.raises(CohortError, match=r"The mapping names an unknown field 'wbc_count'\. "
                       r"Fix: use one of "):
        Mapping(columns=(("wbc_count", "x"),))
    with pytest.raises(CohortError, match=r"The mapping gives time unit 'hours' for "
                       r"`os_months`\. Fix: use days, weeks, months or years\."):
        Mapping(time_units=(("os_months", "hours"),))
    with pytest.raises(CohortError, match=r"The mapping codes 'x' of `os_event` as 2\. Fix: "
                       r"code events as 1 \(event\) or 0 \(censored\)\."):
        Mapping(event_codes=(("os_event", (("x", 2),)),))
    with pytest.raises(CohortError, match=r"The mapping uses file column 'a' for more than one "
                       r"field\. Fix: choose one field for it\."):
        Mapping(columns=(("age", "a"), ("wbc", "a")))
    with pytest.raises(CohortError, match=r"This is not a mapping file of this app"):
        Mapping.from_json('{"columns": {}}')
    with pytest.raises(CohortError, match=r"The mapping file is not valid JSON\."):
        Mapping.from_json("{")
    with pytest.raises(CohortError, match=r"The mapping file is malformed"):
        Mapping.from_dict({"format": "relapse-risk-explorer mapping", "columns": [1, 2]})
    with pytest.raises(CohortError, match=r"The mapping uses column 'gone', which this file "
                       r"does not have; the file has 'id'\. Fix: map the field"):
        apply_mapping(pd.DataFrame({"id": ["1"]}), Mapping(columns=(("patient_id", "gone"),)))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.dictionaries(st.sampled_from(["patient_id", "os_months", "os_event", "age", "sex",
                                        "date_diagnosis", "date_death"]),
                       st.text(min_size=1, max_size=8), max_size=5),
       st.sampled_from([None, "%Y-%m-%d", "%d/%m/%Y"]), st.booleans())
def test_mapping_json_round_trip_property(columns, date_format, keep_extra):
    if len(set(columns.values())) != len(columns):
        return
    mapping = Mapping(columns=tuple(sorted(columns.items())), date_format=date_format,
                      keep_extra=keep_extra, time_units=(("os_months", "days"),),
                      event_codes=(("os_event", (("是", 1), ("否", 0))),))
    assert Mapping.from_json(mapping.to_json()) == mapping


def test_a_date_column_by_name_must_hold_dates():
    """'death date' holding text is not taken as a date: it stays an extra column."""
    raw = pd.DataFrame({"patient_id": ["1", "2"], "os_months": ["3", "4"], "os_event": ["1", "0"],
                        "death date": ["unknown", "see chart"]})
    assert "date_death" not in dict(propose_mapping(raw).mapping.columns)
    cohort = load_cohort(io.BytesIO(raw.to_csv(index=False).encode()))
    assert cohort["death date"].tolist() == ["unknown", "see chart"]

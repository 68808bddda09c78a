"""Dates in conflict raise one CohortError listing every problem (issue 21), each naming the
patient, the column, the dates and the fix; nothing is guessed (ambiguous day/month), no
endpoint is made all-censored by a field left unmapped, an optional column that does not fit
its field is left unmapped. Every message is pinned."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.cohort import derive, load_cohort
from core.cohort.baseline import baseline_characteristics
from core.cohort.derive import derivation_table, methods_sentences, unavailable_endpoints
from core.cohort.mapping import Mapping, apply_mapping
from core.cohort.proposal import propose_mapping
from core.cohort.read import read_table
from core.cohort.validate import set_aside_invalid_rows
from core.errors import CohortError

HEAD = "id,diagnosis date,maintenance start,relapse date,death date,last contact,dead\n"
GOOD = "1,2020-01-01,2020-03-01,,,2021-01-01,no\n"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(derive, "today", lambda: pd.Timestamp("2025-06-30"))


def csv(text: str) -> io.BytesIO:
    handle = io.BytesIO(text.encode())
    handle.name = "export.csv"
    return handle


def refusal(text: str) -> list[str]:
    """The problems of a CSV that ``load_cohort`` refuses."""
    with pytest.raises(CohortError) as info:
        load_cohort(csv(text))
    return info.value.problems


def problems(text: str) -> list[str]:
    return refusal(HEAD + GOOD + text)


@pytest.mark.parametrize(("row", "expected"), [
    ("2,2020-01-01,2020-03-01,2022-01-01,,2021-01-01,no",
     "Column 'relapse date', row 3 (patient 2): relapse 2022-01-01 is after the last contact "
     "2021-01-01 (column 'last contact'). Fix: correct one of the two dates; a relapse must be "
     "known by the last contact."),
    ("2,2020-01-01,2020-03-01,2021-06-01,2021-05-01,2021-07-01,yes",
     "Column 'relapse date', row 3 (patient 2): relapse 2021-06-01 is after death 2021-05-01 "
     "(column 'death date'). Fix: correct one of the two dates; a relapse cannot follow "
     "death."),
    ("2,2020-01-01,2019-12-01,,,2021-01-01,no",
     "Column 'maintenance start', row 3 (patient 2): maintenance start 2019-12-01 is before "
     "diagnosis 2020-01-01 (column 'diagnosis date'). Fix: correct one of the two dates (day "
     "and month swapped?); maintenance starts after diagnosis."),
    ("2,2020-01-01,2020-03-01,,2020-02-01,2020-03-05,yes",
     "Column 'death date', row 3 (patient 2): death 2020-02-01 is before maintenance start "
     "2020-03-01 (column 'maintenance start'). Fix: correct one of the two dates (day and month "
     "swapped?); RFS runs from maintenance start and cannot be negative."),
    ("2,2020-01-01,2019-12-01,,,2019-12-15,no",
     "Column 'last contact', row 3 (patient 2): the last contact 2019-12-15 is before diagnosis "
     "2020-01-01 (column 'diagnosis date'). Fix: correct one of the two dates (day and month "
     "swapped?); every date of the course follows diagnosis."),
    ("2,2020-01-01,2020-03-01,,,2026-01-01,no",
     "Column 'last contact', row 3 (patient 2): the last contact 2026-01-01 is in the future "
     "(today is 2025-06-30). Fix: correct the date (the year?)."),
    ("2,2020-01-01,2020-03-01,,,,yes",
     "Column 'dead' (death flag), row 3 (patient 2): the patient died but neither a death date "
     "nor a last-contact date is recorded. Fix: enter the date of death or of the last "
     "contact."),
    ("2,2020-01-01,2020-03-01,,2021-01-01,2021-01-01,no",
     "Column 'dead' (death flag), row 3 (patient 2): the flag says no death, but death "
     "2021-01-01 is recorded (column 'death date'). Fix: correct the flag or remove the date."),
    ("2,2020-01-01,2020-03-01,,,2021-02-30,no",
     "Column 'last contact', row 3 (patient 2): value '2021-02-30' is not a date. Fix: correct "
     "it (a calendar date from 1900 on, e.g. 2020-03-25 or 25.03.2020)."),
    ("2,2020-01-01,2020-03-01,,,1021-01-01,no",
     "Column 'last contact', row 3 (patient 2): value '1021-01-01' is not a date. Fix: correct "
     "it (a calendar date from 1900 on, e.g. 2020-03-25 or 25.03.2020)."),
])
def test_each_conflict_is_named_with_patient_column_dates_and_fix(row, expected):
    assert expected in problems(row + "\n")


def test_one_date_breaking_two_rules_gets_both_sentences():
    assert problems("2,2020-01-01,2020-03-01,,,2019-06-01,no\n") == [
        "Column 'last contact', row 3 (patient 2): the last contact 2019-06-01 is before "
        "diagnosis 2020-01-01 (column 'diagnosis date'). Fix: correct one of the two dates (day "
        "and month swapped?); every date of the course follows diagnosis.",
        "Column 'last contact', row 3 (patient 2): the last contact 2019-06-01 is before "
        "maintenance start 2020-03-01 (column 'maintenance start'). Fix: correct one of the two "
        "dates (day and month swapped?); RFS runs from maintenance start and cannot be "
        "negative."]


def test_a_relapse_flag_without_a_relapse_date_column_leaves_rfs_out_and_os_in():
    """A flag does not date a relapse: no RFS (with the reason), never the whole file refused
    (setting the flagged rows aside would remove every relapse and block the upload). The
    flag itself is kept: relapse counts read it."""
    text = ("id,diagnosis date,maintenance start,relapse,last contact,dead\n"
            "1,2020-01-01,2020-03-01,no,2021-01-01,no\n2,2020-01-01,2020-03-01,yes,2021-01-01,yes\n")
    cohort = load_cohort(csv(text))
    assert cohort["os_event"].tolist() == [0, 1]
    assert cohort["rfs_months"].isna().all() and cohort["rfs_event"].tolist() == [0, 1]
    fields = set(propose_mapping(read_table(csv(text))).mapping.used_columns())
    assert unavailable_endpoints(fields) == {
        "rfs": "Relapse-free survival (RFS) is not available from this file's dates: it needs "
               "a relapse-date column (without one every patient would look relapse-free: a "
               "curve without relapses; a relapse flag alone does not say when the relapse "
               "happened). Map the column under Dates if the file has it."}


def test_every_problem_of_a_file_is_listed_at_once_each_with_its_patient():
    rows = "".join(f"{i},2020-01-01,2020-03-01,2022-01-01,,2021-01-01,no\n"
                   for i in range(2, 14))  # 12 relapses after the last contact
    found = problems(rows + "99,2020-01-01,2019-12-01,,,2021-01-01,no\n")
    assert len(found) == 13
    assert sorted(int(p.split("(patient ")[1].split(")")[0]) for p in found) == \
        [*range(2, 14), 99]
    assert found[0].startswith("Column 'maintenance start', row 15 (patient 99)")
    assert found[1].startswith("Column 'relapse date', row 3 (patient 2): relapse 2022-01-01 is "
                               "after the last contact 2021-01-01")


def test_problem_rows_are_set_aside_with_the_events_they_hold():
    text = HEAD + GOOD + ("2,2020-01-01,2020-03-01,2022-01-01,,2021-01-01,yes\n"
                          "3,2020-01-01,2020-03-01,,,2021-05-01,yes\n")
    raw = read_table(csv(text))
    split = set_aside_invalid_rows(apply_mapping(raw, propose_mapping(raw).mapping))
    assert split.cohort["patient_id"].tolist() == [1, 3]
    assert split.set_aside["row"].tolist() == [3]
    assert split.events == (("deaths", 1, 2), ("relapses", 1, 1))
    assert split.events_removed() == "removes 1 of 2 deaths and 1 of 1 relapses"
    assert split.removes_all_events()
    assert split.problem_rows()["problem"].str.startswith("Column 'relapse date'").all()


def test_ambiguous_day_month_is_never_guessed():
    text = ("id,diagnosis date,maintenance start,last contact,relapse date,dead\n"
            "1,03/01/2020,04/02/2020,05/06/2021,,no\n2,01/02/2020,03/04/2020,06/07/2021,,yes\n")
    assert refusal(text) == [
        "Columns 'diagnosis date', 'maintenance start', 'last contact' hold dates such as "
        "'03/01/2020' that read both as day/month/year and as month/day/year (no date in the "
        "file has a day above 12 to tell which). Choose the order (day first or month first) "
        "under Dates on the Your data page (in a saved mapping: date_format '%d/%m/%Y' or "
        "'%m/%d/%Y'), or write the dates as YYYY-MM-DD. (No mapping was given and the file is "
        "ambiguous here.)"]
    raw = read_table(csv(text))
    mapping = Mapping.from_dict({**propose_mapping(raw).mapping.to_dict(),
                                 "date_format": "%d/%m/%Y"})
    day_first = load_cohort(csv(text), mapping.to_dict())
    assert day_first["os_months"].tolist() == pytest.approx([
        (pd.Timestamp("2021-06-05") - pd.Timestamp("2020-01-03")).days / 30.4375,
        (pd.Timestamp("2021-07-06") - pd.Timestamp("2020-02-01")).days / 30.4375])
    month_first = load_cohort(csv(text), {**mapping.to_dict(), "date_format": "%m/%d/%Y"})
    assert month_first["os_months"].iloc[0] == pytest.approx(
        (pd.Timestamp("2021-05-06") - pd.Timestamp("2020-03-01")).days / 30.4375)


def test_one_column_with_a_day_above_12_orders_its_siblings():
    text = ("id,diagnosis date,last contact,dead\n1,25/01/2020,05/06/2021,no\n"
            "2,01/02/2020,03/04/2021,yes\n")
    cohort = load_cohort(csv(text))
    assert cohort["date_last_contact"].dt.strftime("%Y-%m-%d").tolist() == ["2021-06-05",
                                                                            "2021-04-03"]


def test_a_direct_table_with_ambiguous_dates_names_the_column():
    from core.cohort.validate import validate_cohort

    raw = pd.DataFrame({"patient_id": ["1"], "date_diagnosis": ["03/01/2020"],
                        "date_last_contact": ["2021-01-01"], "os_event": ["0"]})
    with pytest.raises(CohortError, match=r"^The cohort has 1 problem:\n- Column "
                       r"`date_diagnosis`: dates such as '03/01/2020' read both as "
                       r"day/month/year and as month/day/year, and no date in the file has a "
                       r"day above 12 to tell which\. Fix: choose the order"):
        validate_cohort(raw)


def test_an_unmapped_death_field_makes_os_unavailable_never_all_censored():
    text = ("id,diagnosis date,maintenance start,relapse date,last contact\n"
            "1,2020-01-01,2020-03-01,2020-09-01,2021-01-01\n2,2020-02-01,2020-04-01,,2022-01-01\n")
    cohort = load_cohort(csv(text))
    assert cohort["os_months"].isna().all() and cohort["os_event"].isna().all()
    assert cohort["rfs_event"].tolist() == [1, 0]
    fields = set(propose_mapping(read_table(csv(text))).mapping.used_columns())
    assert unavailable_endpoints(fields) == {
        "os": "Overall survival (OS) is not available from this file's dates: it needs a death "
              "date or a death flag/status column (without one every patient would look "
              "alive: a curve without deaths). Map the column under Dates if the file has it."}


def test_no_endpoint_from_dates_says_what_is_missing():
    text = "id,diagnosis date,last contact\n1,2020-01-01,2021-01-01\n"
    with pytest.raises(CohortError, match=r"The table has no endpoint; the file has 'patient_id', "
                       r"'date_diagnosis', 'date_last_contact'\. Overall survival \(OS\) is not "
                       r"available from this file's dates: it needs a death date or a death "
                       r"flag/status column .* Relapse-free survival \(RFS\) is not available "
                       r"from this file's dates: it needs a maintenance-start date"):
        load_cohort(csv(text))


def chinese_with_sorafenib() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["病历号", "索拉非尼", "诊断日期", "维持治疗开始日期", "复发日期", "末次随访日期",
                  "死亡"])
    day = pd.Timestamp
    for pid, sora, dx, mt, rel, last, dead in [
            ("A01", "维持前", "2020-01-10", "2020-06-01", "2021-03-01", "2021-09-01", "是"),
            ("A02", "维持中", "2019-05-02", "2019-10-15", None, "2024-05-31", "否"),
            ("A03", "维持中", "2021-02-20", "2021-07-01", None, "2023-01-15", "是")]:
        sheet.append([pid, sora, day(dx).to_pydatetime(), day(mt).to_pydatetime(),
                      None if rel is None else day(rel).to_pydatetime(),
                      day(last).to_pydatetime(), dead])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def test_an_optional_column_that_does_not_fit_is_left_unmapped_with_a_note():
    """The issue's Chinese sorafenib column (维持前/维持中) is no induction/consolidation: it
    stays an extra column and every row loads."""
    data = chinese_with_sorafenib()
    proposal = propose_mapping(read_table(io.BytesIO(data)))
    assert "sorafenib_timing" not in dict(proposal.mapping.columns)
    assert proposal.notes == (
        "Column '索拉非尼' was not used as Sorafenib timing: its values '维持中', '维持前' are "
        "not induction, consolidation. It is kept under its own name (a filter and group); to "
        "use it as that field, choose it under Optional fields and code its values.",)
    cohort = load_cohort(io.BytesIO(data))
    assert cohort["索拉非尼"].tolist() == ["维持前", "维持中", "维持中"]
    assert cohort["os_event"].tolist() == [1, 0, 1]
    assert cohort["sorafenib_timing"].isna().all()


def test_a_number_field_holding_text_is_left_unmapped():
    raw = pd.DataFrame({"id": ["1", "2"], "os_months": ["3", "4"], "os_event": ["1", "0"],
                        "age": ["45", "about 60"]})
    proposal = propose_mapping(raw)
    assert "age" not in dict(proposal.mapping.columns)
    assert proposal.notes == (
        "Column 'age' was not used as Age (years): its values 'about 60' are not numbers. It is "
        "kept under its own name (a filter and group); to use it as that field, choose it under "
        "Optional fields and code its values.",)


def test_the_death_date_field_may_reuse_the_last_contact_column():
    data = chinese_with_sorafenib()
    raw = read_table(io.BytesIO(data))
    proposal = propose_mapping(raw).mapping.to_dict()
    proposal["columns"]["date_death"] = "末次随访日期"
    mapping = Mapping.from_dict(proposal)
    assert mapping.used_columns().get("date_death") is None
    cohort = load_cohort(io.BytesIO(data), mapping.to_dict())
    assert cohort["os_event"].tolist() == [1, 0, 1]
    assert cohort["death_at_last_contact"].tolist() == [1, 0, 1]
    assert cohort["rfs_status"].tolist() == [1, 0, 2]
    assert derivation_table(mapping.used_columns())[0] == {
        "time": "`os_months`, `os_event`", "starts at": "'诊断日期'",
        "event": "death (flag '死亡') dated at '末次随访日期'", "censored at": "'末次随访日期'"}
    with pytest.raises(CohortError, match=r"The mapping uses file column '末次随访日期' for more "
                       r"than one field\."):
        Mapping.from_dict({**proposal, "columns": {**proposal["columns"],
                                                   "date_relapse": "末次随访日期"}})


def test_methods_text_says_when_death_was_taken_at_last_contact():
    cohort = load_cohort(io.BytesIO(chinese_with_sorafenib()))
    assert methods_sentences(cohort)[1] == (
        "2 of 2 deaths are recorded only by a flag, without a date of death, and are dated at "
        "the last-contact date, which may differ from the true date of death.")
    assert methods_sentences(load_cohort(csv(HEAD + GOOD))) == methods_sentences(
        load_cohort(csv(HEAD + GOOD)))[:1]


def test_a_baseline_table_of_an_upload_never_reads_dead_100_percent():
    cohort = load_cohort(io.BytesIO(chinese_with_sorafenib()))
    table = baseline_characteristics(cohort)
    outcome = table[table["characteristic"] == "Outcome"]
    assert dict(zip(outcome["level"], outcome["summary"], strict=True)) == {
        "dead": "2 (66.7%)", "alive or lost (not recorded)": "1 (33.3%)"}  # from the flags


DATES = st.one_of(st.none(), st.dates(min_value=pd.Timestamp("2015-01-01").date(),
                                      max_value=pd.Timestamp("2025-06-30").date()))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(DATES, DATES, DATES, DATES, DATES,
                          st.sampled_from(["yes", "no", ""]),
                          st.sampled_from(["yes", "no", ""])), min_size=1, max_size=6))
def test_any_table_of_dates_loads_in_order_or_is_refused(patients):
    """origin <= event <= end of follow-up (the last contact, or a later death date) for
    every derived time, or CohortError; never anything else."""
    head = "id,diagnosis date,maintenance start,relapse date,death date,last contact,dead,relapse\n"
    body = "".join(",".join([str(i), *("" if d is None else d.isoformat() for d in p[:5]),
                             p[5], p[6]]) + "\n" for i, p in enumerate(patients))
    try:
        cohort = load_cohort(csv(head + body))
    except CohortError as error:
        assert error.problems and all(isinstance(p, str) and "Fix" in p for p in error.problems)
        return
    for (dx, mt, rel, death, last, dead, relapsed), (_, row) in zip(
            patients, cohort.iterrows(), strict=True):
        end = max(d for d in (last, death) if d is not None) if last or death else None
        if pd.notna(row["os_months"]):
            stop = pd.Timestamp(dx) + pd.Timedelta(days=round(row["os_months"] * 30.4375))
            assert pd.Timestamp(dx) <= stop <= pd.Timestamp(end)
            assert row["os_event"] == int(dead == "yes" or (dead == "" and death is not None))
        if pd.notna(row["rfs_months"]):
            stop = pd.Timestamp(mt) + pd.Timedelta(days=round(row["rfs_months"] * 30.4375))
            assert pd.Timestamp(mt) <= stop <= pd.Timestamp(end)
            assert row["rfs_event"] == int(relapsed == "yes"
                                           or (relapsed == "" and rel is not None))
            if row["rfs_event"] == 1:
                assert stop == pd.Timestamp(rel)
            assert row["rfs_status"] in (0, 1, 2)
            assert (row["rfs_status"] == 1) == (row["rfs_event"] == 1)


def test_the_other_flag_messages_are_pinned():
    no_death_date = ("id,diagnosis date,maintenance start,relapse date,last contact,dead,"
                     "relapse\n1,2020-01-01,2020-03-01,,,yes,no\n"
                     "2,2020-01-01,2020-03-01,,2021-01-01,no,yes\n"
                     "3,2020-01-01,2020-03-01,2020-06-01,2021-01-01,no,no\n")
    assert refusal(no_death_date) == [
        "Column 'dead' (death flag), row 2 (patient 1): the patient died but no last-contact "
        "date is recorded (column 'last contact'). Fix: enter the date of death or of the "
        "last contact.",
        "Column 'relapse', row 3 (patient 2): the patient relapsed but no "
        "relapse date is recorded (column 'relapse date'). Fix: enter the relapse date, or "
        "code the flag as no relapse if there was none.",
        "Column 'relapse', row 4 (patient 3): the flag says no relapse, but "
        "relapse 2020-06-01 is recorded (column 'relapse date'). Fix: correct the flag or "
        "remove the date."]


def test_more_than_500_patients_breaking_one_rule_get_one_summary_for_the_rest():
    rows = "".join(f"{i},2020-01-01,2020-03-01,2022-01-01,,2021-01-01,no\n"
                   for i in range(2, 504))  # 502 relapses after the last contact
    found = problems(rows)
    assert len(found) == 501
    assert found[-1] == (
        "Column 'relapse date': 2 more patients break this rule (rows 503, 504 (patients 502, "
        "503)).")


def test_the_other_proposal_sentences_are_pinned():
    text = ("id,diagnosis date,last contact,dead\n1,13/01/2020,01/02/2021,no\n"
            "2,01/02/2020,01/13/2021,yes\n")
    proposal = propose_mapping(read_table(csv(text)))
    assert proposal.choices == (
        "Columns 'diagnosis date', 'last contact' hold dates such as '13/01/2020' that read "
        "both as day/month/year and as month/day/year (the columns disagree on the order). "
        "Choose the order (day first or month first) under Dates on the Your data page (in a "
        "saved mapping: date_format '%d/%m/%Y' or '%m/%d/%Y'), or write the dates as "
        "YYYY-MM-DD.",)
    text = "id,diagnosis date,last contact,dead\n1,2020-01-01,unknown,no\n2,2020-01-01,?,yes\n"
    assert propose_mapping(read_table(csv(text))).notes == (
        "Column 'last contact' was not used as the last contact date: its cells are not "
        "dates. It is kept under its own name.",)
    assert unavailable_endpoints({"patient_id", "os_months"}) == {
        "os": "Overall survival (OS) is not available: the time column is mapped but not its "
              "event (`os_event`). Map the event column too.",
        "rfs": "Relapse-free survival (RFS) is not available from this file's dates: it needs a "
               "maintenance-start date (RFS runs from maintenance start) and a relapse-date "
               "column (without one every patient would look relapse-free: a curve without "
               "relapses; a relapse flag alone does not say when the relapse happened) and a "
               "last-contact date (the end of follow-up without "
               "relapse). Map the column under Dates if the file has it."}


def test_a_clean_file_sets_nothing_aside_and_removes_no_event():
    raw = read_table(csv(HEAD + GOOD))
    split = set_aside_invalid_rows(apply_mapping(raw, propose_mapping(raw).mapping))
    assert split.n_set_aside == 0 and split.events == ()
    assert split.events_removed() == "removes no recorded event"


def test_a_blank_death_flag_without_a_death_date_leaves_the_outcome_not_recorded():
    """Outcome is derived only as far as the death record goes: a blank flag and no date say
    nothing, so that patient's outcome stays empty ("not recorded"), not "alive"."""
    text = ("id,diagnosis date,last contact,dead\n1,2020-01-01,2021-01-01,yes\n"
            "2,2020-01-01,2021-01-01,no\n3,2020-01-01,2021-01-01,\n")
    cohort = load_cohort(csv(text))
    assert cohort["outcome"].tolist()[:2] == ["dead", "alive or lost (not recorded)"]
    assert pd.isna(cohort["outcome"].iloc[2])

"""AppTest tests of the Your data page with exports built from dates (issue 21).

The findings of the issue, each as a flow through the page: a Chinese export that records death
only as 是/否 beside the last-contact date (the death-date field may reuse the last-contact
column; the preview and the methods caption say that death was taken at the last contact), an
endpoint whose death field is left unmapped (not offered, with the reason, never all-censored),
an optional column that does not fit (left unmapped with a note), every problem row listed
page by page, and the events a set-aside would remove counted before it is offered.
"""

from __future__ import annotations

from tests.core.cohort.date_exports import export
from tests.core.cohort.test_date_conflicts import chinese_with_sorafenib
from tests.pages.test_your_data_page import button, frame, header, session_with_file
from ui.upload import NOT_IN_FILE


def use(at):
    button(at, "upload.check").click()
    at.run()
    assert not at.exception
    return at


def test_a_chinese_death_flag_export_dies_at_the_last_contact():
    at = session_with_file("随访.xlsx", export("zh_flag_xlsx"))
    assert not at.exception
    assert at.selectbox(key="map.os_event").value == "死亡"
    assert at.selectbox(key="map.date_death").value == NOT_IN_FILE
    sources = frame(at, "starts at")
    assert sources.iloc[0].tolist() == ["`os_months`, `os_event`", "'诊断日期'",
                                        "death (flag '死亡') dated at '末次随访日期'",
                                        "'末次随访日期'"]
    assert sources.iloc[1]["starts at"] == "'维持治疗开始日期'"
    assert any(c.value.startswith("Death taken at the last contact: 5 of the 8 rows shown die "
                                  "at their last-contact date") for c in at.caption)
    use(at)
    assert header(at).startswith("**8 of 8 patients** · ")
    cohort = at.session_state["cohort.data"]
    assert int(cohort["os_event"].sum()) == 5
    assert cohort["rfs_status"].tolist() == [1, 0, 2, 1, 2, 1, 0, 1]
    methods = next(c.value for c in at.caption if "How the times were computed" in c.value)
    assert "5 of 5 deaths are recorded only by a flag, without a date of death, and are dated " \
        "at the last-contact date" in methods


def test_the_death_date_field_can_reuse_the_last_contact_column():
    at = session_with_file("随访.xlsx", export("zh_flag_xlsx"))
    at.selectbox(key="map.date_death").set_value("末次随访日期").run()
    assert not at.exception
    assert not at.error
    assert frame(at, "starts at").iloc[0]["event"] == \
        "death (flag '死亡') dated at '末次随访日期'"
    use(at)
    assert int(at.session_state["cohort.data"]["os_event"].sum()) == 5


def test_a_death_field_left_unmapped_makes_os_unavailable_not_all_censored():
    at = session_with_file("随访.xlsx", export("zh_flag_xlsx"))
    at.selectbox(key="map.os_event").set_value(NOT_IN_FILE).run()
    reason = ("Overall survival (OS) is not available from this file's dates: it needs a death "
              "date or a death flag/status column (without one every patient would look alive: "
              "a curve without deaths). Map the column under Dates if the file has it.")
    assert any(w.value == reason for w in at.warning)
    use(at)
    cohort = at.session_state["cohort.data"]
    assert cohort["os_months"].isna().all() and cohort["os_event"].isna().all()
    assert any(i.value == reason for i in at.info)
    at.switch_page("pages/1_Survival.py").run()
    assert not at.exception


def test_an_optional_column_that_does_not_fit_is_noted_and_every_row_loads():
    at = session_with_file("export.xlsx", chinese_with_sorafenib())
    assert at.selectbox(key="map.sorafenib_timing").value == NOT_IN_FILE
    assert any(i.value.startswith("Column '索拉非尼' was not used as Sorafenib timing: its "
                                  "values '维持中', '维持前' are not induction, consolidation.")
               for i in at.info)
    use(at)
    assert header(at).startswith("**3 of 3 patients** · ")


def conflicting_export(bad: int, good: int) -> bytes:
    """``bad`` patients relapsing after their last contact, ``good`` sound ones; all relapse,
    the sound ones die."""
    rows = ["id,diagnosis date,maintenance start,relapse date,death date,last contact"]
    rows += [f"B{i:03d},2020-01-01,2020-03-01,2022-01-01,,2021-01-01" for i in range(bad)]
    rows += [f"G{i:03d},2020-01-01,2020-03-01,2020-09-01,2021-01-01,2021-01-01"
             for i in range(good)]
    return ("\n".join(rows) + "\n").encode()


def test_every_problem_row_is_listed_page_by_page_with_the_events_it_removes():
    at = use(session_with_file("c.csv", conflicting_export(60, 10)))
    warning = next(w.value for w in at.warning if "break a rule" in w.value)
    assert warning.startswith("**60 rows of 70 break a rule** (60 problems).")
    first = frame(at, "problem")
    assert len(first) == 25 and first["patient_id"].iloc[0] == "B000"
    assert first["problem"].iloc[0] == (
        "Column 'relapse date', row 2 (patient B000): relapse 2022-01-01 is after the last "
        "contact 2021-01-01 (column 'last contact'). Fix: correct one of the two dates; a "
        "relapse must be known by the last contact.")
    at.number_input(key="upload.problem_page").set_value(3).run()
    last = frame(at, "problem")
    assert last["patient_id"].tolist() == [f"B{i:03d}" for i in range(50, 60)]
    assert any(c.value == "Every problem row: 51-60 of 60." for c in at.caption)
    assert any(m.value == "Setting these 60 rows aside removes 0 of 10 deaths and 60 of 70 "
                          "relapses." for m in at.markdown)
    continue_button = button(at, "upload.continue")
    assert continue_button.label == ("Continue without these 60 rows (removes 0 of 10 deaths "
                                     "and 60 of 70 relapses)")
    continue_button.click()
    at.run()
    assert header(at).startswith("**10 of 10 patients**, 60 rows set aside · ")


def test_continuing_is_not_offered_when_it_removes_every_death():
    data = (b"id,diagnosis date,maintenance start,relapse date,death date,last contact\n"
            b"1,2020-01-01,2020-03-01,,2019-12-01,2021-01-01\n"
            b"2,2020-01-01,2020-03-01,,2019-01-01,2021-01-01\n"
            b"3,2020-01-01,2020-03-01,,,2021-01-01\n")
    at = session_with_file("c.csv", data)
    button(at, "upload.check").click()
    at.run()
    assert header(at).startswith("**19 of 19 patients** · ")
    blocked = next(e.value for e in at.error if "does not offer to continue" in e.value)
    assert blocked.startswith("Setting these 2 rows aside removes 2 of 2 deaths.")
    assert not [b for b in at.button if b.key == "upload.continue"]


def test_ambiguous_dates_ask_for_the_order_and_apply_the_answer():
    data = (b"id,diagnosis date,last contact,dead\n1,03/01/2020,05/06/2021,no\n"
            b"2,01/02/2020,03/04/2021,yes\n")
    at = session_with_file("c.csv", data)
    assert any("read both as day/month/year and as month/day/year" in w.value
               for w in at.warning)
    at.selectbox(key="map.date_format").set_value("month first (03/25/2020)").run()
    assert not at.exception
    preview = frame(at, "Patient")
    assert preview["date_diagnosis"].astype(str).str[:10].tolist() == ["2020-03-01",
                                                                       "2020-01-02"]
    use(at)
    assert header(at).startswith("**2 of 2 patients** · ")

"""AppTest tests of the Cohort page (app.py) and of the shared sidebar/URL behaviour."""

import json

from core.cohort.read import load_seed_cohort
from core.cohort.schema import LABELS
from tests.pages.helpers import baseline_table, header_text, patient_table, run_page


def test_renders_all_19_patients():
    at = run_page()
    assert not at.exception
    assert header_text(at) == "**19 of 19 patients** · no filters"
    patients, baseline = patient_table(at), baseline_table(at)
    assert len(patients) == 19
    assert LABELS["rfs_months"] in patients.columns and "RFS (months)" in patients.columns
    assert baseline.iloc[0].tolist() == ["Patients", "", "19"]
    assert {b.label for b in at.get("download_button")} == {
        "Download CSV", "Download CSV, readable headers", "Download XLSX",
        "Download baseline table (CSV)", "Download tumor-board report (HTML)"}
    # the flow diagram's SVG/PNG are in its section, drawn when opened (next tests)


def test_filter_changes_count_table_and_url():
    at = run_page()
    at.sidebar.multiselect(key="filter.mrd_pre_status").select("positive").run()
    assert header_text(at) == "**4 of 19 patients** · MRD before maintenance: positive"
    assert patient_table(at)[LABELS["patient_id"]].tolist() == [7, 9, 13, 17]
    assert at.query_params["mrd_pre_status"] == "positive"
    baseline = baseline_table(at)
    assert baseline.iloc[0].tolist() == ["Patients", "", "4"]


def test_filters_survive_moving_between_pages():
    at = run_page()
    at.sidebar.multiselect(key="filter.eln2022_risk").select("adverse").run()
    at.switch_page("pages/9_About.py").run()
    assert not at.exception
    assert header_text(at).startswith("**7 of 19 patients**")
    assert at.sidebar.multiselect(key="filter.eln2022_risk").value == ["adverse"]
    at.switch_page("app.py").run()
    assert header_text(at).startswith("**7 of 19 patients**")
    assert len(patient_table(at)) == 7


def test_link_opens_the_same_view():
    at = run_page(query={"eln2022_risk": "adverse,intermediate", "sorafenib_timing": "induction",
                         "age_min": "50"})
    seed = load_seed_cohort()
    expected = seed[seed.eln2022_risk.isin(["adverse", "intermediate"])
                    & (seed.sorafenib_timing == "induction") & (seed.age >= 50)]
    assert header_text(at).startswith(f"**{len(expected)} of 19 patients**")
    assert patient_table(at)[LABELS["patient_id"]].tolist() == \
        expected["patient_id"].tolist()
    assert at.sidebar.slider(key="filter.age").value == (50, 76)


def test_bad_link_values_give_a_notice_not_a_traceback():
    at = run_page(query={"eln2022_risk": "<b>bogus</b>", "age_max": "1e400"})
    assert not at.exception
    assert header_text(at) == "**19 of 19 patients** · no filters"
    notices = [w.value for w in at.warning]
    assert notices[0].startswith("The link asks for ELN 2022 risk 'bbogus/b'")
    assert "`age_max`" in notices[1]


def test_empty_filter_shows_a_friendly_message():
    at = run_page(query={"eln2022_risk": "favorable", "mrd_pre_status": "positive"})
    assert not at.exception
    assert header_text(at).startswith("**0 of 19 patients**")
    assert at.info[0].value.startswith("No patient matches the current filters.")
    assert len(at.dataframe) == 0


def test_clear_all_filters():
    at = run_page(query={"outcome": "dead"})
    assert header_text(at).startswith("**3 of 19 patients**")
    at.sidebar.button(key="filter.clear").click().run()
    assert header_text(at) == "**19 of 19 patients** · no filters"
    assert "outcome" not in at.query_params


def test_more_filters_age_and_co_mutations():
    at = run_page()
    at.sidebar.slider(key="filter.age").set_value((60, 70)).run()
    assert header_text(at).startswith("**7 of 19 patients**")
    at.sidebar.multiselect(key="filter.co_mutations").select("NPM1").select("TET2").run()
    at.sidebar.radio(key="filter.co_mutation_mode").set_value("all").run()
    # 60-70 years with both NPM1 and TET2: patients 4 (70) and 6 (60)
    assert patient_table(at)[LABELS["patient_id"]].tolist() == [4, 6]


def test_tumor_board_report_download_offered_for_every_stratifier():
    at = run_page()
    assert "Download tumor-board report (HTML)" in {b.label for b in at.get("download_button")}
    for by in ("mrd_pre_status", "eln2022_risk", "none"):
        at.selectbox(key="report.by").set_value(by).run()
        assert not at.exception, by


def test_link_age_bound_outside_the_cohort_is_kept_as_written():
    """Issue 18: ``age_max=5`` showed "1 of 19 patients" and rewrote itself to 21."""
    at = run_page(query={"age_max": "5"})
    assert not at.exception
    assert header_text(at).startswith("**0 of 19 patients** · Age (years): ")
    assert header_text(at).endswith("<= 5")
    assert at.query_params["age_max"] in ("5", ["5"])
    assert at.sidebar.slider(key="filter.age").value == (5, 5)


def test_link_notices_stay_until_dismissed():
    at = run_page(query={"eln2022_risk": "bogus", "age_max": "5"})
    first = [w.value for w in at.warning]
    assert first and first[0].startswith("The link asks for ELN 2022 risk 'bogus'")
    at.sidebar.multiselect(key="filter.sex").select("F").run()
    assert [w.value for w in at.warning] == first  # a filter change keeps them
    at.button(key="filters.dismiss_notices").click().run()
    assert not at.warning


def test_repeated_link_keys_get_a_notice():
    at = run_page(query={"eln2022_risk": ["adverse", "favorable"]})
    assert not at.exception
    assert header_text(at).startswith("**10 of 19 patients**")
    assert any("names `eln2022_risk` 2 times" in w.value for w in at.warning)


def test_link_of_a_lost_upload_says_the_view_shows_the_study_cohort():
    """Issue 17: after an upload, a reload or shared link silently showed the study cohort."""
    at = run_page(query={"cohort": "upload", "mrd_pre_status": "positive"})
    assert not at.exception
    warning = at.warning[0].value
    assert warning.startswith("This link was made on an uploaded cohort. Uploaded cohorts are "
                              "not kept across reloads")
    assert "shows the embedded study cohort" in warning
    assert "applied to the study cohort" in warning
    assert header_text(at).startswith("**4 of 19 patients**")


def test_downloads_are_built_only_when_asked(monkeypatch):
    """Issue 18: every rerun built the XLSX, the HTML report and the CSVs (151 s for the XLSX
    of 10^6 rows). Rendering the page and changing a filter must build none of them."""
    import ui.cached

    built: list[str] = []
    for name in ("table_to_csv", "table_to_xlsx"):
        monkeypatch.setattr(ui.cached, name, lambda *a, _n=name, **k: built.append(_n) or b"")
    monkeypatch.setattr(ui.cached.report, "tumor_board_html",
                        lambda *a, **k: built.append("report") or b"")
    ui.cached.csv_bytes.clear(), ui.cached.xlsx_bytes.clear()
    ui.cached.tumor_board_html.clear()
    at = run_page()
    at.sidebar.multiselect(key="filter.sex").select("F").run()
    at.selectbox(key="report.by").set_value("mrd_pre_status").run()
    assert not at.exception
    assert {b.label for b in at.get("download_button")} >= {
        "Download CSV", "Download XLSX", "Download tumor-board report (HTML)"}
    assert built == []


def test_first_screen_leads_with_the_key_numbers():
    """Issue 17: n, events, median follow-up (reverse KM; R survfit(Surv(os_months,
    1 - os_event) ~ 1): 54, 46-69), OS and RFS at 24 months with CIs (R summary(fit, times =
    24), log-log: OS 94.4% (66.6-99.2), RFS 66.0% (36.1-84.4)), a small KM of each, links on."""
    at = run_page()
    texts = [m.value for m in at.markdown]
    first = next(i for i, t in enumerate(texts) if t.startswith("**19 of 19 patients**"))
    assert texts[first + 1] == (
        "**19 patients: 6 relapses and 3 deaths over a median follow-up of 54.0 months; "
        "at 24 months RFS 66%, OS 94%.**")  # the answer first, before the metrics (issue 24)
    assert {m.label: m.value for m in at.metric} == {
        "Patients": "19", "Deaths": "3", "Relapses": "6", "Median follow-up, months": "54.0",
        "OS at 24 months": "94.4%", "RFS at 24 months": "66.0%"}
    captions = [c.value for c in at.caption]
    assert {"95% CI 46.0–69.0", "95% CI 66.6–99.2", "95% CI 36.1–84.4"} <= set(captions)
    assert any("reverse Kaplan-Meier" in c for c in captions)
    charts = [c.proto.id for c in at.get("plotly_chart")]
    assert any(i.endswith("cohort.km.os") for i in charts) and \
        any(i.endswith("cohort.km.rfs") for i in charts)
    patients = patient_table(at)
    assert list(patients.columns[:8]) == [
        "Patient", "ELN 2022 risk", "MRD before maintenance", "Sorafenib timing",
        "RFS (months)", "Relapse", "OS (months)", "Death"]
    order = [f.value.columns[0] for f in at.dataframe]
    assert order.index("Characteristic") < order.index("Patient")


def test_first_screen_with_a_filter_and_without_rfs_events():
    at = run_page(query={"eln2022_risk": "intermediate"})
    assert not at.exception
    values = {m.label: m.value for m in at.metric}
    assert values["Patients"] == "9" and values["Relapses"] == "0"
    assert values["RFS at 24 months"] == "100.0%"


def test_column_names_in_error_messages_show_without_backslashes():
    """Issue 18: upload problems showed `blasts\\_pct`; a code span is kept as written."""
    from streamlit.testing.v1 import AppTest

    from tests.pages.helpers import ROOT
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["cohort.problems"] = ("bad_file.csv", [
        "Row 3, column `blasts_pct`: value 'x' is not a number. Fix: write a percentage."])
    at.run()
    error = at.sidebar.error[0].value
    assert "column `blasts_pct`:" in error and "blasts\\_pct`" not in error
    assert "**bad\\_file.csv was not loaded**" in error  # outside code spans, escaped


def test_baseline_table_split_by_group_with_p_and_note():
    at = run_page(timeout=120)
    at.selectbox(key="cohort.baseline_by").select("mrd_pre_status").run()
    assert not at.exception
    split = next(d.value for d in at.dataframe if "Overall" in d.value.columns)
    assert "positive (n = 4)" in split.columns
    assert split.loc[split["Characteristic"] == "Sex", "p"].iloc[0] == "1.000"
    assert any("describe imbalance" in c.value for c in at.caption)


def test_flow_diagram_counts_every_row():
    """Drawn when its section is opened (a first visit sends the browser no figure there)."""
    at = run_page(query={"sorafenib_timing": "induction"}, timeout=120)
    assert not at.exception
    assert not any("Rows in the file" in c.proto.spec for c in at.get("plotly_chart"))
    at.session_state["cohort.flow_open"] = True  # the user opens the section
    at.run()
    spec = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                if "Rows in the file" in c.proto.spec)
    texts = [a["text"] for a in spec["layout"]["annotations"]]
    assert "Rows in the file<br><b>n = 19</b>" in texts
    assert "Filter: Sorafenib timing =<br>induction<br><b>n = 14</b>" in texts
    assert "not Sorafenib timing =<br>induction: 5" in texts
    labels = {d.proto.label for d in at.get("download_button")}
    assert {"Flow diagram (SVG)", "Flow diagram (PNG)"} <= labels  # through the guard
    at.radio(key="cohort.flow_endpoint").set_value("os").run()
    at.session_state["cohort.flow_open"] = False  # closed: the report keeps the choice
    at.run()
    assert at.query_params["cohort.flow_endpoint"] == "os"
    at.session_state["cohort.flow_open"] = True
    assert at.run().radio(key="cohort.flow_endpoint").value == "os"


def test_table1_follows_the_survival_grouping_until_no_split_is_chosen():
    """Default: as the Survival page (the deck's comparison); "No split" is a choice kept in
    the link (cohort.baseline_by=none), which the deck honours
    (tests/pages/test_deliverable_choices.py)."""
    at = run_page(query={"survival.by": "eln2022_risk"}, timeout=120)
    assert not at.exception
    box = at.selectbox(key="cohort.baseline_by")
    assert box.value == "survival"
    assert "As the Survival page (ELN 2022 risk)" in box.options
    split = next(d.value for d in at.dataframe if "Overall" in d.value.columns)
    assert "adverse (n = 7)" in split.columns
    box.select("none").run()
    assert not at.exception
    assert not any("Overall" in d.value.columns for d in at.dataframe)
    assert at.query_params["cohort.baseline_by"] == "none"

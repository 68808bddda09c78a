"""AppTest: the endpoint choice (ui/endpoints.py) on the pages that have one, the embedded
study's OS with delayed entry next to the naive one, and endpoints defined on Your data.

Numbers: the delayed-entry medians are R's (``survfit(Surv(os_months - rfs_months, os_months,
os_event) ~ mrd_pre_status)``, tests/core/golden/entry_r_golden.json, case seed_os_by_mrd:
MRD-positive median 32 (20-NR) months; naive 44 (20-NR)).
"""

from __future__ import annotations

import io
import json
import zipfile

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.cohort.read import load_seed_cohort
from core.cohort.text import markdown_safe
from core.survival.endpoint import EndpointRecipe, endpoint_to_dict, user_endpoint
from core.survival.km.guarantee import BIAS_SENTENCE, STUDY_PRINTED
from core.survival.km.summary import ENTRY_TEST_NOTE
from tests.pages.helpers import ROOT, run_page

SURVIVAL = "pages/1_Survival.py"
LABELS = ["Overall survival (OS)", "Relapse-free survival (RFS; study: relapse only)",
          "Event-free survival (EFS; ELN 2022 RFS: relapse or death)",
          "Overall survival (OS; delayed entry at maintenance start)",
          "Overall survival (OS; from maintenance start)"]


def test_the_survival_page_offers_every_survival_endpoint_of_the_study():
    at = run_page(SURVIVAL)
    assert not at.exception
    assert at.selectbox(key="survival.endpoint").options == LABELS
    at.selectbox(key="survival.endpoint").set_value("efs").run()
    assert not at.exception
    assert at.query_params["survival.endpoint"] in ("efs", ["efs"])
    captions = " ".join(c.value for c in at.caption)
    assert "ELN 2022 calls this RFS" in captions
    assert any("placed at the end of relapse-free follow-up" in w.value for w in at.warning)


def test_os_by_mrd_shows_the_delayed_entry_comparison_and_why():
    at = run_page(SURVIVAL, {"survival.endpoint": "os", "survival.by": "mrd_pre_status"})
    assert not at.exception
    assert any(BIAS_SENTENCE in m.value for m in at.markdown)
    table = next(f.value for f in at.dataframe if "Median, delayed entry" in f.value.columns)
    positive = table.set_index("MRD before maintenance").loc["positive"]
    assert positive["Median, naive"] == "44.0 (20.0–NR)"
    assert positive["Median, delayed entry"] == "32.0 (20.0–NR)"
    assert any("upper bound" in c.value for c in at.caption)


def test_os_with_delayed_entry_shows_the_cox_score_test():
    at = run_page(SURVIVAL, {"survival.endpoint": "os_entry", "survival.by": "mrd_pre_status"})
    assert not at.exception
    assert "Log-rank p" in {m.label for m in at.metric}
    assert any(markdown_safe(ENTRY_TEST_NOTE) in w.value for w in at.warning)  # as the page shows
    assert any("score test of the Breslow Cox model" in c.value for c in at.caption)


@pytest.mark.parametrize(("page", "key"), [("pages/7_Subgroups.py", "cut.endpoint"),
                                           ("pages/7_Subgroups.py", "forest.endpoint")])
def test_subgroup_pages_offer_the_endpoints_without_delayed_entry(page, key):
    at = run_page(page, {key: "efs"})
    assert not at.exception
    assert at.selectbox(key=key).value == "efs"
    assert at.selectbox(key=key).options == [LABELS[0], LABELS[1], LABELS[2], LABELS[4]]


def test_about_and_paper_check_say_which_version_the_study_printed():
    for page in ("pages/9_About.py", "pages/5_Paper_check.py"):
        at = run_page(page)
        assert not at.exception
        shown = " ".join([*(m.value for m in at.markdown), *(c.value for c in at.caption)])
        assert STUDY_PRINTED in shown, page


def dated_cohort() -> pd.DataFrame:
    cohort = load_seed_cohort()
    cohort["date_maintenance_start"] = pd.Timestamp("2020-01-01")
    cohort["gvhd_date"] = pd.NaT
    cohort.loc[cohort["patient_id"].astype(str).isin(["1", "3"]), "gvhd_date"] = \
        pd.Timestamp("2020-06-01")
    cohort["date_last_contact"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(
        cohort["rfs_months"] * 30.4375, unit="D")
    return cohort


def run_with(cohort, page, state=None, query=None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["cohort.data"] = cohort
    at.session_state["cohort.source"] = "Uploaded file dated.csv"
    for key, value in (state or {}).items():
        at.session_state[key] = value
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if page != "app.py":  # the session opens on the page, as a link to it does
        at.switch_page(page)
    return at.run()


def test_an_endpoint_defined_on_your_data_is_offered_on_the_survival_page():
    at = run_with(dated_cohort(), "pages/0_Your_data.py")
    assert not at.exception
    at.text_input(key="endpoint.name").set_value("GVHD-free survival")
    at.text_input(key="endpoint.abbreviation").set_value("GFS")
    at.selectbox(key="endpoint.origin").set_value("date_maintenance_start")
    at.selectbox(key="endpoint.censor").set_value("date_last_contact")
    at.multiselect(key="endpoint.events").set_value(["gvhd_date"])
    at.button(key="endpoint.add").click()
    at.run()
    assert not at.exception
    assert any("GVHD-free survival (GFS) is offered on every page now" in s.value
               for s in at.success)
    defined = at.session_state["endpoints.user"]
    at.switch_page(SURVIVAL).run()
    assert "GVHD-free survival (GFS)" in at.selectbox(key="survival.endpoint").options
    at.selectbox(key="survival.endpoint").set_value("u.gfs").run()
    assert not at.exception
    assert any("2 events" in m.value for m in at.markdown)
    assert defined[0]["events"] == ["gvhd_date"]


def test_an_endpoint_without_events_is_refused_with_the_reason():
    at = run_with(dated_cohort().assign(gvhd_date=pd.NaT), "pages/0_Your_data.py")
    at.text_input(key="endpoint.name").set_value("Never")
    at.text_input(key="endpoint.abbreviation").set_value("NV")
    at.selectbox(key="endpoint.censor").set_value("date_last_contact")
    at.multiselect(key="endpoint.events").set_value(["gvhd_date"])
    at.button(key="endpoint.add").click()
    at.run()
    assert any("Never (NV) is not offered: the cohort has no values in `gvhd_date`" in e.value
               for e in at.error)
    assert "endpoints.user" not in at.session_state


def test_a_user_endpoint_in_the_session_is_offered_on_the_subgroups_page():
    endpoint = user_endpoint("GVHD-free survival", "GFS", EndpointRecipe(
        "date_maintenance_start", ("gvhd_date",), "date_last_contact"))
    at = run_with(dated_cohort(), "pages/7_Subgroups.py",
                  state={"endpoints.user": [endpoint_to_dict(endpoint)]},
                  query={"cut.endpoint": "u.gfs"})
    assert not at.exception
    assert at.selectbox(key="cut.endpoint").value == "u.gfs"


def test_an_own_incidence_endpoint_with_entry_is_drawn_on_the_competing_risks_page():
    """Relapse incidence from diagnosis with delayed entry at maintenance start and death as
    the competing event: Aalen-Johansen with the infinitesimal-jackknife se; no Gray's test."""
    cohort = dated_cohort()
    cohort["date_diagnosis"] = pd.Timestamp("2019-06-01")
    cohort["date_relapse"] = (pd.Timestamp("2020-01-01") + pd.to_timedelta(
        cohort["rfs_months"] * 30.4375, unit="D")).where(cohort["rfs_event"] == 1)
    cohort["date_death"] = cohort["date_last_contact"].where(
        (cohort["os_event"] == 1) & (cohort["rfs_event"] == 0))
    endpoint = user_endpoint("Relapse from diagnosis", "CIR-Dx", EndpointRecipe(
        "date_diagnosis", ("date_relapse",), "date_last_contact", entry="date_maintenance_start",
        competing=("date_death",)))
    at = run_with(cohort, "pages/4_Competing_risks.py",
                  state={"endpoints.user": [endpoint_to_dict(endpoint)]},
                  query={"competing.by": "mrd_pre_status"})
    assert not at.exception
    assert at.selectbox(key="competing.endpoint").value == "u.cir-dx"
    assert any("infinitesimal jackknife" in c.value for c in at.caption)
    assert any("No Gray's test: it has no delayed entry" in w.value for w in at.warning)


def test_an_uploads_reason_for_a_missing_endpoint_is_said_under_the_choice():
    """The Your data page keeps why an endpoint was not derived from the dates (e.g. no death
    date or status mapped); the endpoint choice says it first."""
    reason = "No OS: no death date or death status column is mapped."
    cohort = dated_cohort().assign(os_months=float("nan"), os_event=float("nan"))
    at = run_with(cohort, SURVIVAL, {"cohort.endpoint_notes": {"os": reason}})
    assert not at.exception
    assert "os" not in at.selectbox(key="survival.endpoint").options
    assert any(c.value.startswith(reason) for c in at.caption)


def test_the_html_report_and_the_zip_carry_os_with_delayed_entry():
    """OS with delayed entry on the Survival page: the report's first survival section is
    that endpoint (its score-test p), the naive OS follows; the zip is offered (its scripts
    take the entry: tests/core/report/test_reproduce.py runs them against R)."""
    at = run_page(SURVIVAL, {"survival.endpoint": "os_entry", "survival.by": "mrd_pre_status"})
    assert not at.exception
    labels = [b.label for b in at.button]
    assert "Prepare report (HTML)" in labels and "Prepare Reproduce this (zip)" in labels
    assert not any("slides, report and scripts" in w.value for w in at.warning)
    at.button(key="deliver.survival.html.prepare").click().run()
    assert not at.exception
    html = at.session_state["deliver.survival.html.bytes"][1].decode()
    assert "<h2>Who is in the analysis (OS)</h2>" in html  # not the key "OS_ENTRY"
    first = html.index("<h2>Overall survival (OS; delayed entry at maintenance start)</h2>")
    assert first < html.index("<h2>Overall survival (OS)</h2>")
    assert "Log-rank (Cox score test, delayed entry) chi-square 5.24" in html


def test_the_report_and_the_zip_carry_the_users_own_endpoint():
    """A user endpoint chosen on the Survival page is the report's first survival section
    and the zip's endpoint (its derived columns in the rows), and the flow diagram names it;
    no sentence about falling back to OS or RFS."""
    endpoint = user_endpoint("GVHD-free survival", "GFS", EndpointRecipe(
        "date_maintenance_start", ("gvhd_date",), "date_last_contact"))
    at = run_with(dated_cohort(), SURVIVAL, query={"survival.endpoint": "u.gfs"},
                  state={"endpoints.user": [endpoint_to_dict(endpoint)]})
    assert not at.exception
    assert not any("slides, report and scripts" in w.value for w in at.warning)
    at.button(key="deliver.survival.html.prepare").click().run()
    html = at.session_state["deliver.survival.html.bytes"][1].decode()
    assert "<h2>Who is in the analysis (GFS)</h2>" in html
    first = html.index("<h2>GVHD-free survival (GFS)</h2>")
    assert first < html.index("<h2>Overall survival (OS)</h2>")
    at.button(key="deliver.survival.zip.prepare").click().run()
    assert not at.exception
    archive = zipfile.ZipFile(io.BytesIO(at.session_state["deliver.survival.zip.bytes"][1]))
    numbers = json.loads(archive.read("app_numbers.json"))
    rows = pd.read_csv(io.BytesIO(archive.read("cohort_filtered.csv")))
    assert {"u_gfs_months", "u_gfs_event"} <= set(rows.columns)
    assert numbers["medians"][0]["events"] == int(rows["u_gfs_event"].sum()) == 2


def test_the_relapse_risk_page_offers_a_users_relapse_endpoint_and_says_why_not_others():
    seed = load_seed_cohort()
    relapsed = seed["rfs_event"] == 1
    cohort = seed.assign(relapse_m=seed["rfs_months"].where(relapsed),
                         death_m=seed["rfs_months"].where(~relapsed & (seed["os_event"] == 1)),
                         last_m=seed["rfs_months"])
    own = user_endpoint("Relapse, death competing", "RDC", EndpointRecipe(
        None, ("relapse_m",), "last_m", competing=("death_m",), unit="months"))
    deaths = user_endpoint("Death only", "DO", EndpointRecipe(
        None, ("death_m",), "last_m", unit="months"))
    at = run_with(cohort, "pages/11_Relapse_risk.py", query={"risk.endpoint": "u.rdc"},
                  state={"endpoints.user": [endpoint_to_dict(own), endpoint_to_dict(deaths)]})
    assert not at.exception
    assert at.selectbox(key="risk.endpoint").value == "u.rdc"
    assert "u.do" not in at.selectbox(key="risk.endpoint").options
    assert at.radio(key="risk.kind").value == "fine_gray"  # a competing-risk model
    assert len(at.radio(key="risk.kind").options) == 2
    assert any(c.value.startswith("Death only (DO) is not offered here: none of its events")
               for c in at.caption)


def test_the_patients_page_draws_lanes_of_a_users_endpoint():
    """Your data's GVHD-free survival is a lane choice on the Patients page (lanes from
    maintenance start to GVHD or last contact), and the deck's swimmer section follows it."""
    endpoint = user_endpoint("GVHD-free survival", "GFS", EndpointRecipe(
        "date_maintenance_start", ("gvhd_date",), "date_last_contact"))
    at = run_with(dated_cohort(), "pages/3_Patients.py", query={"patients.mode": "u.gfs"},
                  state={"endpoints.user": [endpoint_to_dict(endpoint)]})
    assert not at.exception
    assert at.radio(key="patients.mode").value == "u.gfs"
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    ends = {c[0]: t["name"] for t in spec["data"] if t.get("legendgroup") == "ends"
            for c in t["customdata"]}
    assert sorted(p for p, name in ends.items() if name == "endpoint event") == ["1", "3"]
    assert spec["layout"]["xaxis"]["title"]["text"] == "Months from date_maintenance_start"
    assert any("GVHD-free survival (GFS) lanes run from date\\_maintenance\\_start to its "
               "event" in c.value for c in at.caption)  # the column name drawn inert


def test_stratified_and_pairwise_tests_take_delayed_entry_and_say_why_no_weighted_one():
    """OS with delayed entry by ELN risk: the pairwise tests are R's Cox score tests on each
    pair's rows (tests/core/golden/pairwise_entry_r_golden.json, case study: adverse vs
    intermediate chi-square 17.168), the stratified test is the stratified score test, and
    the page says why there is no weighted test."""
    golden = json.loads((ROOT / "tests" / "core" / "golden" / "pairwise_entry_r_golden.json")
                        .read_text())["study"]
    at = run_page(SURVIVAL, {"survival.endpoint": "os_entry", "survival.by": "eln2022_risk"})
    assert not at.exception
    pairs = next(d.value for d in at.dataframe if "p_adjusted" in d.value.columns)
    assert pairs["statistic"].tolist() == pytest.approx(
        [p["statistic"] for p in golden["pairs"]], abs=1e-9)
    assert pairs["p_adjusted"].tolist() == pytest.approx(golden["holm"], rel=1e-9)
    assert any(m.value.startswith("Stratified by") and "(Cox score test, delayed entry)"
               in m.value for m in at.markdown)
    assert any(c.value.startswith("With delayed entry each test is the score test of the "
                                  "Breslow Cox model") for c in at.caption)
    assert "survival.rho" not in [s.key for s in at.selectbox]


def test_the_competing_risks_page_hides_the_death_rule_where_the_dates_decide():
    """A file built from dates records every death without relapse on the relapse-free clock
    (rfs_status): the rule for deaths recorded only on the OS clock changes nothing, so the
    page does not offer it and says why in one sentence."""
    from core.cohort import load_cohort
    from core.survival.competing.input import RULE_NOT_NEEDED
    from tests.core.cohort.date_exports import LAYOUTS, export, upload

    name = sorted(LAYOUTS)[0]
    cohort = load_cohort(upload(export(name), f"{name}.{LAYOUTS[name].fmt[:4]}"))
    at = run_with(cohort, "pages/4_Competing_risks.py")
    assert not at.exception
    assert "competing.rule" not in [r.key for r in at.radio]
    assert any(c.value == markdown_safe(RULE_NOT_NEEDED) or c.value == RULE_NOT_NEEDED
               for c in at.caption)
    seed = run_page("pages/4_Competing_risks.py")  # the study: the rule matters there
    assert "competing.rule" in [r.key for r in seed.radio]


def test_the_deliverables_say_which_endpoint_they_use_when_a_pages_one_is_gone():
    """The Survival page's endpoint was a user endpoint since removed: the Cox page's
    deliverables say so and name the endpoint they use instead (never a silent swap)."""
    at = run_page("pages/2_Cox.py", {"survival.endpoint": "u.gone"})  # a link, say
    assert not at.exception
    assert any("The Survival page's endpoint `u.gone` is not defined for this cohort any "
               "more; the slides, report and scripts use Relapse-free survival (RFS; study: "
               "relapse only)." in w.value for w in at.warning)


def test_registry_mode_says_the_users_endpoints_are_not_computed(tmp_path, monkeypatch):
    """In registry mode the Patients and Relapse risk pages offer the stored endpoints only
    and say so when the session holds the user's own."""
    from tests.pages.test_registry_mode import write_registry

    monkeypatch.setenv("RRE_REGISTRY_PATH", str(write_registry(tmp_path / "r.parquet", 2_000)))
    endpoint = user_endpoint("GVHD-free survival", "GFS", EndpointRecipe(
        "date_maintenance_start", ("gvhd_date",), "date_last_contact"))
    for page, key in (("pages/3_Patients.py", "patients.mode"),
                      ("pages/11_Relapse_risk.py", "risk.endpoint")):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
        at.session_state["endpoints.user"] = [endpoint_to_dict(endpoint)]
        at.switch_page(page).run()
        assert not at.exception, page
        widget = at.radio(key=key) if key == "patients.mode" else at.selectbox(key=key)
        assert len(widget.options) == (2 if key == "patients.mode" else 3)  # RFS, OS (, CIR)
        assert any(c.value.startswith("Registry mode: ") and "your own endpoints are derived "
                   "from a loaded file's dates" in c.value for c in at.caption), page


def test_the_patients_km_panel_follows_a_users_endpoint():
    """With Your data's GVHD-free survival as the lanes, the "where this patient sits" panel
    draws that endpoint's Kaplan-Meier curve, not RFS (it did before)."""
    endpoint = user_endpoint("GVHD-free survival", "GFS", EndpointRecipe(
        "date_maintenance_start", ("gvhd_date",), "date_last_contact"))
    at = run_with(dated_cohort(), "pages/3_Patients.py", query={"patients.mode": "u.gfs"},
                  state={"endpoints.user": [endpoint_to_dict(endpoint)]})
    assert not at.exception
    assert any("sits on the cohort's GVHD-free survival (GFS) curve" in m.value
               for m in at.markdown)
    charts = [json.loads(c.proto.spec)["layout"] for c in at.get("plotly_chart")]
    km = next(c for c in charts if c.get("yaxis", {}).get("title", {}).get("text", "")
              == "GVHD-free survival (GFS)")
    assert km["xaxis"]["title"]["text"] == "Months from date_maintenance_start"
    assert any("the curve follows the swimmer plot's choice of endpoint" in c.value
               for c in at.caption)

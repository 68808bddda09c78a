"""Sign-in and roles on every page (AppTest): a visitor who has not signed in sees only the
sign-in screen, each role opens exactly the pages its rule allows and is offered exactly the
downloads its rule allows, and the header says who is signed in (or that nobody can be).

The identity is AppTest's simulated ``st.user``; the real OpenID Connect flow is tested in a
browser against a real provider (tests/e2e/test_sign_in.py).
"""

from __future__ import annotations

import json
import re
import time

import pytest
from streamlit.testing.v1 import AppTest

from core.access.roles import DOWNLOADS, PAGES, Role, can, page_permission
from core.cohort.text import markdown_safe
from tests.core.access.patient_values import patient_values_in
from tests.pages.helpers import ROOT

AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "c" * 40,
        "client_id": "relapse-explorer", "client_secret": "not-a-real-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
GROUPS = {Role.VIEWER: "hem-staff", Role.ANALYST: "hem-physicians",
          Role.DATA_MANAGER: "hem-data"}
USERS = {Role.VIEWER: ("Vera Viewer", "vera@hospital.example"),
         Role.ANALYST: ("Ana Analyst", "ana@hospital.example"),
         Role.DATA_MANAGER: ("Dan Manager", "dan@hospital.example")}
DENIED = "may not"

# page -> downloads it offers, each found by its button's label or its Prepare button's key
OFFERS: dict[str, list[tuple[str, str]]] = {
    "app.py": [("cohort.baseline", "label:Download baseline table (CSV)"),
               ("cohort.patients", "label:Download CSV"),
               ("cohort.patients", "label:Download CSV, readable headers"),
               ("cohort.patients", "label:Download XLSX"),
               ("cohort.report", "label:Download tumor-board report (HTML)"),
               ("deliver.deck", "key:deliver.cohort.pptx.prepare"),
               ("deliver.report", "key:deliver.cohort.html.prepare"),
               ("deliver.zip", "key:deliver.cohort.zip.prepare"),
               ("deliver.figure", "key:deliver.cohort.figure.prepare")],
    "pages/1_Survival.py": [("survival.curve_table", "label:Download the curve table (CSV)"),
                            ("deliver.deck", "key:deliver.survival.pptx.prepare"),
                            ("deliver.zip", "key:deliver.survival.zip.prepare"),
                            ("deliver.figure", "key:deliver.survival.figure.prepare")],
    "pages/2_Cox.py": [("deliver.report", "key:deliver.cox.html.prepare"),
                       ("deliver.zip", "key:deliver.cox.zip.prepare")],
    "pages/3_Patients.py": [("deliver.deck", "key:deliver.patients.pptx.prepare"),
                            ("deliver.zip", "key:deliver.patients.zip.prepare")],
    "pages/4_Competing_risks.py": [("deliver.deck", "key:deliver.competing.pptx.prepare"),
                                   ("deliver.zip", "key:deliver.competing.zip.prepare")],
    "pages/0_Your_data.py": [("your_data.template", "label:Template (CSV)"),
                             ("your_data.template", "label:Template (XLSX)")],
    "pages/10_Audit_log.py": [("audit.log", "label:Download these events (CSV)")],
    "pages/11_Relapse_risk.py": [("risk.model", "label:Freeze this model (JSON)"),
                                 ("deliver.deck", "key:deliver.risk.pptx.prepare"),
                                 ("deliver.zip", "key:deliver.risk.zip.prepare")],
}
ALL_PAGES = ["app.py", *sorted((f"pages/{name}" for name in PAGES if name != "app.py"),
                               key=lambda p: int(p.split("/")[1].split("_")[0]))]


def access_settings(tmp_path, **extra) -> dict:
    return {"viewer": [GROUPS[Role.VIEWER]], "analyst": [GROUPS[Role.ANALYST]],
            "data_manager": [GROUPS[Role.DATA_MANAGER]], "pseudonym_key": "p" * 48,
            "audit_log": str(tmp_path / "audit.jsonl"), **extra}


def signed_in(role: Role | None, tmp_path, *, groups=None, issued=None, query=None,
              access=None, page: str = "app.py") -> AppTest:
    """``page`` (the Cohort page unless named) opened by a user of ``role`` (None: not signed
    in), sign-in configured; the session opens on the page, as a link to it does."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.secrets["auth"] = AUTH
    at.secrets["access"] = access or access_settings(tmp_path)
    if role is None and groups is None:
        at.user = {"is_logged_in": False}
    else:
        name, email = USERS.get(role, ("Olga Other", "olga@hospital.example"))
        at.user = {"is_logged_in": True, "name": name, "email": email, "sub": email,
                   "groups": groups if groups is not None else [GROUPS[role]],
                   "iat": issued if issued is not None else time.time()}
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if page != "app.py":
        at.switch_page(page)
    at.run()
    return at


def offered(at: AppTest, how: str) -> bool:
    kind, _, text = how.partition(":")
    if kind == "label":
        return any(d.proto.label == text for d in at.get("download_button"))
    return any(b.key == text for b in at.button)


def audit_lines(tmp_path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]


def test_every_page_is_in_this_matrix():
    assert {p.split("/")[-1] for p in ALL_PAGES} == set(PAGES)


@pytest.mark.parametrize("page", ALL_PAGES)
def test_not_signed_in_sees_only_the_sign_in_screen(page, tmp_path):
    """Deep links included: the page's data, navigation and filters never appear."""
    at = signed_in(None, tmp_path, query={"patient": "9", "eln2022_risk": "adverse"}, page=page)
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.dataframe and not at.get("plotly_chart") and not at.get("download_button")
    assert not at.sidebar.markdown and not at.sidebar.multiselect
    assert "Sign in with your hospital account" in at.info[0].value


@pytest.mark.parametrize("page", ALL_PAGES)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_opens_its_pages_and_gets_its_downloads(role, page, tmp_path):
    """Each page and role: opened or refused by the role's rule, the header naming the user,
    the downloads the rule allows, and an audit log without any value of the cohort."""
    at = signed_in(role, tmp_path, page=page)
    assert not at.exception
    assert patient_values_in(audit_lines(tmp_path)) == set()
    allowed = can(role, page_permission(page.split("/")[-1]))
    refused = [e.value for e in at.error if DENIED in e.value]
    assert bool(refused) is not allowed, refused
    name, email = USERS[role]
    assert at.caption[0].value == f"Signed in as **{name}** ({markdown_safe(email)})" \
        f" · {role.label}"  # an address is never a mailto: link (a word joiner before @)
    if not allowed:
        assert f"Your role ({role.label}) may not" in refused[0]
        assert not at.dataframe and not at.get("download_button")
        assert audit_lines(tmp_path)[-1]["outcome"] == "denied"
        return
    for download, how in OFFERS.get(page, []):
        assert offered(at, how) is can(role, DOWNLOADS[download]), (download, how)


def test_viewer_never_sees_a_patient_row_or_id(tmp_path):
    """No patient table on the Cohort page, no patient profile on the Cox page (not even by
    link), no patient list on About; ids the pages mention are pseudonyms."""
    at = signed_in(Role.VIEWER, tmp_path, query={"cox.profile": "patient", "cox.patient": "9"})
    assert all("Patient" not in f.value.columns for f in at.dataframe)
    assert any("aggregate results only" in i.value for i in at.info)
    cox = at.switch_page("pages/2_Cox.py").run()
    assert cox.radio(key="cox.profile").options == ["Enter a profile"]
    assert all(s.label != "Patient" for s in cox.selectbox)
    about = cox.switch_page("pages/9_About.py").run()
    assert not any("**Patient " in m.value for m in about.markdown)


def test_viewer_sees_risk_validation_but_no_patients_profile(tmp_path):
    """Relapse risk page: the aggregate validation is there; the profile is only "Enter a
    profile" (not even by link), started from medians and most frequent levels, and the
    patients' risks are a percentile, not one dot per patient."""
    from core.cohort import load_seed_cohort
    from core.risk.display import starting_profile
    from core.risk.summary import risk_report

    at = signed_in(Role.VIEWER, tmp_path, query={"risk.source": "patient", "risk.patient": "9"})
    risk = at.switch_page("pages/11_Relapse_risk.py").run()
    assert not risk.exception
    assert risk.radio(key="risk.source").options == ["Enter a profile"]
    assert all(s.label != "Patient" for s in risk.selectbox)
    assert any("Figure" in f.value.columns for f in risk.dataframe)  # validation table
    assert all(c.proto.id != "risk.position" for c in risk.get("plotly_chart"))
    assert any(c.value.startswith("Higher than ") for c in risk.caption)
    model = risk_report(load_seed_cohort(), "cir", "fine_gray", ["mrd_pre_status", "age"],
                        24).model
    start = starting_profile(model, load_seed_cohort())
    assert risk.selectbox(key="risk.profile.mrd_pre_status").value == start["mrd_pre_status"]
    assert risk.number_input(key="risk.profile.age").value == start["age"]


def _visible_ids():
    """A page that prints the ids of the rows page_setup hands to the page."""
    import streamlit as st

    from core.cohort.filters import CohortFilter
    from ui import access, cached

    access.gate("app.py", "Cohort")
    selection = access.visible(CohortFilter().apply(cached.seed_cohort()))
    st.text(",".join(map(str, selection.cohort["patient_id"])))


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANALYST], ids=lambda r: r.value)
def test_a_viewers_rows_carry_pseudonyms_and_no_free_text(role, tmp_path):
    """What every page gets for a viewer: the same patients, ids replaced by pseudonyms, so
    any caption that names a patient names a pseudonym."""
    at = AppTest.from_function(_visible_ids, default_timeout=60)
    at.secrets["auth"] = AUTH
    at.secrets["access"] = access_settings(tmp_path)
    name, email = USERS[role]
    at.user = {"is_logged_in": True, "name": name, "email": email,
               "groups": [GROUPS[role]], "iat": time.time()}
    at.run()
    ids = at.text[-1].value.split(",")
    if role is Role.VIEWER:
        assert len(ids) == 19 and all(re.fullmatch(r"P-[0-9a-f]{20}", i) for i in ids)
    else:
        assert ids == [str(i) for i in range(1, 20)]


def test_analyst_sees_rows_and_may_switch_de_identification(tmp_path):
    at = signed_in(Role.ANALYST, tmp_path)
    assert any("Patient" in f.value.columns for f in at.dataframe)
    assert at.toggle(key="access.deidentify").value is True  # on by default with sign-in
    at.toggle(key="access.deidentify").set_value(False).run()
    assert at.toggle(key="access.deidentify").value is False
    assert at.switch_page("pages/1_Survival.py").run().toggle(
        key="access.deidentify").value is False  # the choice follows the user across pages


def test_data_manager_exports_identified_by_default(tmp_path):
    at = signed_in(Role.DATA_MANAGER, tmp_path)
    assert at.toggle(key="access.deidentify").value is False


def test_signed_in_without_a_role_is_told_so(tmp_path):
    at = signed_in(None, tmp_path, groups=["cardiology"])
    assert "none of your groups gives a role" in at.error[0].value
    assert [b.label for b in at.button] == ["Sign out"]
    assert not at.dataframe
    assert audit_lines(tmp_path)[-1]["code"] == "no-role"


def test_expired_sign_in_must_be_repeated(tmp_path):
    at = signed_in(Role.ANALYST, tmp_path, issued=time.time() - 9 * 3600)
    assert "Your session has expired (sign-ins last 8 hours)" in at.info[0].value
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.dataframe
    assert audit_lines(tmp_path)[-1]["category"] == "session-expired"


def test_settings_that_cannot_work_show_no_data(tmp_path):
    at = signed_in(Role.ANALYST, tmp_path, access={"analyst": ["x"]})
    assert "pseudonym_key is missing" in at.error[0].value
    assert not at.dataframe and not at.button


def test_open_mode_says_so_once_in_the_header():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    notices = [c.value for c in at.caption if "Sign-in is not configured" in c.value]
    assert notices == ["Sign-in is not configured: anyone who reaches this server sees all "
                       "data, so it listens on this computer only (127.0.0.1). To serve "
                       "colleagues, configure sign-in (docs/access.md)."]
    assert any("Patient" in f.value.columns for f in at.dataframe)


def test_audit_log_records_sign_in_cohort_and_view(tmp_path):
    at = signed_in(Role.ANALYST, tmp_path, query={"eln2022_risk": "adverse"})
    at.switch_page("pages/1_Survival.py").run()
    events = audit_lines(tmp_path)
    assert [e["category"] for e in events][:4] == ["login", "cohort", "view", "view"]
    assert events[1]["entity"]["what"] == "embedded" and \
        events[1]["entity"]["detail"]["n_rows"] == 19
    assert events[2]["code"] == "page:Cohort" and \
        events[2]["entity"]["detail"]["link_keys"] == ["eln2022_risk"]
    assert "adverse" not in (tmp_path / "audit.jsonl").read_text()
    assert {e["agent"]["who"] for e in events} == {"ana@hospital.example"}


def test_audit_page_lists_and_filters_events(tmp_path):
    at = signed_in(Role.DATA_MANAGER, tmp_path).switch_page("pages/10_Audit_log.py").run()
    assert not at.exception
    assert at.success[0].value.startswith("Chain intact:")
    table = at.dataframe[0].value
    assert set(table["category"]) >= {"login", "cohort", "view"}
    at.multiselect(key="audit.categories").set_value(["login"]).run()
    assert set(at.dataframe[0].value["category"]) == {"login"}


def test_every_download_goes_through_the_guard():
    """Pages draw downloads only with ui.exports.download_button (role, de-identification,
    audit); the deliverables' stored files were built by ui.exports.guarded, and so is a file
    built again when its button is pressed under another privacy."""
    allowed = {"ui/exports.py", "ui/deliverables.py"}
    offenders = [str(path.relative_to(ROOT)) for path in
                 [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
                 if str(path.relative_to(ROOT)) not in allowed
                 and ".download_button(" in path.read_text()]
    assert offenders == []
    deliverables = (ROOT / "ui" / "deliverables.py").read_text()
    assert deliverables.count(".download_button(") == 1
    assert "guarded(download, remembered)()" in deliverables  # Prepare
    assert "guarded(download, build)\n" in deliverables  # a press under another privacy

"""The Cox page's endpoint choice (issue 21): every survival endpoint, resolved by the one
resolver, with delayed entry passed to the Cox fit.

Golden numbers: R 4.2 / survival 3.5.3, tests/core/golden/make_cox_entry_golden.R ->
cox_entry_r_golden.json:
``coxph(Surv(entry, os_months, os_event) ~ mrd_pre_status, data = seed)`` with
``entry = os_months - rfs_months`` (the app's maintenance start for the seed cohort).
"""

from __future__ import annotations

import json
from pathlib import Path

from core.cohort.read import load_seed_cohort
from core.cox.display import format_hr
from core.cox.fit import fit_cox
from core.style.numbers import format_p
from tests.pages.helpers import run_page

PAGE = "pages/2_Cox.py"
GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "core" / "golden"
                     / "cox_entry_r_golden.json").read_text())["mrd.efron"]
TIMEOUT = 90
MRD = "MRD before maintenance: positive vs negative"


def open_page(query: dict[str, str] | None = None):
    at = run_page(PAGE, query, timeout=TIMEOUT)
    assert not at.exception, at.exception
    return at


def hr_table(at):
    for frame in at.dataframe:
        if "Term" in frame.value.columns:
            return frame.value.set_index("Term")
    raise AssertionError("no hazard-ratio table on the page")


def models_table(at):
    for frame in at.dataframe:
        if "Patients used" in frame.value.columns:
            return frame.value.iloc[0]
    raise AssertionError("no model table on the page")


def test_endpoint_choice_offers_every_survival_endpoint_of_the_study():
    at = open_page()
    assert at.selectbox(key="cox.endpoint").options == [
        "Overall survival (OS)", "Relapse-free survival (RFS; study: relapse only)",
        "Event-free survival (EFS; ELN 2022 RFS: relapse or death)",
        "Overall survival (OS; delayed entry at maintenance start)",
        "Overall survival (OS; from maintenance start)"]


def test_delayed_entry_os_hazard_ratio_equals_r_coxph_with_entry():
    """Chosen on the page: the HR table, likelihood-ratio p and Harrell's C equal R's
    ``coxph(Surv(entry, os_months, os_event) ~ mrd_pre_status)``; the model description says
    how patients are counted; Table 2 takes the entry too; no predicted curve."""
    at = open_page({"cox.covariates": "mrd_pre_status"})
    at.radio(key="cox.firth").set_value("ordinary").run()
    at.selectbox(key="cox.endpoint").set_value("os_entry").run()
    assert not at.exception
    row = hr_table(at).loc[MRD]
    assert row["HR"] == format_hr(GOLDEN["hr"]) == "10.2"
    assert row["95% CI"] == f"{format_hr(GOLDEN['lower'])}–{format_hr(GOLDEN['upper'])}"
    assert row["p"] == format_p(GOLDEN["p"]) == "0.061"
    naive = fit_cox(load_seed_cohort(), "os_months", "os_event", ["mrd_pre_status"]).table
    assert row["HR"] != format_hr(naive["hr"].iloc[0])  # the entry changed the answer
    model = models_table(at)
    assert (model["Patients used"], model["Events used"]) == (GOLDEN["n"], GOLDEN["events"])
    assert model["Likelihood-ratio p"] == format_p(GOLDEN["lr_p"])
    assert model["Harrell's C"] == f"{GOLDEN['concordance']:.3f}"
    captions = "\n".join(c.value for c in at.caption)
    assert ("Overall survival (OS; delayed entry at maintenance start): patients count from "
            "maintenance start (delayed entry, left truncation" in captions)
    assert "delayed entry at maintenance start (at risk only after it)" in captions
    assert "it is derived as OS minus RFS months for 19 patients" in captions
    infos = "\n".join(i.value for i in at.info)
    assert "No predicted curve for Overall survival (OS; delayed entry" in infos
    assert "Table 2" not in infos
    assert "delayed entry: each patient at risk only after entry" in captions  # Table 2's
    assert not [c for c in at.get("plotly_chart") if "Predicted" in c.proto.spec]
    assert at.query_params["cox.endpoint"] in ("os_entry", ["os_entry"])
    assert not any("slides, report and scripts" in w.value for w in at.warning)
    at.button(key="deliver.cox.html.prepare").click().run()  # the report carries the model
    html = at.session_state["deliver.cox.html.bytes"][1].decode()
    assert ("<h2>Cox regression: overall survival (OS; delayed entry at maintenance "
            "start)</h2>") in html


def test_old_and_new_endpoint_links_open_the_same_view():
    """Links made before the endpoint choice (``cox.endpoint=os`` / ``rfs``) open the same
    model; a link to the delayed-entry endpoint reopens it."""
    cohort = load_seed_cohort()
    for key, time, event in [("os", "os_months", "os_event"),
                             ("rfs", "rfs_months", "rfs_event")]:
        at = open_page({"cox.endpoint": key, "cox.covariates": "mrd_pre_status",
                        "cox.firth": "ordinary"})
        assert at.selectbox(key="cox.endpoint").value == key
        expected = fit_cox(cohort, time, event, ["mrd_pre_status"]).table["hr"].iloc[0]
        assert hr_table(at).loc[MRD, "HR"] == format_hr(expected)
        assert not any("ignored" in w.value for w in at.warning)
    at = open_page({"cox.endpoint": "os_entry", "cox.covariates": "mrd_pre_status",
                    "cox.firth": "ordinary"})
    assert at.selectbox(key="cox.endpoint").value == "os_entry"
    assert hr_table(at).loc[MRD, "HR"] == format_hr(GOLDEN["hr"])


def test_os_from_maintenance_start_predicts_on_its_own_clock():
    at = open_page({"cox.endpoint": "os_maint", "cox.covariates": "mrd_pre_status",
                    "cox.firth": "ordinary"})
    titles = [json.loads(c.proto.spec)["layout"]["xaxis"]["title"]["text"]
              for c in at.get("plotly_chart") if "Predicted" in c.proto.spec]
    assert titles == ["Months from maintenance start"]
    assert any("OS months count from maintenance start" in c.value for c in at.caption)


def test_a_user_survival_endpoint_is_offered_and_fitted_on_its_own_columns():
    """An endpoint defined on the Your data page (GVHD-free survival from maintenance start)
    is in the Cox page's choice and its model is fit_cox on the resolver's columns."""
    from core.survival.endpoint import (
        EndpointRecipe,
        endpoint_to_dict,
        resolve_endpoint,
        user_endpoint,
    )
    from tests.pages.test_endpoint_choice import dated_cohort, run_with

    endpoint = user_endpoint("GVHD-free survival", "GFS", EndpointRecipe(
        "date_maintenance_start", ("gvhd_date",), "date_last_contact"))
    cohort = dated_cohort()
    at = run_with(cohort, PAGE, state={"endpoints.user": [endpoint_to_dict(endpoint)]},
                  query={"cox.endpoint": "u.gfs", "cox.covariates": "age",
                         "cox.firth": "ordinary"})
    assert not at.exception, at.exception
    assert at.selectbox(key="cox.endpoint").value == "u.gfs"
    resolved = resolve_endpoint(cohort, endpoint)
    expected = fit_cox(resolved.frame, resolved.time, resolved.event, ["age"],
                       scale={"age": 10.0}).table["hr"].iloc[0]
    assert hr_table(at)["HR"].iloc[0] == format_hr(expected)
    assert [s.value for s in at.subheader][0].startswith("Hazard ratios for GVHD-free survival")

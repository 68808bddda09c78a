"""AppTest tests of the Relapse risk page (pages/11_Relapse_risk.py).

Every number on the page comes from core.risk (golden-tested against R in tests/core/risk/);
these tests check that the page shows those numbers, puts the verdict at the top, never shows
a prediction of a model that falls short without the "not validated" label, and runs the
bootstrap off the script thread.
"""

from __future__ import annotations

import time

from core.cohort import load_seed_cohort
from core.risk.bootstrap import validate_model
from core.risk.display import bootstrap_table, percent, validation_table
from core.risk.summary import predict_profile, risk_report
from tests.pages.helpers import run_page

PAGE = "pages/11_Relapse_risk.py"


def test_seed_cohort_says_too_few_events_at_the_top_and_labels_the_prediction():
    at = run_page(PAGE, timeout=120)
    assert not at.exception
    assert at.error[0].value.startswith("Too few events to predict: this model was fitted on "
                                        "6 events and 19 patients")
    report = risk_report(load_seed_cohort(), "cir", "fine_gray", ["mrd_pre_status", "age"], 24)
    # the answer in words comes first, under the n line, above the verdict box (issue 24)
    assert [m.value for m in at.markdown][1] == f"**{report.answer}**"
    assert report.answer.endswith("not conclusive with 6 events (Riley et al.'s criteria ask "
                                  "for at least 48).")
    first = str(load_seed_cohort().patient_id.iloc[0])
    profile = {"mrd_pre_status": load_seed_cohort().mrd_pre_status.iloc[0],
               "age": float(load_seed_cohort().age.iloc[0])}
    prediction = predict_profile(report, profile)
    [metric] = at.metric
    assert metric.label == "Risk of relapse by 24 months (not validated: 6 events, 48 needed)"
    assert metric.value == percent(prediction.risk)
    assert at.selectbox(key="risk.patient").value == first
    assert any(w.value.startswith("**not validated: 6 events, 48 needed.**") for w in at.warning)
    shown = at.dataframe[0].value
    assert shown.equals(validation_table(report.assessment))
    assert any(i.value.startswith("No nomogram: it is drawn only for a model with enough "
                                  "events") for i in at.info)


def test_rfs_cox_shows_survfit_interval_and_concordance():
    at = run_page(PAGE, {"risk.endpoint": "rfs", "risk.horizon": "12",
                         "risk.covariates": "mrd_pre_status"}, timeout=120)
    assert not at.exception
    report = risk_report(load_seed_cohort(), "rfs", "cox", ["mrd_pre_status"], 12)
    table = at.dataframe[0].value
    assert table["Figure"].tolist()[:2] == ["Harrell's C", "Uno's C (to 12 months)"]
    assert table.equals(validation_table(report.assessment))
    assert "survfit.coxph" in " ".join(c.value for c in at.caption)


def test_bootstrap_runs_off_the_script_thread_and_shows_rms_table():
    at = run_page(PAGE, {"risk.endpoint": "rfs", "risk.covariates": "mrd_pre_status"},
                  timeout=120)
    at.number_input(key="risk.boot_b").set_value(20)
    at.button(key="risk.boot_run").click().run()
    job = at.session_state["risk.job"]
    job.thread.join(timeout=300)
    deadline = time.time() + 5
    while job.running and time.time() < deadline:
        time.sleep(0.1)
    at.run()
    assert not at.exception
    report = risk_report(load_seed_cohort(), "rfs", "cox", ["mrd_pre_status"], 24)
    expected = validate_model(report.endpoint.frame, report.model.spec, 20, 1)
    shown = next(d.value for d in at.dataframe if "Optimism" in d.value.columns)
    assert shown.equals(bootstrap_table(expected))
    assert any("Bootstrap optimism correction as rms::validate: 20 samples" in c.value
               for c in at.caption)


def test_no_covariate_and_empty_filter():
    at = run_page(PAGE, {"risk.covariates": ""}, timeout=120)
    assert not at.exception
    assert any(i.value.startswith("Choose at least one covariate") for i in at.info)
    at = run_page(PAGE, {"eln2022_risk": "favorable", "mrd_pre_status": "positive",
                         "sorafenib_timing": "induction"}, timeout=120)
    assert not at.exception


def test_patient_card_opens_this_patients_risk():
    """The Patients page's card: "This patient's relapse risk" opens the Relapse risk page
    with that patient as the profile, also after an earlier visit chose another patient."""
    from core.cox.display import patient_profile

    at = run_page(PAGE, timeout=120)
    assert at.selectbox(key="risk.patient").value == "1"
    at = at.switch_page("pages/3_Patients.py").run()
    at.selectbox(key="patient").set_value("5").run()
    at.button(key="patients.risk").click().run()
    assert not at.exception
    assert at.radio(key="risk.source").value == "patient"
    assert at.selectbox(key="risk.patient").value == "5"
    seed = load_seed_cohort()
    report = risk_report(seed, "cir", "fine_gray", ["mrd_pre_status", "age"], 24)
    prediction = predict_profile(report, patient_profile(seed, "5", ["mrd_pre_status", "age"]))
    assert at.metric[0].value == percent(prediction.risk)
    assert at.metric[0].label.endswith("(not validated: 6 events, 48 needed)")


def test_a_frozen_model_is_validated_on_the_filtered_cohort():
    """Upload a frozen model: the page shows the figures of external_validation on the
    filtered cohort, with the few-outcomes caveat; a file that is not a model is refused
    with the reason."""
    from core.risk.frozen import freeze, thaw
    from core.risk.summary import external_caveat, external_validation

    seed = load_seed_cohort()
    text = freeze(risk_report(seed, "rfs", "cox", ["age"], 24).model, "rfs")
    at = run_page(PAGE, timeout=120)
    at.file_uploader(key="risk.frozen_file").set_value(("model.json", text.encode(),
                                                        "application/json")).run()
    assert not at.exception
    model, endpoint, _ = thaw(text)
    expected = external_validation(model, endpoint, seed)
    apparent, shown = [d.value for d in at.dataframe if "Figure" in d.value.columns]
    assert shown.equals(validation_table(expected))
    assert any(m.value.startswith("**External validation** of a Cox proportional hazards "
                                  f"model (24 months) on {expected.n} patients")
               for m in at.markdown)
    assert any(w.value == external_caveat(expected) for w in at.warning)
    at.file_uploader(key="risk.frozen_file").set_value(("other.json", b'{"format": "x"}',
                                                        "application/json")).run()
    assert any("This JSON file is not a frozen risk model" in e.value for e in at.error)

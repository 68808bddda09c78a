"""Frozen models (core.risk.frozen), external validation (core.risk.assess) and the page's
report (core.risk.summary) on the seed cohort: round trips, labels and refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.cohort import load_seed_cohort
from core.errors import AnalysisError
from core.risk.assess import assess
from core.risk.frozen import freeze, thaw
from core.risk.model import ModelSpec, fit_risk_model
from core.risk.summary import predict_profile, risk_report
from tests.core.risk.simulate import simulated


@pytest.mark.parametrize("kind", ["cox", "fine_gray", "cause_specific"])
def test_freeze_and_thaw_predict_bit_for_bit(kind):
    df = simulated(300, 1, competing=kind != "cox")
    model = fit_risk_model(df, ModelSpec(kind, "time", "status", ("age", "mrd_pre_status"), 24))
    text = freeze(model, "cir", {"note": "test"})
    back, endpoint, development = thaw(text)
    x = model.design(df)
    assert np.array_equal(back.predict(back.design(df)), model.predict(x))
    assert endpoint == "cir" and development["note"] == "test"
    assert development["events"] == model.events
    assert back.terms == model.terms and back.spec == model.spec
    assert "P0001" not in text  # nothing about the patients


def test_external_validation_of_a_frozen_model():
    """Developed on one simulated cohort, validated on another from the same truth: the
    figures are those of assess(), calibration-in-the-large near 1."""
    model = fit_risk_model(simulated(800, 2, True),
                           ModelSpec("fine_gray", "time", "status", ("age", "mrd_pre_status"),
                                     24))
    back, _, _ = thaw(freeze(model, "cir"))
    external = assess(back, simulated(800, 3, True))
    assert external.n == 800
    assert 0.55 < external.auc.auc < 0.8
    assert external.calibration.observed_expected == pytest.approx(1, abs=0.2)
    assert external.calibration.competing


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(format="other"), r"not a frozen risk model"),
    (lambda d: d.update(version=2), r"has version 2; this app reads version 1"),
    (lambda d: d.update(kind="forest"), r"\"kind\" is 'forest'"),
    (lambda d: d.update(horizon=-3), r"\"horizon\" must be a number > 0"),
    (lambda d: d["hazards"][0].update(coef=[1.0]), r"1 coefficients for 2 covariate terms"),
    (lambda d: d["hazards"][0].update(jumps=["a"]), r"\"jumps\" must be a list of numbers"),
    (lambda d: d.pop("covariates"), r"\"covariates\" is missing or not a list"),
])
def test_thaw_refuses_a_malformed_file(change, message):
    df = simulated(200, 4, competing=False)
    doc = json.loads(freeze(fit_risk_model(df, ModelSpec("cox", "time", "status", ("age",
                                                                                  "mrd_pre_status"),
                                                         24)), "os"))
    change(doc)
    with pytest.raises(AnalysisError, match=message):
        thaw(json.dumps(doc))
    with pytest.raises(AnalysisError, match="not valid JSON"):
        thaw("{oops")


def test_seed_cohort_is_labelled_not_validated():
    """The embedded cohort (6 relapses) falls short of Riley's criteria: the headline says so
    and every profile prediction carries the label."""
    report = risk_report(load_seed_cohort(), "cir", "fine_gray", ["mrd_pre_status", "age"], 24,
                         "end_of_rfs")
    assert not report.validated
    assert report.headline.startswith("Too few events to predict: this model was fitted on 6 "
                                      "events and 19 patients")
    assert report.nomogram is None
    prediction = predict_profile(report, {"mrd_pre_status": "positive", "age": 50})
    assert prediction.label == "not validated: 6 events, 48 needed"
    assert not prediction.validated
    assert "run the internal validation" in prediction.interval


def test_cox_profile_interval_is_survfit_and_matches_the_point():
    report = risk_report(simulated(400, 5, False).rename(columns={"time": "os_months",
                                                                  "status": "os_event"}),
                         "os", "cox", ["age", "mrd_pre_status"], 24)
    prediction = predict_profile(report, {"age": 60, "mrd_pre_status": "positive"})
    assert prediction.ci_lower < prediction.risk < prediction.ci_upper
    assert "survfit.coxph" in prediction.interval
    assert report.validated and report.nomogram is not None


def test_report_refuses_a_kind_that_does_not_fit_the_endpoint():
    with pytest.raises(AnalysisError, match=r"Relapse \(death without relapse competing\) is "
                                            r"predicted with Fine-Gray subdistribution hazards "
                                            r"or cause-specific Cox models, combined, not with "
                                            r"Cox proportional hazards"):
        risk_report(load_seed_cohort(), "cir", "cox", ["age"], 24)
    with pytest.raises(AnalysisError, match=r"no columns for the endpoint 'efs'"):
        risk_report(load_seed_cohort(), "efs", "cox", ["age"], 24)


def test_external_validation_refuses_what_the_model_cannot_read():
    from core.risk.summary import external_validation

    seed = load_seed_cohort()
    report = risk_report(seed, "rfs", "cox", ["age"], 24)
    model, endpoint, _ = thaw(freeze(report.model, "rfs"))
    with pytest.raises(AnalysisError, match=r"`age` must be a number; found \['old'\]"):
        external_validation(model, endpoint, seed.assign(age=seed.age.astype(object)
                                                         .where(seed.index > 0, "old")))
    with pytest.raises(AnalysisError, match=r"no columns for the endpoint 'rfs'"):
        external_validation(model, endpoint, seed.drop(columns=["rfs_event"]))
    with pytest.raises(AnalysisError, match=r"The horizon 24 lies beyond the last follow-up "
                                            r"time \(12 in `rfs_months`\)"):
        external_validation(model, endpoint, seed.assign(rfs_months=seed.rfs_months.clip(
            upper=12)))


def test_external_validation_on_few_outcomes_says_so():
    """Collins et al. (2016): at least 100 patients with and 100 without the event by the
    horizon; fewer gives a caveat naming both counts, enough gives none."""
    from core.risk.summary import external_caveat, external_validation

    seed = load_seed_cohort()
    model, endpoint, _ = thaw(freeze(risk_report(seed, "rfs", "cox", ["age"], 24).model,
                                     "rfs"))
    few = external_validation(model, endpoint, seed)
    assert external_caveat(few) == (
        f"Few outcomes to validate on: {few.auc.cases} patients had the event by 24 months "
        f"and {few.auc.controls} did not. An external validation needs at least 100 of each "
        "(Collins et al. 2016) to judge a model; read these figures with their wide "
        "intervals, not as a verdict.")
    model = fit_risk_model(simulated(800, 2, False),
                           ModelSpec("cox", "time", "status", ("age", "mrd_pre_status"), 24))
    many = assess(model, simulated(800, 3, False))
    assert min(many.auc.cases, many.auc.controls) >= 100
    assert external_caveat(many) is None


def test_thaw_refuses_hostile_files_with_a_sentence():
    """Issue 25, the same class as the mapping file: JSON nested 100,000 deep raised a
    RecursionError (the generic error page), and a covariate listing 5,000 levels would expand
    into 5,000 indicator columns per patient of the cohort it is validated on."""
    with pytest.raises(AnalysisError, match=r"^The model file is not valid JSON \(nested too "
                                            r"deeply\)\. Fix: "):
        thaw("[" * 100_000 + "]" * 100_000)
    df = simulated(200, 4, competing=False)
    doc = json.loads(freeze(fit_risk_model(df, ModelSpec("cox", "time", "status",
                                                         ("mrd_pre_status",), 24)), "os"))
    doc["covariates"][0]["levels"] = [f"level {i}" for i in range(5_000)]
    doc["hazards"][0]["coef"] = doc["hazards"][0]["center"] = [0.0] * 4_999
    with pytest.raises(AnalysisError, match=r"^Column `mrd_pre_status` has 5,000 different "
                                            r"values; at most 20 groups"):
        thaw(json.dumps(doc))

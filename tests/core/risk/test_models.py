"""Risk models (core.risk.model, core.risk.hazards) against R.

Golden values: ``tests/core/golden/risk_r_golden.json`` (section "models"), written by
``tests/core/golden/make_risk_golden.R``: four seeded cohorts of 120 patients (whole-month
and continuous times; one cause, or relapse with a competing death) with a numeric covariate
``x`` and a text covariate ``k`` (levels a, b, c), horizon 12. The R calls::

    1 - summary(survfit(coxph(Surv(time, status) ~ x + k, ties = "efron"), newdata = d),
                times = 12)$surv                                             # "cox"
    predict(crr(time, status, model.matrix(~ x + k)[, -1], failcode = cause),
            cov1 = model.matrix(~ x + k)[, -1])      at the last time <= 12  # "fine_gray"
    predictRisk(CSC(Hist(time, status) ~ x + k, data = d), newdata = d, times = 12,
                cause = cause)                                               # "cause_specific"

Fine-Gray to 1e-12 (seen 1e-15); Cox-based risks to 1e-8 (seen 3e-10: R's coxph stops its
iterations at a relative change of 1e-9 in the log-likelihood, the coefficients agree to ~1e-10).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import AnalysisError
from core.risk.model import ModelSpec, fit_risk_model

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "risk_r_golden.json"
MODELS = json.loads(GOLDEN.read_text())["models"]
TOL = {"cox": 1e-8, "cause_specific": 1e-8, "fine_gray": 1e-12}


def cohort(name: str) -> pd.DataFrame:
    return pd.DataFrame(MODELS[name]["data"])


@pytest.mark.parametrize("name", ["cox_months", "cox_continuous"])
def test_cox_risk_equals_survfit(name):
    case = MODELS[name]
    df = cohort(name)
    model = fit_risk_model(df, ModelSpec("cox", "time", "status", ("x", "k"), case["horizon"]))
    np.testing.assert_allclose(model.predict(model.design(df)), case["cox"], rtol=0,
                               atol=TOL["cox"])
    assert model.terms == ("x", "k[b]", "k[c]")


@pytest.mark.parametrize("kind", ["fine_gray", "cause_specific"])
@pytest.mark.parametrize("cause", [1, 2])
@pytest.mark.parametrize("name", ["cr_months", "cr_continuous"])
def test_competing_risk_equals_r(name, cause, kind):
    case = MODELS[name]
    df = cohort(name)
    model = fit_risk_model(df, ModelSpec(kind, "time", "status", ("x", "k"), case["horizon"],
                                         cause))
    np.testing.assert_allclose(model.predict(model.design(df)), case[f"{kind}_{cause}"],
                               rtol=0, atol=TOL[kind])
    assert (model.events, model.competing) == ((df.status == cause).sum(),
                                               ((df.status > 0) & (df.status != cause)).sum())


def test_cause_specific_has_one_hazard_per_cause_and_the_cause_first():
    df = cohort("cr_months")
    model = fit_risk_model(df, ModelSpec("cause_specific", "time", "status", ("x",), 12, 2))
    assert [h.name for h in model.hazards] == ["cause-specific hazard of cause 2",
                                               "cause-specific hazard of cause 1"]
    assert list(model.table.component.unique()) == ["cause 2", "cause 1"]


def test_risk_grows_with_the_horizon_and_stays_a_probability():
    df = cohort("cr_continuous")
    for kind in ("fine_gray", "cause_specific"):
        model = fit_risk_model(df, ModelSpec(kind, "time", "status", ("x", "k"), 12))
        x = model.design(df)
        risks = np.array([model.predict(x, h) for h in (1, 6, 12, 24)])
        assert (np.diff(risks, axis=0) >= -1e-15).all()
        assert ((risks >= 0) & (risks <= 1)).all()


def test_missing_covariates_are_left_out_and_counted():
    df = cohort("cox_months").assign(patient_id=[f"p{i}" for i in range(120)])
    df.loc[[3, 7], "x"] = np.nan
    model = fit_risk_model(df, ModelSpec("cox", "time", "status", ("x", "k"), 12))
    assert model.n == 118
    assert [(e.reason, e.patients) for e in model.exclusions] == [("no recorded `x`",
                                                                  ("p3", "p7"))]


def test_errors_name_the_problem_and_the_fix():
    df = cohort("cr_months")
    with pytest.raises(AnalysisError, match=r"`status` holds causes 2, 3, \.\.\.: a Cox model "
                                            r"of one endpoint needs 0/1"):
        fit_risk_model(df, ModelSpec("cox", "time", "status", ("x",), 12))
    with pytest.raises(AnalysisError, match="Choose at least one covariate"):
        fit_risk_model(df, ModelSpec("fine_gray", "time", "status", (), 12))
    with pytest.raises(AnalysisError, match=r"The cohort has no column `age`"):
        fit_risk_model(df, ModelSpec("fine_gray", "time", "status", ("age",), 12))
    model = fit_risk_model(df, ModelSpec("fine_gray", "time", "status", ("k",), 12))
    with pytest.raises(AnalysisError, match=r"`k` has the value\(s\) \['z'\], which the model "
                                            r"does not know \(its levels: \['a', 'b', 'c'\]\)"):
        model.design(pd.DataFrame({"k": ["a", "z"]}))


def test_cause_specific_risk_is_computed_once_per_covariate_pattern(monkeypatch):
    """Patients sharing their covariates share one pass over the event times; a size beyond
    the cap is refused with the fix instead of stalling the page."""
    import core.risk.hazards as hazards

    df = cohort("cr_continuous")
    model = fit_risk_model(df, ModelSpec("cause_specific", "time", "status", ("k",), 12))
    x = model.design(df)
    risks = model.predict(x)
    assert len(np.unique(risks)) == 3
    monkeypatch.setattr(hazards, "MAX_CELLS", 10)
    with pytest.raises(AnalysisError, match=r"Combining cause-specific hazards for 3 distinct "
                                            r"covariate patterns over \d+ event times is too "
                                            r"large to compute here\. Fix: record times in "
                                            r"whole days or months"):
        model.predict(x)


def test_categorical_covariates_use_the_one_coder_of_categories():
    """A level is the value as R's factor prints it (``1.0`` is level ``"1"``), so a model
    fitted on text levels predicts for a cohort that read the same codes as numbers; a
    missing value gives a row of NaN, never silently the reference's row."""
    from core.risk.model import CovariateCoding

    coding = CovariateCoding("stage", ("1", "2", "3"))
    x = coding.encode(pd.Series([1.0, 3.0, None, 2.0]))
    np.testing.assert_array_equal(x[[0, 1, 3]], [[0, 0], [0, 1], [1, 0]])
    assert np.isnan(x[2]).all()
    with pytest.raises(AnalysisError, match=r"`stage` has the value\(s\) \['4'\], which the "
                                            r"model does not know"):
        coding.encode(pd.Series([4.0, 1.0]))

"""Calibration at the horizon (core.risk.calibration) against R.

Golden values: ``tests/core/golden/risk_r_golden.json`` (section "calibration"), written by
``tests/core/golden/make_risk_golden.R`` for the Cox risk of cohort ``cox_months`` and the
Fine-Gray risk of cohort ``cr_months`` (section "models"), horizon 12::

    cll <- log(-log(1 - risk)); knots <- quantile(cll, c(.1, .5, .9))
    b <- Hmisc::rcspline.eval(cll, knots = knots)
    observed: 1 - survfit(coxph(Surv(time, status) ~ cll + b), newdata) at 12   (one cause)
              predict(crr(time, status, cbind(cll, b)), cbind(cll, b)) at 12    (competing)
    ici, e50, e90 = mean, quantile(|observed - risk|, .5, .9)
    slope = coef(coxph(Surv(time, status) ~ cll)) / crr(time, status, cll)$coef
    groups: cut(risk, unique(quantile(risk, seq(0, 1, length = 6))), include.lowest = TRUE);
      1 - summary(survfit(Surv(time, status) ~ g, conf.type = "log-log"), times = 12), or
      timepoints(cuminc(time, status, g), 12) with the log(-log) interval

Spline basis and Fine-Gray values to 1e-10; Cox-based values to 1e-8 (coxph's convergence).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.risk.calibration import calibrate, spline_basis
from core.risk.performance import _cloglog

GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "golden"
                     / "risk_r_golden.json").read_text())
CASES = {"cox_months": "cox", "cr_months": "fine_gray_1"}


def inputs(name):
    model = GOLDEN["models"][name]
    df = pd.DataFrame(model["data"])
    return df, np.asarray(model[CASES[name]]), model["horizon"], GOLDEN["calibration"][name]


@pytest.mark.parametrize("name", sorted(CASES))
def test_spline_basis_equals_rcspline_eval(name):
    _, risk, _, ref = inputs(name)
    score = _cloglog(risk)
    knots = np.quantile(score, [0.1, 0.5, 0.9])
    np.testing.assert_allclose(knots, ref["knots"], atol=1e-12)
    np.testing.assert_allclose(spline_basis(score, knots)[:, 0], ref["basis"], atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_calibration_equals_r(name):
    df, risk, horizon, ref = inputs(name)
    got = calibrate(df.time.to_numpy(), df.status.to_numpy(), risk, horizon, groups=5)
    tol = 1e-8 if name == "cox_months" else 1e-10
    observed = got.curve.set_index(np.argsort(risk, kind="stable")).sort_index()["observed"]
    np.testing.assert_allclose(observed, ref["observed"], atol=tol)
    for key in ("ici", "e50", "e90", "slope"):
        assert getattr(got, key) == pytest.approx(ref[key], abs=tol), key
    groups = got.groups
    assert groups["n"].tolist() == ref["group_n"]
    closed = {int(c[0]): c[1:] for c in ref["groups_closed"] if c}
    expected = {"observed": [], "ci_lower": [], "ci_upper": []}
    for k in range(len(groups)):
        values = closed.get(k + 1) or [ref["groups"][key][k] for key in ("observed", "lower",
                                                                          "upper")]
        for column, value in zip(expected, values, strict=True):
            expected[column].append(value)
    for column in expected:
        np.testing.assert_allclose(groups[column], expected[column], atol=1e-10)
    assert got.observed == pytest.approx(ref["overall"]["observed"], abs=1e-12)
    assert got.observed_lower == pytest.approx(ref["overall"]["lower"], abs=1e-12)
    assert got.observed_upper == pytest.approx(ref["overall"]["upper"], abs=1e-12)
    assert got.expected == pytest.approx(risk.mean())
    assert got.competing == (name == "cr_months")


def test_simulated_true_model_is_calibrated():
    """Risks from the true model of a seeded simulation: slope near 1, ICI small."""
    rng = np.random.default_rng(7)
    n = 4000
    x = rng.normal(size=n)
    rate = 0.05 * np.exp(0.8 * x)
    t = rng.exponential(1 / rate)
    c = rng.exponential(40, size=n)
    time, status = np.minimum(t, c), (t <= c).astype(int)
    risk = 1 - np.exp(-rate * 12)
    got = calibrate(time, status, risk, 12)
    assert got.slope == pytest.approx(1, abs=0.08)
    assert got.ici < 0.02
    assert got.observed_expected == pytest.approx(1, abs=0.06)


def test_a_constant_prediction_has_no_curve_and_says_why():
    df, _, horizon, _ = inputs("cox_months")
    got = calibrate(df.time.to_numpy(), df.status.to_numpy(), np.full(len(df), 0.4), horizon)
    assert got.curve.empty and np.isnan(got.ici)
    assert got.notes == ("No smoothed calibration curve: the predicted risks take too few "
                         "distinct values for a spline.",)


def test_risk_groups_equal_rms_calibrate():
    """Section "rms_calibrate": rms::calibrate(cph(...), cmethod = "KM", u = 12,
    cuts = sort(1 - quantile(risk, seq(0, 1, length = 6)))[2:5]) on cohort cox_months: its
    apparent mean predicted survival and Kaplan-Meier per group (lowest predicted survival
    first) are 1 - our groups' predicted and observed risk, highest risk first. To 1e-8
    (Cox-based; seen 1e-16)."""
    df, risk, horizon, _ = inputs("cox_months")
    ref = GOLDEN["rms_calibrate"]
    groups = calibrate(df.time.to_numpy(), df.status.to_numpy(), risk, horizon,
                       groups=5).groups[::-1]
    np.testing.assert_allclose(1 - groups["predicted"], ref["mean_predicted"], atol=1e-8)
    np.testing.assert_allclose(1 - groups["observed"], ref["km"], atol=1e-8)

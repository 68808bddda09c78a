"""External validation of a frozen model (core.risk.frozen, core.risk.assess) against R.

Golden values: ``tests/core/golden/risk_r_golden.json`` (section "external"), written by
``tests/core/golden/make_risk_golden.R``: a model fitted on a development cohort of section
"models" (``cox_months``; ``cr_months`` for the competing-risks kinds) is applied unchanged to
a new cohort of 150 patients drawn from another truth (baseline hazard 0.06 instead of 0.04,
effects 0.6 times as large; whole months), horizon 12. The R calls::

    cox:            1 - summary(survfit(coxph(Surv(time, status) ~ x + k, dev,
                                              ties = "efron"), newdata = v), times = 12)$surv
    fine_gray:      predict(crr(dev$time, dev$status, model.matrix(~ x + k, dev)[, -1]),
                            cov1 = model.matrix(~ x + k, v)[, -1])  at the last time <= 12
    cause_specific: predictRisk(CSC(Hist(time, status) ~ x + k, data = dev), newdata = v,
                                times = 12, cause = 1)
    on v: Score(list(model = risk), Hist(time, status) ~ 1 (or Surv), v, times = 12,
                cens.model = "km", metrics = c("auc", "brier"), summary = "ipa")
          concordance(Surv(time, status) ~ risk, reverse = TRUE)  (+ timewt = "n/G2",
                      ymax = 12 for Uno's)
          calibration as section "calibration" (coxph / crr on the rcs of cloglog(risk)),
          observed overall risk 1 - KM (or cuminc) at 12 against mean(risk)

Here the model goes through the JSON file (freeze, then thaw) before it predicts: what a centre
validating a frozen model gets. Risks to 1e-8 (Cox-based: coxph's convergence; seen 7e-16),
1e-12 for Fine-Gray; the figures computed from them to the same tolerances.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.risk.assess import assess
from core.risk.frozen import freeze, thaw
from core.risk.model import ModelSpec, fit_risk_model

GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "golden"
                     / "risk_r_golden.json").read_text())
TOL = {"cox": 1e-8, "cause_specific": 1e-8, "fine_gray": 1e-12}


def validated(kind: str):
    case = GOLDEN["external"][kind]
    development = pd.DataFrame(GOLDEN["models"][case["development"]]["data"])
    model = fit_risk_model(development, ModelSpec(kind, "time", "status", ("x", "k"),
                                                  case["horizon"]))
    frozen, _, _ = thaw(freeze(model, "os" if kind == "cox" else "cir"))
    cohort = pd.DataFrame(case["data"]).drop(columns="risk")
    return assess(frozen, cohort, groups=5), case  # R: cut at quintiles


@pytest.mark.parametrize("kind", sorted(GOLDEN["external"]))
def test_frozen_model_predicts_the_new_cohort_as_r(kind):
    got, case = validated(kind)
    np.testing.assert_allclose(got.patients["risk"], case["risk"], rtol=0, atol=TOL[kind])


@pytest.mark.parametrize("kind", sorted(GOLDEN["external"]))
def test_external_figures_equal_r(kind):
    got, case = validated(kind)
    tol = TOL[kind]
    for ours, key in [(got.auc.auc, "auc"), (got.auc.se, "auc_se"), (got.brier.brier, "brier"),
                      (got.brier.se, "brier_se"), (got.brier.ipa, "ipa"),
                      (got.brier.null_brier, "null_brier")]:
        assert ours == pytest.approx(case[key], abs=tol), key
    cal, ref = got.calibration, case["calibration"]
    for key in ("ici", "e50", "e90", "slope"):
        assert getattr(cal, key) == pytest.approx(ref[key], abs=tol), key
    assert cal.groups["n"].tolist() == ref["group_n"]
    assert not any(ref["groups_closed"])  # every group followed to 12 months
    for column, key in [("observed", "observed"), ("ci_lower", "lower"), ("ci_upper", "upper")]:
        np.testing.assert_allclose(cal.groups[column], ref["groups"][key], atol=1e-10)
    assert cal.observed == pytest.approx(ref["overall"]["observed"], abs=1e-12)
    assert (cal.observed_lower, cal.observed_upper) == pytest.approx(
        (ref["overall"]["lower"], ref["overall"]["upper"]), abs=1e-12)
    assert cal.expected == pytest.approx(case["expected"], abs=tol)
    assert cal.observed_expected == pytest.approx(
        ref["overall"]["observed"] / case["expected"], abs=tol)
    if kind == "cox":
        assert got.harrell.c_index == pytest.approx(case["harrell"], abs=tol)
        assert got.uno.c_index == pytest.approx(case["uno"], abs=tol)
    else:
        assert got.harrell is None and got.uno is None and cal.competing


def test_the_new_cohort_shows_the_miscalibration_it_was_drawn_with():
    """Higher baseline hazard and weaker effects than the development truth: the frozen Cox
    model underestimates (observed / expected > 1) and its risks are too spread (slope < 1),
    which is what external validation is for."""
    got, _ = validated("cox")
    assert got.calibration.observed_expected > 1.1
    assert got.calibration.slope < 0.9

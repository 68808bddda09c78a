"""The nomogram (core.risk.nomogram): the points of a patient's values add up to a total whose
risk is the model's prediction for that patient (rms::nomogram's construction), and equal
rms::nomogram's.

Golden values: ``tests/core/golden/risk_r_golden.json`` (section "nomogram"), written by
``tests/core/golden/make_risk_golden.R`` for the Cox model of cohort ``cox_months``::

    fit <- cph(Surv(time, status) ~ x + k, x = TRUE, y = TRUE, surv = TRUE, eps = 1e-12)
    nom <- nomogram(fit, x = seq(min(x), max(x), length = 5),
                    fun = function(lp) 1 - Survival(fit)(12, lp), fun.at = ..., lp = FALSE)
    1 - Survival(fit)(12, Intercept + T / sc)      # the risk of T total points

Points, scale and the risk of a total to 1e-8 (seen 5e-14); the total points of each
risk tick to 1e-3, because rms inverts the risk by linear interpolation on a grid of 1000
linear-predictor values where ours inverts it exactly (seen 2.3e-4 points).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import AnalysisError
from core.risk.model import ModelSpec, fit_risk_model
from core.risk.nomogram import nomogram, risk_of_points
from tests.core.risk.simulate import simulated


@pytest.mark.parametrize("kind", ["cox", "fine_gray"])
def test_points_add_up_to_the_predicted_risk(kind):
    df = simulated(300, 8, competing=kind != "cox")
    df["age"] = df["age"].clip(30, 80).round(-1)  # values on the nomogram's ticks
    model = fit_risk_model(df, ModelSpec(kind, "time", "status", ("age", "mrd_pre_status"), 24))
    chart = nomogram(model, pd.DataFrame({"age": [30, 80]}))
    table = chart.points.set_index(["covariate", "value"])["points"]
    assert table.groupby(level=0).max().max() == pytest.approx(100)
    assert table.groupby(level=0).min().tolist() == [0, 0]
    for _, row in df.head(20).iterrows():
        age_points = np.interp(row.age, [30, 80], [table["age"].iloc[0],
                                                    table["age"].iloc[-1]])
        total = age_points + table[("mrd_pre_status", row.mrd_pre_status)]
        expected = model.predict(model.design(pd.DataFrame([row])))[0]
        assert risk_of_points(chart, model, total) == pytest.approx(expected, abs=1e-12)
    reached = [risk_of_points(chart, model, t) for t in chart.risk_axis.total_points]
    np.testing.assert_allclose(reached, chart.risk_axis.risk, atol=1e-12)


def test_cause_specific_models_have_no_nomogram():
    df = simulated(200, 9, competing=True)
    model = fit_risk_model(df, ModelSpec("cause_specific", "time", "status", ("age",), 24))
    with pytest.raises(AnalysisError, match="A nomogram needs one score"):
        nomogram(model, df)


def test_cox_nomogram_equals_rms():
    golden = json.loads((Path(__file__).resolve().parents[1] / "golden"
                         / "risk_r_golden.json").read_text())
    ref, data = golden["nomogram"], pd.DataFrame(golden["models"]["cox_months"]["data"])
    model = fit_risk_model(data, ModelSpec("cox", "time", "status", ("x", "k"), 12))
    chart = nomogram(model, data)
    points = chart.points.set_index("covariate")
    assert points.loc["x", "value"].tolist() == [f"{v:g}" for v in ref["x"]]
    np.testing.assert_allclose(points.loc["x", "points"], ref["x_points"], rtol=0, atol=1e-8)
    assert points.loc["k", "value"].tolist() == ref["k"]
    np.testing.assert_allclose(points.loc["k", "points"], ref["k_points"], rtol=0, atol=1e-8)
    points_per_unit = 1 / chart.scale  # rms::nomogram's sc, the inverse of our scale
    assert points_per_unit == pytest.approx(ref["sc"], abs=1e-8)
    np.testing.assert_allclose([risk_of_points(chart, model, t) for t in ref["totals"]],
                               ref["totals_risk"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(chart.risk_axis["risk"], ref["risk_ticks"], rtol=0, atol=0)
    np.testing.assert_allclose(chart.risk_axis["total_points"], ref["risk_points"], rtol=0,
                               atol=1e-3)

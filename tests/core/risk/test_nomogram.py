"""The nomogram (core.risk.nomogram): the points of a patient's values add up to a total whose
risk is the model's prediction for that patient (rms::nomogram's construction)."""

from __future__ import annotations

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

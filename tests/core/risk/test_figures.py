"""Figures of the Relapse risk page: numbers as computed, user text drawn as typed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.risk.assess import assess
from core.risk.figures import calibration_figure, nomogram_figure, position_figure
from core.risk.model import ModelSpec, fit_risk_model
from core.risk.nomogram import nomogram
from tests.core.figure_text import BOLD, LINK, assert_drawn_as_typed
from tests.core.risk.simulate import simulated


def hostile_model():
    df = simulated(300, 12, competing=True)
    df["mrd_pre_status"] = df["mrd_pre_status"].replace({"positive": LINK})
    df = df.rename(columns={"age": BOLD})
    model = fit_risk_model(df, ModelSpec("fine_gray", "time", "status",
                                         (BOLD, "mrd_pre_status"), 24))
    return df, model


def test_user_text_is_drawn_as_typed():
    df, model = hostile_model()
    chart = nomogram(model, df)
    assert_drawn_as_typed(nomogram_figure(chart, title=BOLD))
    assert_drawn_as_typed(position_figure(np.linspace(0, 1, 5), 0.3, 0.2, 0.4, 24, label=LINK))
    assert_drawn_as_typed(calibration_figure(assess(model, df).calibration, title=LINK))


def test_calibration_figure_draws_the_groups_and_the_curve():
    df, model = hostile_model()
    cal = assess(model, df).calibration
    fig = calibration_figure(cal).to_plotly_json()
    groups = next(t for t in fig["data"] if t["name"].startswith("Risk groups"))
    np.testing.assert_allclose(groups["x"], cal.groups["predicted"])
    curve = next(t for t in fig["data"] if t["name"].startswith("Smoothed"))
    np.testing.assert_allclose(curve["y"], cal.curve["observed"])
    assert pd.Series(curve["x"]).is_monotonic_increasing

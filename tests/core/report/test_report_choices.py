"""Issue 25: every deliverable is built from choices checked like the pages check them.

``/Cox?survival.horizon=1e308`` reached the report, the slides and the zip as "RMST to 1e+308
months" with a 309-digit value and "(nan-nan)"; 5000 passed silently too. The deliverables'
:class:`ReportChoices` now refuses what the pages refuse, with the pages' own sentences.
"""

from __future__ import annotations

import math

import pytest

from core.errors import AnalysisError
from core.report.sections import ReportChoices


@pytest.mark.parametrize("horizon", [1e308, 5000.0, 0.5, math.nan, math.inf])
def test_an_rmst_horizon_the_survival_page_refuses_is_refused(horizon):
    with pytest.raises(AnalysisError, match=r"^RMST horizon: '.*' is not a number of months "
                                            r"between 1 and 1200\. Fix: type e\.g\. 24\.$"):
        ReportChoices(horizon=horizon)


@pytest.mark.parametrize("marks", [(-1.0,), (1e308,), tuple(range(1, 14))])
def test_landmarks_the_survival_page_refuses_are_refused(marks):
    with pytest.raises(AnalysisError, match=r"^Landmarks: "):
        ReportChoices(landmark_months=tuple(map(float, marks)))


@pytest.mark.parametrize(("field", "value"), [
    ("endpoint", "dfs"), ("cox_endpoint", "x"), ("swimmer_mode", "www.evil.example"),
    ("competing_rule", "drop"), ("risk_rule", "drop"), ("cox_firth", "always"),
    ("cox_model", "both"), ("cox_ties", "exact"), ("cox_age_scale", "month")])
def test_a_choice_outside_its_options_is_refused(field, value):
    with pytest.raises(AnalysisError, match=rf"^The deliverables' {field} is {value!r}; it is "
                                            r"one of "):
        ReportChoices(**{field: value})


def test_competing_landmarks_the_page_does_not_offer_are_refused():
    with pytest.raises(AnalysisError, match=r"^The deliverables' competing landmarks are 7, "
                                            r"12 months; each is one of 6, 12, 18, 24, 36, 48, "
                                            r"60 months\. Fix: choose them on the Competing "
                                            r"risks page\.$"):
        ReportChoices(competing_landmarks=(7.0, 12.0))


@pytest.mark.parametrize("horizon", [1e308, 5000.0, math.nan])
def test_a_risk_horizon_out_of_range_is_refused(horizon):
    """/Relapse_risk?risk.horizon=1e308 reached the report's risk section (main added it after
    the RMST bound)."""
    with pytest.raises(AnalysisError, match=r"^Risk horizon: '.*' is not a number of months "
                                            r"between 1 and 1200\."):
        ReportChoices(risk_horizon=horizon)


def test_the_pages_defaults_pass():
    choices = ReportChoices(horizon=24.0, landmark_months=(12.0, 24.0))
    assert (choices.horizon, choices.landmark_months) == (24.0, (12.0, 24.0))

"""Predicted survival of a stratified Cox model, one baseline hazard per stratum
(core.cox.predict.predict_survival with ``stratum=``), against R on a seeded cohort with ties,
three strata (one small) and, in half the cases, delayed entry.

Golden values: tests/core/golden/make_cox_strata_predict_golden.R (R 4.2.2, survival 3.5.3)
-> cox_strata_predict_r_golden.json. Each case is
``summary(survfit(coxph(Surv(time, status) ~ x + g + strata(s), ties = <ties>), newdata =
data.frame(x =, g =, s = <stratum>), conf.type = <"log" or "log-log">), times = ...)`` (or
``Surv(entry, time, status)``); the case's ``call`` says which. R's default ctype: Efron's
hazard for an Efron fit, Breslow's for a Breslow fit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from core.cox.fit import fit_cox
from core.cox.predict import predict_survival

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" /
                     "cox_strata_predict_r_golden.json").read_text())
COHORT = pd.DataFrame(GOLDEN["cohort"])
CASES = GOLDEN["cases"]


def _fit(entry: bool, ties: str):
    return fit_cox(COHORT, "time", "status", ["x", "g"], ties=ties, strata="s",
                   entry="entry" if entry else None)


@pytest.mark.parametrize("key", list(CASES))
def test_stratified_predicted_survival_equals_survfit_coxph(key):
    case = CASES[key]
    fit = _fit(case["entry"], case["ties"])
    assert fit.params.tolist() == pytest.approx(case["coef"], abs=1e-7)
    pred = predict_survival(fit, case["profile"], case["time"], conf_type=case["conf_type"],
                            stratum=case["stratum"])
    table = pred.table
    assert table["time"].tolist() == case["time"]
    assert table["survival"].tolist() == pytest.approx(case["surv"], abs=1e-6, rel=1e-6)
    assert table["cumulative_hazard"].tolist() == pytest.approx(case["cumhaz"], abs=1e-6,
                                                                rel=1e-6)
    # R's summary std.err is the SE of S: S * se(H)
    assert (table["survival"] * table["se_cumulative_hazard"]).tolist() == pytest.approx(
        case["std_err"], abs=1e-6, rel=1e-6)
    assert table["ci_lower"].tolist() == pytest.approx(case["lower"], abs=1e-6, rel=1e-6)
    assert table["ci_upper"].tolist() == pytest.approx(case["upper"], abs=1e-6, rel=1e-6)


def test_each_stratum_has_its_own_baseline():
    """Same profile, three strata: three different curves (a pooled baseline would give one)."""
    fit = _fit(False, "efron")
    at_12 = {s: predict_survival(fit, {"x": 0.5, "g": "b"}, [12], stratum=s)
             .table["survival"].iloc[0] for s in ("north", "south", "west")}
    assert len({round(v, 6) for v in at_12.values()}) == 3
    assert at_12["west"] > at_12["north"] > at_12["south"]  # the seeded baseline hazards

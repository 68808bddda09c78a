"""The one Cox likelihood engine against R ``coxph`` (survival 3.5.3): delayed entry, strata,
case weights, Efron and Breslow ties, R's convergence rule.

Golden values: ``tests/core/golden/make_likelihood_golden.R`` (each case is
``coxph(Surv([entry,] time, event) ~ x1 + x2 [+ x3] [+ strata(s)], ties=, [weights = w])``
on the rows stored in the JSON).
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.likelihood.newton import Control, maximize
from core.likelihood.partial import PartialLikelihood
from core.likelihood.risksets import risk_sets

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "likelihood_r_golden.json")
                    .read_text())


def _fit(case):
    rows = pd.DataFrame(case["rows"])
    x = rows[np.atleast_1d(case["covariates"]).tolist()].to_numpy(float)
    strata = rows["s"].to_numpy(int) if case["strata"] else None
    rs = risk_sets(rows["time"].to_numpy(float), rows["event"].to_numpy(int),
                   start=rows["entry"].to_numpy(float) if case["entry"] else None,
                   strata=strata, weights=rows["w"].to_numpy(float) if case["weights"] else None,
                   ties=case["ties"])
    f = PartialLikelihood(rs, x - x.mean(axis=0), strata=strata)
    return maximize(f, np.zeros(x.shape[1]), Control(iter_max=case["iter_max"]))


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_engine_equals_coxph(name):
    case = GOLDEN[name]
    fit = _fit(case)
    r_coef = np.atleast_1d(np.asarray(case["coef"], dtype=float))
    np.testing.assert_allclose(fit.score_test, case["score"], rtol=1e-10)
    np.testing.assert_allclose(fit.loglik_start, case["loglik"][0], rtol=1e-12)
    if case["iter_max"] == 0:
        return
    assert fit.converged
    assert fit.iterations == case["iter"]
    np.testing.assert_allclose(fit.beta, r_coef, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.evaluation.loglik, case["loglik"][1], rtol=1e-12)
    var = np.linalg.inv(fit.evaluation.information)  # model-based (R naive.var with weights)
    np.testing.assert_allclose(var, np.asarray(case["var"], dtype=float).reshape(var.shape),
                               rtol=1e-8)

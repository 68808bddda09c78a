"""fit_ordinary reuses its evaluation at beta = 0 as Newton-Raphson's first step.

The reference is the direct path it replaced: ``maximize`` on a fresh likelihood, which
evaluates beta = 0 again. Every number of the fit must be the same, bit for bit: a converged
model, one with a level without events (R's 20 iterations), one with an aliased term.
"""

from __future__ import annotations

import numpy as np
import pytest

from core.cohort.read import load_seed_cohort
from core.cox import ordinary
from core.cox.fit import fit_cox
from core.likelihood.newton import COXPH, maximize


def _direct(data, ties):
    """fit_ordinary's Newton-Raphson as it was: a fresh likelihood, beta = 0 evaluated again."""
    rs = data.risk_sets(ties)
    return maximize(data.likelihood(ties, rs=rs), np.zeros(data.design.shape[1]), COXPH)


@pytest.mark.parametrize("covariates", [["mrd_pre_status"], ["eln2022_risk", "age"],
                                        ["fab", "fab_class"]])
def test_newton_from_the_known_start_is_the_direct_path(covariates, monkeypatch):
    cohort = load_seed_cohort()
    fit = fit_cox(cohort, "rfs_months", "rfs_event", covariates)
    seen = []
    monkeypatch.setattr(ordinary, "maximize",
                        lambda objective, start, control: seen.append(
                            maximize(objective, start, control)) or seen[-1])
    again = ordinary.fit_ordinary(fit.data, "efron", 0.95)
    keep = ~again["aliased"]
    direct = _direct(fit.data.subset(keep) if not keep.all() else fit.data, "efron")
    (known,) = seen
    assert known.iterations == direct.iterations and known.converged == direct.converged
    assert np.array_equal(known.beta, direct.beta)
    assert known.loglik_start == direct.loglik_start
    assert known.evaluation.loglik == direct.evaluation.loglik
    assert np.array_equal(known.evaluation.information, direct.evaluation.information)
    assert np.array_equal(again["coef"], fit.params) and again["loglik"] == fit.loglik

"""Firth-penalized Cox regression on the one likelihood engine.

Design: the fit maximises Firth's penalized partial likelihood l*(b) = l(b) + 1/2 log|I(b)|
(Breslow ties, as R ``coxphf`` and firthmodels) with its exact score
(:mod:`core.likelihood.firth`), on the same risk sets as the ordinary fit, so delayed entry,
strata and case weights carry over (firthmodels, used before, has none of them; it stays in
the tests as an independent check where it applies). Inference is the profile penalized
likelihood (Heinze & Schemper 2001, as ``coxphf``): the interval of b_j holds the values
where 2 [l*(b_hat) - max l*(b | b_j)] <= chi2_1(conf_level), found by bracketing and
``brentq`` on the profile (each point a restricted maximisation, warm-started); the p-value is
the penalized likelihood-ratio test 2 [l*(b_hat) - max l*(b | b_j = 0)], chi-square with 1
df. Standard errors are sqrt(diag(I(b_hat)^-1)) (Wald, shown for reference).

References
----------
Firth D (1993). Bias reduction of maximum likelihood estimates. Biometrika 80:27-38.
Heinze G, Schemper M (2001). A solution to the problem of monotone likelihood in Cox
regression. Biometrics 57:114-119.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

from core.cox.data import CoxData
from core.likelihood.firth import maximize_penalized, penalized

BRACKET_STEP = 1.0
"""Initial outward step (log hazard ratio) when bracketing a profile limit."""
BRACKET_MAX = 60.0
"""A profile limit beyond this distance from the estimate is reported as infinite."""


def fit_firth(data: CoxData, conf_level: float) -> dict:
    """Firth-penalized Cox fit with profile penalized-likelihood intervals and p-values.

    Parameters
    ----------
    data : CoxData
        The model's rows (entry times, strata and weights as given).
    conf_level : float
        Level of the profile intervals.

    Returns
    -------
    dict
        ``coef``, ``se``, ``lower``, ``upper`` (profile limits, log scale), ``p`` (penalized
        LR), ``cov``, ``loglik`` (penalized), ``loglik_null`` (NaN), ``converged``,
        ``messages`` (caveats in words), ``aliased`` (all False), ``iterations``.

    Raises
    ------
    numpy.linalg.LinAlgError
        When the information at 0 is singular (a term without information of its own).
    """
    f = data.likelihood("breslow")
    p = data.design.shape[1]
    if np.linalg.matrix_rank(f(np.zeros(p)).information) < p:
        raise np.linalg.LinAlgError("Singular matrix")
    fit = maximize_penalized(f, np.zeros(p))
    beta = fit.beta
    top = fit.evaluation.loglik
    messages = []
    if not fit.converged:
        messages.append("The Firth-penalized fit did not converge (its penalized score is not "
                        "0 at the estimate); simplify the model.")
    cov = np.linalg.inv(fit.evaluation.information)
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    cut = stats.chi2.ppf(conf_level, 1) / 2
    lower, upper, p_values = np.full(p, np.nan), np.full(p, np.nan), np.full(p, np.nan)
    for j in range(p):
        profile = _Profile(f, beta, j)
        drop = top - profile(0.0)
        p_values[j] = float(stats.chi2.sf(max(2 * drop, 0.0), 1))
        lower[j] = _limit(profile, beta[j], top, cut, -1.0)
        upper[j] = _limit(profile, beta[j], top, cut, +1.0)
    return {"coef": beta, "se": se, "lower": lower, "upper": upper, "p": p_values, "cov": cov,
            "loglik": top, "loglik_null": math.nan, "converged": fit.converged,
            "messages": messages, "aliased": np.zeros(p, dtype=bool),
            "infinite": np.zeros(p, dtype=bool), "iterations": fit.iterations}


class _Profile:
    """max over the other coefficients of l*(b) with b_j held at a value (warm-started)."""

    def __init__(self, f, beta: np.ndarray, j: int) -> None:
        self.f, self.j = f, j
        self.fixed = np.zeros(len(beta), dtype=bool)
        self.fixed[j] = True
        self.last = beta.copy()

    def __call__(self, value: float) -> float:
        start = self.last.copy()
        start[self.j] = value
        if len(start) == 1:
            return penalized(self.f, start, score=False).loglik
        fit = maximize_penalized(self.f, start, fixed=self.fixed)
        if math.isfinite(fit.evaluation.loglik):
            self.last = fit.beta
        return fit.evaluation.loglik


def _limit(profile: _Profile, estimate: float, top: float, cut: float, side: float) -> float:
    """The profile limit on one side: where top - profile(b) = cut (log scale)."""
    def excess(b: float) -> float:
        value = profile(b)
        return (top - value - cut) if math.isfinite(value) else math.inf

    inner, step = estimate, BRACKET_STEP
    outer = estimate + side * step
    while excess(outer) < 0:
        inner, step = outer, step * 2
        outer = estimate + side * step
        if step > BRACKET_MAX:
            return side * math.inf
    return float(optimize.brentq(excess, min(inner, outer), max(inner, outer), xtol=1e-10,
                                 rtol=1e-12))

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
PROFILE_GTOL = 1e-7
"""Penalized score at a profile point's restricted maximum: the profile value is then exact
to about 1e-14, far below what moves a limit."""


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
    f = _collapsed(data).likelihood("breslow")
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


def _collapsed(data: CoxData) -> CoxData:
    """Identical rows (time, event, entry, stratum, design) merged into one row weighted by
    their count (and summed case weights). Under Breslow ties case weights are frequency
    weights, so the likelihood is exactly the same; with categorical covariates the profile
    fits then run over patterns and times instead of patients."""
    columns = [data.times, data.status,
               np.zeros(data.n) if data.entry is None else data.entry,
               np.zeros(data.n) if data.strata is None else data.strata.astype(float)]
    key = np.column_stack([*columns, data.design])
    unique, inverse = np.unique(key, axis=0, return_inverse=True)
    if len(unique) == data.n:
        return data
    inverse = inverse.ravel()
    weights = np.bincount(inverse, np.ones(data.n) if data.weights is None else data.weights)
    return CoxData(times=unique[:, 0], status=unique[:, 1], design=unique[:, 4:],
                   entry=None if data.entry is None else unique[:, 2],
                   strata=None if data.strata is None else unique[:, 3].astype(np.int64),
                   strata_labels=data.strata_labels, weights=weights)


class _Profile:
    """max over the other coefficients of l*(b) with b_j held at a value, warm-started from the
    nearest point already profiled (its estimate and quasi-Newton curvature); each value is
    computed once, so the root finder sees one function."""

    def __init__(self, f, beta: np.ndarray, j: int) -> None:
        self.f, self.j, self.beta = f, j, beta
        self.fixed = np.zeros(len(beta), dtype=bool)
        self.fixed[j] = True
        self.done: dict[float, tuple[float, np.ndarray, np.ndarray | None]] = {}

    def __call__(self, value: float) -> float:
        value = float(value)
        if value in self.done:
            return self.done[value][0]
        start, curvature = self.beta.copy(), None
        if self.done:
            near = min(self.done, key=lambda v: abs(v - value))
            _, start, curvature = self.done[near]
            start = start.copy()
        start[self.j] = value
        if len(start) == 1:
            top = penalized(self.f, start, score=False).loglik
            self.done[value] = (top, start, None)
            return top
        fit = maximize_penalized(self.f, start, fixed=self.fixed, hessian=curvature,
                                 gtol=PROFILE_GTOL)
        top = fit.evaluation.loglik if math.isfinite(fit.evaluation.loglik) else -math.inf
        self.done[value] = (top, fit.beta, fit.curvature if math.isfinite(top) else curvature)
        return top


def _limit(profile: _Profile, estimate: float, top: float, cut: float, side: float) -> float:
    """The profile limit on one side: where top - profile(b) = cut (log scale)."""
    def excess(b: float) -> float:
        return top - profile(b) - cut  # +inf where the profile is not finite

    inner, step = estimate, BRACKET_STEP
    outer = estimate + side * step
    while excess(outer) < 0:
        inner, step = outer, step * 2
        outer = estimate + side * step
        if step > BRACKET_MAX:
            return side * math.inf
    if not math.isfinite(excess(outer)):  # bisect toward a finite outer end first
        for _ in range(60):
            middle = (inner + outer) / 2
            if math.isfinite(excess(middle)):
                if excess(middle) < 0:
                    inner = middle
                else:
                    outer = middle
                    break
            else:
                outer = middle
    low, high = min(inner, outer), max(inner, outer)
    return float(optimize.brentq(excess, low, high, xtol=1e-8, rtol=1e-10))

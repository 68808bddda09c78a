"""Firth-penalized Cox regression: the firthmodels fit, checked and completed here.

Design: ``firthmodels.FirthCoxPH`` maximises Firth's penalized partial likelihood
l*(beta) = l(beta) + 1/2 log|I(beta)| (Breslow ties) and gives profile penalized-likelihood
intervals and penalized likelihood-ratio p-values. Its own convergence flag can be a false
alarm: on the seed cohort's RFS ~ MRD status it reports "Step-halving failed to converge" and
then declines the likelihood-ratio test, although its estimate is the maximum (see
``docs/upstream/firthmodels-step-halving.md``). So convergence is judged here, from l* itself
(:func:`penalized_loglik`, computed on the sorted risk sets of :mod:`core.cox.riskset`): the
estimate is accepted when the Hessian of l* is negative definite and the Newton decrement
U*' (-H*)^-1 U* of the penalized score U* is below :data:`DECREMENT_TOL` (l* is then within
about 1e-9 of its maximum). Where firthmodels declines a p-value, it is computed here as
2 [l*(beta_hat) - max l*(beta restricted to beta_j = 0)], chi-square with 1 df, the same
definition (Heinze & Schemper 2001).

Conventions: derivatives of l* are central finite differences (step 1e-4 for the Hessian,
1e-6 for the score; the score's error is far below the tolerance); the restricted maximum is
found by Newton-Raphson with step halving on the same derivatives, starting from the full
estimate with beta_j set to 0.

References
----------
Firth D (1993). Bias reduction of maximum likelihood estimates. Biometrika 80:27-38.
Heinze G, Schemper M (2001). A solution to the problem of monotone likelihood in Cox
regression. Biometrics 57:114-119.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from core.cox.riskset import RiskSets, information, moments, risk_sets

DECREMENT_TOL = 1e-8
"""Newton decrement of the penalized score below which the estimate is the maximum."""
FIRTHMODELS_FALSE_ALARM = "Step-halving failed to converge"
"""firthmodels' warning that the check here may overrule."""


@dataclass(frozen=True)
class FirthCheck:
    """Whether a Firth estimate is the maximum of the penalized likelihood.

    Attributes
    ----------
    penalized_loglik : float
        l*(beta) = l(beta) + 1/2 log|I(beta)| at the estimate (Breslow ties).
    max_abs_score : float
        Largest absolute component of the penalized score at the estimate.
    decrement : float
        Newton decrement U*' (-H*)^-1 U* (NaN when the Hessian is not negative definite).
    negative_definite : bool
        Whether the Hessian of l* is negative definite at the estimate.
    converged : bool
        ``negative_definite`` and ``decrement`` below :data:`DECREMENT_TOL`.
    """

    penalized_loglik: float
    max_abs_score: float
    decrement: float
    negative_definite: bool
    converged: bool


def penalized_loglik(rs: RiskSets, x: np.ndarray, beta: np.ndarray) -> float:
    """Firth's penalized log partial likelihood l(beta) + 1/2 log|I(beta)|.

    Parameters
    ----------
    rs : RiskSets
        From :func:`core.cox.riskset.risk_sets` with ``ties="breslow"``.
    x : ndarray, shape (n, p)
    beta : ndarray, shape (p,)

    Returns
    -------
    float
        -inf when I(beta) is not positive definite.
    """
    mom = moments(rs, x, np.asarray(beta, dtype=float))
    sign, logdet = np.linalg.slogdet(information(rs, x, mom))
    return mom.loglik + 0.5 * logdet if sign > 0 else -math.inf


def _score(f, beta: np.ndarray, h: float = 1e-6) -> np.ndarray:
    out = np.empty(len(beta))
    for j in range(len(beta)):
        e = np.zeros(len(beta))
        e[j] = h
        out[j] = (f(beta + e) - f(beta - e)) / (2 * h)
    return out


def _hessian(f, beta: np.ndarray, h: float = 1e-4) -> np.ndarray:
    p = len(beta)
    out = np.empty((p, p))
    f0 = f(beta)
    for i in range(p):
        ei = np.zeros(p)
        ei[i] = h
        out[i, i] = (f(beta + ei) - 2 * f0 + f(beta - ei)) / h ** 2
        for j in range(i):
            ej = np.zeros(p)
            ej[j] = h
            out[i, j] = out[j, i] = (f(beta + ei + ej) - f(beta + ei - ej) - f(beta - ei + ej)
                                     + f(beta - ei - ej)) / (4 * h ** 2)
    return out


def check_maximum(times: np.ndarray, status: np.ndarray, x: np.ndarray,
                  beta: np.ndarray) -> FirthCheck:
    """Judge whether ``beta`` maximises Firth's penalized partial likelihood (Breslow ties).

    Parameters
    ----------
    times, status : ndarray, shape (n,)
        Follow-up times and event indicators (1 = event).
    x : ndarray, shape (n, p)
        Design matrix.
    beta : ndarray, shape (p,)
        The estimate to check.
    """
    rs = risk_sets(times, status, "breslow")
    xc = x - x.mean(axis=0)
    beta = np.asarray(beta, dtype=float)

    def f(b):
        return penalized_loglik(rs, xc, b)

    value = f(beta)
    score = _score(f, beta)
    hess = _hessian(f, beta)
    eig = np.linalg.eigvalsh((hess + hess.T) / 2)
    negative = bool(np.isfinite(eig).all() and eig.max() < 0)
    decrement = float(score @ np.linalg.solve(-hess, score)) if negative else math.nan
    return FirthCheck(penalized_loglik=float(value), max_abs_score=float(np.abs(score).max()),
                      decrement=decrement, negative_definite=negative,
                      converged=negative and decrement < DECREMENT_TOL)


def penalized_lr_p_values(times: np.ndarray, status: np.ndarray, x: np.ndarray,
                          beta: np.ndarray) -> np.ndarray:
    """Penalized likelihood-ratio p-value of each coefficient (Heinze & Schemper 2001).

    2 [l*(beta_hat) - max over beta with beta_j = 0 of l*(beta)], chi-square 1 df.

    Parameters
    ----------
    times, status, x, beta
        As :func:`check_maximum`; ``beta`` is the penalized maximum.

    Returns
    -------
    ndarray, shape (p,)
        NaN for a coefficient whose restricted maximisation failed.
    """
    rs = risk_sets(times, status, "breslow")
    xc = x - x.mean(axis=0)
    beta = np.asarray(beta, dtype=float)
    full = penalized_loglik(rs, xc, beta)
    p = len(beta)
    out = np.full(p, math.nan)
    for j in range(p):
        free = [k for k in range(p) if k != j]

        def restricted(b, free=free):
            whole = np.zeros(p)
            whole[free] = b
            return penalized_loglik(rs, xc, whole)

        best = restricted(beta[free]) if not free else _newton_max(restricted, beta[free])
        if math.isfinite(best):
            out[j] = float(stats.chi2.sf(max(2 * (full - best), 0.0), 1))
    return out


def _newton_max(f, start: np.ndarray, max_iter: int = 100) -> float:
    """Maximum of a smooth concave-near-the-top f by Newton-Raphson with step halving."""
    b = np.asarray(start, dtype=float)
    value = f(b)
    for _ in range(max_iter):
        grad = _score(f, b)
        hess = _hessian(f, b)
        try:
            step = np.linalg.solve(-hess, grad)
        except np.linalg.LinAlgError:
            step = grad
        if not (np.isfinite(step).all() and float(grad @ step) > 0):
            step = grad  # not an ascent direction: a gradient step
        for _ in range(40):
            new = b + step
            new_value = f(new)
            if new_value >= value:
                break
            step = step / 2
        else:
            return value
        done = abs(new_value - value) < 1e-12 and float(np.abs(step).max()) < 1e-8
        b, value = new, new_value
        if done:
            break
    return value


def firth_estimator():
    """The ``firthmodels.FirthCoxPH`` estimator as configured here (tight tolerances)."""
    from firthmodels import FirthCoxPH

    return FirthCoxPH(max_iter=200, max_halfstep=20, gtol=1e-9, xtol=1e-10, backend="numpy")


def fit_firth(times: np.ndarray, status: np.ndarray, design: np.ndarray,
              conf_level: float) -> dict:
    """Firth-penalized Cox fit (firthmodels), its convergence judged by :func:`check_maximum`
    and missing penalized LR p-values filled by :func:`penalized_lr_p_values`.

    Returns
    -------
    dict
        ``coef``, ``se``, ``lower``, ``upper`` (profile penalized-likelihood limits on the
        log scale), ``p``, ``cov``, ``loglik`` (penalized), ``loglik_null`` (NaN),
        ``converged``, ``messages`` (caveats in words), ``check`` (:class:`FirthCheck`).
    """
    est = firth_estimator()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(design, (status.astype(bool), times))
        ci = np.asarray(est.conf_int(alpha=1 - conf_level, method="pl", max_iter=200,
                                     tol=1e-8), dtype=float)
    coef = np.asarray(est.coef_, dtype=float)
    check = check_maximum(times, status, design, coef)
    converged = bool(est.converged_) or check.converged
    with warnings.catch_warnings(record=True) as lrt_caught:
        warnings.simplefilter("always")
        est.lrt()
        if est.converged_ and np.isnan(est.lrt_pvalues_).any():
            # the warm start from the full fit can stall at the tolerance floor: start cold
            lrt_caught.clear()
            est.lrt(warm_start=False)
    p_values = np.asarray(est.lrt_pvalues_, dtype=float)
    if converged and np.isnan(p_values).any():  # firthmodels declined: computed here
        ours = penalized_lr_p_values(times, status, design, coef)
        p_values = np.where(np.isnan(p_values), ours, p_values)
        lrt_caught = []
    if np.isnan(p_values).any():
        caught.extend(lrt_caught)
    messages = []
    for w in caught:
        text = str(w.message)
        if check.converged and FIRTHMODELS_FALSE_ALARM in text:
            continue  # checked here: the estimate is the maximum (score ~ 0, concave)
        messages.append("The Firth-penalized fit reported a numerical problem "
                        f"(firthmodels: \"{text}\"); read its intervals with care.")
    se = np.asarray(est.bse_, dtype=float)
    cov = np.diag(se ** 2)
    if getattr(est, "_cov", None) is not None:
        cov = np.asarray(est._cov, dtype=float)
    if not converged:
        messages.append("The Firth-penalized fit did not converge (its penalized score is not "
                        "0 at the estimate); simplify the model.")
    return {
        "coef": coef, "se": se, "lower": ci[:, 0], "upper": ci[:, 1], "p": p_values,
        "cov": cov, "loglik": check.penalized_loglik, "loglik_null": math.nan,
        "converged": converged, "messages": messages, "check": check,
    }

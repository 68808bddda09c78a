"""Firth's penalized partial likelihood l*(b) = l(b) + 1/2 log|I(b)| and its exact score.

Design: Firth's correction (Heinze & Schemper 2001) needs the derivative of 1/2 log|I(b)|,
1/2 tr(A dI/db_r) with A = I^-1. With Breslow ties (as R ``coxphf`` and firthmodels use),
I = sum_g d_g [S2/S0 - S1 S1'/S0^2], and the trace splits into four risk-set sums that are
all O(n p^2): with q_j = x_j' A x_j, Q_g the risk-set sum of r q, v_g = A S1_g,

* T1 = X' (r q C), C_j = sum over the groups row j is at risk in of d_g / S0_g,
* T2 = - sum_g d_g Q_g S1_g / S0_g^2,
* T3 = - 2 X' (r (x_j' W_j)), W_j = the same per-row sum of d_g v_g / S0_g^2,
* T4 = 2 sum_g d_g (S1_g' A S1_g) S1_g / S0_g^3,

so the penalized score is U + (T1 + T2 + T3 + T4) / 2, exact, on the same risk sets as the
ordinary fit (entry times, strata and case weights included). :func:`maximize_penalized`
climbs l* by Newton steps, steps capped at :data:`MAX_STEP` and halved while l* falls, until
the penalized score is below :data:`GTOL`; a coefficient can be held fixed (profile
likelihood, penalized LR tests). The curvature is quasi-Newton (BFGS) from the exact score,
started at the information I (``coxphf`` keeps I throughout, which converges only linearly),
so an iteration costs one or two evaluations.

References
----------
Firth D (1993). Bias reduction of maximum likelihood estimates. Biometrika 80:27-38.
Heinze G, Schemper M (2001). A solution to the problem of monotone likelihood in Cox
regression. Biometrics 57:114-119.
Heinze G, Ploner M (2002). SAS and SPLUS programs to perform Cox regression without
convergence problems. Comput Methods Programs Biomed 67:217-223 (``coxphf``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.errors import AnalysisError
from core.likelihood.partial import PartialLikelihood

GTOL = 1e-9
"""Largest absolute penalized score at the maximum."""
MAX_STEP = 2.0
"""Largest change of one coefficient in one Newton step (coxphf's ``maxstep`` idea)."""
MAX_ITER = 200
MAX_HALVING = 40


@dataclass(frozen=True, eq=False)
class PenalizedEvaluation:
    """Firth's penalized likelihood at one coefficient vector.

    Attributes
    ----------
    loglik : float
        l*(b) = l(b) + 1/2 log|I(b)| (-inf when I is not positive definite).
    loglik_unpenalized : float
        l(b).
    score : ndarray, shape (p,)
        The penalized score U*(b).
    information : ndarray, shape (p, p)
        The (unpenalized) observed information I(b).
    """

    loglik: float
    loglik_unpenalized: float
    score: np.ndarray
    information: np.ndarray


def penalized(f: PartialLikelihood, beta: np.ndarray, score: bool = True
              ) -> PenalizedEvaluation:
    """Firth's penalized log partial likelihood (Breslow ties) and its score at ``beta``.

    Parameters
    ----------
    f : PartialLikelihood
        Built on risk sets with ``ties="breslow"``.
    beta : ndarray, shape (p,)
    score : bool, default True
        Also compute the penalized score (else NaN).

    Raises
    ------
    core.errors.AnalysisError
        When the risk sets use Efron ties.
    """
    rs = f.rs
    if rs.ties != "breslow":
        raise AnalysisError("Firth's penalized likelihood is computed with Breslow ties.")
    ev = f(beta)
    info = ev.information
    sign, logdet = np.linalg.slogdet(info)
    if sign <= 0 or not math.isfinite(logdet):
        return PenalizedEvaluation(-math.inf, ev.loglik, np.full(len(beta), np.nan), info)
    if not score:
        return PenalizedEvaluation(ev.loglik + 0.5 * logdet, ev.loglik,
                                   np.full(len(beta), np.nan), info)
    a = np.linalg.inv(info)
    x, r, s0, s1 = f.x, ev.risk, ev.s0, ev.s1
    d = rs.death_weight
    q = np.einsum("ij,jk,ik->i", x, a, x)
    big_q = rs.risk_sums(r * q)
    t1 = x.T @ (r * q * rs.cumulate_to_rows(d / s0))
    t2 = -((d * big_q / s0 ** 2)[:, None] * s1).sum(axis=0)
    v = s1 @ a
    w = rs.cumulate_to_rows((d / s0 ** 2)[:, None] * v)
    t3 = -2 * x.T @ (r * np.einsum("ij,ij->i", x, w))
    t4 = 2 * ((d * np.einsum("ij,ij->i", s1, v) / s0 ** 3)[:, None] * s1).sum(axis=0)
    return PenalizedEvaluation(loglik=ev.loglik + 0.5 * logdet, loglik_unpenalized=ev.loglik,
                               score=ev.score + 0.5 * (t1 + t2 + t3 + t4), information=info)


@dataclass(frozen=True, eq=False)
class PenalizedMaximum:
    """Result of :func:`maximize_penalized`.

    Attributes
    ----------
    beta : ndarray, shape (p,)
    evaluation : PenalizedEvaluation
    iterations : int
    converged : bool
        Whether the free coefficients' penalized score fell below :data:`GTOL`.
    curvature : ndarray, shape (q, q)
        The final quasi-Newton curvature of -l* over the free coefficients.
    """

    beta: np.ndarray
    evaluation: PenalizedEvaluation
    iterations: int
    converged: bool
    curvature: np.ndarray


def maximize_penalized(f: PartialLikelihood, start: np.ndarray,
                       fixed: np.ndarray | None = None,
                       hessian: np.ndarray | None = None, gtol: float = GTOL
                       ) -> PenalizedMaximum:
    """Maximise l* over the coefficients not in ``fixed`` (held at their ``start`` values).

    Quasi-Newton (BFGS) on the exact penalized score: the curvature starts from ``hessian``
    (e.g. that of a neighbouring profile point) or the information I, and is updated from the
    score's changes, so each iteration costs one or two evaluations; steps are capped at
    :data:`MAX_STEP` and halved while l* falls or is not finite.

    Parameters
    ----------
    f : PartialLikelihood
        Breslow risk sets.
    start : ndarray, shape (p,)
    fixed : ndarray of bool, shape (p,), optional
        Coefficients held at their starting values.
    hessian : ndarray, shape (q, q), optional
        Starting curvature of -l* over the free coefficients (positive definite).
    gtol : float
        Largest absolute penalized score of the free coefficients at the maximum (l* is then
        within about gtol^2 / curvature of its maximum).
    """
    beta = np.asarray(start, dtype=float).copy()
    free = np.ones(len(beta), bool) if fixed is None else ~np.asarray(fixed, bool)
    ev = penalized(f, beta)
    curvature = _start_curvature(hessian, ev.information[np.ix_(free, free)])
    iterations, converged = 0, False
    for iterations in range(1, MAX_ITER + 1):  # noqa: B007 (the count is reported)
        u = ev.score[free]
        if not np.isfinite(u).all():
            break
        if np.abs(u).max(initial=0.0) < gtol:
            converged = True
            break
        step = np.linalg.solve(curvature, u)
        if not (np.isfinite(step).all() and float(step @ u) > 0):
            curvature = np.eye(len(u)) * max(1.0, float(np.abs(u).max()))
            step = np.linalg.solve(curvature, u)
        biggest = np.abs(step).max(initial=0.0)
        if biggest > MAX_STEP:
            step = step * (MAX_STEP / biggest)
        for _ in range(MAX_HALVING):
            trial = beta.copy()
            trial[free] += step
            new = penalized(f, trial)
            if (math.isfinite(new.loglik) and np.isfinite(new.score[free]).all()
                    and new.loglik >= ev.loglik - 1e-13 * abs(ev.loglik)):
                break
            step = step / 2
        else:
            break  # no step improves l*: at its maximum within floating point
        moved = trial[free] - beta[free]
        change = ev.score[free] - new.score[free]  # change of the gradient of -l*
        if float(moved @ change) > 1e-300:  # BFGS update keeps the curvature positive
            bs = curvature @ moved
            curvature = (curvature - np.outer(bs, bs) / float(moved @ bs)
                         + np.outer(change, change) / float(change @ moved))
        beta, ev = trial, new
        if np.abs(moved).max(initial=0.0) < 1e-14 * (1 + np.abs(beta).max(initial=0.0)):
            converged = bool(np.abs(ev.score[free]).max(initial=0.0) < 1e-6)
            break
    return PenalizedMaximum(beta=beta, evaluation=ev, iterations=iterations,
                            converged=converged, curvature=curvature)


def _start_curvature(hessian: np.ndarray | None, information: np.ndarray) -> np.ndarray:
    """A positive definite starting curvature: the given one, else I, else the identity."""
    for matrix in (hessian, information):
        if matrix is not None and np.isfinite(matrix).all() and len(matrix) and \
                np.linalg.eigvalsh((matrix + matrix.T) / 2).min() > 0:
            return (matrix + matrix.T) / 2
    return np.eye(len(information))

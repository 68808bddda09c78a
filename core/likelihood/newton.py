"""Newton-Raphson with R's ``coxph.control`` rules: one iteration for every Cox variant.

Design: :func:`maximize` is the loop of R's ``agfit4.c`` / ``coxfit6.c``, line for line:
evaluate at the start (the score test is read there), take a full Newton step, and at each
later iteration stop with success when the log-likelihood changed by a relative
``eps`` or less and no step halving is under way; when the log-likelihood fell (or became
non-finite), move back toward the last good estimate, beta = (old * h + beta) / (h + 1) for
the h-th halving; after ``iter_max`` iterations stop, back at the last good estimate if the
last try was worse. A coefficient is flagged as possibly infinite as ``coxph.fit`` does:
|I^-1 U| above ``eps`` and above ``toler_inf * |beta|`` at the end. :func:`newton_step` is
the shared step (solve I d = U, refusing a non-finite step), also used by the Fine-Gray fit.

References
----------
Therneau TM. survival: ``R/coxph.control.R``, ``R/coxph.fit.R``, ``src/agfit4.c``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Control:
    """R's ``coxph.control()`` defaults.

    Attributes
    ----------
    eps : float
        Relative change of the log-likelihood at convergence.
    iter_max : int
        Iterations at most (0: evaluate at the start only, for the score test).
    toler_chol : float
        Relative pivot below which a term is aliased (R ``cholesky2``).
    toler_inf : float
        Relative size of the last Newton step above which a coefficient may be infinite.
    """

    eps: float = 1e-9
    iter_max: int = 20
    toler_chol: float = np.finfo(float).eps ** 0.75
    toler_inf: float = math.sqrt(1e-9)


@dataclass(frozen=True, eq=False)
class NewtonResult:
    """The maximum found by :func:`maximize`.

    Attributes
    ----------
    beta : ndarray, shape (p,)
    evaluation : object
        What the objective returned at ``beta`` (log-likelihood, score, information).
    loglik_start : float
        Log-likelihood at the starting value.
    score_test : float
        U' I^-1 U at the starting value (R ``sctest``).
    iterations : int
    converged : bool
        Whether the relative-change rule was met within ``iter_max`` iterations.
    infinite : ndarray of bool, shape (p,)
        Coefficients flagged as possibly infinite (R's "coefficient may be infinite").
    """

    beta: np.ndarray
    evaluation: object
    loglik_start: float
    score_test: float
    iterations: int
    converged: bool
    infinite: np.ndarray


def newton_step(information: np.ndarray, score: np.ndarray) -> np.ndarray | None:
    """The Newton step I^-1 U, or None when I is singular or the step is not finite."""
    try:
        step = np.linalg.solve(information, score)
    except np.linalg.LinAlgError:
        return None
    return step if np.isfinite(step).all() else None


def _failed(evaluation) -> bool:
    info = evaluation.information
    return not (math.isfinite(evaluation.loglik) and np.isfinite(np.diag(info)).all())


COXPH = Control()
"""R's ``coxph.control()`` as it comes."""


def maximize(objective: Callable[[np.ndarray], object], start: np.ndarray,
             control: Control = COXPH) -> NewtonResult:
    """Maximise a log partial likelihood by R's Newton-Raphson with step halving.

    Parameters
    ----------
    objective : callable
        ``objective(beta)`` returns an object with ``loglik`` (float), ``score`` (shape (p,))
        and ``information`` (shape (p, p)).
    start : ndarray, shape (p,)
    control : Control

    Returns
    -------
    NewtonResult
    """
    beta = np.asarray(start, dtype=float).copy()
    ev = objective(beta)
    loglik_start = best = ev.loglik
    step = newton_step(ev.information, ev.score)
    score_test = float(ev.score @ step) if step is not None else math.nan
    if control.iter_max == 0 or step is None or _failed(ev):
        return NewtonResult(beta=beta, evaluation=ev, loglik_start=loglik_start,
                            score_test=score_test, iterations=0,
                            converged=control.iter_max == 0,
                            infinite=np.zeros(len(beta), dtype=bool))
    old, beta = beta, beta + step
    halving, converged, iterations = 0, False, 0
    for iterations in range(1, control.iter_max + 1):  # noqa: B007 (the count is reported)
        ev = objective(beta)
        fail = _failed(ev)
        if not fail and halving == 0 and abs(1 - best / ev.loglik) <= control.eps:
            converged = True
            break
        if iterations == control.iter_max:
            if not fail and (ev.loglik - best) / abs(best) >= -control.eps:
                break
            beta = old  # the last try was worse than the last good estimate
            ev = objective(beta)
            break
        if fail or ev.loglik < best:
            halving += 1
            beta = (old * halving + beta) / (halving + 1.0)
            continue
        step = newton_step(ev.information, ev.score)
        if step is None:
            break
        halving, best = 0, ev.loglik
        old, beta = beta, beta + step
    infinite = np.zeros(len(beta), dtype=bool)
    if converged:
        last = newton_step(ev.information, ev.score)
        if last is not None:
            size = np.abs(last)
            infinite = (size > control.eps) & (size > control.toler_inf * np.abs(beta))
    return NewtonResult(beta=beta, evaluation=ev, loglik_start=loglik_start,
                        score_test=score_test, iterations=iterations, converged=converged,
                        infinite=infinite)


def aliased_terms(info: np.ndarray, toler: float = np.finfo(float).eps ** 0.75) -> np.ndarray:
    """Terms whose information is (numerically) a combination of the terms before them.

    R's ``cholesky2`` (survival's ``coxph.fit``, ``toler.chol = .Machine$double.eps^0.75``):
    a Cholesky pass in column order in which a pivot below ``toler`` times the largest
    diagonal element marks the column as singular; ``coxph`` then reports its coefficient as
    NA. Returns a boolean mask, shape (p,).
    """
    m = np.array(info, dtype=float)
    n = len(m)
    largest = float(np.max(np.diag(m))) if n else 0.0
    eps = toler if largest <= 0 else largest * toler
    aliased = np.zeros(n, dtype=bool)
    for i in range(n):  # p columns, not n patients: a p x p matrix
        pivot = m[i, i]
        if not np.isfinite(pivot) or pivot < eps:
            m[i, i] = 0.0
            aliased[i] = True
            continue
        for j in range(i + 1, n):
            temp = m[j, i] / pivot
            m[j, i] = temp
            m[j, j] -= temp * temp * pivot
            m[j + 1:, j] -= temp * m[j + 1:, i]
    return aliased

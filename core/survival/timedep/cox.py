"""The Cox partial likelihood for counting-process rows (late entry), Efron ties, one covariate.

Design: the risk set at an event time t is every row with ``start < t <= stop``; its sums of
``exp(beta x)``, ``x exp(beta x)`` and ``x^2 exp(beta x)`` are differences of two cumulative
sums (rows with ``stop >= t`` minus rows with ``start >= t``) read at the sorted event times by
``searchsorted``, so one evaluation costs O(n log n) with no loop over patients or times.
Tied events get Efron's correction: the k-th of d tied events (k = 0..d-1) sees the risk-set
sums minus k/d of the tied events' own sums; every (time, k) pair is one element of a
vector.

Conventions are those of R's survival 3.5 (``agreg.fit``/``agfit4.c``): Newton-Raphson from
0 with step halving when the log-likelihood falls, convergence when the relative change of the
log-likelihood is at most ``eps = 1e-9``, at most 20 iterations; the score test is computed at
the starting value 0 with the information there; the variance is the inverse information at
the final estimate; a coefficient is flagged as possibly infinite when
``|u * var| > toler.inf * (1 + |coef|)`` with ``toler.inf = sqrt(eps)``. statsmodels ``PHReg``
(``entry=``) is the independent check in the tests.

References
----------
Efron B. The efficiency of Cox's likelihood function for censored data. J Am Stat Assoc
1977;72:557-565. Andersen PK, Gill RD. Cox's regression model for counting processes: a large
sample study. Ann Stat 1982;10:1100-1120. Therneau TM, Grambsch PM. Modeling Survival Data.
Springer 2000, chapter 3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EPS = 1e-9
"""R ``coxph.control()$eps``: relative change of the log-likelihood at convergence."""
MAX_ITER = 20
"""R ``coxph.control()$iter.max``."""
TOLER_INF = math.sqrt(EPS)
"""R ``coxph.control()$toler.inf``."""


@dataclass(frozen=True)
class EfronFit:
    """Fit of a one-covariate Cox model on counting-process rows.

    Attributes
    ----------
    coef : float
        Estimated log hazard ratio per unit of the covariate.
    variance : float
        Inverse information at ``coef``.
    loglik_null, loglik : float
        Partial log-likelihood at 0 and at ``coef``.
    score_statistic : float
        U(0)^2 / I(0): the score (log-rank type) test at 0.
    information_null : float
        I(0); 0 when the covariate never varies within a risk set at an event time.
    iterations : int
    converged : bool
    infinite : bool
        R's "beta may be infinite" rule.
    """

    coef: float
    variance: float
    loglik_null: float
    loglik: float
    score_statistic: float
    information_null: float
    iterations: int
    converged: bool
    infinite: bool


class _Design:
    """Sorted views of the rows, built once and reused at every beta."""

    def __init__(self, start: np.ndarray, stop: np.ndarray, event: np.ndarray,
                 x: np.ndarray) -> None:
        self.x = x
        self.by_stop = np.argsort(stop, kind="stable")
        self.by_start = np.argsort(start, kind="stable")
        self.stop_sorted = stop[self.by_stop]
        self.start_sorted = start[self.by_start]
        self.times = np.unique(stop[event])
        death_time = np.searchsorted(self.times, stop[event])
        self.deaths = np.bincount(death_time, minlength=self.times.size)
        self.death_rows = np.flatnonzero(event)
        self.death_time = death_time
        # Efron: the k-th (k = 0..d-1) of the d events tied at each time
        self.slot = np.repeat(np.arange(self.times.size), self.deaths)
        first = np.concatenate([[0], np.cumsum(self.deaths)[:-1]])
        self.fraction = (np.arange(self.slot.size) - first[self.slot]) / self.deaths[self.slot]
        self.at_stop = np.searchsorted(self.stop_sorted, self.times, side="left")
        self.at_start = np.searchsorted(self.start_sorted, self.times, side="left")

    def _risk_sums(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` over each event time's risk set (start < t <= stop)."""
        tail_stop = np.concatenate([np.cumsum(values[self.by_stop][::-1])[::-1], [0.0]])
        tail_start = np.concatenate([np.cumsum(values[self.by_start][::-1])[::-1], [0.0]])
        return tail_stop[self.at_stop] - tail_start[self.at_start]

    def terms(self, beta: float) -> tuple[float, float, float]:
        """Log-likelihood, score and information at ``beta`` (Efron ties)."""
        eta = beta * self.x
        shift = float(eta.max())  # a common shift of eta leaves all three unchanged
        w = np.exp(eta - shift)
        s0, s1, s2 = (self._risk_sums(w), self._risk_sums(w * self.x),
                      self._risk_sums(w * self.x ** 2))
        rows = self.death_rows
        n_t = self.times.size
        d0 = np.bincount(self.death_time, weights=w[rows], minlength=n_t)
        d1 = np.bincount(self.death_time, weights=(w * self.x)[rows], minlength=n_t)
        d2 = np.bincount(self.death_time, weights=(w * self.x ** 2)[rows], minlength=n_t)
        k, f = self.slot, self.fraction
        denominator = s0[k] - f * d0[k]
        mean = (s1[k] - f * d1[k]) / denominator
        second = (s2[k] - f * d2[k]) / denominator
        loglik = float((eta[rows] - shift).sum() - np.log(denominator).sum())
        score = float(self.x[rows].sum() - mean.sum())
        information = float(np.maximum(second - mean ** 2, 0.0).sum())
        return loglik, score, information


def efron_fit(start: np.ndarray, stop: np.ndarray, event: np.ndarray, x: np.ndarray,
              max_iter: int = MAX_ITER, eps: float = EPS) -> EfronFit:
    """Fit ``coxph(Surv(start, stop, event) ~ x)`` with Efron ties, as R does.

    Parameters
    ----------
    start, stop : numpy.ndarray of float, shape (n,)
        Interval ``(start, stop]`` of each row (months), ``start < stop``.
    event : numpy.ndarray of bool, shape (n,)
        Event at ``stop``.
    x : numpy.ndarray of float, shape (n,)
        The covariate's value over the interval.
    max_iter : int
        Newton-Raphson iterations (0: only the score test at 0, as ``iter.max = 0``).
    eps : float
        Convergence tolerance on the relative change of the log-likelihood.

    Returns
    -------
    EfronFit
        With ``information_null == 0`` (no contrast) the coefficient is NaN: R reports NA.
    """
    design = _Design(np.asarray(start, float), np.asarray(stop, float),
                     np.asarray(event, bool), np.asarray(x, float))
    loglik_null, u, info = design.terms(0.0)
    if not info > 0:
        return EfronFit(math.nan, math.nan, loglik_null, loglik_null, math.nan, 0.0, 0, False,
                        False)
    score_statistic = u * u / info
    information_null = info
    beta, old_beta, best, halving = u / info, 0.0, loglik_null, 0
    loglik, converged, iterations = loglik_null, max_iter == 0, 0
    if max_iter == 0:
        beta = 0.0
    for iteration in range(1, max_iter + 1):
        iterations = iteration
        loglik, u, info = design.terms(beta)
        fail = not (math.isfinite(loglik) and math.isfinite(info) and info > 0)
        if not fail and halving == 0 and abs(1 - best / loglik) <= eps:
            converged = True
            break
        if iteration == max_iter:
            if (loglik - best) / abs(best) < -eps:  # the last step made things worse
                beta = old_beta
                loglik, u, info = design.terms(beta)
            break
        if fail or loglik < best:
            halving += 1
            beta = (old_beta * halving + beta) / (halving + 1.0)
        else:
            halving, best = 0, loglik
            old_beta, beta = beta, beta + u / info
    variance = 1.0 / info if info > 0 else math.inf
    infinite = converged and max_iter > 0 and (
        not math.isfinite(u) or abs(u * variance) > TOLER_INF * (1 + abs(beta)))
    return EfronFit(coef=float(beta), variance=float(variance), loglik_null=loglik_null,
                    loglik=loglik, score_statistic=float(score_statistic),
                    information_null=float(information_null), iterations=iterations,
                    converged=converged, infinite=bool(infinite))

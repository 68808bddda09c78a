"""Cox refits for the bootstrap, straight on the one likelihood engine (:mod:`core.likelihood`).

A bootstrap refits the same model hundreds of times on rows that are already checked and
encoded. :func:`core.cox.fit_cox` would check, encode and summarise them again each time (row
checks, guardrails, concordance, the coefficient table: most of its time on 10^4 patients).
Here the design is handed to the engine that :func:`core.cox.fit_cox` itself stands on
(:func:`core.likelihood.risksets.risk_sets`, :class:`core.likelihood.partial.PartialLikelihood`,
:func:`core.likelihood.newton.maximize` with R's ``coxph.control()``), so a refit is the same
fit, without the wrapping. The cohort's own risk sets are sorted once and reused for every
replicate's calibration-slope fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import AnalysisError
from core.likelihood.newton import maximize
from core.likelihood.partial import PartialLikelihood
from core.likelihood.risksets import risk_sets


@dataclass(frozen=True)
class Fit:
    """Coefficients and log partial likelihoods (at 0 and at the estimate) of one fit."""

    coef: np.ndarray
    loglik_null: float
    loglik: float


class CoxRefits:
    """Cox fits of one design on resampled rows, and slope fits on all rows.

    Parameters
    ----------
    time : numpy.ndarray, shape (n,)
    event : numpy.ndarray of bool, shape (n,)
    x : numpy.ndarray, shape (n, p)
        The encoded design of every row.
    ties : {"efron", "breslow"}
    """

    def __init__(self, time: np.ndarray, event: np.ndarray, x: np.ndarray,
                 ties: str = "efron") -> None:
        self.time, self.event, self.x, self.ties = time, event.astype(bool), x, ties
        self.cohort = risk_sets(time, self.event, ties=ties)

    def refit(self, rows: np.ndarray) -> Fit:
        """The model fitted on ``rows`` (positions, repeats allowed).

        Raises
        ------
        core.errors.AnalysisError
            Fewer than 2 events, a constant column, or no convergence (the replicate fails).
        """
        event = self.event[rows]
        x = self.x[rows]
        if event.sum() < 2:
            raise AnalysisError("fewer than 2 events in the sample")
        if (np.ptp(x, axis=0) == 0).any():
            raise AnalysisError("a covariate is constant in the sample")
        return _maximum(risk_sets(self.time[rows], event, ties=self.ties), x)

    def slope(self, lp: np.ndarray) -> Fit:
        """Cox fit of the endpoint on the linear predictor ``lp`` over every row: the
        calibration slope is its coefficient."""
        return _maximum(self.cohort, lp[:, None])


def _maximum(rs, x: np.ndarray) -> Fit:
    centred = x - x.mean(axis=0)
    result = maximize(PartialLikelihood(rs, centred), np.zeros(x.shape[1]))
    if not result.converged or result.infinite.any():
        raise AnalysisError("the refit did not converge")
    return Fit(result.beta, float(result.loglik_start), float(result.evaluation.loglik))

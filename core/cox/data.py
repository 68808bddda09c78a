"""The rows of one Cox model, as the likelihood engine reads them.

Design: every Cox variant of the app (ordinary, Firth, counts-based, time-dependent,
cause-specific, stratified, with delayed entry or case weights) is a :class:`CoxData`: the
follow-up intervals, the events, the design matrix, optional entry times, strata and weights.
:meth:`CoxData.likelihood` hands them to the one engine of :mod:`core.likelihood` (centred
design, as R's ``coxph``); no Cox fit builds its own risk sets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.likelihood.partial import PartialLikelihood
from core.likelihood.risksets import RiskSets, risk_sets


@dataclass(frozen=True, eq=False)
class CoxData:
    """One Cox model's rows after the gatekeeper.

    Attributes
    ----------
    times : ndarray, shape (n,)
        End of follow-up (unit of the time column, months for the app's endpoints).
    status : ndarray, shape (n,)
        1 = event at ``times``, 0 = censored.
    design : ndarray, shape (n, p)
        Design matrix (one column per term).
    entry : ndarray, shape (n,), optional
        Entry times (delayed entry; the row is at risk at t with entry < t <= time).
    strata : ndarray of int, shape (n,), optional
        Stratum codes; ``strata_labels[code]`` names each.
    strata_labels : tuple of str
    weights : ndarray, shape (n,), optional
        Case weights (R ``weights=``).
    tie_count : {"rows", "weights"}
        How Efron counts tied deaths (R's case weights, or frequency weights).
    """

    times: np.ndarray
    status: np.ndarray
    design: np.ndarray
    entry: np.ndarray | None = None
    strata: np.ndarray | None = None
    strata_labels: tuple[str, ...] = ()
    weights: np.ndarray | None = None
    tie_count: str = "rows"

    @property
    def n(self) -> int:
        """Rows."""
        return len(self.times)

    @property
    def events(self) -> int:
        """Events (weighted by frequency weights when ``tie_count == "weights"``)."""
        if self.tie_count == "weights" and self.weights is not None:
            return int(round(float(self.weights[self.status == 1].sum())))
        return int(self.status.sum())

    def center(self) -> np.ndarray:
        """The column means the design is centred by (weighted, as R's ``coxph``)."""
        if self.weights is None:
            return self.design.mean(axis=0)
        return np.average(self.design, axis=0, weights=self.weights)

    def risk_sets(self, ties: str) -> RiskSets:
        """The engine's sorted risk sets of these rows."""
        return risk_sets(self.times, self.status, start=self.entry, strata=self.strata,
                         weights=self.weights, ties=ties, tie_count=self.tie_count)

    def likelihood(self, ties: str, design: np.ndarray | None = None,
                   rs: RiskSets | None = None) -> PartialLikelihood:
        """The partial likelihood of the centred ``design`` (default: this model's)."""
        x = self.design if design is None else design
        center = self.center() if design is None else x.mean(axis=0)
        return PartialLikelihood(rs if rs is not None else self.risk_sets(ties), x - center,
                                 strata=self.strata)

    def subset(self, columns: np.ndarray) -> CoxData:
        """The same rows with only the design columns selected by ``columns``."""
        return CoxData(times=self.times, status=self.status, design=self.design[:, columns],
                       entry=self.entry, strata=self.strata, strata_labels=self.strata_labels,
                       weights=self.weights, tie_count=self.tie_count)

"""The rows of one Cox model, as the likelihood engine reads them.

Design: every Cox variant of the app (ordinary, Firth, counts-based, time-dependent,
cause-specific, stratified, with delayed entry or case weights) is a :class:`CoxData`: the
follow-up intervals, the events, the design matrix, optional entry times, strata and weights.
:meth:`CoxData.likelihood` hands them to the one engine of :mod:`core.likelihood` (centred
design, as R's ``coxph``); no Cox fit builds its own risk sets. The risk sets depend only
on the rows (times, events, entries, strata, weights) and the ties, not on the design, so a
page's models of the same rows (a multivariable fit, its univariable fits for Table 2, the
proportional-hazards test, each predicted curve) share one sorted structure per process
(:func:`shared_risk_sets`: the last ones, up to :data:`KEPT_ROWS` rows in all, read-only).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, fields

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
        """The engine's sorted risk sets of these rows (:func:`shared_risk_sets`)."""
        return shared_risk_sets(self.times, self.status, self.entry, self.strata,
                                self.weights, ties, self.tie_count)

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


KEPT_ROWS = 500_000
"""Rows of the risk-set structures kept per process, all together (37-120 bytes a row: ~20-60
MB); a larger structure is built for its caller and not kept."""
_KEPT: OrderedDict[bytes, RiskSets] = OrderedDict()
_LOCK = threading.Lock()


def shared_risk_sets(times: np.ndarray, status: np.ndarray, entry: np.ndarray | None,
                     strata: np.ndarray | None, weights: np.ndarray | None, ties: str,
                     tie_count: str) -> RiskSets:
    """:func:`core.likelihood.risksets.risk_sets` of these rows, built once per distinct rows
    and ties in this process: keyed by a BLAKE2b digest of every array's dtype, shape and
    bytes (so equal rows, and only equal rows, share), its arrays made read-only (a shared
    structure can never be changed by one of its readers). Building sorts the n rows
    (~15 ms at 10^5); the digest reads them once (~2 ms)."""
    digest = hashlib.blake2b(f"{ties}|{tie_count}".encode(), digest_size=32)
    for array in (times, status, entry, strata, weights):
        if array is None:
            digest.update(b"|none")
            continue
        array = np.ascontiguousarray(array)
        digest.update(f"|{array.dtype.str}{array.shape}".encode())
        digest.update(array.view(np.uint8).reshape(-1))
    key = digest.digest()
    with _LOCK:
        found = _KEPT.get(key)
        if found is not None:
            _KEPT.move_to_end(key)
            return found
    built = _read_only(risk_sets(times, status, start=entry, strata=strata, weights=weights,
                                 ties=ties, tie_count=tie_count))
    if built.n <= KEPT_ROWS:
        with _LOCK:
            _KEPT[key] = built
            while sum(kept.n for kept in _KEPT.values()) > KEPT_ROWS:
                _KEPT.popitem(last=False)
    return built


def _read_only(structure):
    """``structure`` with every numpy array among its fields (and its sort orders') made
    read-only, in place."""
    for field in fields(structure):
        value = getattr(structure, field.name)
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
        elif value is not None and hasattr(value, "__dataclass_fields__"):
            _read_only(value)
    return structure

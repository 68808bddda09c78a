"""Sums over the tied deaths of one event time, Efron or Breslow, in O(groups).

Design: with d tied deaths at an event time, Efron's k-th death (k = 0..d-1) sees the risk set
minus the fraction a_k = k/d of the deaths' own risk, den_k = S0 - a_k E0 (Breslow: a_k = 0).
Every quantity of the likelihood needs only six sums over k per group: sum log den_k and
sum a_k^i / den_k^j for (i, j) in (0, 1), (1, 1), (0, 2), (1, 2), (2, 2). Up to
:data:`EXPLICIT_TIES` tied deaths the sums run over every k (vectorised over all groups); above,
they are closed forms in the log-gamma, digamma and trigamma functions (with c = d S0 / E0,
sum 1 / (c - k) = psi(c + 1) - psi(c - d + 1)), so a registry with thousands of deaths per
month costs O(event times), not O(deaths), and no cancellation hurts the small tie sets.

References
----------
Efron B (1977). The efficiency of Cox's likelihood function for censored data. JASA 72:557-565.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

EXPLICIT_TIES = 64
"""Tie sets up to this size are summed death by death, larger ones in closed form."""


@dataclass(frozen=True, eq=False)
class TieSums:
    """Per group sums over the tied deaths' slots k of den_k = S0 - a_k E0.

    Attributes
    ----------
    log : ndarray, shape (G,)
        sum_k log den_k.
    h1, k1 : ndarray, shape (G,)
        sum_k 1/den_k and sum_k a_k/den_k.
    j0, j1, j2 : ndarray, shape (G,)
        sum_k 1/den_k^2, sum_k a_k/den_k^2 and sum_k a_k^2/den_k^2.
    """

    log: np.ndarray
    h1: np.ndarray
    k1: np.ndarray
    j0: np.ndarray
    j1: np.ndarray
    j2: np.ndarray


class TieSlots:
    """The slot layout of the tie sets (built once per risk-set structure).

    Parameters
    ----------
    tie_size : ndarray, shape (G,)
        d per group (a whole number; 1 for Breslow).
    efron : bool
    """

    def __init__(self, tie_size: np.ndarray, efron: bool) -> None:
        self.size = np.asarray(tie_size, dtype=float)
        self.efron = efron
        small = (self.size <= EXPLICIT_TIES) if efron else np.zeros(self.size.size, bool)
        self.small, self.large = np.flatnonzero(small), np.flatnonzero(~small)
        counts = np.rint(self.size[self.small]).astype(np.int64)
        self.index = np.repeat(np.arange(self.small.size), counts)
        first = np.cumsum(counts) - counts
        self.frac = ((np.arange(self.index.size) - first[self.index]) / counts[self.index]
                     if self.index.size else np.zeros(0))

    def sums(self, s0: np.ndarray, e0: np.ndarray) -> TieSums:
        """The six sums for risk-set totals ``s0`` and death totals ``e0`` (shape (G,))."""
        g = self.size.size
        log, h1, k1, j0, j1, j2 = (np.zeros(g) for _ in range(6))
        if self.small.size:
            k, frac = self.index, self.frac
            den = s0[self.small][k] - frac * e0[self.small][k]
            inv = 1.0 / den
            for out, values in ((log, np.log(den)), (h1, inv), (k1, frac * inv),
                                (j0, inv * inv), (j1, frac * inv * inv),
                                (j2, frac * frac * inv * inv)):
                out[self.small] = np.bincount(k, values, self.small.size)
        if self.large.size:
            a, b, d = s0[self.large], e0[self.large], self.size[self.large]
            if not self.efron:  # Breslow: one slot of the whole risk set
                log[self.large] = np.log(a)
                h1[self.large] = 1.0 / a
                j0[self.large] = 1.0 / a ** 2
            else:
                c = d * a / b
                log[self.large] = (d * np.log(b / d) + special.gammaln(c + 1)
                                   - special.gammaln(c - d + 1))
                big_h1 = d / b * (special.digamma(c + 1) - special.digamma(c - d + 1))
                big_j0 = (d / b) ** 2 * (special.polygamma(1, c - d + 1)
                                         - special.polygamma(1, c + 1))
                h1[self.large] = big_h1
                j0[self.large] = big_j0
                k1[self.large] = (a * big_h1 - d) / b
                j1[self.large] = (a * big_j0 - big_h1) / b
                j2[self.large] = (a ** 2 * big_j0 - 2 * a * big_h1 + d) / b ** 2
        return TieSums(log=log, h1=h1, k1=k1, j0=j0, j1=j1, j2=j2)

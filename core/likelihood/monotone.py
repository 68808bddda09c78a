"""Monotone likelihood read off the risk sets: when a coefficient must run to infinity.

Design: the partial likelihood is monotone in the coefficient of a term when, at every event
time, the deaths hold the largest (or the smallest) value of the term among those at risk
(Bryson & Johnson 1981). For an indicator term this is exact and cheap from the engine's
risk-set sums: the largest value at risk is 1 when any row at risk has the indicator, so a
count comparison decides it with entry times and strata; no floating-point path of the
Newton-Raphson iterations is involved, so the answer does not depend on row order.

References
----------
Bryson MC, Johnson ME (1981). The incidence of monotone likelihood in the Cox model.
Technometrics 23:381-383.
"""

from __future__ import annotations

import numpy as np

from core.likelihood.risksets import RiskSets


def indicator_extremes(rs: RiskSets, x: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                             np.ndarray, np.ndarray]:
    """Per group and indicator column: the largest and smallest value at risk and among the
    deaths.

    Parameters
    ----------
    rs : RiskSets
    x : ndarray, shape (n, p)
        Design columns (only the 0/1 columns are meaningful here).

    Returns
    -------
    risk_max, risk_min, dead_max, dead_min : ndarray, shape (G, p)
    """
    ones = rs.risk_sums(x)
    zeros = rs.n_risk[:, None] - ones
    dead = x[rs.death_rows]
    return (np.where(ones > 0.5, 1.0, 0.0), np.where(zeros > 0.5, 0.0, 1.0),
            np.maximum.reduceat(dead, rs.first_death, axis=0),
            np.minimum.reduceat(dead, rs.first_death, axis=0))


def monotone_indicators(rs: RiskSets, x: np.ndarray) -> np.ndarray:
    """Whether the likelihood is monotone in each indicator column's coefficient (toward
    +infinity or -infinity). Non-indicator columns are False.

    Returns
    -------
    ndarray of bool, shape (p,)
    """
    x = np.asarray(x, dtype=float)
    indicator = np.isin(x, (0.0, 1.0)).all(axis=0)
    if rs.groups == 0:
        return np.zeros(x.shape[1], dtype=bool)
    risk_max, risk_min, dead_max, dead_min = indicator_extremes(rs, x)
    monotone = (dead_min >= risk_max).all(axis=0) | (dead_max <= risk_min).all(axis=0)
    return monotone & indicator


def varies_at_some_event(rs: RiskSets, x: np.ndarray) -> np.ndarray:
    """Whether each indicator column takes both values in the risk set of some event time
    (otherwise its information is exactly 0: R reports its coefficient as NA).

    Returns
    -------
    ndarray of bool, shape (p,)
    """
    ones = rs.risk_sums(np.asarray(x, dtype=float))
    return ((ones > 0.5) & (ones < rs.n_risk[:, None] - 0.5)).any(axis=0)

"""Log partial likelihood, score and information of a Cox model at one coefficient vector.

Design: with risk scores r_j = w_j exp(x_j'b) (w the case weights), each (stratum, event time)
group g has risk-set sums S0, S1 and death sums E0, E1 (:class:`.risksets.RiskSets`); its d_g
tied death slots (Efron; one slot for Breslow) each carry the weight
omega_g = (death weight) / d_g, exactly as R's ``agfit4.c`` spreads ``meanwt``. Then

* loglik = sum_deaths w_i eta_i - sum_g omega_g sum_k log(S0 - a_k E0),
* score  = sum_deaths w_i x_i - sum_g omega_g (S1 h1 - E1 k1),
* information = sum_g omega_g [S2 h1 - E2 k1 - (S1 S1' j0 - (S1 E1' + E1 S1') j1 + E1 E1' j2)]

with the six tie sums of :mod:`.ties`. S2 is never formed per group: sum_g c_g S2_g =
X' diag(r C) X, C_j the sum of c_g over the groups row j is at risk in
(:meth:`.risksets.RiskSets.cumulate_to_rows`), so one evaluation is O(n p^2). The linear
predictor is shifted by its maximum within each stratum (the shift is carried in the
log-likelihood), so nothing overflows; a score more than 200 below its stratum's largest is
taken as 200 below (:data:`SMALL`), so nothing underflows either.

References
----------
Therneau TM, Grambsch PM (2000). Modeling Survival Data. Springer (section 3.3, ties).
Therneau TM. survival: ``src/agfit4.c``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.likelihood.risksets import RiskSets
from core.likelihood.ties import TieSlots, TieSums


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The partial likelihood and its risk-set sums at one coefficient vector.

    Attributes
    ----------
    loglik : float
        Log partial likelihood.
    score : ndarray, shape (p,)
    information : ndarray, shape (p, p) or None
        Observed information (None when not asked for).
    risk : ndarray, shape (n,)
        w_j exp(eta_j - shift of the row's stratum).
    shift : ndarray, shape (G,)
        The shift of each group's stratum (true sums = stored sums * exp(shift)).
    s0, e0 : ndarray, shape (G,)
        Risk-set and death sums of ``risk``.
    s1, e1 : ndarray, shape (G, p)
        Risk-set and death sums of ``risk * x``.
    omega : ndarray, shape (G,)
        Weight of each tied death slot.
    tie : TieSums
    """

    loglik: float
    score: np.ndarray
    information: np.ndarray | None
    risk: np.ndarray
    shift: np.ndarray
    s0: np.ndarray
    e0: np.ndarray
    s1: np.ndarray
    e1: np.ndarray
    omega: np.ndarray
    tie: TieSums

    def slot_mean_sum(self) -> np.ndarray:
        """Per group, the sum over its tied deaths of the risk-weighted covariate mean they
        see, omega_g sum_k (S1 - a_k E1) / (S0 - a_k E0), shape (G, p) (for unweighted data:
        one term per death, Efron or Breslow)."""
        return self.omega[:, None] * (self.s1 * self.tie.h1[:, None]
                                      - self.e1 * self.tie.k1[:, None])


SMALL = -200.0
"""Lowest shifted linear predictor: exp(-200) = 1.4e-87. A risk set whose rows all lie more
than about 745 below their stratum's largest score (a trial step of Newton-Raphson towards a
separated level) would otherwise sum to 0, and its tie sums to 1/0, which made the score and
information 0 * inf ("invalid value encountered in multiply"). R's ``coxsafe``
(survival ``src/coxsafe.c``) cuts the centred linear predictor at -200 for the same reason
("a risk score of exp(-50) or exp(-1000) or 0 all give essentially the same effect"); at any
coefficient where every score lies within 200 of its stratum's largest, nothing changes."""


class PartialLikelihood:
    """The partial likelihood of one design over one risk-set structure.

    Parameters
    ----------
    rs : RiskSets
    x : ndarray, shape (n, p)
        Design matrix (centre it for R's numerics; the likelihood does not change).
    strata : ndarray of int, shape (n,), optional
        Stratum codes (as given to :func:`.risksets.risk_sets`), for the per-stratum shift.
    offset : ndarray, shape (n,), optional
        Fixed part of the linear predictor.
    """

    def __init__(self, rs: RiskSets, x: np.ndarray, strata: np.ndarray | None = None,
                 offset: np.ndarray | None = None) -> None:
        self.rs = rs
        self.x = np.asarray(x, dtype=float)
        self.strata = (np.zeros(rs.n, dtype=np.int64) if strata is None
                       else np.asarray(strata, dtype=np.int64))
        self.offset = None if offset is None else np.asarray(offset, dtype=float)
        self.slots = TieSlots(rs.tie_size, rs.ties == "efron")
        self.omega = np.divide(rs.death_weight, rs.tie_size,
                               out=np.zeros(rs.groups), where=rs.tie_size > 0)
        deaths = rs.death_rows
        self._dead_weight = rs.weights[deaths]
        self._x_dead = self.x[deaths]  # gathered once: each evaluation reads the same rows
        self._x_sorted = rs.sorted_rows(self.x)
        self._dead_wx = (self._dead_weight[:, None] * self._x_dead).sum(axis=0)
        self._n_strata = int(self.strata.max()) + 1 if rs.n else 1

    @property
    def p(self) -> int:
        """Number of coefficients."""
        return self.x.shape[1]

    def eta(self, beta: np.ndarray) -> np.ndarray:
        """Linear predictor x'beta (+ offset), shape (n,)."""
        eta = np.einsum("ij,j->i", self.x, beta)  # not BLAS: its threads only add overhead
        return eta if self.offset is None else eta + self.offset

    def __call__(self, beta: np.ndarray, information: bool = True,
                 group_weight: np.ndarray | None = None) -> Evaluation:
        """Evaluate at ``beta``.

        Parameters
        ----------
        beta : ndarray, shape (p,)
        information : bool, default True
            Also compute the observed information (O(n p^2)).
        group_weight : ndarray, shape (G,), optional
            c_g multiplying each group's information term (the proportional-hazards test
            uses g(t) and g(t)^2); default 1.
        """
        rs, x = self.rs, self.x
        beta = np.asarray(beta, dtype=float)
        eta = self.eta(beta)
        if self._n_strata == 1 and len(eta):  # the same maximum, without ufunc.at
            stratum_max = np.array([eta.max()])
            row_shift = stratum_max[0]
        else:
            stratum_max = np.full(self._n_strata, -np.inf)
            np.maximum.at(stratum_max, self.strata, eta)
            row_shift = stratum_max[self.strata]
        eta = np.maximum(eta, row_shift + SMALL)  # no risk set sums to 0 (see SMALL)
        risk = rs.weights * np.exp(eta - row_shift)
        shift = stratum_max[rs.group_stratum]
        s0 = rs.risk_sums(risk)
        e0 = rs.death_sums(risk)
        deaths = rs.death_rows
        s1 = rs.scaled_risk_sums(risk, self._x_sorted)  # risk_sums(risk[:, None] * x)
        e1 = (np.add.reduceat(risk[deaths][:, None] * self._x_dead, rs.first_death, axis=0)
              if len(deaths) else np.zeros((0, self.p)))  # death_sums(risk[:, None] * x)
        tie = self.slots.sums(s0, e0)
        omega = self.omega
        loglik = float(self._dead_weight @ eta[deaths]
                       - omega @ (tie.log + rs.tie_size * shift))
        score = self._dead_wx - (omega[:, None] * (s1 * tie.h1[:, None]
                                                   - e1 * tie.k1[:, None])).sum(axis=0)
        info = None
        if information:
            c = omega if group_weight is None else omega * np.asarray(group_weight, float)
            per_row = rs.cumulate_to_rows(c * tie.h1)
            info = (x * (risk * per_row)[:, None]).T @ x
            xd = self._x_dead
            info -= (xd * (risk[deaths] * (c * tie.k1)[rs.death_group])[:, None]).T @ xd
            info -= (s1 * (c * tie.j0)[:, None]).T @ s1
            cross = (s1 * (c * tie.j1)[:, None]).T @ e1
            info += cross + cross.T
            info -= (e1 * (c * tie.j2)[:, None]).T @ e1
            info = (info + info.T) / 2
        return Evaluation(loglik=loglik, score=score, information=info, risk=risk,
                          shift=shift, s0=s0, e0=e0, s1=s1, e1=e1, omega=omega, tie=tie)

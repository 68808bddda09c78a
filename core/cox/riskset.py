"""Cox partial likelihood on sorted risk sets: log-likelihood, score, information and
Newton-Raphson, in O(n log n + n p^2) per evaluation, with Efron or Breslow ties.

Design: the patients are sorted by time once (:func:`risk_sets`); every risk-set sum
S0(t) = sum_{t_j >= t} w_j, S1(t) = sum w_j x_j is then a suffix cumulative sum read at the
first position of each event time, and the death sums E0, E1 of the tied deaths are
``bincount``s. A tied group of d deaths is d *slots* k = 0..d-1 with fraction a_k = k/d (Efron;
0 for Breslow) and denominator S0 - a_k E0. The information never forms one p x p matrix per
event time: sum_g c_g S2(t_g) = X' diag(w C) X with C_j the cumulative c over the event times
up to t_j, so one pass costs O(n p^2). Every caller (the fit, the proportional-hazards test,
the predicted curve, the separation check) reads these sums instead of looping over event
times, which was quadratic for continuous times.

Conventions: covariates are centred by their means (as R's ``coxph``); the weights are
exp(x'beta - max x'beta) and the shift is carried in ``log_scale``, so nothing overflows.
Newton-Raphson starts at 0 with step halving whenever the log-likelihood falls (R's
``coxph.fit``), and is declared converged when a full step moves no coefficient by more than
1e-9 (R stops on a relative log-likelihood change of 1e-9; the step criterion also catches a
coefficient that keeps running to infinity under monotone likelihood, where the iterations stop
once the log-likelihood is flat to 1e-9, not converged).

References
----------
Efron B (1977). The efficiency of Cox's likelihood function for censored data. JASA 72:557-565.
Therneau TM, Grambsch PM (2000). Modeling Survival Data. Springer (chapter 3: computation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_ITER = 30
"""Newton-Raphson iterations at most (R's ``coxph`` allows 20)."""
STEP_TOL = 1e-9
"""A full Newton step moving no coefficient by more than this ends the iterations."""
FLAT_TOL = 1e-9
"""Relative log-likelihood change below which a step that still moves a coefficient by more
than 1e-3 means monotone likelihood (the coefficient runs to infinity): the iterations stop,
not converged (R's ``coxph`` stops there too, with its "coefficient may be infinite")."""


@dataclass(frozen=True, eq=False)
class RiskSets:
    """The sorted structure of (times, status) shared by every risk-set sum.

    Attributes
    ----------
    order : ndarray of int, shape (n,)
        Rows in ascending time order.
    event_times : ndarray, shape (G,)
        Distinct event times, ascending (unit of the time column).
    deaths : ndarray of int, shape (G,)
        Deaths at each event time.
    n_risk : ndarray of int, shape (G,)
        Patients at risk (time >= event time) at each event time.
    start : ndarray of int, shape (G,)
        Position in ``order`` where each event time's risk set starts.
    death_rows : ndarray of int, shape (D,)
        Rows with an event, ordered by event time.
    slot_group : ndarray of int, shape (D,)
        Event-time index of each death slot (aligned with ``death_rows``).
    slot_fraction : ndarray, shape (D,)
        k / d of slot k of a group of d tied deaths (Efron), 0 (Breslow).
    upto : ndarray of int, shape (n,)
        For each row, the index of the last event time at or before its time (-1: none).
    ties : {"efron", "breslow"}
    """

    order: np.ndarray
    event_times: np.ndarray
    deaths: np.ndarray
    n_risk: np.ndarray
    start: np.ndarray
    death_rows: np.ndarray
    slot_group: np.ndarray
    slot_fraction: np.ndarray
    upto: np.ndarray
    ties: str


@dataclass(frozen=True, eq=False)
class Moments:
    """Risk-set sums of one linear predictor, per death slot.

    Attributes
    ----------
    weights : ndarray, shape (n,)
        exp(x'beta - log_scale) per row.
    log_scale : float
        The shift of the weights (max of x'beta).
    denominator : ndarray, shape (D,)
        S0 - a_k E0 per slot, on the weights' scale (multiply by exp(log_scale) for the
        true value).
    mean : ndarray, shape (D, p)
        (S1 - a_k E1) / (S0 - a_k E0) per slot: the weighted covariate mean of the slot.
    loglik : float
        Log partial likelihood.
    score : ndarray, shape (p,)
        Its gradient.
    """

    weights: np.ndarray
    log_scale: float
    denominator: np.ndarray
    mean: np.ndarray
    loglik: float
    score: np.ndarray


def risk_sets(times: np.ndarray, status: np.ndarray, ties: str) -> RiskSets:
    """Sort (times, status) once into the structure every risk-set sum reads.

    Parameters
    ----------
    times : ndarray, shape (n,)
        Follow-up times.
    status : ndarray, shape (n,)
        1 = event, 0 = censored.
    ties : {"efron", "breslow"}
    """
    times = np.asarray(times, dtype=float)
    event = np.asarray(status) == 1
    order = np.argsort(times, kind="stable")
    event_times, deaths = np.unique(times[event], return_counts=True)
    start = np.searchsorted(times[order], event_times, side="left")
    death_rows = np.flatnonzero(event)
    death_rows = death_rows[np.argsort(times[death_rows], kind="stable")]
    slot_group = np.repeat(np.arange(len(event_times)), deaths)
    k = np.arange(len(death_rows)) - np.repeat(np.cumsum(deaths) - deaths, deaths)
    fraction = k / deaths[slot_group] if ties == "efron" else np.zeros(len(death_rows))
    upto = np.searchsorted(event_times, times, side="right") - 1
    return RiskSets(order=order, event_times=event_times, deaths=deaths,
                    n_risk=len(times) - start, start=start, death_rows=death_rows,
                    slot_group=slot_group, slot_fraction=fraction, upto=upto, ties=ties)


def moments(rs: RiskSets, x: np.ndarray, beta: np.ndarray) -> Moments:
    """Log partial likelihood, score and the slots' denominators and means at ``beta``.

    Parameters
    ----------
    rs : RiskSets
    x : ndarray, shape (n, p)
        Design matrix (centred by the caller when it wants R's centring).
    beta : ndarray, shape (p,)
    """
    eta = np.einsum("ij,j->i", x, beta)  # not BLAS: its threads only add overhead here
    shift = float(eta.max()) if len(eta) else 0.0
    w = np.exp(eta - shift)
    g = rs.slot_group
    n_groups = len(rs.event_times)
    ws = w[rs.order]
    wx = ws[:, None] * x[rs.order]
    # suffix sums at each risk set's start: sums over [start_g, start_g+1), then cumulated
    # from the last event time backwards (no n x p cumulative array)
    s0 = np.cumsum(np.add.reduceat(ws, rs.start)[::-1])[::-1] if n_groups else np.zeros(0)
    s1 = (np.cumsum(np.add.reduceat(wx, rs.start, axis=0)[::-1], axis=0)[::-1]
          if n_groups else np.zeros((0, x.shape[1])))
    wd = w[rs.death_rows]
    first_slot = np.cumsum(rs.deaths) - rs.deaths
    e0 = np.add.reduceat(wd, first_slot) if n_groups else np.zeros(0)
    e1 = (np.add.reduceat(wd[:, None] * x[rs.death_rows], first_slot, axis=0)
          if n_groups else np.zeros((0, x.shape[1])))
    a = rs.slot_fraction
    den = s0[g] - a * e0[g]
    mean = (s1[g] - a[:, None] * e1[g]) / den[:, None]
    loglik = float(eta[rs.death_rows].sum() - (np.log(den) + shift).sum())
    score = x[rs.death_rows].sum(axis=0) - mean.sum(axis=0)
    return Moments(weights=w, log_scale=shift, denominator=den, mean=mean, loglik=loglik,
                   score=score)


def information(rs: RiskSets, x: np.ndarray, mom: Moments,
                group_weight: np.ndarray | None = None) -> np.ndarray:
    """Observed information sum_g c_g sum_k V_gk, V_gk = (S2 - a_k E2) / den_k - m_k m_k'.

    Parameters
    ----------
    rs : RiskSets
    x : ndarray, shape (n, p)
    mom : Moments
        From :func:`moments` at the same ``x``.
    group_weight : ndarray, shape (G,), optional
        c_g per event time (default 1: the information of the partial likelihood); the
        proportional-hazards test uses g(t) and g(t)^2.

    Returns
    -------
    ndarray, shape (p, p)
    """
    g = rs.slot_group
    n_groups = len(rs.event_times)
    c = np.ones(n_groups) if group_weight is None else np.asarray(group_weight, dtype=float)
    inv_den = 1.0 / mom.denominator
    c1 = np.bincount(g, inv_den, minlength=n_groups) * c
    c2 = np.bincount(g, rs.slot_fraction * inv_den, minlength=n_groups) * c
    cum = np.concatenate([[0.0], np.cumsum(c1)])[rs.upto + 1]  # sum over t_g <= t_j
    w = mom.weights
    xd = x[rs.death_rows]
    info = (x * (w * cum)[:, None]).T @ x
    info -= (xd * (w[rs.death_rows] * c2[g])[:, None]).T @ xd
    info -= (mom.mean * c[g][:, None]).T @ mom.mean
    return (info + info.T) / 2


@dataclass(frozen=True, eq=False)
class NewtonFit:
    """Result of :func:`newton_raphson`.

    Attributes
    ----------
    beta : ndarray, shape (p,)
    information : ndarray, shape (p, p)
        Observed information at ``beta``.
    loglik, loglik_null : float
        Log partial likelihood at ``beta`` and at 0.
    iterations : int
    converged : bool
        Whether the last full Newton step was below :data:`STEP_TOL`.
    singular : bool
        Whether the information became singular during the iterations (the fit stops there).
    """

    beta: np.ndarray
    information: np.ndarray
    loglik: float
    loglik_null: float
    iterations: int
    converged: bool
    singular: bool


def newton_raphson(rs: RiskSets, x: np.ndarray, max_iter: int = MAX_ITER) -> NewtonFit:
    """Maximise the log partial likelihood from beta = 0 (R ``coxph.fit``'s iteration).

    Raises
    ------
    numpy.linalg.LinAlgError
        When the information at beta = 0 is singular (covariates duplicate each other).
    """
    p = x.shape[1]
    beta = np.zeros(p)
    mom = moments(rs, x, beta)
    info = information(rs, x, mom)
    loglik_null = mom.loglik
    if np.linalg.cond(info) > 1e14:
        raise np.linalg.LinAlgError("Singular matrix")
    converged = singular = False
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (the count is reported)
        try:
            step = np.linalg.solve(info, mom.score)
        except np.linalg.LinAlgError:
            singular = True
            break
        if not np.isfinite(step).all():
            singular = True
            break
        full = float(np.abs(step).max()) if p else 0.0
        new = beta + step
        new_mom = moments(rs, x, new)
        halvings = 0
        while not new_mom.loglik >= mom.loglik - 1e-12 * abs(mom.loglik) and halvings < 30:
            step = step / 2
            new = beta + step
            new_mom = moments(rs, x, new)
            halvings += 1
        if halvings == 30:  # no step improves: at the maximum within floating point
            converged = full < 1e-6
            break
        # R's coxph criterion (relative change of the log-likelihood below 1e-9)
        flat = abs(new_mom.loglik - mom.loglik) <= FLAT_TOL * abs(mom.loglik)
        beta, mom = new, new_mom
        info = information(rs, x, mom)
        if full <= STEP_TOL:
            converged = True
            break
        if flat and full > 1e-3:  # monotone likelihood: steps of ~1 that gain nothing more
            break
    return NewtonFit(beta=beta, information=info, loglik=mom.loglik, loglik_null=loglik_null,
                     iterations=iterations, converged=converged, singular=singular)

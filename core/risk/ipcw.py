"""Inverse probability of censoring weights at a horizon, as ``riskRegression::Score`` uses them.

Design: a prediction of the risk by horizon tau is judged on the patients whose status at tau
is known: a *case* had the predicted cause at or before tau, a *control* was followed past tau
event-free or had a competing event at or before tau. Patients censored before tau carry no
weight; the others stand in for them through the weight 1 / G, G the probability of still
being uncensored (Kaplan-Meier of the censoring times):

* a patient whose event (any cause) is at T_i <= tau gets 1 / G(T_i-), the censoring survival
  *just before* T_i;
* a patient followed past tau gets 1 / G(tau).

The conventions are riskRegression's (``Score(..., cens.model = "km")``, version 2022.11.28:
``getCensoringWeights`` through ``prodlim(..., reverse = TRUE)``), read from its source and
checked against it to 1e-15 in ``tests/core/risk/``:

* at a time where events and censorings are tied, the events happen first: the censoring
  hazard at t is c(t) / (Y(t) - d(t)), Y the number still followed at t, d the events (any
  cause) and c the censorings at t;
* G(T_i-) is the value at the previous distinct observed time (``predictSurvIndividual(fit,
  lag = 1)``), so a censoring tied with an event does not lower that event's weight;
* G(tau) is right-continuous: censorings at tau count.

scikit-survival's ``sksurv.metrics`` evaluates G at T_i and forms the risk set without the
events-first rule; on continuous times (no ties) both agree to 1e-15, with tied times they do
not (~1e-5 in the AUC, ~1e-4 in the Brier score), hence this module.

The standard errors follow riskRegression's influence functions with Kaplan-Meier censoring
(``getInfluenceFunctionKM``, ``getInfluenceFunctionBrierKMCensoringTerm``,
``getInfluenceFunctionAUCKMCensoringTerm``): the influence of patient i on the Nelson-Aalen
censoring hazard (at-risk counts Y(t), no events-first rule), evaluated at min(T_i, tau),
propagated to the weighted sums. Everything is cumulative sums over the sorted times: O(n) after
the sort.

References
----------
Gerds TA, Schumacher M (2006). Consistent estimation of the expected Brier score in general
survival models with right-censored event times. Biom J 48:1029-1040.
Blanche P, Dartigues JF, Jacqmin-Gadda H (2013). Review and comparison of ROC curve estimators
for a time-dependent outcome with marker-dependent censoring. Biom J 55:687-704.
Gerds TA, Kattan MW (2021). Medical Risk Prediction Models: With Ties to Machine Learning.
Chapman & Hall (riskRegression's ``Score``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.risk.data import ValidationData


@dataclass(frozen=True)
class HorizonWeights:
    """Censoring weights of the sorted patients of a :class:`ValidationData` at its horizon.

    Attributes
    ----------
    weight : numpy.ndarray of float, shape (n,)
        1 / G(T_i-) for an event (any cause) at or before the horizon, 1 / G(tau) for a patient
        followed past it, 0 for a patient censored at or before it.
    g_horizon : float
        G(tau), the probability of remaining uncensored through the horizon.
    influence : numpy.ndarray of float, shape (n,)
        Influence of each patient on the censoring cumulative hazard at min(T_i, tau)
        (riskRegression's ``fihattau``).
    slot : numpy.ndarray of int, shape (n,)
        Index of each patient's distinct time.
    hazard_before : numpy.ndarray of float, shape (n_times,)
        The cumulative ``MC_term2`` of riskRegression at the previous distinct time.
    """

    weight: np.ndarray
    g_horizon: float
    influence: np.ndarray
    slot: np.ndarray
    hazard_before: np.ndarray

    def censoring_term(self, early: np.ndarray, late_total: float = 0.0) -> np.ndarray:
        """How a weighted sum of per-patient terms moves with each patient through G.

        Parameters
        ----------
        early : numpy.ndarray, shape (n,)
            Terms x_j of the patients with an event at or before the horizon, already
            multiplied by their weight (0 elsewhere).
        late_total : float
            Sum of the weighted terms of the patients followed past the horizon.

        Returns
        -------
        numpy.ndarray, shape (n,)
            For patient i: sum over later event times of x_j times the influence f_i, minus
            the terms already passed (riskRegression's ``part1 + fihattau * part2``), plus
            f_i times ``late_total``.
        """
        per_time = np.bincount(self.slot, weights=early, minlength=self.hazard_before.size)
        later = (per_time.sum() - np.cumsum(per_time))[self.slot]
        passed = -np.cumsum(per_time * self.hazard_before)[self.slot]
        return passed + self.influence * (later + late_total)


def horizon_weights(data: ValidationData) -> HorizonWeights:
    """The censoring weights and their influence at the horizon (see the module docstring).

    Parameters
    ----------
    data : ValidationData
        Patients sorted by time.

    Returns
    -------
    HorizonWeights
    """
    time, event, tau = data.time, data.status != 0, data.horizon
    n = data.n
    distinct, slot = np.unique(time, return_inverse=True)
    at_risk = n - np.concatenate(([0], np.cumsum(np.bincount(slot))[:-1])).astype(float)
    events = np.bincount(slot, weights=event.astype(float), minlength=distinct.size)
    censored = np.bincount(slot, weights=(~event).astype(float), minlength=distinct.size)
    # prodlim reverse Kaplan-Meier: events first at tied times
    beyond = at_risk - events
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(censored > 0, 1.0 - censored / np.where(beyond > 0, beyond, 1.0), 1.0)
    g = np.cumprod(step)
    g_before = np.concatenate(([1.0], g[:-1]))
    last = np.searchsorted(distinct, tau, side="right") - 1  # last distinct time <= tau
    g_horizon = float(g[last]) if last >= 0 else 1.0
    weight = np.zeros(n)
    early = event & (time <= tau)
    weight[early] = 1.0 / g_before[slot[early]]
    late = time > tau
    if late.any():
        weight[late] = 1.0 / g_horizon
    # riskRegression's getInfluenceFunctionKM: Nelson-Aalen censoring hazard with Y(t)
    mc = np.cumsum(n * censored / at_risk ** 2)
    influence = np.where(event, 0.0, n / at_risk[slot]) - mc[slot]
    if last >= 0:
        influence[late] = -mc[last]
    else:
        influence[:] = 0.0
    return HorizonWeights(weight=weight, g_horizon=g_horizon, influence=influence, slot=slot,
                          hazard_before=np.concatenate(([0.0], mc[:-1])))


def marginal_risk(data: ValidationData) -> float:
    """The risk of ``cause`` by the horizon without covariates: 1 - Kaplan-Meier for a single
    cause, the Aalen-Johansen cumulative incidence with competing causes (the "Null model"
    of ``riskRegression::Score``, fitted by ``prodlim`` on the same patients).

    Parameters
    ----------
    data : ValidationData

    Returns
    -------
    float
    """
    distinct, slot = np.unique(data.time, return_inverse=True)
    at_risk = data.n - np.concatenate(([0], np.cumsum(np.bincount(slot))[:-1])).astype(float)
    any_event = np.bincount(slot, weights=(data.status != 0).astype(float),
                            minlength=distinct.size)
    of_cause = np.bincount(slot, weights=(data.status == data.cause).astype(float),
                           minlength=distinct.size)
    survival = np.cumprod(1.0 - any_event / at_risk)
    before = np.concatenate(([1.0], survival[:-1]))
    used = distinct <= data.horizon
    return float(np.sum(before[used] * of_cause[used] / at_risk[used]))

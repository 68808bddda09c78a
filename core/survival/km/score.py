"""The log-rank test as the score test of the Breslow Cox model: delayed entry and strata.

Design: with every patient at risk from time 0 the log-rank statistic is R's ``survdiff``,
computed from the event-count table (:mod:`.logrank`). With delayed entry (left truncation)
the count table's risk sets no longer hold, and the test is defined, as the contract states, by
the score test at 0 of ``coxph(Surv(entry, time, event) ~ factor(by) [+ strata(s)],
ties = "breslow")``: U(0)' I(0)^- U(0) over the group indicators (first group the reference),
on the one likelihood engine (:mod:`core.likelihood`). U(0) is observed minus expected events
per group, I(0) their hypergeometric covariance summed over the risk sets, so with every
entry 0 this is ``survdiff`` again. A group whose indicator carries no information at 0 (no
one of it at risk at any event time) is aliased, as R's ``coxph`` drops it, and the degrees of
freedom count the rest.

References
----------
Therneau TM, Grambsch PM (2000). Modeling Survival Data. Springer (section 3.4: the score
test of the Cox model is the log-rank test).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import chi2

from core.likelihood.newton import aliased_terms
from core.likelihood.partial import PartialLikelihood
from core.likelihood.risksets import risk_sets


def score_logrank(time: np.ndarray, event: np.ndarray, group_code: np.ndarray,
                  n_groups: int, entry: np.ndarray | None = None,
                  strata: np.ndarray | None = None) -> tuple[float, int, float, np.ndarray,
                                                             np.ndarray]:
    """Score test at 0 of the Breslow Cox model of the group indicators.

    Parameters
    ----------
    time, event : ndarray, shape (n,)
        Follow-up times and event indicators.
    group_code : ndarray of int, shape (n,)
        Each row's group (0 .. n_groups - 1; group 0 is the reference).
    n_groups : int
    entry : ndarray, shape (n,), optional
        Entry times (delayed entry), entry < time.
    strata : ndarray of int, shape (n,), optional
        Stratum codes (one baseline hazard per stratum).

    Returns
    -------
    statistic : float
    dof : int
        Group indicators that carry information (not aliased).
    p_value : float
        1 when ``dof`` is 0; NaN without any event.
    observed, expected : ndarray, shape (n_groups,)
        Observed and expected events per group (expected under equal hazards within each
        risk set).
    """
    onehot = np.zeros((len(time), n_groups))
    onehot[np.arange(len(time)), group_code] = 1.0
    rs = risk_sets(time, event, start=entry, strata=strata, ties="breslow")
    observed = rs.death_sums(onehot).sum(axis=0)
    expected = ((rs.death_weight / rs.n_risk)[:, None] * rs.risk_sums(onehot)).sum(axis=0)
    if rs.groups == 0:
        return float("nan"), 0, float("nan"), observed, expected
    x = onehot[:, 1:]
    ev = PartialLikelihood(rs, x - x.mean(axis=0), strata=strata)(np.zeros(n_groups - 1))
    keep = ~aliased_terms(ev.information)
    dof = int(keep.sum())
    if dof == 0:
        return 0.0, 0, 1.0, observed, expected
    u = ev.score[keep]
    statistic = float(u @ np.linalg.solve(ev.information[np.ix_(keep, keep)], u))
    return statistic, dof, float(chi2.sf(statistic, dof)), observed, expected

"""The ordinary (unpenalized) Cox fit and what it cannot estimate.

Design: :func:`fit_ordinary` first asks, as R's ``coxph`` does with ``cholesky2``, which terms
carry no information of their own at beta = 0 (:func:`aliased_terms`: they duplicate other
terms, or their patients leave follow-up before the first event); those are reported as
missing (R: NA) and the rest are fitted by R's Newton-Raphson on the one likelihood engine
(:mod:`core.likelihood`: entry times, strata, case weights, Efron or Breslow ties), with Wald
intervals and p-values from the
inverse observed information. :func:`separation_warnings` then explains, per term, a
likelihood that is monotone in it (a coefficient running to 0 or infinity). Called by
:func:`core.cox.fit.fit_cox`; times in the unit of the time column (months).

References
----------
Therneau TM, Grambsch PM (2000). Modeling Survival Data. Springer (chapter 3).
Heinze G, Schemper M (2001). A solution to the problem of monotone likelihood in Cox
regression. Biometrics 57:114-119.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from core.cox.data import CoxData
from core.likelihood.monotone import indicator_extremes
from core.likelihood.newton import COXPH, Control, aliased_terms, maximize

DIVERGENT_COEF = 10.0
"""|coef| above which a coefficient is treated as diverging (a hazard ratio beyond e^10)."""
DIVERGENT_SE = 50.0
"""Standard error above which a coefficient is treated as diverging."""


def fit_ordinary(data: CoxData, ties: str, conf_level: float,
                 control: Control = COXPH) -> dict:
    """Ordinary Cox fit on the engine of :mod:`core.likelihood` (R ``coxph``): terms without
    information of their own are NA, the rest fitted by R's Newton-Raphson; Wald intervals
    and p-values from the inverse observed information.

    Returns
    -------
    dict
        ``coef``, ``se``, ``lower``, ``upper`` (log scale), ``p``, ``cov``, ``loglik``,
        ``loglik_null``, ``score_test``, ``converged``, ``iterations``, ``infinite``,
        ``messages``, ``aliased``, ``risk_sets``.
    """
    rs = data.risk_sets(ties)
    p = data.design.shape[1]
    likelihood = data.likelihood(ties, rs=rs)
    start = likelihood(np.zeros(p))
    keep = ~aliased_terms(start.information)
    if not keep.any():
        raise np.linalg.LinAlgError("Singular matrix")
    if not keep.all():  # R coxph: such a coefficient is NA, the others are fitted without it
        fit = fit_ordinary(data.subset(keep), ties, conf_level, control)
        full = {name: np.full(p, np.nan) for name in ("se", "lower", "upper", "p")}
        for name in full:
            full[name][keep] = fit[name]
        coef = np.zeros(p)  # 0 in the linear predictor, as R treats an NA coefficient
        coef[keep] = fit["coef"]
        cov = np.zeros((p, p))
        cov[np.ix_(keep, keep)] = fit["cov"]
        infinite = np.zeros(p, dtype=bool)
        infinite[keep] = fit["infinite"]
        return {**fit, **full, "coef": coef, "cov": cov, "aliased": ~keep,
                "infinite": infinite}
    nr = maximize(_known_first(likelihood, start), np.zeros(p), control)
    messages = []
    if not nr.converged:
        messages.append(
            f"The likelihood maximisation did not converge (Newton-Raphson stopped after "
            f"{nr.iterations} iterations). Usually a coefficient is running to infinity "
            "(see the separation warning); otherwise simplify the model.")
    elif nr.infinite.any():
        messages.append(
            "The likelihood maximisation did not converge to a finite estimate: the "
            "log-likelihood levelled off while a coefficient kept growing (R: \"coefficient "
            "may be infinite\"). See the separation warning.")
    information = nr.evaluation.information
    try:
        cov = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        cov = np.linalg.pinv(information)
    variance = np.diag(cov)
    with np.errstate(invalid="ignore"):
        se = np.where(variance >= 0, np.sqrt(np.abs(variance)), np.nan)
    converged = nr.converged and not nr.infinite.any()
    if np.isnan(se).any():
        converged = False
        messages.append("The fitted covariance matrix has a negative variance, so some "
                        "standard errors are undefined (shown as missing). Refit with "
                        "firth=True or simplify the model.")
    coef = nr.beta
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_values = 2 * stats.norm.sf(np.abs(coef / se))
    return {
        "coef": coef, "se": se, "lower": coef - z * se, "upper": coef + z * se,
        "p": p_values, "cov": cov, "loglik": nr.evaluation.loglik,
        "loglik_null": nr.loglik_start, "score_test": nr.score_test,
        "converged": converged, "iterations": nr.iterations, "infinite": nr.infinite,
        "messages": messages, "risk_sets": rs, "aliased": np.zeros(len(coef), dtype=bool),
    }


def _known_first(objective, first):
    """``objective`` whose first call returns ``first``: Newton-Raphson starts at beta = 0,
    which :func:`fit_ordinary` has just evaluated to find the aliased terms (the same
    evaluation, not computed twice: one of the ~6-20 per fit)."""
    pending = [first]

    def evaluate(beta, *args, **kwargs):
        return pending.pop() if pending else objective(beta, *args, **kwargs)

    return evaluate


def separation_warnings(data: CoxData, terms: list[str], fit: dict) -> list[str]:
    """Explain monotone likelihood (separation), term by term.

    A term is flagged when, at every event time, the patient(s) with the event have the
    largest (or the smallest) value of the term in the risk set, which makes the partial
    likelihood monotone in that coefficient (for an indicator: one of its levels has no
    events, or all events while the other level is still at risk); or when the fitted
    coefficient diverges (|coef| > 10, SE > 50, or R's "coefficient may be infinite").
    """
    out = []
    design = data.design
    always_max_all, always_min_all = _extreme_at_every_event(data, fit["risk_sets"])
    for j, term in enumerate(terms):
        if fit["aliased"][j]:  # reported once, as not estimable
            continue
        x = design[:, j]
        always_max, always_min = bool(always_max_all[j]), bool(always_min_all[j])
        coef, se = fit["coef"][j], fit["se"][j]
        diverging = (abs(coef) > DIVERGENT_COEF or not math.isfinite(se) or se > DIVERGENT_SE
                     or bool(fit["infinite"][j]))
        if not (always_max or always_min or diverging):
            continue
        if always_max or always_min:
            if np.isin(x, (0.0, 1.0)).all():
                level = 1 if always_min else 0
                why = (f"none of the {int((x == level).sum())} patients "
                       f"{'with' if level == 1 else 'without'} `{term}` had an event, so every "
                       f"event happened {'without' if level == 1 else 'with'} it")
            else:
                why = (f"at every event time the patient with the event has the "
                       f"{'highest' if always_max else 'lowest'} `{term}` among those at risk")
            direction = "infinity" if always_max else "0"
        else:
            why = f"the estimate is {coef:.3g} with standard error {se:.3g}"
            direction = "infinity" if coef > 0 else "0"
        out.append(
            f"Monotone likelihood (separation) for `{term}`: {why}. Its hazard ratio "
            f"estimate runs toward {direction}, and its Wald interval and p-value are "
            "meaningless. Refit with firth=True (Firth-penalized Cox) for a finite estimate "
            "with a profile-likelihood interval, or combine levels.")
    return out


def _extreme_at_every_event(data: CoxData, rs) -> tuple[np.ndarray, np.ndarray]:
    """Per term: whether at every event time the deaths hold the largest (resp. smallest)
    value of the term among those at risk. Indicators are read from the engine's risk-set
    sums (exact with entry times and strata); other terms from suffix extremes in time order
    within each stratum (without entry times; with them only divergence flags a numeric
    term)."""
    x = data.design
    p = x.shape[1]
    if rs.groups == 0:
        return np.zeros(p, bool), np.zeros(p, bool)
    indicator = np.isin(x, (0.0, 1.0)).all(axis=0)
    risk_max, risk_min, dead_max, dead_min = indicator_extremes(rs, x)
    if data.entry is None and not indicator.all():
        strata = np.zeros(data.n, dtype=np.int64) if data.strata is None else data.strata
        for s in np.unique(rs.group_stratum):
            rows = np.flatnonzero(strata == s)
            order = rows[np.argsort(data.times[rows], kind="stable")]
            ordered = x[order]
            suffix_max = np.maximum.accumulate(ordered[::-1], axis=0)[::-1]
            suffix_min = np.minimum.accumulate(ordered[::-1], axis=0)[::-1]
            g = np.flatnonzero(rs.group_stratum == s)
            first = np.searchsorted(data.times[order], rs.event_times[g], side="left")
            numeric = ~indicator
            risk_max[np.ix_(g, numeric)] = suffix_max[first][:, numeric]
            risk_min[np.ix_(g, numeric)] = suffix_min[first][:, numeric]
    elif data.entry is not None:  # numeric terms with entry times: divergence only
        risk_max[:, ~indicator] = np.inf
        risk_min[:, ~indicator] = -np.inf
    return (dead_min >= risk_max).all(axis=0), (dead_max <= risk_min).all(axis=0)

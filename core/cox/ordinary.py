"""The ordinary (unpenalized) Cox fit and what it cannot estimate.

Design: :func:`fit_ordinary` first asks, as R's ``coxph`` does with ``cholesky2``, which terms
carry no information of their own at beta = 0 (:func:`aliased_terms`: they duplicate other
terms, or their patients leave follow-up before the first event); those are reported as
missing (R: NA) and the rest are fitted by Newton-Raphson on the sorted risk sets of
:mod:`core.cox.riskset` (Efron or Breslow ties), with Wald intervals and p-values from the
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

from core.cox.riskset import information, moments, newton_raphson, risk_sets

DIVERGENT_COEF = 10.0
"""|coef| above which a coefficient is treated as diverging (a hazard ratio beyond e^10)."""
DIVERGENT_SE = 50.0
"""Standard error above which a coefficient is treated as diverging."""


def fit_ordinary(times: np.ndarray, status: np.ndarray, design: np.ndarray, ties: str,
                  conf_level: float) -> dict:
    """Ordinary Cox fit: Newton-Raphson on the sorted risk sets (:mod:`core.cox.riskset`),
    Wald intervals and p-values from the inverse observed information (R ``coxph``)."""
    order = np.argsort(times, kind="stable")  # sorted once: every sum then reads in order
    rs = risk_sets(times[order], status[order], ties)
    centred = (design - design.mean(axis=0))[order]
    keep = ~aliased_terms(information(rs, centred, moments(rs, centred, np.zeros(design.shape[1]))))
    if not keep.any():
        raise np.linalg.LinAlgError("Singular matrix")
    if not keep.all():  # R coxph: such a coefficient is NA, the others are fitted without it
        fit = fit_ordinary(times, status, design[:, keep], ties, conf_level)
        p = design.shape[1]
        full = {name: np.full(p, np.nan) for name in ("se", "lower", "upper", "p")}
        for name in full:
            full[name][keep] = fit[name]
        coef = np.zeros(p)  # 0 in the linear predictor, as R treats an NA coefficient
        coef[keep] = fit["coef"]
        cov = np.zeros((p, p))
        cov[np.ix_(keep, keep)] = fit["cov"]
        return {**fit, **full, "coef": coef, "cov": cov, "aliased": ~keep}
    nr = newton_raphson(rs, centred)
    messages = []
    converged = nr.converged
    if not converged:
        why = (", where the information matrix became singular" if nr.singular else "")
        messages.append(
            f"The likelihood maximisation did not converge (Newton-Raphson stopped after "
            f"{nr.iterations} iterations{why}). Usually a coefficient is running to infinity "
            "(see the separation warning); otherwise simplify the model.")
    try:
        cov = np.linalg.inv(nr.information)
    except np.linalg.LinAlgError:
        cov = np.linalg.pinv(nr.information)
    variance = np.diag(cov)
    with np.errstate(invalid="ignore"):
        se = np.where(variance >= 0, np.sqrt(np.abs(variance)), np.nan)
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
        "p": p_values, "cov": cov, "loglik": nr.loglik, "loglik_null": nr.loglik_null,
        "converged": converged, "messages": messages, "risk_sets": rs, "order": order,
        "aliased": np.zeros(len(coef), dtype=bool),
    }


def aliased_terms(info: np.ndarray, toler: float = np.finfo(float).eps ** 0.75) -> np.ndarray:
    """Terms whose information is (numerically) a combination of the terms before them.

    R's ``cholesky2`` (survival's ``coxph.fit``, ``toler.chol = .Machine$double.eps^0.75``):
    a Cholesky pass in column order in which a pivot below ``toler`` times the largest
    diagonal element marks the column as singular; ``coxph`` then reports its coefficient as
    NA. Returns a boolean mask, shape (p,).
    """
    m = np.array(info, dtype=float)
    n = len(m)
    largest = float(np.max(np.diag(m))) if n else 0.0
    eps = toler if largest <= 0 else largest * toler
    aliased = np.zeros(n, dtype=bool)
    for i in range(n):  # p columns, not n patients: a p x p matrix
        pivot = m[i, i]
        if not np.isfinite(pivot) or pivot < eps:
            m[i, i] = 0.0
            aliased[i] = True
            continue
        for j in range(i + 1, n):
            temp = m[j, i] / pivot
            m[j, i] = temp
            m[j, j] -= temp * temp * pivot
            m[j + 1:, j] -= temp * m[j + 1:, i]
    return aliased


def separation_warnings(times: np.ndarray, status: np.ndarray, design: np.ndarray,
                         terms: list[str], fit: dict) -> list[str]:
    """Explain monotone likelihood (separation), term by term.

    A term is flagged when, at every event time, the patient(s) with the event have the
    largest (or the smallest) value of the term in the risk set, which makes the partial
    likelihood monotone in that coefficient (for an indicator: one of its levels has no
    events, or all events while the other level is still at risk); or when the fitted
    coefficient diverges (|coef| > 10 or SE > 50).
    """
    out = []
    rs = fit["risk_sets"]  # built on the rows sorted by time (fit["order"])
    # per event time: the largest and smallest value among those at risk (suffix extremes
    # in time order) and among the deaths (one reduceat per event time), all terms at once
    ordered = design[fit["order"]][rs.order]
    risk_max = np.maximum.accumulate(ordered[::-1], axis=0)[::-1][rs.start]
    risk_min = np.minimum.accumulate(ordered[::-1], axis=0)[::-1][rs.start]
    first_slot = np.cumsum(rs.deaths) - rs.deaths
    dead = design[fit["order"]][rs.death_rows]
    dead_min = np.minimum.reduceat(dead, first_slot, axis=0)
    dead_max = np.maximum.reduceat(dead, first_slot, axis=0)
    always_max_all = (dead_min >= risk_max).all(axis=0)
    always_min_all = (dead_max <= risk_min).all(axis=0)
    for j, term in enumerate(terms):
        if fit["aliased"][j]:  # reported once, as not estimable
            continue
        x = design[:, j]
        always_max, always_min = bool(always_max_all[j]), bool(always_min_all[j])
        coef, se = fit["coef"][j], fit["se"][j]
        diverging = abs(coef) > DIVERGENT_COEF or not math.isfinite(se) or se > DIVERGENT_SE
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

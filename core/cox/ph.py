"""The proportional-hazards check of a fitted Cox model, as R's ``cox.zph`` (survival >= 3.0).

No maintained Python package without a pandas < 3 pin offers this test (lifelines pins pandas),
so the score test is written here and checked against R's ``cox.zph`` at 1e-6
(``tests/core/golden/cox_r_golden.json``).

References
----------
Grambsch PM, Therneau TM (1994). Proportional hazards tests and diagnostics based on weighted
residuals. Biometrika 81:515-526.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from core.cox.fit import DIVERGENT_COEF, DIVERGENT_SE, CoxResult
from core.errors import AnalysisError
from core.likelihood.risksets import risk_sets

NOT_COMPUTABLE = "The proportional-hazards test cannot be computed"
"""Opening of the caveat that explains a missing (NaN) statistic."""


@dataclass(frozen=True, eq=False)
class PHTestResult:
    """Proportional-hazards test of a Cox model (R ``cox.zph``).

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by covariate (one row per covariate column, all its terms together) and a last
        row ``GLOBAL``; columns ``chisq``, ``df``, ``p_value``.
    residuals : pandas.DataFrame
        One row per event: ``time`` (unit of the time column), ``transformed_time`` (g(t)), and
        one column per term holding the scaled Schoenfeld residual beta_j + (d V^-1 r)_j,
        whose smoothed trend against g(t) estimates beta_j(t).
    transform : str
        The time transform g ("km", "identity", "log" or "rank").
    method : str
        The test, in words.
    warnings : tuple of str
        Caveats carried over from the fit and any about the test itself.
    """

    table: pd.DataFrame
    residuals: pd.DataFrame
    transform: str
    method: str
    warnings: tuple[str, ...]


# --------------------------------------------------------------------------------------------

def ph_test(result: CoxResult, transform: Literal["km", "identity", "log", "rank"] = "km"
            ) -> PHTestResult:
    """Test proportional hazards of a fitted Cox model, as R's ``cox.zph`` (survival >= 3.0).

    For each covariate, the score test of gamma = 0 in the augmented model with terms
    ``x`` and ``x * g(t)``, g(t) centred over the event times, evaluated at (beta_hat, 0):
    ``U' I^{-1} U``, where U is the score for gamma (the score for beta being 0 at the fit)
    and I the full information of the augmented model, with the fit's tie handling (Efron
    sums over the tied deaths' fractional risk sets). This is one Newton step from the
    converged fit, Grambsch & Therneau (1994); the global test uses all gamma together.

    Parameters
    ----------
    result : CoxResult
        An ordinary (not Firth) fit from :func:`fit_cox`.
    transform : {"km", "identity", "log", "rank"}, default "km"
        Time transform g: ``"km"`` is 1 - KM(t-) of the whole sample (R's default),
        ``"identity"`` the time itself, ``"log"`` its log, ``"rank"`` its rank.

    Returns
    -------
    PHTestResult

    Raises
    ------
    core.errors.AnalysisError
        For a Firth fit, or an unknown transform.
    """
    if result.firth:
        raise AnalysisError("The proportional-hazards test needs an ordinary Cox fit "
                            "(firth=False); refit the model without Firth's penalty.")
    if transform not in ("km", "identity", "log", "rank"):
        raise AnalysisError(f"transform must be 'km', 'identity', 'log' or 'rank', not "
                            f"{transform!r}.")
    times, status = result.times, result.status
    beta = result.params
    p = len(beta)
    event = status == 1
    if transform == "km":
        g_all = 1 - _km_left(times, status, result.data.entry)
    elif transform == "identity":
        g_all = times.copy()
    elif transform == "log":
        g_all = np.log(times)
    else:
        g_all = stats.rankdata(times)
    gtime = g_all - g_all[event].mean()

    # risk-set sums of every event time at once (core.likelihood): no loop over event times;
    # the model's own rows (entry times, strata) and tie handling
    data = result.data
    f = data.likelihood(result.ties)
    rs, xc = f.rs, f.x
    ev = f(beta)
    g = gtime[rs.death_rows[rs.first_death]]  # g(t) of each event time
    death_rows = rs.death_rows
    xbar_sum = ev.slot_mean_sum()
    dead_sum = rs.death_sums(xc)
    u = g @ (dead_sum - xbar_sum)
    i11 = ev.information
    i12 = f(beta, group_weight=g).information
    i22 = f(beta, group_weight=g * g).information
    resid = xc[death_rows] - (xbar_sum / rs.n_death_rows[:, None])[rs.death_group]
    imat = np.block([[i11, i12], [i12.T, i22]])
    full_u = np.concatenate([np.zeros(p), u])

    # a coefficient running to infinity (separation): its residuals are all ~0 and its
    # statistic is ~0 whatever the data, so it is not computable rather than reassuring; the
    # other covariates are tested with the diverging coefficients held at their values
    table_fit = result.table
    running = ((table_fit["coef"].abs() > DIVERGENT_COEF) | ~np.isfinite(table_fit["se"])
               | (table_fit["se"] > DIVERGENT_SE)).to_numpy()
    kept = [j for j in range(p) if not running[j]]
    rows, chisq, dfs, diverging = [], [], [], []
    for enc, lo, hi in zip(result.encodings, *_term_spans(result.encodings), strict=True):
        rows.append(enc.column)
        dfs.append(hi - lo)
        if running[lo:hi].any():
            diverging.append(enc.column)
            chisq.append(float("nan"))
            continue
        kk = kept + [j + p for j in range(lo, hi)]
        chisq.append(_score_statistic(full_u[kk], imat[np.ix_(kk, kk)]))
    rows.append("GLOBAL")
    dfs.append(p)
    if diverging:
        diverging.append("GLOBAL")
        chisq.append(float("nan"))
    else:
        chisq.append(_score_statistic(full_u, imat))
    singular = [row for row, c in zip(rows, chisq, strict=True)
                if np.isnan(c) and row not in diverging]
    p_values = [float(stats.chi2.sf(c, k)) for c, k in zip(chisq, dfs, strict=True)]
    table = pd.DataFrame({"chisq": chisq, "df": dfs, "p_value": p_values},
                         index=pd.Index(rows, name="covariate"))

    vmean = i11 / len(death_rows)
    try:
        scaled = np.linalg.solve(vmean, resid.T).T + beta
    except np.linalg.LinAlgError:  # a level without information: residuals undefined there
        scaled = (np.linalg.pinv(vmean) @ resid.T).T + beta
    residuals = pd.DataFrame({"time": times[death_rows], "transformed_time": g_all[death_rows]})
    for j, term in enumerate(result.terms):
        residuals[term] = scaled[:, j]
    caveats = [*result.warnings, *result.notes]
    if diverging:
        caveats.append(f"{NOT_COMPUTABLE} for {_names(diverging)}: a coefficient of the "
                       "fit runs to infinity (separation), so its residuals carry no "
                       "information on whether the hazard ratio changes over time.")
    if singular:
        caveats.append(f"{NOT_COMPUTABLE} for {_names(singular)}: the information matrix "
                       "of the fit is singular or nearly so (usually too few events). Shown as "
                       "missing rather than as a number.")
    if any(len(e.terms) > 1 for e in result.encodings):
        caveats.append("Covariates with several terms are tested together (one chi-square "
                       "with one degree of freedom per term); residuals are shown per term.")
    method = (f"Score test of beta(t) = beta + gamma g(t), g = {transform} transform "
              f"(R cox.zph, survival >= 3.0), {result.ties.capitalize()} ties; scaled "
              "Schoenfeld residuals (Grambsch & Therneau 1994)")
    return PHTestResult(table=table, residuals=residuals, transform=transform, method=method,
                        warnings=tuple(caveats))


def _names(rows: list[str]) -> str:
    """'`age` and the global test': covariates as `column` spans, GLOBAL in words."""
    names = [("the global test" if r == "GLOBAL" else f"`{r}`") for r in rows]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _term_spans(encodings) -> tuple[list[int], list[int]]:
    """First and one-past-last term index of each covariate."""
    sizes = [len(e.terms) for e in encodings]
    ends = list(np.cumsum(sizes))
    return [e - s for e, s in zip(ends, sizes, strict=True)], ends


def _score_statistic(score: np.ndarray, information: np.ndarray) -> float:
    """``U' I^-1 U``, or NaN when ``I`` is singular or ill-conditioned (the statistic would be
    numerical noise, possibly negative)."""
    if not np.all(np.isfinite(information)) or np.linalg.cond(information) > 1e12:
        return float("nan")
    value = float(score @ np.linalg.solve(information, score))
    if not np.isfinite(value) or value < -1e-8:
        return float("nan")
    return max(value, 0.0)  # rounding below zero


def _km_left(times: np.ndarray, status: np.ndarray, entry: np.ndarray | None) -> np.ndarray:
    """Kaplan-Meier survival of the whole sample just before each patient's time."""
    rs = risk_sets(times, status, start=entry, ties="breslow")
    surv = np.cumprod(1 - rs.n_death_rows / rs.n_risk)
    idx = np.searchsorted(rs.event_times, times, side="left")  # event times strictly before
    return np.concatenate([[1.0], surv])[idx]

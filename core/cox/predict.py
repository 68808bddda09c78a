"""Predicted survival of a covariate profile from a fitted Cox model (R ``survfit.coxph``).

References
----------
Therneau TM, Grambsch PM (2000). Modeling Survival Data. Springer (section 10.2, variance of
the predicted curve).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from core.cox.fit import CoxResult
from core.errors import AnalysisError


@dataclass(frozen=True, eq=False)
class SurvivalPrediction:
    """Predicted survival for one covariate profile (R ``survfit.coxph``).

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``time`` (requested times, unit of the time column), ``survival``,
        ``ci_lower``, ``ci_upper`` (pointwise interval of ``conf_type``), ``cumulative_hazard``
        and ``se_cumulative_hazard``.
    profile : dict
        The covariate values predicted for.
    conf_type : {"log", "log-log"}
        Scale of the confidence interval.
    conf_level : float
        Confidence level of the interval.
    method : str
        Estimator and variance, in words.
    notes : tuple of str
        Caveats (for example, those carried over from the fit).
    """

    table: pd.DataFrame
    profile: dict
    conf_type: str
    conf_level: float
    method: str
    notes: tuple[str, ...]


# --------------------------------------------------------------------------------------------

def predict_survival(result: CoxResult, profile: Mapping[str, object],
                     times: Iterable[float], conf_type: Literal["log", "log-log"] = "log-log",
                     conf_level: float | None = None, stratum: str | None = None
                     ) -> SurvivalPrediction:
    """Predicted survival S(t | profile) = exp(-H0(t) exp(x'beta)), as R's ``survfit.coxph``.

    The baseline cumulative hazard is Breslow's estimator for a Breslow fit and its Efron
    analogue for an Efron fit (each of d tied deaths adds 1 / (S0 - k/d E0), k = 0..d-1),
    as R's default ``ctype`` does. The variance of H(t | x) is the Tsiatis (1981) / Link
    (1984) form used by R: exp(2 x'beta) [sum dN / S0^2 + q(t)' V q(t)], with
    q(t) = sum (xbar(s) - x) dH0(s) and V the covariance of beta (Efron: the sums run over
    the tied deaths' fractional risk sets).

    Parameters
    ----------
    result : CoxResult
        An ordinary (not Firth) fit from :func:`fit_cox`.
    profile : mapping
        A value for every covariate column of the model, on its original scale (e.g.
        ``{"age": 60, "eln2022_risk": "adverse"}``).
    times : iterable of float
        Times at which to predict (unit of the time column), from 0 to the last follow-up
        time of the fitted data.
    conf_type : {"log", "log-log"}, default "log-log"
        Scale of the pointwise interval: "log" is exp(-H) exp(+/- z se(H)) (R's default);
        "log-log" is S^exp(+/- z se(H) / H).
    conf_level : float, optional
        Default: the fit's ``conf_level``.
    stratum : str, optional
        For a stratified model, the stratum whose baseline hazard is used (required then).

    Returns
    -------
    SurvivalPrediction

    Raises
    ------
    core.errors.AnalysisError
        For a Firth fit, a missing or unknown covariate value, or a time outside
        [0, last follow-up] (predictions are never extrapolated).
    """
    if result.firth:
        raise AnalysisError("Predicted survival is computed from an ordinary Cox fit "
                            "(firth=False); refit the model without Firth's penalty.")
    if conf_type not in ("log", "log-log"):
        raise AnalysisError(f"conf_type must be 'log' or 'log-log', not {conf_type!r}.")
    conf_level = result.conf_level if conf_level is None else conf_level
    if not 0 < conf_level < 1:
        raise AnalysisError(f"conf_level must be between 0 and 1 (e.g. 0.95), not {conf_level}.")
    x_new = _profile_vector(result, profile)
    req = np.asarray(list(times), dtype=float)
    if req.size == 0:
        raise AnalysisError("Give at least one time at which to predict survival.")
    last = float(result.times.max())
    if np.isnan(req).any() or (req < 0).any():
        raise AnalysisError(f"Prediction times must be numbers >= 0; got {req.tolist()}.")
    if (req > last).any():
        raise AnalysisError(
            f"Cannot predict survival at {sorted(req[req > last].tolist())}: the model's "
            f"follow-up ends at {last:g}, and predictions are never extrapolated beyond it. "
            f"Choose times up to {last:g}.")

    beta = result.params
    data = result.data
    center = data.center()
    # risk-set sums of every event time at once (core.likelihood): no loop over event times;
    # the model's own rows (entry times, strata, weights) and tie handling
    f = data.likelihood(result.ties)
    ev = f(beta)
    groups = _stratum_groups(result, f.rs, stratum)
    if groups.size == 0:  # R draws survival 1 here; a flat line would read as "no risk"
        raise AnalysisError(f"Stratum {stratum!r} has no events, so the model estimates no "
                            "baseline hazard for it and cannot predict survival there; "
                            "choose another stratum or fit without stratification.")
    event_times = f.rs.event_times[groups]
    with np.errstate(over="ignore"):
        scale = np.exp(-ev.shift[groups])  # stored sums are on each stratum's shifted scale
    omega, tie = ev.omega[groups], ev.tie
    dh = omega * tie.h1[groups] * scale
    dvar = omega * tie.j0[groups] * scale ** 2
    dxbar = (omega * scale)[:, None] * (ev.s1[groups] * tie.j0[groups][:, None]
                                         - ev.e1[groups] * tie.j1[groups][:, None])
    h0, v0, q0 = np.cumsum(dh), np.cumsum(dvar), np.cumsum(dxbar, axis=0)

    xn = x_new - center
    with np.errstate(over="ignore"):  # a diverging coefficient: r may be inf
        r = float(np.exp(float(xn @ beta)))
    idx = np.searchsorted(event_times, req, side="right") - 1
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    before = idx < 0  # before the first event time: survival 1, no uncertainty
    k = np.maximum(idx, 0)
    # a diverging fit can give inf/NaN (or a slightly negative variance from an ill-
    # conditioned covariance): computed with numpy so the prediction shows NaN, not a crash
    with np.errstate(all="ignore"):
        cum = h0[k] * r
        q = q0[k] - h0[k][:, None] * xn
        var = v0[k] + np.einsum("ij,jk,ik->i", q, result.cov, q)
        se = np.where(var >= 0, r * np.sqrt(np.abs(var)), np.nan)
        surv = np.exp(-cum)
        if conf_type == "log":
            lower = surv * np.exp(-z * se)
            upper = np.fmin(1.0, surv * np.exp(z * se))
        else:  # se / cum can overflow: the limits are then 0 and 1
            lower = np.exp(-cum * np.exp(z * se / cum))
            upper = np.exp(-cum * np.exp(-z * se / cum))
    table = pd.DataFrame({
        "time": req, "survival": np.where(before, 1.0, surv),
        "ci_lower": np.where(before, 1.0, lower), "ci_upper": np.where(before, 1.0, upper),
        "cumulative_hazard": np.where(before, 0.0, cum),
        "se_cumulative_hazard": np.where(before, 0.0, se)})
    method = (f"Cox model prediction (R survfit.coxph): {result.ties.capitalize()} baseline "
              "cumulative hazard, Tsiatis/Link variance, pointwise "
              f"{conf_type} {conf_level:.0%} interval")
    return SurvivalPrediction(table=table, profile=dict(profile), conf_type=conf_type,
                              conf_level=conf_level, method=method,
                              notes=(*result.warnings, *result.notes))


def _profile_vector(result: CoxResult, profile: Mapping[str, object]) -> np.ndarray:
    """The design-matrix row of a covariate profile."""
    missing = [c for c in result.covariates if c not in profile]
    if missing:
        raise AnalysisError(f"The profile has no value for {missing}; give a value for every "
                            f"covariate of the model: {list(result.covariates)}.")
    parts = []
    for enc in result.encodings:
        value = profile[enc.column]
        if enc.kind == "numeric":
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = math.nan
            if not math.isfinite(number):
                raise AnalysisError(f"The profile's `{enc.column}` must be a number, not "
                                    f"{value!r}.")
            parts.append([number / enc.scale])
        else:
            if str(value) not in enc.levels:
                raise AnalysisError(f"The profile's `{enc.column}` is {value!r}; the model knows "
                                    f"the levels {list(enc.levels)}.")
            parts.append([float(str(value) == level) for level in enc.levels[1:]])
    return np.array([v for part in parts for v in part], dtype=float)


def _stratum_groups(result: CoxResult, rs, stratum: str | None) -> np.ndarray:
    """The event-time groups of the baseline hazard to predict from: all of them for an
    unstratified model, those of ``stratum`` for a stratified one."""
    labels = result.data.strata_labels
    if not labels:
        if stratum is not None:
            raise AnalysisError("stratum is given, but the model is not stratified.")
        return np.arange(rs.groups)
    if stratum is None or str(stratum) not in labels:
        raise AnalysisError(f"The model is stratified by `{result.strata}`, with one baseline "
                            f"hazard per level: choose the stratum to predict for, one of "
                            f"{list(labels)} (got {stratum!r}).")
    return np.flatnonzero(rs.group_stratum == labels.index(str(stratum)))

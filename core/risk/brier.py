"""The Brier score at a horizon, with IPCW, and the index of prediction accuracy (IPA).

The Brier score is the mean squared difference between the predicted risk of the cause by
horizon tau and what happened: (1 - risk)^2 for a case, risk^2 for a control (event-free past
tau, or a competing event by tau), each weighted by the inverse probability of having stayed
uncensored (:mod:`core.risk.ipcw`); patients censored before tau contribute 0 and are
represented by the weights. Lower is better; a model that predicts the overall risk for
everyone (the *null model*: 1 - Kaplan-Meier, or the Aalen-Johansen cumulative incidence with
competing events, on the same patients) scores the reference value, and

    IPA = 1 - Brier(model) / Brier(null model)

says which share of the null model's error the model removes (0 = no better than the overall
risk, negative = worse). All three as ``riskRegression::Score(..., metrics = "brier",
summary = "ipa", cens.model = "km")``, with its standard error (``getInfluenceCurve.Brier``
with the Kaplan-Meier censoring term) and interval Brier +/- z se clipped to [0, 1].

References
----------
Graf E, Schmoor C, Sauerbrei W, Schumacher M (1999). Assessment and comparison of prognostic
classification schemes for survival data. Stat Med 18:2529-2545.
Kattan MW, Gerds TA (2018). The index of prediction accuracy: an intuitive measure useful for
evaluating risk prediction models. Diagn Progn Res 2:7.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from core.risk.data import ValidationData, validation_data
from core.risk.ipcw import horizon_weights, marginal_risk
from core.survival.input import Exclusion


@dataclass(frozen=True)
class BrierScore:
    """The Brier score of predicted risks at a horizon, and the null model's.

    Attributes
    ----------
    brier : float
        IPCW Brier score of the predicted risks (0 = perfect).
    se, ci_lower, ci_upper : float
        Its standard error and interval (clipped to [0, 1]).
    null_brier : float
        Brier score of the null model (everyone gets ``null_risk``).
    null_risk : float
        1 - Kaplan-Meier (or the Aalen-Johansen cumulative incidence of ``cause``) at the
        horizon on the same patients.
    ipa : float
        1 - brier / null_brier (NaN when the null model's score is 0).
    conf_level, horizon, cause : float, float, int
    n : int
        Patients used.
    exclusions : tuple of Exclusion
    method : str
    """

    brier: float
    se: float
    ci_lower: float
    ci_upper: float
    null_brier: float
    null_risk: float
    ipa: float
    conf_level: float
    horizon: float
    cause: int
    n: int
    exclusions: tuple[Exclusion, ...]
    method: str


METHOD = ("Brier score at {h:g}{cr}, inverse probability of censoring weights from the "
          "Kaplan-Meier of the censoring times, as riskRegression::Score (cens.model = \"km\"); "
          "IPA against the null model ({null}); influence-function standard error")


def brier_score(df: pd.DataFrame, time: str, status: str, risk: str, horizon: float,
                cause: int = 1, conf_level: float = 0.95) -> BrierScore:
    """Brier score and IPA at ``horizon`` of the predicted risks in column ``risk``.

    Parameters
    ----------
    df : pandas.DataFrame or core.cohort.engine.CohortSource
        One row per patient.
    time : str
        Column of follow-up times (months).
    status : str
        Column of status codes: 0 = censored, 1, 2, ... = causes (0/1: ordinary survival).
    risk : str
        Column of predicted probabilities of ``cause`` by ``horizon``, in [0, 1].
    horizon : float
        Unit of ``time``.
    cause : int, default 1
    conf_level : float, default 0.95

    Returns
    -------
    BrierScore
        ``.brier`` equals ``riskRegression::Score(list(risk), Hist(time, status) ~ 1, data,
        times = horizon, cause = cause, cens.model = "km", metrics = "brier")`` (model row),
        ``.ipa`` its ``summary = "ipa"`` column.

    Raises
    ------
    core.errors.AnalysisError
        Unusable columns, horizon or cause, or a predicted risk outside [0, 1].
    """
    data = validation_data(df, time, status, risk, horizon, cause, risk_is_probability=True)
    return brier_of(data, conf_level)


def brier_of(data: ValidationData, conf_level: float = 0.95) -> BrierScore:
    """:func:`brier_score` of checked data (the bootstrap calls this on resampled patients)."""
    hw = horizon_weights(data)
    brier, se = _score(data, hw, data.risk)
    null_risk = marginal_risk(data)
    null_brier, _ = _score(data, hw, np.full(data.n, null_risk))
    z = stats.norm.ppf(0.5 + conf_level / 2)
    ok = math.isfinite(se)
    null = ("Aalen-Johansen cumulative incidence" if data.competing else "1 - Kaplan-Meier")
    cr = f", cause {data.cause} (competing events are controls)" if data.competing else ""
    return BrierScore(
        brier=brier, se=se, ci_lower=max(0.0, brier - z * se) if ok else math.nan,
        ci_upper=min(1.0, brier + z * se) if ok else math.nan, null_brier=null_brier,
        null_risk=null_risk, ipa=1.0 - brier / null_brier if null_brier > 0 else math.nan,
        conf_level=conf_level, horizon=data.horizon, cause=data.cause, n=data.n,
        exclusions=data.exclusions, method=METHOD.format(h=data.horizon, cr=cr, null=null))


def _score(data: ValidationData, hw, risk: np.ndarray) -> tuple[float, float]:
    """(Brier score, standard error) of ``risk`` with the weights ``hw``."""
    case, early_control, late = data.case, data.control_early, data.control_late
    residual = np.where(case, (1.0 - risk) ** 2,
                        np.where(early_control | late, risk ** 2, 0.0)) * hw.weight
    n = data.n
    brier = float(residual.sum() / n)
    event_by_horizon = case | early_control
    influence = (residual - residual.mean()
                 + hw.censoring_term(residual * event_by_horizon,
                                     float(residual[late].sum())) / n)
    if n < 2 or not np.isfinite(influence).all():
        return brier, math.nan
    return brier, float(np.std(influence, ddof=1) / math.sqrt(n))


"""Time-dependent AUC at a horizon (cumulative cases, dynamic controls), with IPCW.

The AUC at horizon tau is the probability that a case (the predicted cause by tau) has a
higher predicted risk than a control (event-free past tau, or a competing event by tau: the
``cause = 1`` definition of ``riskRegression::Score`` with ``Hist(time, status)``), each
patient weighted by the inverse probability of having stayed uncensored
(:mod:`core.risk.ipcw`). Tied risks count one half, which is the trapezoidal area under the
weighted ROC curve that riskRegression integrates. Patients censored before tau get no weight:
dropping them *without* the weights (as some apps do) biases the AUC.

The standard error is riskRegression's (``conservative = FALSE``): the influence function of
the weighted Mann-Whitney ratio (``getIC0AUC``) plus the term for the estimated censoring
distribution (``getInfluenceFunctionAUCKMCensoringTerm``); the interval is
AUC +/- z se clipped to [0, 1], as ``Score`` prints it.

Two places where riskRegression 2022.11.28's standard error (not its AUC) is not what it
means, and this module computes what it means: with ``cause = 2``, and with three or more
causes, its C++ takes status 1 for the cases and status 2 for the competing controls. Here
the cases are ``cause`` and the controls every other cause; the tests pin this against
``Score`` on the same patients with the codes relabelled so that riskRegression's reading is
right (``cause`` -> 1, the other causes -> 2).

References
----------
Blanche P, Dartigues JF, Jacqmin-Gadda H (2013). Estimating and comparing time-dependent areas
under receiver operating characteristic curves for censored event times with competing risks.
Stat Med 32:5381-5397.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from core.risk.data import ValidationData, validation_data
from core.risk.ipcw import horizon_weights
from core.survival.input import Exclusion


@dataclass(frozen=True)
class TimeAUC:
    """The time-dependent AUC of predicted risks at a horizon.

    Attributes
    ----------
    auc : float
        Cumulative/dynamic AUC, IPCW (NaN when there is no case or no control).
    se : float
        Standard error (riskRegression's influence function; NaN when undefined).
    ci_lower, ci_upper : float
        auc -/+ z se, clipped to [0, 1].
    conf_level : float
    horizon : float
        Unit of the time column (months).
    cause : int
    n : int
        Patients used.
    cases : int
        Patients with ``cause`` at or before the horizon.
    controls : int
        Patients event-free past the horizon or with a competing event by it.
    censored_before : int
        Patients censored at or before the horizon (weight 0: represented by the weights).
    exclusions : tuple of Exclusion
        Rows left out and why.
    method : str
    warnings : tuple of str
        Why a number is not available, in words.
    """

    auc: float
    se: float
    ci_lower: float
    ci_upper: float
    conf_level: float
    horizon: float
    cause: int
    n: int
    cases: int
    controls: int
    censored_before: int
    exclusions: tuple[Exclusion, ...]
    method: str
    warnings: tuple[str, ...]


METHOD = ("Time-dependent AUC at {h:g} (cumulative cases, dynamic controls{cr}), inverse "
          "probability of censoring weights from the Kaplan-Meier of the censoring times, "
          "as riskRegression::Score (cens.model = \"km\"); influence-function standard error")


def time_auc(df: pd.DataFrame, time: str, status: str, risk: str, horizon: float,
             cause: int = 1, conf_level: float = 0.95) -> TimeAUC:
    """Time-dependent AUC at ``horizon`` of the predicted risks in column ``risk``.

    Parameters
    ----------
    df : pandas.DataFrame or core.cohort.engine.CohortSource
        One row per patient.
    time : str
        Column of follow-up times (months).
    status : str
        Column of status codes: 0 = censored, 1, 2, ... = the cause that ended follow-up.
        With 0/1 only this is the ordinary survival case (``Surv(time, event)``).
    risk : str
        Column of predicted risks of ``cause`` by ``horizon`` (any score where higher means
        sooner will do: only the order matters).
    horizon : float
        Time at which cases and controls are defined (unit of ``time``).
    cause : int, default 1
        Status code of the predicted event; other causes are controls.
    conf_level : float, default 0.95

    Returns
    -------
    TimeAUC
        ``.auc`` equals ``riskRegression::Score(list(risk), Hist(time, status) ~ 1, data,
        times = horizon, cause = cause, cens.model = "km", metrics = "auc")$AUC$score$AUC``.

    Raises
    ------
    core.errors.AnalysisError
        Unusable columns, horizon or cause (see :func:`core.risk.data.validation_data`).
    """
    data = validation_data(df, time, status, risk, horizon, cause)
    return auc_of(data, conf_level)


def auc_of(data: ValidationData, conf_level: float = 0.95) -> TimeAUC:
    """:func:`time_auc` of checked data (the bootstrap calls this on resampled patients)."""
    n = data.n
    case, control = data.case, data.control_early | data.control_late
    hw = horizon_weights(data)
    w = hw.weight
    levels, rank = np.unique(data.risk, return_inverse=True)
    w_case = np.bincount(rank, weights=w * case, minlength=levels.size)
    w_control = np.bincount(rank, weights=w * control, minlength=levels.size)
    controls_below = np.cumsum(w_control) - w_control
    cases_above = w_case.sum() - np.cumsum(w_case)
    mu_case, mu_control = float(w_case.sum()), float(w_control.sum())
    warnings = []
    if not case.any():
        warnings.append(f"No patient had the event (cause {data.cause}) by {data.horizon:g}: "
                        "the AUC is not defined.")
    if not control.any():
        warnings.append(f"No patient is known to be free of the event at {data.horizon:g} "
                        "(everyone had it or was censored before): the AUC is not defined.")
    if warnings:
        auc = se = math.nan
    else:
        auc = float(np.sum(w_case * (controls_below + 0.5 * w_control)) / (mu_case * mu_control))
        # each patient's weighted count of opposite-class patients ranked below (cases) or
        # above (controls), ties one half (riskRegression's ic0Case, ic0Control)
        beaten = (controls_below + 0.5 * w_control)[rank]
        beaten_by = (cases_above + 0.5 * w_case)[rank]
        mu = mu_case * mu_control / n ** 2
        nu = auc * mu
        ic0 = np.where(case, w / n * (beaten * mu - mu_control * nu),
                       np.where(control, w / n * (beaten_by * mu - mu_case * nu), 0.0)) / mu ** 2
        se = _se(ic0 + _censoring_part(data, hw, beaten, beaten_by, mu_case, mu_control, auc))
        if math.isnan(se):
            warnings.append(f"No standard error: the censoring distribution reaches 0 at the "
                            f"horizon {data.horizon:g} (the last patient followed to it is "
                            "censored there), as in riskRegression.")
    z = stats.norm.ppf(0.5 + conf_level / 2)
    cr = "; competing events are controls" if data.competing else ""
    return TimeAUC(
        auc=auc, se=se, ci_lower=max(0.0, auc - z * se) if math.isfinite(se) else math.nan,
        ci_upper=min(1.0, auc + z * se) if math.isfinite(se) else math.nan,
        conf_level=conf_level, horizon=data.horizon, cause=data.cause, n=n,
        cases=int(case.sum()), controls=int(control.sum()),
        censored_before=int(((data.status == 0) & (data.time <= data.horizon)).sum()),
        exclusions=data.exclusions, method=METHOD.format(h=data.horizon, cr=cr),
        warnings=tuple(warnings))


def _censoring_part(data: ValidationData, hw, beaten: np.ndarray, beaten_by: np.ndarray,
                    mu_case: float, mu_control: float, auc: float) -> np.ndarray:
    """The AUC's influence through the estimated censoring distribution (riskRegression's
    ``getInfluenceFunctionAUCKMCensoringTerm``); NaN everywhere when G(horizon) is 0."""
    n = data.n
    case, early, late = data.case, data.control_early, data.control_late
    w = hw.weight
    if hw.g_horizon == 0:
        return np.full(n, math.nan)
    mu = mu_case * mu_control / n ** 2
    nu = auc * mu
    numerator = (hw.censoring_term(w * beaten * case)
                 + hw.censoring_term(w * beaten_by * early, float(np.sum(w * beaten_by * late))))
    denominator = (hw.censoring_term(w * case) * mu_control
                   + hw.censoring_term(w * early, float(np.sum(w * late))) * mu_case)
    return (numerator * mu - denominator * nu) / n ** 2 / mu ** 2


def _se(influence: np.ndarray) -> float:
    """sd(influence) / sqrt(n), as riskRegression (NaN for fewer than 2 patients)."""
    if influence.size < 2 or not np.isfinite(influence).all():
        return math.nan
    return float(np.std(influence, ddof=1) / math.sqrt(influence.size))

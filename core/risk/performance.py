"""How well a fitted risk model predicts on a set of patients: the indexes the bootstrap
corrects for optimism (:mod:`core.risk.bootstrap`).

* ``c_index``: Harrell's C of the linear predictor (Cox models of one endpoint; rms's
  Dxy = 2 (C - 1/2)), by :func:`core.cox.concordance.harrell_c` (the counts of R
  ``survival::concordance``).
* ``r2``: rms's R2 (Nagelkerke's, from the likelihood-ratio statistic of the linear
  predictor: (1 - exp(-LR / n)) / (1 - exp(2 l0 / n)), l0 the null log partial likelihood).
* ``slope``: the calibration slope. For a Cox model, the Cox coefficient of the linear
  predictor (``rms::validate``'s Slope); for competing risks, the Fine-Gray coefficient of
  log(-log(1 - predicted risk)) (which equals the slope of the linear predictor for a
  Fine-Gray model). 1 = as spread as the outcomes, < 1 = predictions too extreme.
* ``auc``, ``brier``: time-dependent AUC and Brier score at the horizon
  (:func:`core.risk.auc.auc_of`, :func:`core.risk.brier.brier_of`).

On the patients a model was fitted on, the slope is 1 and R2 comes from the fit itself, as
``rms::validate`` takes them (``evalfit = TRUE``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cox import fit_cox
from core.cox.concordance import harrell_c
from core.errors import AnalysisError
from core.risk.auc import auc_of
from core.risk.brier import brier_of
from core.risk.data import sorted_data
from core.risk.model import RiskModel
from core.risk.refits import CoxRefits
from core.survival.competing import fine_gray

INDEXES = ("c_index", "r2", "slope", "auc", "brier")
"""The indexes of :class:`Indexes`, in display order."""
INDEX_LABELS = {
    "c_index": "Harrell's C", "r2": "R² (Nagelkerke)", "slope": "Calibration slope",
    "auc": "Time-dependent AUC", "brier": "Brier score",
}
RISK_CLIP = 1e-12


@dataclass(frozen=True)
class Indexes:
    """Performance indexes of one model on one set of patients (NaN where not defined:
    Harrell's C and R2 for competing risks)."""

    c_index: float
    r2: float
    slope: float
    auc: float
    brier: float

    def as_array(self) -> np.ndarray:
        return np.array([getattr(self, k) for k in INDEXES], dtype=float)


def evaluate(model: RiskModel, x: np.ndarray, time: np.ndarray, status: np.ndarray,
             own: bool = False, refits: CoxRefits | None = None) -> Indexes:
    """The indexes of ``model`` on the patients (design ``x``, ``time``, ``status``).

    Parameters
    ----------
    model : RiskModel
    x : numpy.ndarray, shape (n, p)
    time : numpy.ndarray, shape (n,)
    status : numpy.ndarray of int, shape (n,)
        0 censored, 1, 2, ... causes.
    own : bool, default False
        True when these are the patients ``model`` was fitted on (slope 1, R2 from the fit).
    refits : CoxRefits, optional
        The bootstrap's engine on these patients (a Cox model's slope fit reuses its sorted
        risk sets instead of a full :func:`core.cox.fit_cox`).

    Returns
    -------
    Indexes
    """
    spec = model.spec
    risk = np.clip(model.predict(x), 0.0, 1.0)
    data = sorted_data(time, status, risk, spec.horizon, spec.cause)
    auc = auc_of(data).auc
    brier = brier_of(data).brier
    if spec.kind != "cox":
        slope = 1.0 if own and spec.kind == "fine_gray" else _fine_gray_slope(risk, time,
                                                                             status, spec.cause)
        return Indexes(math.nan, math.nan, slope, auc, brier)
    lp = model.linear_predictor(x)
    event = status == spec.cause
    if np.ptp(lp) == 0:  # rms: a constant predictor has Dxy 0, slope 1, R2 0
        return Indexes(0.5, 0.0 if not own else _r2(*model.loglik, time.size), 1.0, auc,
                       brier)
    if own:  # the fit's own C is Harrell's C of its linear predictor on these patients
        c = model.concordance if math.isfinite(model.concordance) else \
            harrell_c(event, time, lp).c_index
        return Indexes(c, _r2(*model.loglik, time.size), 1.0, auc, brier)
    if refits is not None:
        fit = refits.slope(lp)
        return Indexes(harrell_c(event, time, lp).c_index,
                       _r2(fit.loglik_null, fit.loglik, time.size), float(fit.coef[0]), auc,
                       brier)
    fit = fit_cox(pd.DataFrame({"time": time, "event": event.astype(float), "lp": lp}),
                  "time", "event", ["lp"])
    slope = float(fit.table["coef"].iloc[0])
    # the slope fit's C is that of slope x lp: the C of lp, reversed when the slope is < 0
    c = fit.concordance if slope > 0 else 1.0 - fit.concordance
    return Indexes(c, _r2(fit.loglik_null, fit.loglik, time.size), slope, auc, brier)


def calibration_slope(risk: np.ndarray, time: np.ndarray, status: np.ndarray,
                      cause: int = 1) -> float:
    """Coefficient of log(-log(1 - risk)) in a Cox model of the endpoint (one cause) or a
    Fine-Gray model of ``cause`` (competing causes): 1 when the spread of the predicted risks
    matches the outcomes."""
    if (status > 0).any() and not np.isin(status, (0, cause)).all():
        return _fine_gray_slope(risk, time, status, cause)
    score = _cloglog(risk)
    if np.ptp(score) == 0:
        return math.nan
    fit = fit_cox(pd.DataFrame({"time": time, "event": (status == cause).astype(float),
                                "score": score}), "time", "event", ["score"])
    return float(fit.table["coef"].iloc[0])


def _fine_gray_slope(risk: np.ndarray, time: np.ndarray, status: np.ndarray,
                     cause: int) -> float:
    score = _cloglog(risk)
    if np.ptp(score) == 0:
        return math.nan
    frame = pd.DataFrame({"time": time, "status": status, "score": score})
    try:
        fit = fine_gray(frame, "time", "status", ["score"], cause=cause)
    except AnalysisError:
        return math.nan
    return float(fit.table["coef"].iloc[0]) if fit.converged else math.nan


def _cloglog(risk: np.ndarray) -> np.ndarray:
    clipped = np.clip(risk, RISK_CLIP, 1 - RISK_CLIP)
    return np.log(-np.log1p(-clipped))


def _r2(loglik_null: float, loglik: float, n: int) -> float:
    """rms's R2: (1 - exp(-LR / n)) / (1 - exp(2 l0 / n))."""
    lr = 2.0 * (loglik - loglik_null)
    return float((1 - math.exp(-lr / n)) / (1 - math.exp(2 * loglik_null / n)))

"""Every validation figure of a risk model on one cohort, computed once.

:func:`assess` predicts each patient's risk by the horizon and judges the predictions:
time-dependent AUC, Brier score and IPA (:mod:`core.risk.auc`, :mod:`core.risk.brier`),
Harrell's and Uno's C for a single-event model (:mod:`core.risk.concordance`), and calibration
(:mod:`core.risk.calibration`). On the development cohort these are the *apparent* figures
(optimistic: see :mod:`core.risk.bootstrap`); on another cohort they are an external
validation, with calibration-in-the-large (observed against mean predicted risk).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.risk.auc import TimeAUC, auc_of
from core.risk.brier import BrierScore, brier_of
from core.risk.calibration import Calibration, calibrate
from core.risk.concordance import ConcordanceIndex, concordance_index
from core.risk.data import ValidationData, checked_horizon, sorted_data
from core.risk.model import RiskModel, complete_rows
from core.survival.input import Exclusion


@dataclass(frozen=True, eq=False)
class Assessment:
    """The validation figures of a model on a cohort.

    Attributes
    ----------
    data : ValidationData
        The patients (sorted by time) with their predicted risks.
    auc : TimeAUC
    brier : BrierScore
    harrell, uno : ConcordanceIndex or None
        For a single-event (Cox) model; None with competing risks.
    calibration : Calibration
    exclusions : tuple of Exclusion
        Rows left out (a missing time, status or covariate).
    patients : pandas.DataFrame
        ``patient_id`` (when the cohort has one) and ``risk`` per patient used, in cohort
        order: where each patient sits among the predicted risks.
    """

    data: ValidationData
    auc: TimeAUC
    brier: BrierScore
    harrell: ConcordanceIndex | None
    uno: ConcordanceIndex | None
    calibration: Calibration
    exclusions: tuple[Exclusion, ...]
    patients: pd.DataFrame

    @property
    def n(self) -> int:
        return self.data.n


def assess(model: RiskModel, df: pd.DataFrame, groups: int | None = None) -> Assessment:
    """Predict every patient of ``df`` with ``model`` and compute the validation figures.

    Parameters
    ----------
    model : RiskModel
    df : pandas.DataFrame
        Needs the model's time, status and covariate columns (rows missing one are left out
        and counted).
    groups : int, optional
        Risk groups of the calibration table (default: see
        :func:`core.risk.calibration.calibrate`).

    Returns
    -------
    Assessment

    Raises
    ------
    core.errors.AnalysisError
        Missing columns, a category level the model does not know, a horizon beyond the
        cohort's follow-up.
    """
    spec = model.spec
    frame, exclusions = complete_rows(df, spec)
    risk = model.predict(model.design(frame))
    time = frame[spec.time].to_numpy(dtype=float)
    status = frame[spec.status].to_numpy(dtype=np.int64)
    checked_horizon(spec.horizon, time, spec.time)  # the contract's refusal, same words
    data = sorted_data(time, status, risk, spec.horizon, spec.cause, len(df), exclusions)
    harrell = uno = None
    if spec.kind == "cox":
        event = status == spec.cause
        harrell = concordance_index(time, event, risk)
        uno = concordance_index(time, event, risk, "uno", spec.horizon)
    ids = (frame["patient_id"].astype(str).to_numpy() if "patient_id" in frame.columns
           else np.arange(1, len(frame) + 1).astype(str))
    return Assessment(data=data, auc=auc_of(data), brier=brier_of(data), harrell=harrell,
                      uno=uno, calibration=calibrate(time, status, risk, spec.horizon,
                                                     spec.cause, groups),
                      exclusions=exclusions,
                      patients=pd.DataFrame({"patient_id": ids, "risk": risk}))

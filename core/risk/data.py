"""The gatekeeper of risk validation: which patients a validation figure is computed on.

Every validation measure of :mod:`core.risk` (time-dependent AUC, Brier score, calibration,
concordance) calls :func:`validation_data` once. It hands the time and status columns to the
competing-risks gatekeeper :func:`core.survival.competing.input.competing_data` (the same time
checks, status codes and counted exclusions as on the survival pages), checks the column of
predicted risks, the horizon and the cause, and returns the rows sorted by time, as
``riskRegression::Score`` sorts them before it computes anything.

A patient without a predicted risk is left out and counted (riskRegression stops with "Missing
values in predicted risk detected"; here the page says who and why). A horizon beyond the last
follow-up time is refused, as ``Score`` refuses it ("No evaluation time before end of
followup").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cohort.engine import columns_frame
from core.errors import AnalysisError
from core.survival.competing.input import competing_data
from core.survival.input import Exclusion, _ids, _rows_message, check_columns, missing_reason


@dataclass(frozen=True)
class ValidationData:
    """Patients of a validation at a horizon, sorted by time (events before censorings).

    Attributes
    ----------
    time : numpy.ndarray of float, shape (n,)
        Follow-up time (unit of the time column: months in this app), ascending.
    status : numpy.ndarray of int, shape (n,)
        0 = censored, 1, 2, ... = the cause that ended follow-up.
    risk : numpy.ndarray of float, shape (n,)
        Predicted risk of ``cause`` by ``horizon`` (or any score: higher = sooner).
    horizon : float
        Time at which the prediction is judged (unit of ``time``).
    cause : int
        The status code predicted (1 = relapse on this app's clock).
    causes : tuple of int
        Status codes > 0 present among the patients.
    n_input : int
        Rows handed in.
    exclusions : tuple of core.survival.input.Exclusion
        Rows left out, one entry per reason.
    order : numpy.ndarray of int, shape (n,)
        Position of each sorted patient among the kept rows in input order.
    """

    time: np.ndarray
    status: np.ndarray
    risk: np.ndarray
    horizon: float
    cause: int
    causes: tuple[int, ...]
    n_input: int
    exclusions: tuple[Exclusion, ...]
    order: np.ndarray

    @property
    def n(self) -> int:
        return int(self.time.size)

    @property
    def competing(self) -> bool:
        """Whether a cause other than ``cause`` is present (a competing event)."""
        return any(c != self.cause for c in self.causes)

    @property
    def case(self) -> np.ndarray:
        """Patients with ``cause`` at or before the horizon."""
        return (self.time <= self.horizon) & (self.status == self.cause)

    @property
    def control_early(self) -> np.ndarray:
        """Patients with a competing event at or before the horizon (controls)."""
        return (self.time <= self.horizon) & (self.status != 0) & (self.status != self.cause)

    @property
    def control_late(self) -> np.ndarray:
        """Patients still followed, event-free, after the horizon (controls)."""
        return self.time > self.horizon


def validation_data(df: pd.DataFrame, time: str, status: str, risk: str, horizon: float,
                    cause: int = 1, risk_is_probability: bool = False) -> ValidationData:
    """Check a validation's columns, horizon and cause, and keep the usable rows.

    Parameters
    ----------
    df : pandas.DataFrame or core.cohort.engine.CohortSource
        One row per patient.
    time : str
        Column of follow-up times (months), >= 0.
    status : str
        Column of status codes: 0 = censored, 1, 2, ... = the cause that ended follow-up
        (0/1 for an ordinary survival endpoint).
    risk : str
        Column of predicted risks of ``cause`` by ``horizon``.
    horizon : float
        Prediction horizon (unit of ``time``), > 0 and not beyond the last follow-up time.
    cause : int, default 1
        The status code whose risk is predicted.
    risk_is_probability : bool, default False
        Require every predicted risk to lie in [0, 1] (the Brier score needs probabilities;
        a discrimination measure accepts any score).

    Returns
    -------
    ValidationData

    Raises
    ------
    core.errors.AnalysisError
        A column is absent; a time, status or risk value is not usable (named by patient);
        the horizon is not a positive number or lies beyond the last follow-up; the cause is
        not a status code > 0; no patient is left.
    """
    frame = columns_frame(df, (time, status, risk))
    check_columns(frame.columns, (time, status, risk))
    data = competing_data(frame, time, status)
    keep = (pd.to_numeric(frame[time], errors="coerce").notna()
            & pd.to_numeric(frame[status], errors="coerce").notna()).to_numpy()
    values = _risk_values(frame, risk, risk_is_probability)
    exclusions = list(data.survival.exclusions)
    no_risk = keep & np.isnan(values)
    if no_risk.any():
        exclusions.append(Exclusion(f"{missing_reason(risk)} (no predicted risk)",
                                    int(no_risk.sum()),
                                    tuple(_ids(frame, pd.Series(no_risk, index=frame.index)))))
    has_risk = ~np.isnan(values[keep])
    t, s, r = data.time[has_risk], data.status[has_risk], values[keep][has_risk]
    if t.size == 0:
        raise AnalysisError(f"No patient has a recorded `{time}`, `{status}` and `{risk}`; "
                            "nothing to validate. Fix: widen the filters or fill these columns.")
    if isinstance(cause, bool) or not isinstance(cause, (int, np.integer)) or cause < 1:
        raise AnalysisError(f"cause must be a status code 1, 2, ..., not {cause!r}.")
    horizon = checked_horizon(horizon, t, time)
    return sorted_data(t, s, r, horizon, int(cause), len(frame), tuple(exclusions))


def sorted_data(time: np.ndarray, status: np.ndarray, risk: np.ndarray, horizon: float,
                cause: int = 1, n_input: int | None = None,
                exclusions: tuple[Exclusion, ...] = ()) -> ValidationData:
    """:class:`ValidationData` of arrays already checked (a fitted model's own patients):
    sorted by time, events before censorings at a tied time, as ``Score`` sorts them."""
    order = np.lexsort((status == 0, time))
    causes = tuple(int(c) for c in np.unique(status[status > 0]))
    return ValidationData(time=time[order], status=status[order].astype(np.int64),
                          risk=risk[order], horizon=float(horizon), cause=cause, causes=causes,
                          n_input=time.size if n_input is None else n_input,
                          exclusions=exclusions, order=order)


def _risk_values(frame: pd.DataFrame, risk: str, probability: bool) -> np.ndarray:
    """The predicted risks as floats (NaN where missing); text or infinite values refused."""
    raw = frame[risk]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    text = (raw.notna() & np.isnan(values)).to_numpy()
    if text.any():
        raise AnalysisError(_rows_message(frame, pd.Series(text, index=frame.index), raw, risk,
                                          "is not a number",
                                          "give each patient's predicted risk as a number"))
    with np.errstate(invalid="ignore"):
        bad = np.isinf(values) | (probability & ((values < 0) | (values > 1)))
    if bad.any():
        problem = ("is not a probability between 0 and 1" if probability
                   else "is infinite")
        raise AnalysisError(_rows_message(frame, pd.Series(bad, index=frame.index), raw, risk,
                                          problem, "predicted risks are probabilities of the "
                                          "event by the horizon, from 0 to 1"))
    return values


def checked_horizon(horizon: float, time: np.ndarray, column: str) -> float:
    try:
        value = float(horizon)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise AnalysisError(f"The horizon must be a time > 0 in the unit of `{column}` "
                            f"(months), not {horizon!r}.")
    last = float(time.max())
    if value > last:
        raise AnalysisError(f"The horizon {value:g} lies beyond the last follow-up time "
                            f"({last:g} in `{column}`): nobody is observed there, and the "
                            f"prediction cannot be judged. Fix: choose a horizon up to {last:g}.")
    return value

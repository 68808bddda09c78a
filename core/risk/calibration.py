"""Calibration at the horizon: do predicted risks match what happened?

Three views of the same question, each on the patients of a :class:`ValidationData`-like set
(time, status, predicted risk of the cause by the horizon):

* **Risk groups**: patients split at quantiles of the predicted risk; in each group the mean
  predicted risk next to the observed risk at the horizon (1 - Kaplan-Meier, or the
  Aalen-Johansen cumulative incidence when other causes compete) with its interval.
* **Smoothed curve and ICI** (Austin, Harrell & van Klaveren 2020; Austin et al. 2022 for
  competing risks): the outcome is regressed on a restricted cubic spline (3 knots, at the
  10th, 50th and 90th percentiles; Harrell's basis, ``Hmisc::rcspline.eval``) of
  log(-log(1 - predicted risk)) by a Cox model (one cause) or a Fine-Gray model (competing
  causes); the model's risk at the horizon is each patient's *observed* risk. ICI is the mean
  absolute difference between observed and predicted; E50 and E90 its median and 90th
  percentile.
* **Calibration slope** (:func:`core.risk.performance.calibration_slope`) and
  **calibration-in-the-large**: the observed overall risk against the mean predicted risk
  (observed / expected, with the interval of the observed risk).

References
----------
Austin PC, Harrell FE Jr, van Klaveren D (2020). Graphical calibration curves and the
integrated calibration index (ICI) for survival models. Stat Med 39:2714-2742.
Austin PC, Putter H, Giardiello D, van Klaveren D (2022). Graphical calibration curves and
the integrated calibration index (ICI) for competing risk models. Diagn Progn Res 6:2.
Harrell FE (2015). Regression Modeling Strategies, 2nd ed. Springer (section 2.4.5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import AnalysisError
from core.risk.model import ModelSpec, fit_risk_model
from core.risk.performance import _cloglog, calibration_slope
from core.survival import survival_at
from core.survival.competing import cumulative_incidence_at

KNOT_QUANTILES = (0.1, 0.5, 0.9)
GROUP_COLUMNS = ("group", "n", "events", "predicted", "observed", "ci_lower", "ci_upper")


@dataclass(frozen=True)
class Calibration:
    """Calibration of predicted risks at a horizon.

    Attributes
    ----------
    groups : pandas.DataFrame
        One row per risk group (lowest first): ``group`` (label "1".."g"), ``n``,
        ``events`` (of the cause by the horizon), ``predicted`` (mean predicted risk),
        ``observed`` (Kaplan-Meier / Aalen-Johansen risk at the horizon; a group whose
        follow-up ends before it with an event keeps its final value, one that ends with a
        censoring has none: NaN), ``ci_lower``, ``ci_upper``.
    curve : pandas.DataFrame
        ``predicted`` (sorted) and ``observed`` (smoothed) per patient; empty when the
        smoother could not be fitted.
    ici, e50, e90 : float
        Mean, median and 90th percentile of |observed - predicted| on the curve.
    slope : float
        Calibration slope (1 = ideal).
    observed, observed_lower, observed_upper : float
        Overall observed risk at the horizon and its interval.
    expected : float
        Mean predicted risk.
    horizon : float
    competing : bool
    notes : tuple of str
        Why a part is missing.
    method : str
    """

    groups: pd.DataFrame
    curve: pd.DataFrame
    ici: float
    e50: float
    e90: float
    slope: float
    observed: float
    observed_lower: float
    observed_upper: float
    expected: float
    horizon: float
    competing: bool
    notes: tuple[str, ...]
    method: str

    @property
    def observed_expected(self) -> float:
        """Observed / expected: > 1 when the model underestimates the risk."""
        return self.observed / self.expected if self.expected > 0 else math.nan


def calibrate(time: np.ndarray, status: np.ndarray, risk: np.ndarray, horizon: float,
              cause: int = 1, groups: int | None = None) -> Calibration:
    """Calibration at ``horizon`` of predicted risks of ``cause``.

    Parameters
    ----------
    time, status, risk : numpy.ndarray, shape (n,)
        Follow-up (months), status (0 censored, 1, 2, ... causes), predicted risk in [0, 1].
    horizon : float
    cause : int, default 1
    groups : int, optional
        Risk groups; default 10, fewer when there are fewer than 5 events per group (at
        least 2).

    Returns
    -------
    Calibration
    """
    time, status, risk = (np.asarray(v) for v in (time, status, risk))
    competing = bool(((status > 0) & (status != cause)).any())
    events = int(((status == cause) & (time <= horizon)).sum())
    if groups is None:
        groups = int(min(10, max(2, events // 5)))
    table = risk_groups(time, status, risk, horizon, cause, groups, competing)
    overall = _observed(time, status, np.zeros(time.size, dtype=int), horizon, cause,
                        competing).iloc[0]
    notes = []
    curve, ici, e50, e90 = _smoothed(time, status, risk, horizon, cause, competing, notes)
    slope = calibration_slope(risk, time, status, cause)
    null = "Aalen-Johansen cumulative incidence" if competing else "1 - Kaplan-Meier"
    method = (f"Observed risk at {horizon:g} by {null} per group of predicted risk; smoothed "
              f"curve: {'Fine-Gray' if competing else 'Cox'} model of the outcome on a "
              "restricted cubic spline (3 knots) of log(-log(1 - predicted risk)) (Austin et "
              "al.); ICI = mean |observed - predicted|")
    return Calibration(groups=table, curve=curve, ici=ici, e50=e50, e90=e90, slope=slope,
                       observed=float(overall["observed"]),
                       observed_lower=float(overall["ci_lower"]),
                       observed_upper=float(overall["ci_upper"]), expected=float(risk.mean()),
                       horizon=float(horizon), competing=competing, notes=tuple(notes),
                       method=method)


def risk_groups(time: np.ndarray, status: np.ndarray, risk: np.ndarray, horizon: float,
                cause: int, groups: int, competing: bool) -> pd.DataFrame:
    """Patients cut at the quantiles of predicted risk (R ``cut(risk, unique(quantile(risk,
    seq(0, 1, length = g + 1))), include.lowest = TRUE)``), observed against predicted."""
    edges = np.unique(np.quantile(risk, np.linspace(0, 1, groups + 1)))
    if edges.size < 2:
        code = np.zeros(risk.size, dtype=int)
    else:
        code = np.clip(np.searchsorted(edges, risk, side="left") - 1, 0, edges.size - 2)
    observed = _observed(time, status, code, horizon, cause, competing)
    by_group = pd.DataFrame({"code": code, "risk": risk,
                             "event": (status == cause) & (time <= horizon)})
    summary = by_group.groupby("code").agg(n=("risk", "size"), events=("event", "sum"),
                                           predicted=("risk", "mean"))
    table = summary.join(observed.set_index("code")).reset_index()
    table["group"] = (table["code"] + 1).astype(str)
    return table[list(GROUP_COLUMNS)].astype({"events": int})


def _observed(time, status, code, horizon, cause, competing) -> pd.DataFrame:
    """Observed risk at the horizon per group code. A group whose follow-up ends before the
    horizon with an event (nobody left at risk, nobody censored at the end) keeps its final
    value, which no later time can change; one that ends with a censoring has none (NaN)."""
    frame = pd.DataFrame({"time": time, "status": status, "code": code})
    frame["event"] = (status == cause).astype(int)
    last = frame.groupby("code")["time"].max()
    closed = frame[frame["time"] == frame["code"].map(last)].groupby("code")["status"].min() > 0
    read = {c: (horizon if last[c] >= horizon or not closed[c] else float(last[c]))
            for c in last.index}
    times = sorted(set(read.values()))
    if competing:
        at = cumulative_incidence_at(frame, "time", "status", times, cause=cause, by="code")
        at = at.rename(columns={"cif": "observed"})
    else:
        at = survival_at(frame, "time", "event", times, by="code")
        at = at.assign(observed=1 - at["survival"], ci_lower=1 - at["ci_upper"],
                       ci_upper=1 - at["ci_lower"])
    at = at.assign(code=at["group"].astype(int))
    at = at[at["time"] == at["code"].map(read)]
    every = pd.DataFrame({"code": np.unique(code)})
    return every.merge(at[["code", "observed", "ci_lower", "ci_upper"]], on="code",
                       how="left")


def spline_basis(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Harrell's restricted cubic spline basis without x (``Hmisc::rcspline.eval(x, knots,
    norm = 2)``): k - 2 columns for k knots, linear beyond the outer knots."""
    last, before = knots[-1], knots[-2]
    scale = (last - knots[0]) ** 2

    def cube(v):
        return np.maximum(v, 0.0) ** 3

    columns = [(cube(x - t) - cube(x - before) * (last - t) / (last - before)
                + cube(x - last) * (before - t) / (last - before)) / scale
               for t in knots[:-2]]
    return np.column_stack(columns)


def _smoothed(time, status, risk, horizon, cause, competing, notes):
    """The smoothed observed risk per patient and ICI, E50, E90 (NaN with a note when the
    smoother cannot be fitted: too few events, or predictions without spread)."""
    empty = pd.DataFrame({"predicted": [], "observed": []})
    score = _cloglog(risk)
    knots = np.quantile(score, KNOT_QUANTILES)
    if np.unique(knots).size < 3:
        notes.append("No smoothed calibration curve: the predicted risks take too few "
                     "distinct values for a spline.")
        return empty, math.nan, math.nan, math.nan
    frame = pd.DataFrame({"time": time, "status": status, "cll": score,
                          "cll_spline": spline_basis(score, knots)[:, 0]})
    kind = "fine_gray" if competing else "cox"
    spec = ModelSpec(kind, "time", "status", ("cll", "cll_spline"), horizon, cause)
    if not competing:
        frame["status"] = (status == cause).astype(int)
    try:
        smoother = fit_risk_model(frame, spec)
    except AnalysisError as error:
        notes.append(f"No smoothed calibration curve: {error}")
        return empty, math.nan, math.nan, math.nan
    observed = smoother.predict(smoother.design(frame))
    gap = np.abs(observed - risk)
    order = np.argsort(risk, kind="stable")
    curve = pd.DataFrame({"predicted": risk[order], "observed": observed[order]})
    return (curve, float(gap.mean()), float(np.quantile(gap, 0.5)),
            float(np.quantile(gap, 0.9)))

"""A nomogram (points chart) of a single-score risk model, as ``rms::nomogram``.

For a model whose risk depends on one linear predictor (Cox, Fine-Gray), each covariate's
contribution b_j x_j is put on a points scale: the covariate whose contribution spans the
widest range over the cohort gets 0 to 100 points, the others proportionally, each starting at
0 at its lowest contribution (rms's convention). Adding a patient's points gives the total;
the total maps back to the linear predictor and hence to the risk by the horizon, read off
the bottom axis. Cause-specific models combine two linear predictors and have no single
points scale; no nomogram is drawn for them.

References
----------
Harrell FE (2015). Regression Modeling Strategies, 2nd ed. Springer (section 5.3);
``rms::nomogram``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import AnalysisError
from core.risk.model import RiskModel

RISK_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
NUMERIC_TICKS = 5


@dataclass(frozen=True)
class Nomogram:
    """The points of each covariate value and the risk of each total.

    Attributes
    ----------
    points : pandas.DataFrame
        ``covariate``, ``value`` (text), ``points``: one row per level of a categorical
        covariate, per tick of a numeric one (over its range in the cohort).
    scale : float
        Linear-predictor units per point.
    offset : float
        Linear predictor (uncentred) at 0 total points.
    risk_axis : pandas.DataFrame
        ``risk`` and the ``total_points`` that give it (within the reachable range).
    max_points : float
        The largest total a patient can reach.
    horizon : float
    """

    points: pd.DataFrame
    scale: float
    offset: float
    risk_axis: pd.DataFrame
    max_points: float
    horizon: float


def nomogram(model: RiskModel, cohort: pd.DataFrame) -> Nomogram:
    """The nomogram of ``model`` over the covariate ranges of ``cohort``.

    Raises
    ------
    core.errors.AnalysisError
        For cause-specific models (no single score), or a model whose coefficients are all 0.
    """
    if model.spec.kind == "cause_specific":
        raise AnalysisError("A nomogram needs one score; cause-specific models combine one per "
                            "cause. Choose the Fine-Gray model for a nomogram.")
    hazard = model.hazards[0]
    rows, spans, column = [], [], 0
    for coding in model.codings:
        k = len(coding.terms)
        b = hazard.coef[column:column + k]
        column += k
        if coding.levels:
            values = list(coding.levels)
            effects = np.concatenate(([0.0], b))
        else:
            present = pd.to_numeric(cohort[coding.column], errors="coerce").dropna()
            values = _ticks(float(present.min()), float(present.max()))
            effects = b[0] * np.asarray(values)
        rows.append((coding.column, values, effects))
        spans.append(float(effects.max() - effects.min()))
    widest = max(spans)
    if widest <= 0:
        raise AnalysisError("Every coefficient of the model is 0: a nomogram would show nothing.")
    scale = widest / 100.0
    table, offset = [], 0.0
    for (name, values, effects) in rows:
        low = float(effects.min())
        offset += low
        table += [(name, _text(v), (e - low) / scale) for v, e in zip(values, effects,
                                                                     strict=True)]
    points = pd.DataFrame(table, columns=["covariate", "value", "points"])
    max_points = float(points.groupby("covariate", sort=False)["points"].max().sum())
    base = hazard.cumulative(model.spec.horizon) * np.exp(-hazard.center @ hazard.coef)
    # risk = 1 - exp(-base exp(offset + scale T))  =>  T = (log(-log(1 - risk) / base) - offset)
    # / scale
    ticks = np.asarray(RISK_TICKS)
    with np.errstate(divide="ignore"):
        total = (np.log(-np.log1p(-ticks) / base) - offset) / scale
    keep = (total >= 0) & (total <= max_points)
    axis = pd.DataFrame({"risk": ticks[keep], "total_points": total[keep]})
    return Nomogram(points=points, scale=scale, offset=offset, risk_axis=axis,
                    max_points=max_points, horizon=model.spec.horizon)


def risk_of_points(nomo: Nomogram, model: RiskModel, total: float) -> float:
    """The risk by the horizon of a patient with ``total`` points."""
    hazard = model.hazards[0]
    lp = nomo.offset + nomo.scale * total
    return float(-np.expm1(-hazard.cumulative(nomo.horizon)
                           * np.exp(lp - hazard.center @ hazard.coef)))


def _ticks(low: float, high: float) -> list[float]:
    if high <= low:
        return [low]
    return [float(v) for v in np.linspace(low, high, NUMERIC_TICKS)]


def _text(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)

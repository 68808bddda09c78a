"""Restricted mean survival time (RMST): the area under a Kaplan-Meier curve up to a horizon.

Design: read off a fitted :class:`core.survival.km.estimate.KaplanMeierResult` (so it holds
for delayed entry too, whose risk sets the fit already carries). Conventions are R's
``print(survfit(...), rmean = horizon)``: the curve carried flat past the last observation to
the horizon; the standard error is the sum over event times of (area from that time to the
horizon)^2 · d / (n (n - d)); the interval is normal.

References
----------
Royston P, Parmar MKB. Restricted mean survival time: an alternative to the hazard ratio for
the design and analysis of randomized trials with a time-to-event outcome. BMC Med Res
Methodol 2013;13:152. Therneau TM. survival (R package), ``print.survfit``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from core.errors import AnalysisError
from core.survival.km.estimate import KaplanMeierResult


@dataclass(frozen=True)
class RestrictedMean:
    """Restricted mean survival time (RMST) up to a horizon, per group.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``group, n, horizon, rmst, se, ci_lower, ci_upper, last_time,
        beyond_follow_up`` (months). ``beyond_follow_up`` is True where the horizon lies after
        the group's last observation: the curve is then carried flat to the horizon, as R
        does, and the value rests on an assumption.
    conf_level : float
    """

    table: pd.DataFrame
    conf_level: float


def restricted_mean(fit: KaplanMeierResult, horizon: float) -> RestrictedMean:
    """Area under each Kaplan-Meier curve from 0 to ``horizon`` months (R ``rmean``).

    The standard error is R's (``print(fit, rmean = horizon)``): the sum over event times of
    (area from that time to the horizon)^2 · d / (n (n - d)); the interval is normal,
    estimate ± z·se.
    """
    if not np.isfinite(horizon) or horizon <= 0:
        raise AnalysisError(f"The RMST horizon must be a positive number of months, not "
                            f"{horizon!r}. Fix: choose e.g. 24 months.")
    z = norm.ppf(0.5 + fit.conf_level / 2)
    rows = []
    for g in fit.groups:
        t = fit.group_table(g)
        inside = t[t["time"] <= horizon]
        times = np.append(inside["time"].to_numpy(), horizon)
        surv = np.append(inside["survival"].to_numpy(), 0.0)
        d = np.append(inside["n_event"].to_numpy(float), 0.0)
        n = np.append(inside["n_risk"].to_numpy(float), 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            h = np.where(n - d > 0, d / (n * (n - d)), 0.0)
        widths = np.diff(np.concatenate([[0.0], times]))
        heights = np.concatenate([[1.0], surv[:-1]])
        rectangles = widths * heights
        rmst = float(rectangles.sum())
        tail_area = np.cumsum(rectangles[1:][::-1])[::-1]  # area from each time to the horizon
        se = float(np.sqrt(np.sum(tail_area ** 2 * h[:-1])))
        last = float(t["time"].max()) if len(t) else np.nan
        rows.append((g, fit.n[g], float(horizon), rmst, se, rmst - z * se, rmst + z * se, last,
                     bool(horizon > last)))
    return RestrictedMean(pd.DataFrame(rows, columns=[
        "group", "n", "horizon", "rmst", "se", "ci_lower", "ci_upper", "last_time",
        "beyond_follow_up"]), fit.conf_level)


def restricted_mean_difference(rmst: RestrictedMean, reference: str) -> pd.DataFrame:
    """Difference in RMST of every group against ``reference``, with a normal interval.

    The groups are independent, so the variance of a difference is the sum of the variances.

    Returns
    -------
    pandas.DataFrame
        Columns ``group, reference, difference, se, ci_lower, ci_upper, p_value`` (months;
        two-sided Wald p).
    """
    table = rmst.table.set_index("group")
    if reference not in table.index:
        raise AnalysisError(f"Reference group {reference!r} is not among the groups "
                            f"({', '.join(table.index)}). Fix: choose one of them.")
    z = norm.ppf(0.5 + rmst.conf_level / 2)
    rows = []
    for g in table.index:
        if g == reference:
            continue
        diff = table.at[g, "rmst"] - table.at[reference, "rmst"]
        se = float(np.hypot(table.at[g, "se"], table.at[reference, "se"]))
        p = float(2 * norm.sf(abs(diff) / se)) if se > 0 else np.nan
        rows.append((g, reference, diff, se, diff - z * se, diff + z * se, p))
    return pd.DataFrame(rows, columns=["group", "reference", "difference", "se", "ci_lower",
                                       "ci_upper", "p_value"])


__all__ = ["RestrictedMean", "restricted_mean", "restricted_mean_difference"]

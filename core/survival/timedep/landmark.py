"""Landmark analysis of an intervention during follow-up.

Design: the question is asked at a landmark L. Patients whose follow-up ended at or before L
are left out (counted); the others are grouped by whether the intervention happened by L and
compared from L on, with the project's Kaplan-Meier (:func:`core.survival.km.estimate.kaplan_meier`)
and log-rank test (:func:`core.survival.km.logrank.logrank`) on the time since L. An
intervention after L counts as "none by L": the groups are fixed at L, so neither is credited
with time it had to survive to be treated (no immortal time), at the price of depending on L.

Conventions: R ``survdiff(Surv(time - L, event) ~ switch <= L, subset = time > L)``; rows are
checked by :func:`core.survival.timedep.data.intervention_data`.

References
----------
Anderson JR, Cain KC, Gelber RD. Analysis of survival by tumor response. J Clin Oncol
1983;1:710-719. Dafni U. Landmark analysis at the 25-year landmark point. Circ Cardiovasc Qual
Outcomes 2011;4:363-371.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import AnalysisError
from core.survival.input import Exclusion
from core.survival.km.estimate import KaplanMeierResult, kaplan_meier
from core.survival.km.logrank import LogRankResult, logrank
from core.survival.timedep.data import intervention_data

METHOD_LANDMARK = ("Landmark analysis: patients still in follow-up at the landmark, grouped by "
                   "the intervention by then; log-rank test from the landmark on")


@dataclass(frozen=True)
class LandmarkResult:
    """Log-rank comparison from a landmark, by intervention status at the landmark.

    Attributes
    ----------
    landmark : float
        L, months on the endpoint's clock.
    statistic, p_value : float
        Log-rank chi-square (1 df) and p (R ``survdiff``), on time since the landmark.
    n_excluded : int
        Patients left out because their follow-up ended at or before L (event or censoring).
    excluded_patients : tuple of str
        Their ids.
    exclusions : tuple of Exclusion
        Every row left out with its reason (missing data, 0-month follow-up, ended by L).
    groups : tuple of str
        (intervention by L, no intervention by L).
    fit : KaplanMeierResult
        Kaplan-Meier curves from the landmark (``time`` = months since L).
    logrank : LogRankResult
    method : str
    """

    landmark: float
    statistic: float
    p_value: float
    n_excluded: int
    excluded_patients: tuple[str, ...]
    exclusions: tuple[Exclusion, ...]
    groups: tuple[str, ...]
    fit: KaplanMeierResult
    logrank: LogRankResult
    method: str = METHOD_LANDMARK


def landmark_groups(landmark: float, name: str) -> tuple[str, str]:
    """Group labels of a landmark analysis: (intervention by L, none by L)."""
    return f"{name} by {landmark:g} months", f"no {name} by {landmark:g} months"


def landmark_logrank(df: pd.DataFrame, time: str, event: str, switch_time: str,
                     landmark: float, name: str | None = None, conf_level: float = 0.95
                     ) -> LandmarkResult:
    """Landmark analysis: who was treated by L, compared from L on.

    Patients whose follow-up ended at or before ``landmark`` (time <= L) are excluded and
    counted; the rest are grouped by whether the intervention happened at or before L
    (``switch <= L``; empty = not), and compared with the log-rank test on the time since L
    (R: ``survdiff(Surv(time - L, event) ~ switch <= L, subset = time > L)``; shifting every
    time by L leaves the statistic unchanged). An intervention after L counts as "no
    intervention by L": the analysis answers a question asked at L.

    Parameters
    ----------
    df : pandas.DataFrame
    time, event : str
        Follow-up time (months) and event indicator.
    switch_time : str
        Intervention time on the endpoint's clock; empty = never.
    landmark : float
        L in months (>= 0).
    name : str, optional
        The intervention's name for the group labels (default: the column name).
    conf_level : float
        Level of the Kaplan-Meier intervals from the landmark.

    Returns
    -------
    LandmarkResult

    Raises
    ------
    AnalysisError
        L is negative or not a number, or one of the two groups is empty.
    """
    landmark = float(landmark)
    if not np.isfinite(landmark) or landmark < 0:
        raise AnalysisError(f"The landmark must be a number of months >= 0, not {landmark!r}. "
                            "Fix: type e.g. 6 (months after the endpoint's start).")
    data = intervention_data(df, time, event, switch_time)
    by_l, not_by_l = landmark_groups(landmark, name or switch_time)
    ended = data.time <= landmark
    excluded = tuple(data.patient[ended])
    exclusions = (*data.exclusions,
                  *([Exclusion(f"follow-up ended at or before the landmark ({landmark:g} "
                               "months)", int(ended.sum()), excluded)] if ended.any() else []))
    with np.errstate(invalid="ignore"):
        treated = data.switch[~ended] <= landmark
    frame = pd.DataFrame({"months_since_landmark": data.time[~ended] - landmark,
                          "event": data.event[~ended].astype(np.int64),
                          "group": np.where(treated, by_l, not_by_l)})
    counts = {g: int((frame["group"] == g).sum()) for g in (by_l, not_by_l)}
    if min(counts.values()) == 0:
        still = len(frame)
        raise AnalysisError(
            f"At the landmark of {landmark:g} months {still} patient{'s' if still != 1 else ''} "
            f"{'are' if still != 1 else 'is'} still in follow-up: {counts[by_l]} with the "
            f"intervention by then and {counts[not_by_l]} without ({int(ended.sum())} left "
            "out: follow-up ended by then); a comparison needs both. Fix: choose a landmark by "
            "which some but not all patients still followed had the intervention.")
    fit = kaplan_meier(frame, "months_since_landmark", "event", by="group",
                       conf_level=conf_level)
    fit = KaplanMeierResult(table=fit.table, groups=(by_l, not_by_l), n=fit.n,
                            events=fit.events, conf_level=conf_level, exclusions=exclusions)
    test = logrank(frame, "months_since_landmark", "event", "group")
    return LandmarkResult(landmark=landmark, statistic=test.statistic, p_value=test.p_value,
                          n_excluded=int(ended.sum()), excluded_patients=excluded,
                          exclusions=exclusions, groups=(by_l, not_by_l), fit=fit,
                          logrank=test)


__all__ = ["LandmarkResult", "landmark_groups", "landmark_logrank"]

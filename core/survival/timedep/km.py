"""Curves for an intervention during follow-up: Simon-Makuch curves and the censoring sensitivity.

Design: both are Kaplan-Meier estimates computed by :mod:`core.survival.km.estimate` from an
event-count table, so they share its product-limit formula, Greenwood variance and log-log
intervals.

* **Simon-Makuch** (:func:`simon_makuch`): Kaplan-Meier with a time-dependent group. The
  counting-process rows of :func:`core.survival.timedep.models.split_follow_up` are counted per
  status ("no intervention yet" / "after the intervention") and stop time; the number at risk
  at t is the number of rows with ``start < t <= stop`` (a difference of two sorted counts),
  so a patient leaves the "not yet" risk set at the intervention and joins the "after" one
  from then on. It equals R's ``survfit(Surv(tstart, tstop, ev) ~ after, data = tmerge(...))``
  (``n.censor`` as R counts it without ``id``: every row ending without the event, moves to
  "after" included; ``n_switched`` tells the moves apart).
* **Censor at the intervention** (:func:`intervention_sensitivity`): the endpoint as observed
  next to the endpoint censored at the intervention (follow-up stops at ``switch`` with no
  event when ``switch < time``; an intervention at or after the end changes nothing; at or
  before 0 censors at 0), side by side with landmarks and medians. It shows how much the
  curve owes to what happened after the intervention; the censoring is informative when
  the intervention is given to patients at higher (or lower) risk, so it is a sensitivity
  analysis, not a causal estimate.

References
----------
Simon R, Makuch RW. Stat Med 1984;3:35-44. Schultz LR, Peterson EL, Breslau N. Graphing
survival curve estimates for time-dependent covariates. Int J Methods Psychiatr Res
2002;11:68-74.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import AnalysisError
from core.survival.input import Exclusion
from core.survival.km.estimate import (
    KaplanMeierResult,
    kaplan_meier,
    kaplan_meier_from_counts,
    landmarks,
    medians,
)
from core.survival.timedep.data import InterventionData, intervention_data, split_follow_up

METHOD_SIMON_MAKUCH = ("Simon-Makuch: Kaplan-Meier with a time-dependent group (patients move "
                       "from 'not yet' to 'after' at the intervention); Greenwood variance, "
                       "log-log pointwise CI")


def status_groups(name: str) -> tuple[str, str]:
    """Labels of the two statuses: (not yet, after)."""
    return f"no {name} yet", f"after {name}"


@dataclass(frozen=True)
class SimonMakuchResult:
    """Kaplan-Meier curves by a time-dependent intervention status.

    Attributes
    ----------
    table : pandas.DataFrame
        The Kaplan-Meier columns of :class:`core.survival.km.estimate.KaplanMeierResult` (``group,
        time, n_risk, n_event, n_censor, survival, std_err, ci_lower, ci_upper``) plus
        ``n_switched``: rows of the "not yet" group that end because the patient moves to
        "after" at that time (counted in ``n_censor`` too, as R does). Times in months.
    groups : tuple of str
        ("not yet", "after").
    at_risk : pandas.DataFrame
        Columns ``group, time, n_risk`` at 12-month ticks (or those asked for): rows with
        ``start < t <= stop`` (at 0: rows starting at 0).
    n_patients, n_switched, n_at_start : int
    exclusions : tuple of Exclusion
    conf_level : float
    method : str
    """

    table: pd.DataFrame
    groups: tuple[str, str]
    at_risk: pd.DataFrame
    n_patients: int
    n_switched: int
    n_at_start: int
    exclusions: tuple[Exclusion, ...]
    conf_level: float
    method: str = METHOD_SIMON_MAKUCH


def simon_makuch(df: pd.DataFrame, time: str, event: str, switch_time: str,
                 name: str | None = None, conf_level: float = 0.95,
                 ticks=None) -> SimonMakuchResult:
    """Simon-Makuch curves (R ``survfit`` on the ``tmerge`` rows by the tdc group).

    Parameters
    ----------
    df : pandas.DataFrame
    time, event : str
        Follow-up time (months) and event indicator.
    switch_time : str
        Intervention time on the endpoint's clock; empty = never.
    name : str, optional
        The intervention's name for the group labels (default: the column name).
    conf_level : float
    ticks : sequence of float, optional
        Times of the number-at-risk table (default 0, 12, 24, ... past the last time).

    Returns
    -------
    SimonMakuchResult
    """
    data = intervention_data(df, time, event, switch_time)
    process = split_follow_up(data)
    rows = process.table
    groups = status_groups(name or switch_time)
    label = np.where(rows["after"].to_numpy() == 1, groups[1], groups[0])
    frame = pd.DataFrame({"group": label, "start": rows["start"], "time": rows["stop"],
                          "n_event": rows["event"], "n_censor": 1 - rows["event"]})
    counts = (frame.drop(columns="start").groupby(["group", "time"], sort=True).sum()
              .reset_index())
    counts["n_risk"] = _at_risk_counts(frame, counts)
    counts = counts[counts["group"].isin(groups)]
    table = kaplan_meier_from_counts(counts, conf_level, groups)
    moves = pd.Series(data.switch[data.switched]).value_counts()  # switches per time
    table["n_switched"] = np.where(table["group"] == groups[0],
                                   table["time"].map(moves).fillna(0), 0).astype(np.int64)
    max_time = float(rows["stop"].max()) if len(rows) else 0.0
    if ticks is None:
        ticks = [12.0 * k for k in range(int(np.ceil(max_time / 12)) + 1)] if max_time > 0 \
            else [0.0]
    return SimonMakuchResult(table=table, groups=groups,
                             at_risk=_at_risk_at(frame, groups, np.asarray(ticks, float)),
                             n_patients=process.n_patients, n_switched=process.n_switched,
                             n_at_start=process.n_at_start, exclusions=process.exclusions,
                             conf_level=conf_level)


def _at_risk_counts(frame: pd.DataFrame, counts: pd.DataFrame) -> np.ndarray:
    """Rows of the same group with start < t <= stop, at each (group, t) of ``counts``."""
    out = np.zeros(len(counts), dtype=np.int64)
    for group, where in counts.groupby("group").indices.items():
        rows = frame[frame["group"] == group]
        stops, starts = np.sort(rows["time"].to_numpy()), np.sort(rows["start"].to_numpy())
        t = counts["time"].to_numpy()[where]
        out[where] = (stops.size - np.searchsorted(stops, t, side="left")) - \
            (starts.size - np.searchsorted(starts, t, side="left"))
    return out


def _at_risk_at(frame: pd.DataFrame, groups: tuple[str, str], ticks: np.ndarray
                ) -> pd.DataFrame:
    parts = []
    for group in groups:
        rows = frame[frame["group"] == group]
        stops, starts = np.sort(rows["time"].to_numpy()), np.sort(rows["start"].to_numpy())
        inside = ((stops.size - np.searchsorted(stops, ticks, side="left"))
                  - (starts.size - np.searchsorted(starts, ticks, side="left")))
        at_zero = np.searchsorted(starts, 0.0, side="right")  # rows starting at 0
        parts.append(pd.DataFrame({"group": group, "time": ticks,
                                   "n_risk": np.where(ticks > 0, inside, at_zero)}))
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------------------------
# Sensitivity: censor at the intervention
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SensitivityResult:
    """The endpoint as observed and censored at the intervention, side by side.

    Attributes
    ----------
    fit : KaplanMeierResult
        Two curves: ``groups[0]`` as observed, ``groups[1]`` censored at the intervention.
    landmarks : pandas.DataFrame
        :func:`core.survival.km.estimate.landmarks` of both curves.
    medians : pandas.DataFrame
        :func:`core.survival.km.estimate.medians` of both curves.
    n_censored : int
        Patients whose follow-up is cut at the intervention (switch < time).
    events_removed : int
        Events that happened after the intervention and are no longer counted.
    groups : tuple of str
    landmark_times : tuple of float
        The months asked for (a time beyond a curve's follow-up has no row in ``landmarks``).
    """

    fit: KaplanMeierResult
    landmarks: pd.DataFrame
    medians: pd.DataFrame
    n_censored: int
    events_removed: int
    groups: tuple[str, str]
    landmark_times: tuple[float, ...] = ()


def censor_at_intervention(data: InterventionData) -> tuple[np.ndarray, np.ndarray]:
    """Time and event with follow-up stopped at the intervention.

    Returns
    -------
    (time, event) : numpy.ndarray of float, numpy.ndarray of bool
        ``switch < time``: time = max(switch, 0), no event; otherwise unchanged.
    """
    with np.errstate(invalid="ignore"):
        cut = data.switch < data.time
    return (np.where(cut, np.maximum(data.switch, 0.0), data.time),
            np.where(cut, False, data.event))


def intervention_sensitivity(df: pd.DataFrame, time: str, event: str, switch_time: str,
                             landmark_times=(12, 24), name: str | None = None,
                             conf_level: float = 0.95) -> SensitivityResult:
    """Kaplan-Meier as observed vs censored at the intervention, with landmarks and medians.

    Parameters
    ----------
    df : pandas.DataFrame
    time, event : str
        Follow-up time (months) and event indicator.
    switch_time : str
        Intervention time on the endpoint's clock; empty = never.
    landmark_times : sequence of float
        Months at which to read both curves.
    name : str, optional
        The intervention's name for the labels.
    conf_level : float

    Returns
    -------
    SensitivityResult

    Raises
    ------
    AnalysisError
        No row has a usable time and event.
    """
    data = intervention_data(df, time, event, switch_time)
    if data.n == 0:
        raise AnalysisError(f"No patient is left for the sensitivity curves: none has a usable "
                            f"`{time}` and `{event}`. Fix: widen the filters, or choose an "
                            "endpoint the cohort has times for.")
    groups = ("as observed", f"censored at {name or switch_time}")
    cut_time, cut_event = censor_at_intervention(data)
    frame = pd.DataFrame({"time": np.concatenate([data.time, cut_time]),
                          "event": np.concatenate([data.event, cut_event]).astype(np.int64),
                          "group": np.repeat(groups, data.n)})
    fit = kaplan_meier(frame, "time", "event", by="group", conf_level=conf_level)
    fit = KaplanMeierResult(table=fit.table, groups=groups, n=fit.n, events=fit.events,
                            conf_level=conf_level, exclusions=data.exclusions)
    with np.errstate(invalid="ignore"):
        cut = data.switch < data.time
    return SensitivityResult(fit=fit, landmarks=landmarks(fit, landmark_times),
                             medians=medians(fit), n_censored=int(cut.sum()),
                             events_removed=int((cut & data.event).sum()), groups=groups,
                             landmark_times=tuple(float(x) for x in np.atleast_1d(
                                 landmark_times)))


__all__ = ["SensitivityResult", "SimonMakuchResult", "censor_at_intervention",
           "intervention_sensitivity", "simon_makuch", "status_groups"]

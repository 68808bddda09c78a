"""The log-rank test with delayed entry: the score test of the Breslow Cox model.

Design: :func:`logrank_with_entry` is :func:`core.survival.km.logrank.logrank` when an entry
column is given. The survival gatekeeper (:func:`core.survival.input.survival_data`, with its
entry rules: text, negative or after-the-end entries are errors naming the patient; a missing
entry, or one equal to the end, is left out and counted) checks the rows once, grouping by the
group column or, with strata, by group x stratum (:func:`.risktables.combined_frame`); then
:func:`core.survival.km.score.score_logrank` computes the score test at 0 of
``coxph(Surv(entry, time, event) ~ factor(by) [+ strata(s)], ties = "breslow")`` on the one
likelihood engine. This is what the contract defines as ``logrank(..., entry=)``: R
``summary(coxph(...))$sctest``. With every entry 0 and no tied event times it is ``survdiff``;
with tied event times the Breslow score test differs slightly from ``survdiff`` (whose variance
is the exact hypergeometric one), and with an entry column it is always the score test.

There is no Fleming-Harrington weighting of the score test (R ``survdiff`` has no entry times,
and ``coxph`` no weights of that kind), so ``rho`` other than 0 is refused with a sentence.
"""

from __future__ import annotations

import numpy as np

from core.cohort.engine import columns_frame
from core.errors import AnalysisError
from core.survival.input import SurvivalData, survival_data
from core.survival.km.logrank import LogRankResult, _present
from core.survival.km.risktables import (
    KEY,
    combined_exclusions,
    combined_frame,
    split_groups,
)
from core.survival.km.score import score_logrank

NO_WEIGHT_WITH_ENTRY = (
    "A weighted log-rank test (rho = {rho:g}) cannot take a delayed-entry time (`{entry}`): "
    "with delayed entry the test is the score test of the Cox model with Surv(entry, time, "
    "event), which has no Fleming-Harrington weights. Fix: use rho = 0, or leave out the "
    "entry time for the weighted test.")
METHOD = ("score test of the Cox model with delayed entry, R summary(coxph(Surv(entry, time, "
          "event) ~ group, ties = \"breslow\"))$sctest")


def logrank_with_entry(df, time: str, event: str, by: str, entry: str, rho: float = 0.0,
                       strata: str | None = None) -> LogRankResult:
    """Log-rank test of ``by`` with delayed entry (left truncation).

    Parameters
    ----------
    df : pandas.DataFrame or core.cohort.engine.CohortSource
        One row per patient (an engine source is fetched: only the named columns).
    time, event : str
        Follow-up time (months) and event indicator.
    by : str
        Grouping column; the first group in display order is the reference.
    entry : str
        Column of entry times on the clock of ``time``: a patient is at risk at t when
        entry < t <= time.
    rho : float
        Must be 0 (refused otherwise, :data:`NO_WEIGHT_WITH_ENTRY`).
    strata : str, optional
        Column of strata: one baseline hazard per stratum (R ``+ strata(s)``).

    Returns
    -------
    LogRankResult
        ``statistic``, ``dof`` (group indicators that are not aliased: a group with nobody at
        risk at any event time adds nothing, as R's ``coxph`` drops it), ``p_value``, and
        observed and expected events per group summed over the risk sets.

    Raises
    ------
    AnalysisError
        ``rho`` is not 0, fewer than two groups have patients, or the gatekeeper's errors.
    """
    if rho != 0:
        raise AnalysisError(NO_WEIGHT_WITH_ENTRY.format(rho=rho, entry=entry))
    frame = columns_frame(df, (time, event, by, entry, strata))
    if strata is None:
        data = survival_data(frame, time, event, by, entry)
        return logrank_entry_data(data)
    data = survival_data(combined_frame(frame, (time, event, entry), by, strata), time, event,
                         KEY, entry, capped=False)  # capped per column in split_groups
    groups, levels, g_of, s_of = split_groups(data.groups, frame, by, strata)
    return _score(data, groups, g_of[data.group_code], s_of[data.group_code], strata,
                  len(levels), combined_exclusions(data.exclusions, by, strata))


def logrank_entry_data(data: SurvivalData) -> LogRankResult:
    """:func:`logrank_with_entry` of rows already checked by the gatekeeper (no strata)."""
    return _score(data, data.groups, data.group_code, None, None, 1, data.exclusions)


def _score(data: SurvivalData, groups: tuple[str, ...], group_code: np.ndarray,
           stratum_code: np.ndarray | None, strata: str | None, n_strata: int,
           exclusions: tuple) -> LogRankResult:
    """The score test of checked rows whose groups are ``groups`` (codes ``group_code``)."""
    present = np.bincount(group_code, minlength=len(groups)) > 0
    kept = tuple(g for g, p in zip(groups, present, strict=True) if p)
    _present(list(kept))
    codes = (np.cumsum(present) - 1)[group_code]
    event = data.event.astype(float)
    statistic, dof, p_value, observed, expected = score_logrank(
        data.time, event, codes, len(kept), entry=data.entry, strata=stratum_code)
    alone = ~_shares_a_risk_set(data.time, event, codes, len(kept), data.entry, stratum_code)
    if alone[1:].any():  # R: an indicator without information is NA, and adds no df
        merged = np.where(alone[codes], 0, codes)  # into the reference: the same risk sets
        statistic, dof, p_value, _, _ = score_logrank(
            data.time, event, merged, len(kept), entry=data.entry, strata=stratum_code)
    return LogRankResult(statistic=statistic, dof=dof, p_value=p_value, groups=kept,
                         observed=tuple(float(v) for v in observed),
                         expected=tuple(float(v) for v in expected), strata=strata,
                         n_strata=n_strata, exclusions=tuple(exclusions), delayed_entry=True)


def _shares_a_risk_set(time: np.ndarray, event: np.ndarray, codes: np.ndarray, n_groups: int,
                       entry: np.ndarray | None, strata: np.ndarray | None) -> np.ndarray:
    """Per group: whether at some event time (within a stratum) it is at risk together with
    another group. A group that never is has an indicator with no information (its score and
    information are 0 at every event time), which R's ``coxph`` reports as NA; computed
    exactly here, where the information itself carries rounding (about 1e-17).
    One sort, then each stratum's and group's rows are a slice: O(groups * n log n)."""
    start = np.zeros_like(time) if entry is None else entry
    stratum = np.zeros(len(time), dtype=np.int64) if strata is None else strata
    order = np.lexsort((codes, stratum))
    start, time, event = start[order], time[order], event[order]
    stratum, codes = stratum[order], codes[order]
    shares = np.zeros(n_groups, dtype=bool)
    for lo, hi in _runs(stratum):
        times = np.unique(time[lo:hi][event[lo:hi] > 0])
        everyone = _at_risk(start[lo:hi], time[lo:hi], times)
        for a, b in _runs(codes[lo:hi]):
            n = _at_risk(start[lo + a:lo + b], time[lo + a:lo + b], times)
            shares[codes[lo + a]] |= bool(((n > 0) & (n < everyone)).any())
    return shares


def _runs(values: np.ndarray) -> list[tuple[int, int]]:
    """(first, end) of each run of equal values of sorted ``values``."""
    cuts = np.flatnonzero(values[1:] != values[:-1]) + 1
    return list(zip(np.r_[0, cuts].tolist(), np.r_[cuts, len(values)].tolist(), strict=True))


def _at_risk(start: np.ndarray, time: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Rows with start < t <= time at each of ``times`` (every start < its time)."""
    return (np.searchsorted(np.sort(start), times, side="left")
            - np.searchsorted(np.sort(time), times, side="left"))


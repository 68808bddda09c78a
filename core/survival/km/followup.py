"""Median follow-up by the reverse Kaplan-Meier method.

Design: the median follow-up of a cohort is the median of the Kaplan-Meier estimate in which
the roles of event and censoring are swapped (Schemper & Smith 1996): a patient still followed
at last contact "has the event" of the reverse curve, and a patient who died is censored at
death, because their follow-up was cut short by the event, not by the end of observation.
Unlike the median of all observed times, it does not shrink when many patients die early.
The reverse curve is the Kaplan-Meier fit of the event-count table
(:func:`core.survival.km.counts.survival_counts`) with events and censorings swapped, so
counts, ties, exclusions and the median rule are those of every other curve, and a registry in
an engine (:func:`core.cohort.open_cohort`) is counted there in one scan, never loaded.

Conventions: R ``survfit(Surv(time, 1 - event) ~ 1, conf.type = "log-log")``; the median
and its interval as ``print.survfit`` reports them (Brookmeyer-Crowley limits read off the
log-log pointwise band). Times in the unit of the input (months here).

References
----------
Schemper M, Smith TL. A note on quantifying follow-up in studies of failure time. Control
Clin Trials 1996;17:343-346. Therneau TM. A Package for Survival Analysis in R (survival).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from core.errors import AnalysisError
from core.survival.km.counts import COUNT_COLUMNS, SurvivalCounts, survival_counts
from core.survival.km.estimate import KaplanMeierResult, fit_counts, medians

METHOD = ("reverse Kaplan-Meier (deaths censored, patients alive at last contact counted as "
          "end of follow-up), log-log 95% CI")


@dataclass(frozen=True)
class FollowUp:
    """Median follow-up with its confidence interval.

    Attributes
    ----------
    median, lower, upper : float
        Months; NaN when not reached (more than half the patients had the event before any
        follow-up ended) or when the interval has no limit.
    n : int
        Patients with a recorded time and event.
    n_excluded : int
        Patients left out for a missing time or event.
    method : str
    """

    median: float
    lower: float
    upper: float
    n: int
    n_excluded: int
    method: str = METHOD

    def text(self) -> str:
        """``"50.0 months (95% CI 41.0–69.0)"``; "not reached" and "NR" where undefined."""
        def show(value: float) -> str:
            return "NR" if math.isnan(value) else f"{value:.1f}"
        head = "not reached" if math.isnan(self.median) else f"{self.median:.1f} months"
        return f"{head} (95% CI {show(self.lower)}–{show(self.upper)})"


def median_follow_up(df: pd.DataFrame, time: str = "os_months", event: str = "os_event",
                     conf_level: float = 0.95) -> FollowUp:
    """Median follow-up of ``df`` by the reverse Kaplan-Meier method.

    Parameters
    ----------
    df : pandas.DataFrame or core.cohort.engine.CohortSource
        One row per patient, in memory or in an engine.
    time, event : str
        Follow-up time (months) and event indicator (1 = event, 0 = censored); by default
        overall survival, the clock follow-up is usually quoted on.
    conf_level : float
        Level of the interval (default 0.95).

    Returns
    -------
    FollowUp

    Raises
    ------
    core.errors.AnalysisError
        From the survival gatekeeper (no usable row, an event code other than 0/1, ...).
    """
    counts = survival_counts(df, time, event)  # the gatekeeper, with its messages
    return _reverse(counts.table, counts.groups, counts.n_input, counts.exclusions, conf_level)


def follow_up_from_fit(fit: KaplanMeierResult) -> FollowUp:
    """:func:`median_follow_up` from a Kaplan-Meier fit of the whole cohort on the OS clock
    (its event and censoring counts per time), with no second pass over the rows: a
    registry's OS curve and its follow-up from one scan.

    Parameters
    ----------
    fit : KaplanMeierResult
        One group (no stratification), no delayed entry.
    """
    if len(fit.groups) != 1 or fit.delayed_entry:
        raise AnalysisError("Median follow-up is read off an unstratified curve without "
                            "delayed entry. Fix: fit the whole cohort from time 0.")
    n_input = fit.n[fit.groups[0]] + sum(e.count for e in fit.exclusions)
    return _reverse(fit.table[COUNT_COLUMNS], fit.groups, n_input, fit.exclusions,
                    fit.conf_level)


def _reverse(table: pd.DataFrame, groups: tuple[str, ...], n_input: int, exclusions: tuple,
             conf_level: float) -> FollowUp:
    """The reverse curve of a count table: events and censorings swapped."""
    swapped = table.rename(columns={"n_event": "n_censor", "n_censor": "n_event"})
    reverse = SurvivalCounts(table=swapped[COUNT_COLUMNS], groups=groups, n_input=n_input,
                             exclusions=exclusions)
    row = medians(fit_counts(reverse, conf_level)).iloc[0]
    return FollowUp(median=float(row["median"]), lower=float(row["median_lower"]),
                    upper=float(row["median_upper"]), n=reverse.n,
                    n_excluded=n_input - reverse.n)

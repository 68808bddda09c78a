"""Guarantee-time bias: overall survival by groups fixed at maintenance start, naive and with
delayed entry, side by side.

Design: OS runs from diagnosis, but a patient enters the study only when maintenance starts, and
the groups compared (MRD before maintenance, sorafenib timing) are fixed at or near that start.
The naive Kaplan-Meier counts the months from diagnosis to maintenance, which every patient
survived by design, as time at risk. :func:`guarantee_time_comparison` computes both curves
with :func:`core.survival.km.summary.survival_report` (endpoints ``"os"`` and ``"os_entry"``,
:mod:`core.survival.endpoint`) and lays their medians and landmarks side by side.

References
----------
Anderson JR, Cain KC, Gelber RD. Analysis of survival by tumor response. J Clin Oncol
1983;1:710-719. Giobbie-Hurder A, Gelber RD, Regan MM. Challenges of guarantee-time bias. J Clin
Oncol 2013;31:2963-2969.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.cohort.schema import LABELS
from core.style.numbers import format_median, format_percent_ci, p_phrase
from core.survival.endpoint import OS_ENTRY, unavailable_reason
from core.survival.km.summary import SurvivalReport, survival_report

FIXED_AT_MAINTENANCE = ("mrd_pre_status", "sorafenib_timing")
"""Groups defined at (or before) maintenance start: their OS comparison needs delayed entry."""
BIAS_SENTENCE = (
    "Guarantee-time bias: OS runs from diagnosis, but patients enter this cohort only when "
    "maintenance starts, so every patient survived the months before it by design; the naive "
    "curve counts those months as time at risk in which no death could happen, which makes "
    "survival look better and can distort a comparison of groups fixed at maintenance start. "
    "With delayed entry a patient counts as at risk only from maintenance start.")

STUDY_PRINTED = (
    "What the study printed: its OS figures run from diagnosis with every patient at risk "
    "from diagnosis (no delayed entry), and the Paper check recomputes them that way. It "
    "prints no OS comparison with delayed entry at maintenance start; the app shows that "
    "comparison next to the naive one on the Survival page (OS by MRD before maintenance or "
    "by sorafenib timing).")


@dataclass(frozen=True)
class GuaranteeTimeComparison:
    """Naive and delayed-entry OS of the same groups.

    Attributes
    ----------
    naive, delayed : SurvivalReport
        ``"os"`` and ``"os_entry"`` by the same grouping.
    table : pandas.DataFrame
        Columns Group, then "Median, naive" / "Median, delayed entry" and, per landmark,
        "<m> months, naive" / "<m> months, delayed entry" (formatted).
    sentence : str
        :data:`BIAS_SENTENCE`.
    notes : tuple of str
        How the entry was derived and how certain it is.
    tests : str
        The two log-rank p-values side by side (the delayed-entry one is the Breslow Cox
        score test), or "" with fewer than two groups.
    """

    naive: SurvivalReport
    delayed: SurvivalReport
    table: pd.DataFrame
    sentence: str = BIAS_SENTENCE
    notes: tuple[str, ...] = ()
    tests: str = ""


def needs_delayed_entry(cohort: pd.DataFrame, endpoint: str, by: str | None) -> bool:
    """True when an OS comparison by ``by`` should be shown next to its delayed-entry version:
    ``by`` is fixed at maintenance start and the cohort has what the entry needs."""
    return (endpoint in ("os", "os_entry") and by in FIXED_AT_MAINTENANCE
            and isinstance(cohort, pd.DataFrame) and not unavailable_reason(cohort, OS_ENTRY))


def guarantee_time_comparison(cohort: pd.DataFrame, by: str,
                              landmark_months=(12, 24), horizon: float = 24
                              ) -> GuaranteeTimeComparison:
    """OS by ``by``, naive and with delayed entry at maintenance start."""
    naive = survival_report(cohort, "os", by, landmark_months, horizon)
    delayed = survival_report(cohort, "os_entry", by, landmark_months, horizon)
    rows = []
    for group in naive.fit.groups:
        row = {LABELS.get(by, by): group}
        for name, report in (("naive", naive), ("delayed entry", delayed)):
            m = report.medians.set_index("group")
            row[f"Median, {name}"] = (format_median(*m.loc[group, ["median", "median_lower",
                                                                    "median_upper"]])
                                      if group in m.index else "–")
        for months in naive.landmark_months:
            for name, report in (("naive", naive), ("delayed entry", delayed)):
                marks = report.landmarks
                hit = marks[(marks["group"] == group) & (marks["time"] == months)]
                row[f"{months:g} months, {name}"] = (
                    "beyond follow-up" if hit.empty else format_percent_ci(
                        *hit[["survival", "ci_lower", "ci_upper"]].iloc[0]))
        rows.append(row)
    notes = tuple(n for n in delayed.notes if n not in naive.notes)
    tests = ""
    if naive.logrank is not None and delayed.logrank is not None:
        tests = (f"Log-rank test: naive {p_phrase(naive.logrank.p_value)}; with delayed entry "
                 f"{p_phrase(delayed.logrank.p_value)} (the score test of the Breslow Cox model "
                 "with Surv(entry, time, event)).")
    return GuaranteeTimeComparison(naive=naive, delayed=delayed, table=pd.DataFrame(rows),
                                   notes=notes, tests=tests)

"""The Cox pages' results in one plain line, shown before the controls' details.

Design: a clinician opening the Cox page, the events-during-follow-up page or the subgroup
forest reads the answer first, then the tables. Each function here turns a computed result
(:class:`core.cox.view.CoxView`, :class:`core.survival.timedep.summary.DuringFollowUpReport`,
:class:`core.cox.subgroups.SubgroupForest`) into one sentence: the estimate with its interval
and p, and a verdict from :func:`core.survival.small_sample.events_verdict`, the one wording
for results resting on few events. A level that separates (no events, or all of them, in one
level: monotone likelihood) or an infinite estimate is never given a number: it reads "not
estimable". Few events means fewer than :data:`core.cox.fit.EPV_MIN` events per coefficient,
the rule behind the Cox page's "Only N events for K coefficients" caveat. Formatting only:
nothing is computed here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from core.cox.fit import EPV_MIN, CoxResult
from core.cox.guardrails import separated_terms
from core.cox.subgroups import SubgroupForest
from core.cox.view import CoxView
from core.style.numbers import format_hr, format_p
from core.survival.small_sample import events_verdict

MAX_TERMS = 3
"""Terms named in the Cox answer; the others are counted ("and 2 more in the table")."""


def _estimate(row: pd.Series, conf_level: float) -> str:
    """'HR 2.41 (95% CI 0.310–18.7), p 0.269'."""
    return (f"HR {format_hr(row['hr'])} ({conf_level:.0%} CI {format_hr(row['hr_lower'])}–"
            f"{format_hr(row['hr_upper'])}), p {format_p(row['p_value'])}")


def _estimable(row: pd.Series) -> bool:
    return all(math.isfinite(float(row[c])) for c in ("hr", "hr_lower", "hr_upper", "p_value"))


def _few(fit: CoxResult) -> bool:
    return fit.events < EPV_MIN * max(len(fit.table.index), 1)


def cox_answer(view: CoxView) -> str:
    """The Cox page's result in one line.

    Each term of the fits shown (at most :data:`MAX_TERMS`, the others counted) with its
    hazard ratio, interval and p; a separated or infinite term reads "not estimable"; then
    the verdict on the smallest p among the estimable terms, naming the events when they are
    fewer than :data:`~core.cox.fit.EPV_MIN` per coefficient.

    Examples
    --------
    "RFS, multivariable Cox model of 19 patients with 6 relapses: MRD before maintenance:
    positive vs negative HR 2.41 (95% CI 0.310–18.7), p 0.400; ELN 2022 risk: intermediate vs
    favorable not estimable (a level with no relapses or only relapses): not conclusive with
    6 relapses."
    """
    endpoint = view.choices.endpoint
    noun = endpoint.noun
    fits = [m.shown for m in view.models]
    separated = {t for m in view.models for t in separated_terms(m.ordinary)}
    parts, p_values = [], []
    for fit in fits:
        for term, row in fit.table.iterrows():
            label = view.labels.get(term, term)
            if term in separated or not _estimable(row):
                parts.append(f"{label} not estimable (a level with no {noun} or only {noun})"
                             if term in separated else f"{label} not estimable")
            else:
                parts.append(f"{label} {_estimate(row, fit.conf_level)}")
                p_values.append(float(row["p_value"]))
    shown = parts[:MAX_TERMS]
    if len(parts) > MAX_TERMS:
        shown.append(f"and {len(parts) - MAX_TERMS} more in the table")
    events = min(f.events for f in fits)
    kind = ("univariable Cox models" if len(fits) > 1 else "multivariable Cox model"
            if len(fits[0].table.index) > 1 else "Cox model")
    head = f"{endpoint.abbreviation}, {kind} of {fits[0].n} patients with {events} {noun}"
    if not p_values:
        return f"{head}: " + "; ".join(shown) + ": no hazard ratio can be read (see below)."
    verdict = events_verdict(min(p_values), events, noun, few=any(_few(f) for f in fits))
    return f"{head}: " + "; ".join(shown) + f": {verdict}."


def during_follow_up_answer(report, noun: str) -> str:
    """The events-during-follow-up page's result in one line: the time-dependent Cox hazard
    ratio after vs before (or without) the intervention and the Mantel-Byar p, read with
    :func:`~core.survival.small_sample.events_verdict` (few: fewer than
    :data:`~core.cox.fit.EPV_MIN` events, or fewer than 5 patients switched).

    Parameters
    ----------
    report : core.survival.timedep.summary.DuringFollowUpReport
    noun : str
        The endpoint's events in the plural ("relapses").

    Examples
    --------
    "After HSCT vs before or without (time-dependent Cox, 40 patients, 12 switched, 18
    relapses): HR 0.412 (95% CI 0.130–1.31), Mantel-Byar p 0.120: not conclusive."
    """
    name = report.name
    if report.n_recorded == 0:
        return f"No patient here has a recorded {name} time: there is nothing to compare."
    if report.cox.result is None:
        return (f"No hazard ratio after vs before {name} could be estimated: "
                f"{report.cox.error}")
    result = report.cox.result
    row = result.table.iloc[0]
    events = int(row["events"])
    head = (f"After {name} vs before or without (time-dependent Cox, "
            f"{report.n_patients} patients, {report.n_switched} switched, {events} {noun}): ")
    infinite = bool(result.warnings) and "infinite" in result.warnings[0]
    estimate = ("HR not estimable (one status has no events)" if infinite or not
                _estimable(row) else
                f"HR {format_hr(row['hr'])} ({result.conf_level:.0%} CI "
                f"{format_hr(row['hr_lower'])}–{format_hr(row['hr_upper'])})")
    p = result.score.p_value
    few = events < EPV_MIN or report.n_switched < 5
    return (head + f"{estimate}, Mantel-Byar p {format_p(p)}: "
            + events_verdict(p, events, noun, few=few) + ".")


def subgroups_answer(forest: SubgroupForest, noun: str,
                     labels: Mapping[str, str] | None = None) -> str:
    """The subgroup forest's result in one line: the factor's hazard ratio in all patients and
    the smallest interaction p (does the effect differ between subgroups?), read with
    :func:`~core.survival.small_sample.events_verdict` (few: fewer than
    :data:`~core.cox.fit.EPV_MIN` events per interaction coefficient tested).

    Examples
    --------
    "MRD before maintenance: positive vs negative, all 19 patients: HR 2.41 (95% CI
    0.310–18.7), p 0.400; does the effect differ between subgroups? Smallest interaction p
    0.512 (Sex): not conclusive with 6 relapses."
    """
    labels = labels or {}
    table = forest.table
    overall = table[table["attribute"] == "All patients"]
    parts = []
    for row in overall.itertuples():
        where = f"{row.label or labels.get(forest.factor, forest.factor)}, all {row.n} patients"
        if not math.isfinite(float(row.hr)) or not math.isfinite(float(row.p_value)):
            parts.append(f"{where}: not estimable" + (f" ({row.note})" if row.note else ""))
        elif row.method == "Firth":
            parts.append(f"{where}: not estimable (a level with no {noun} or only {noun}; "
                         "Firth's estimate in the table)")
        else:
            parts.append(f"{where}: HR {format_hr(row.hr)} (95% CI "
                         f"{format_hr(row.hr_lower)}–{format_hr(row.hr_upper)}), p "
                         f"{format_p(row.p_value)}")
    events = int(overall["events"].max()) if len(overall) else 0
    tested = forest.interactions.dropna(subset=["p_value"])
    if tested.empty:
        return "; ".join(parts) + ("; " if parts else "") + (
            "no interaction test could be computed (see the table's notes).")
    best = tested.loc[tested["p_value"].idxmin()]
    few = int(best["events"]) < EPV_MIN * max(int(best["df"]), 1)
    verdict = events_verdict(float(best["p_value"]), int(best["events"]), noun, few=few)
    if str(best["note"]).startswith("unreliable"):  # monotone likelihood: no verdict from p
        verdict = (f"not conclusive with {int(best['events'])} {noun}, the test is unreliable "
                   "(a subgroup arm without events)")
    attribute = labels.get(best["attribute"], best["attribute"])
    return ("; ".join(parts) + "; does the effect differ between subgroups? Smallest "
            f"interaction p {format_p(best['p_value'])} ({attribute}): {verdict}."
            if parts else f"{events} {noun}: smallest interaction p "
            f"{format_p(best['p_value'])} ({attribute}): {verdict}.")

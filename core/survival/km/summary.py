"""Everything the Survival page shows for one endpoint and stratifier, computed in one call.

:func:`survival_report` gathers the Kaplan-Meier fit, the aligned at-risk table, landmark
rates, medians, restricted means, the log-rank test with its permutation and trend versions,
the caveats for small groups, and the plain-language caption. Pages (and later the tumor-board
report) only format and draw it.

Validate once, count once: the rows pass the gatekeeper once and become one event-count table
(:func:`core.survival.km.counts.survival_counts`); every statistic is derived from that table, so
the same report runs on a DataFrame or on an engine source (:func:`core.cohort.open_cohort`),
where only the count table leaves the engine. The permutation test, the one statistic that
needs rows, uses the checked rows (rebuilt from the counts on an engine; it runs only on small
samples).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from core.cohort.columns import extra_columns, has_values
from core.cohort.groups import CUSTOM_GROUP_COLUMN
from core.cohort.schema import BY_NAME, ELN_LEVELS, LABELS
from core.cohort.text import plural
from core.errors import AnalysisError
from core.style.numbers import format_median, format_p, format_percent_ci, p_phrase
from core.style.plot import tick_times
from core.survival.endpoint import BUILT_IN, OS, SURVIVAL, Endpoint, resolve_endpoint
from core.survival.km.counts import survival_counts
from core.survival.km.entry_logrank import logrank_entry_data
from core.survival.km.estimate import (
    KaplanMeierResult,
    counts_at_risk,
    fit_counts,
    landmarks,
    medians,
)
from core.survival.km.logrank import (
    LogRankResult,
    PermutationResult,
    TrendResult,
    logrank,
    logrank_counts,
    logrank_trend_counts,
    permutation_logrank_data,
)
from core.survival.km.rmst import (
    RestrictedMean,
    restricted_mean,
    restricted_mean_difference,
)
from core.survival.small_sample import SampleSize, judge_sample
from core.survival.small_sample import verdict as judged

PERMUTATION_MAX_N = 1000
"""Above this many patients the permutation test is not run on the page (its cost grows with
patients x resamples); the note says so."""
EVENT_NOUN = {e.key: e.noun for e in BUILT_IN}
OUTCOME_DEFINED = ("relapse_type", "outcome")
"""Columns recorded at the end of follow-up: grouping by them looks into the future."""
ENDPOINT_NAMES = {e.key: e.name for e in BUILT_IN}
"""Built-in endpoint key -> name (pages not yet on :class:`Endpoint` read these)."""
NO_PERMUTATION_WITH_ENTRY = "no permutation test is offered with delayed entry"
"""Why a small sample with delayed entry has no permutation p (a clause of
:meth:`core.survival.small_sample.SampleSize.advice`)."""
ENTRY_TEST_NOTE = (
    "With delayed entry the log-rank test is the score test of the Breslow Cox model with "
    "Surv(entry, time, event) (R summary(coxph(...))$sctest): a patient counts in the risk "
    "sets only from entry. No permutation or trend test is offered with delayed entry.")


def stratifier_options(cohort: pd.DataFrame) -> list[str]:
    """Columns a curve can be stratified by: the custom groups (when defined), the three study
    stratifiers, then every other categorical column present in ``cohort``."""
    first = [CUSTOM_GROUP_COLUMN, "eln2022_risk", "sorafenib_timing", "mrd_pre_status"]
    others = [c.name for c in BY_NAME.values()
              if c.kind == "category" and c.name not in first and c.name in cohort.columns]
    return [c for c in [*first, *others] if has_values(cohort, c)] + \
        list(extra_columns(cohort).categorical)  # empty columns not offered; file's own groups


@dataclass(frozen=True)
class SurvivalReport:
    """The statistics of one Kaplan-Meier view.

    Attributes
    ----------
    endpoint : str
        The endpoint's key (``"os"``, ``"rfs"``, ``"efs"``, ``"u.grfs"``, ...).
    by : str or None
        Stratifying column.
    fit : KaplanMeierResult
    at_risk : pandas.DataFrame
        ``group, time, n_risk, cum_events, cum_censored`` at the x-axis ticks (12-month steps).
    landmarks : pandas.DataFrame
        Survival at the chosen landmark months, per group (R ``summary(fit, times)``).
    medians : pandas.DataFrame
        ``group, n, events, median, median_lower, median_upper`` (NaN = not reached).
    rmst : RestrictedMean
    rmst_difference : pandas.DataFrame or None
        Against the first group, when there are two or more.
    logrank : LogRankResult or None
    permutation : PermutationResult or None
        Shown when the sample is small (n < 30, or a group with fewer than 5 events).
    trend : TrendResult or None
        For ELN 2022 risk groups (ordered favorable < intermediate < adverse).
    notes : tuple of str
        Caveats: exclusions, groups too small to estimate, why a test is not shown.
    caption : str
        Plain-language caption of the figure.
    """

    endpoint: str
    by: str | None
    fit: KaplanMeierResult
    at_risk: pd.DataFrame
    landmarks: pd.DataFrame
    medians: pd.DataFrame
    rmst: RestrictedMean
    rmst_difference: pd.DataFrame | None
    logrank: LogRankResult | None
    permutation: PermutationResult | None
    trend: TrendResult | None
    notes: tuple[str, ...] = field(default=())
    caption: str = ""
    landmark_months: tuple[float, ...] = (12, 24)
    definition: Endpoint = OS
    """The endpoint itself (name, events, entry, caution)."""

    sample: SampleSize | None = None
    """How to read the log-rank test (:mod:`core.survival.small_sample`); None without one."""

    @property
    def which_p(self) -> str:
        """One line on which p-value to read (the one wording of
        :meth:`core.survival.small_sample.SampleSize.advice`)."""
        if self.logrank is None or self.sample is None:
            return ""
        return self.sample.advice("log-rank")

    @property
    def small_sample(self) -> bool:
        """Whether the log-rank test is a small sample (:mod:`core.survival.small_sample`)."""
        return self.sample is not None and self.sample.small


def survival_report(cohort: pd.DataFrame, endpoint: str | Endpoint, by: str | None = None,
                    landmark_months=(12, 24), horizon: float = 24, conf_level: float = 0.95,
                    tick_step: float = 12, user_endpoints: tuple[Endpoint, ...] = ()
                    ) -> SurvivalReport:
    """Compute every statistic of a Kaplan-Meier view.

    Parameters
    ----------
    cohort : pandas.DataFrame or core.cohort.engine.CohortSource
        The (filtered) patients, in memory or in an engine.
    endpoint : str or Endpoint
        A survival endpoint or its key (:mod:`core.survival.endpoint`); with delayed entry
        every estimate uses it and the log-rank test waits for the Cox score test.
    by : str, optional
        Stratifying column; None for the whole cohort.
    landmark_months : sequence of float
        Times (months) for landmark survival.
    horizon : float
        RMST horizon (months).
    conf_level : float
        Level of every interval.
    tick_step : float
        Spacing of the x-axis ticks and at-risk columns (months).
    user_endpoints : tuple of Endpoint
        User-defined endpoints an endpoint key may name.
    """
    resolved = resolve_endpoint(cohort, endpoint, user_endpoints)
    endpoint = resolved.endpoint
    if endpoint.kind != SURVIVAL:
        raise AnalysisError(f"{endpoint.label} is a cumulative incidence with competing "
                            "events, not a survival curve. Fix: open it on the Competing "
                            "risks page.")
    counts = survival_counts(resolved.frame, resolved.time, resolved.event, by, resolved.entry)
    if counts.n == 0:
        raise AnalysisError("No patient has a recorded time and event for this endpoint. "
                            "Fix: widen the filters.")
    fit = fit_counts(counts, conf_level)
    ticks = tick_times(float(counts.table["time"].max()), tick_step)
    risk = counts_at_risk(counts, ticks)
    notes = [*resolved.notes, *(e.describe() for e in fit.exclusions)]
    for g in fit.groups:
        if fit.n[g] < 2:
            notes.append(f"{_group_name(by, g)}: only {fit.n[g]} patient, too few for a curve "
                         "with a confidence interval; drawn as observed.")
        elif fit.events[g] == 0:
            notes.append(f"{_group_name(by, g)}: no {endpoint.noun} among "
                         f"{plural(fit.n[g], 'patient')}, so the curve stays at 100%, the "
                         "median is not reached and no interval can be computed.")
    if by in OUTCOME_DEFINED:
        notes.append(f"{LABELS.get(by, by)} is recorded at the end of follow-up, so groups "
                     "defined by it are partly defined by the outcome itself: the curves "
                     "describe the groups, and the test is not evidence of a risk factor.")
    rmst = restricted_mean(fit, horizon)
    beyond = rmst.table[rmst.table["beyond_follow_up"]]
    for g in beyond["group"]:
        if reached_zero(fit, g):
            continue  # a curve at 0 stays at 0: carrying it flat assumes nothing
        notes.append(f"{_group_name(by, g)}: follow-up ends before the RMST horizon of "
                     f"{plural(horizon, 'month')}; its curve is carried flat to the horizon "
                     "(as R does), which assumes no further events.")

    test = permutation = trend = difference = sample = None
    if by is not None and len(fit.groups) >= 2 and counts.delayed_entry:
        test = (logrank_entry_data(counts.data) if counts.data is not None else
                logrank(resolved.frame, resolved.time, resolved.event, by,
                        entry=resolved.entry))
        difference = restricted_mean_difference(rmst, fit.groups[0])
        notes.append(ENTRY_TEST_NOTE)
        sample = judge_sample(counts.n, fit.events.values(), fit.n.values(), PERMUTATION_MAX_N)
        if sample.small:  # permuting labels ignores who was at risk when: no permutation p
            sample = SampleSize(True, False, NO_PERMUTATION_WITH_ENTRY)
            notes.append(sample.advice("log-rank"))
    elif by is not None and len(fit.groups) >= 2:
        test = logrank_counts(counts)
        difference = restricted_mean_difference(rmst, fit.groups[0])
        sample = judge_sample(counts.n, fit.events.values(), fit.n.values(), PERMUTATION_MAX_N)
        if sample.permutation:
            permutation = permutation_logrank_data(counts.rows())
        elif sample.small:
            notes.append(sample.advice("log-rank"))
        if by == "eln2022_risk" and len(fit.groups) >= 3:
            trend = logrank_trend_counts(counts, order=ELN_LEVELS)
    elif by is not None:
        notes.append(f"Only one {LABELS.get(by, by)} group is left after filtering, so there "
                     "is nothing to compare: no log-rank test.")

    total_events = sum(fit.events.values())
    caption = (f"{endpoint.definition(caution=False)} n = {plural(counts.n, 'patient')}, "
               f"{plural(total_events, endpoint.singular, endpoint.noun)}"
               + (f", in {plural(len(fit.groups), 'group')} by {LABELS.get(by, by)}" if by
                  else "")
               + ". Kaplan-Meier estimates; shaded bands are pointwise "
               f"{conf_level:.0%} confidence intervals (Greenwood variance, log-log "
               "transformation); tick marks are censored patients. The table under the plot "
               "counts patients still at risk at each time.")
    return SurvivalReport(endpoint=endpoint.key, definition=endpoint, by=by, fit=fit,
                          at_risk=risk,
                          landmarks=landmarks(fit, landmark_months), medians=medians(fit),
                          rmst=rmst, rmst_difference=difference, logrank=test,
                          permutation=permutation, trend=trend, notes=tuple(notes),
                          caption=caption,
                          landmark_months=tuple(sorted(float(m) for m in landmark_months)),
                          sample=sample)


def per_group_table(report: SurvivalReport) -> pd.DataFrame:
    """The per-group table of the page and the report, formatted for reading.

    Columns: Group, Patients, Deaths/Relapses, "Median, months (95% CI)", then for each
    landmark "<m> months: % (95% CI)" and "<m> months: at risk", then "RMST to <h> months
    (95% CI)". A landmark after a group's last follow-up reads "beyond follow-up", unless
    the group's curve had already fallen to 0 (every patient had the event): then it is 0%,
    as R's ``summary(fit, times, extend = TRUE)`` reads it. RMST intervals are clipped to
    [0, horizon] (the area under a survival curve cannot leave that range).
    """
    noun = report.definition.noun.capitalize()
    rmst = report.rmst.table.set_index("group")
    horizon = float(rmst["horizon"].iloc[0]) if len(rmst) else float("nan")
    rows = []
    for _, m in report.medians.iterrows():
        row = {"Group": m["group"], "Patients": int(m["n"]), noun: int(m["events"]),
               "Median, months (95% CI)": format_median(m["median"], m["median_lower"],
                                                        m["median_upper"])}
        marks = report.landmarks[report.landmarks["group"] == m["group"]]
        for months in report.landmark_months:
            hit = marks[marks["time"] == months]
            zero = hit.empty and reached_zero(report.fit, m["group"])
            row[f"{plural(months, 'month')}: % (95% CI)"] = (
                "0%" if zero else "beyond follow-up" if hit.empty else format_percent_ci(
                    hit["survival"].iloc[0], hit["ci_lower"].iloc[0], hit["ci_upper"].iloc[0]))
            row[f"{plural(months, 'month')}: at risk"] = (
                "0" if zero else "–" if hit.empty else str(int(hit["n_risk"].iloc[0])))
        r = rmst.loc[m["group"]]
        row[f"RMST to {plural(horizon, 'month')} (95% CI)"] = (
            f"{r['rmst']:.1f} ({max(r['ci_lower'], 0.0):.1f}–"
            f"{min(r['ci_upper'], horizon):.1f})")
        rows.append(row)
    return pd.DataFrame(rows)


def reached_zero(fit: KaplanMeierResult, group: str) -> bool:
    """Whether the group's Kaplan-Meier curve has fallen to 0 (its last patient had the
    event): the estimate at any later time is then 0, not unknown."""
    table = fit.group_table(group)
    return bool(len(table)) and float(table["survival"].iloc[-1]) == 0.0


def comparison_text(report: SurvivalReport) -> str:
    """One line with the log-rank (and permutation, trend) p-values, or "" without groups."""
    if report.logrank is None:
        return ""
    lr = report.logrank
    name = "Log-rank (Cox score test, delayed entry)" if lr.delayed_entry else "Log-rank"
    text = (f"{name} chi-square {lr.statistic:.2f}, {lr.dof} df, {p_phrase(lr.p_value)}")
    if report.permutation is not None:
        text += f"; permutation {p_phrase(report.permutation.p_value)} " \
                f"({report.permutation.describe()})"
    if report.trend is not None:
        text += (f"; trend across ELN groups chi-square {report.trend.statistic:.2f}, "
                 f"{p_phrase(report.trend.p_value)}")
    return text + "."


def rmst_difference_text(report: SurvivalReport) -> str:
    """The RMST differences in words, or "" when there is nothing to compare.

    A difference with standard error 0 (no events in either group up to the horizon) is
    stated as such rather than as a zero-width interval.
    """
    diff = report.rmst_difference
    if diff is None or diff.empty:
        return ""
    horizon = float(report.rmst.table["horizon"].iloc[0])
    parts = []
    for r in diff.itertuples():
        if r.se == 0:
            parts.append(f"{r.group} {r.difference:+.1f} months (no events in either group "
                         "before the horizon, so no interval)")
        else:
            parts.append(f"{r.group} {r.difference:+.1f} months (95% CI {r.ci_lower:+.1f} to "
                         f"{r.ci_upper:+.1f}, {p_phrase(r.p_value)})")
    return (f"Difference in RMST to {plural(horizon, 'month')} against "
            f"{diff['reference'].iloc[0]}: " + "; ".join(parts) + ".")


def _group_name(by: str | None, group: str) -> str:
    return f"{LABELS.get(by, by)} = {group}" if by else "The cohort"


SHORT_NAMES = {"os": "OS", "rfs": "RFS"}


def answer_sentence(report: SurvivalReport) -> str:
    """The page's result in one plain line, shown before the controls' details.

    With groups: the estimate of each group at the latest landmark that every group reaches
    (0% once a curve has reached 0), the log-rank p (and the permutation p a small sample
    reads), and a verdict that never claims more than the p read: "a difference unlikely to
    be chance alone" below 0.05, else "not conclusive", naming the smallest group when the
    sample is small, and "read with great caution" whatever the p when a small sample has no
    permutation p (a one-patient group). Without groups: the estimate at that landmark with
    its interval and the median.

    Examples
    --------
    "RFS at 12 months: negative 91.7%, positive 75.0%; log-rank p 0.269 (permutation 0.326):
    not conclusive with 4 patients in the smallest group."
    """
    name = SHORT_NAMES.get(report.endpoint, report.endpoint.upper())
    marks = report.landmarks
    groups = [str(g) for g in report.medians["group"]]
    sizes = dict(zip(groups, report.medians["n"].astype(int), strict=True))

    def estimate(group: str, months: float) -> float | None:
        hit = marks[(marks["group"] == group) & (marks["time"] == months)]
        if not hit.empty:
            return float(hit["survival"].iloc[0])
        return 0.0 if reached_zero(report.fit, group) else None

    reached = [t for t in report.landmark_months
               if all(estimate(g, t) is not None for g in groups)]
    at = reached[-1] if reached else None
    if report.logrank is None:
        median = report.medians.iloc[0]
        text = f"{name} of {plural(sizes[groups[0]], 'patient')}"
        if at is not None:
            hit = marks[(marks["group"] == groups[0]) & (marks["time"] == at)]
            text += f" at {plural(at, 'month')}: " + (
                format_percent_ci(hit["survival"].iloc[0], hit["ci_lower"].iloc[0],
                                  hit["ci_upper"].iloc[0]) if not hit.empty else "0%")
        return text + "; median, months: " + format_median(
            median["median"], median["median_lower"], median["median_upper"]) + "."
    parts = [f"{name} at {plural(at, 'month')}: " + ", ".join(
        f"{g} {100 * estimate(g, at):.1f}%" for g in groups)] if at is not None else []
    p = report.logrank.p_value
    test = f"log-rank p {format_p(p)}"
    if report.permutation is not None:
        p = report.permutation.p_value
        test += f" (permutation {format_p(p)})"
    parts.append(test)
    verdict = judged(p, report.sample, min(sizes.values()))
    return "; ".join(parts) + f": {verdict}."

"""Everything the Competing risks page shows for one grouping, computed in one call.

:func:`competing_report` places each patient's end of relapse-free follow-up into a cause
(:func:`core.survival.competing.input.competing_status`: 0 censored, 1 relapse, 2 death without
relapse), then gathers the cumulative incidence of relapse (CIR) and of non-relapse mortality
(NRM) per group (Aalen-Johansen, Gray's variance), the 1 - Kaplan-Meier "relapse" curve for
contrast, the at-risk table at the x-axis ticks, CIR and NRM at landmark months, Gray's test per
cause with a permutation p for small samples, and the caveats. Pages only format and draw it.
Times are months from the start of maintenance (the RFS clock).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from core.cohort.schema import LABELS
from core.cohort.text import plural
from core.errors import AnalysisError
from core.style.numbers import format_p, format_percent_ci
from core.style.plot import tick_times
from core.survival.competing.estimate import CumulativeIncidence, fit_data, incidence_at
from core.survival.competing.gray import (
    GrayTestResult,
    gray_test_data,
    permutation_gray_data,
)
from core.survival.competing.input import STATUS, TIME, CompetingStatus, competing_data, prepared
from core.survival.km.counts import counts_of
from core.survival.km.estimate import KaplanMeierResult, at_risk_from_counts, fit_counts
from core.survival.km.logrank import PermutationResult
from core.survival.small_sample import SampleSize, judge_sample, verdict

CAUSES = {1: "Relapse (CIR)", 2: "Non-relapse mortality (NRM)"}
CAUSE_NOUNS = {1: "relapse", 2: "non-relapse mortality (death without relapse)"}
LANDMARK_CHOICES = (6, 12, 18, 24, 36, 48, 60)
"""Months the Competing risks page offers as landmarks (default: 12 and 24)."""
PERMUTATION_MAX_N = 500
"""Above this many patients the permutation version of Gray's test is not run on the page
(about 0.5 ms per resample per 1,000 patients); the note says so."""
PERMUTATION_RESAMPLES = 10_000
KM_CONTRAST = ("1 − Kaplan-Meier treats every death without relapse as censored, as if those "
               "patients could still relapse later; it therefore estimates relapse in a world "
               "without competing death and runs at or above the cumulative incidence.")


@dataclass(frozen=True)
class CompetingReport:
    """The statistics of one competing-risks view.

    Attributes
    ----------
    by : str or None
    rule : CompetingStatus
        How each patient's cause was decided, with the patients it affects.
    incidence : dict of int to CumulativeIncidence
        Cause 1 (relapse) and cause 2 (death without relapse).
    km : KaplanMeierResult
        Kaplan-Meier of relapse with deaths censored (1 - KM drawn for contrast).
    at_risk : pandas.DataFrame
        ``group, time, n_risk, cum_events, cum_censored`` at the ticks (events of any cause).
    landmarks : pandas.DataFrame
        ``group, time, cause, cif, se, ci_lower, ci_upper, n_risk`` at the landmark months.
    tests : dict of int to GrayTestResult
        Gray's test per cause (absent when it cannot be computed; the notes say why).
    permutation : dict of int to PermutationResult
        Permutation p per cause, for small samples.
    counts : pandas.DataFrame
        ``group, n, relapses, deaths_without_relapse, censored``.
    notes : tuple of str
    caption : str
    """

    by: str | None
    rule: CompetingStatus
    incidence: dict[int, CumulativeIncidence]
    km: KaplanMeierResult
    at_risk: pd.DataFrame
    landmarks: pd.DataFrame
    tests: dict[int, GrayTestResult]
    permutation: dict[int, PermutationResult]
    counts: pd.DataFrame
    notes: tuple[str, ...] = field(default=())
    caption: str = ""
    samples: dict[int, SampleSize] = field(default_factory=dict)
    """How to read Gray's test of each cause (:mod:`core.survival.small_sample`)."""


def competing_report(cohort: pd.DataFrame, by: str | None = None, landmark_months=(12, 24),
                     death_rule: str = "censor", conf_level: float = 0.95,
                     tick_step: float = 12) -> CompetingReport:
    """Compute every statistic of the Competing risks page.

    Parameters
    ----------
    cohort : pandas.DataFrame
        The (filtered) patients; needs ``rfs_months``, ``rfs_event`` (and ``os_event``).
    by : str, optional
        Grouping column.
    landmark_months : sequence of float
        Months at which CIR and NRM are read.
    death_rule : {"censor", "end_of_rfs"}
        See :data:`core.survival.competing.input.DEATH_RULE_TEXT`.
    conf_level : float
    tick_step : float
        Spacing of the x-axis ticks and at-risk columns (months).
    """
    frame, rule = prepared(cohort, death_rule)
    data = competing_data(frame, TIME, STATUS, by)  # validated once; every number below
    if data.survival.n == 0:                        # comes from these rows
        raise AnalysisError("No patient has a recorded relapse-free time and status. Fix: "
                            "widen the filters.")
    incidence = {c: fit_data(data, c, conf_level) for c in CAUSES}  # one shared sort
    relapse = replace(data.survival, event=data.status == 1)  # deaths censored
    km = fit_counts(counts_of(relapse), conf_level)
    ticks = tick_times(float(np.max(data.time)), tick_step)
    any_event = counts_of(data.survival)  # its event is "any cause"
    at_risk = at_risk_from_counts(any_event.table, ticks, any_event.groups, any_event.codes)
    parts = []
    for cause, fit in incidence.items():
        part = incidence_at(fit, landmark_months)
        part.insert(2, "cause", cause)
        parts.append(part)
    marks = pd.concat(parts, ignore_index=True).sort_values(["time", "cause"], kind="stable")
    order = {g: i for i, g in enumerate(data.groups)}
    marks = marks.sort_values("group", key=lambda s: s.map(order), kind="stable")

    notes = [e.describe() for e in data.survival.exclusions]
    counts = pd.DataFrame([{
        "group": g, "n": incidence[1].n[g], "relapses": incidence[1].events[g],
        "deaths_without_relapse": incidence[2].events[g],
        "censored": incidence[1].n[g] - incidence[1].events[g] - incidence[2].events[g]}
        for g in data.groups])
    name = (lambda g: f"{LABELS.get(by, by)} = {g}") if by else (lambda g: "The cohort")
    for row in counts.itertuples():
        if row.relapses == 0:
            notes.append(f"{name(row.group)}: no relapse among {plural(row.n, 'patient')}; its "
                         "relapse incidence stays at 0 and no interval can be computed. A "
                         "hazard ratio for this group is not estimable.")
    if sum(incidence[2].events.values()) == 0:
        notes.append("No death without relapse on the relapse-free clock in these patients: "
                     "the NRM curve stays at 0 and the cumulative incidence of relapse equals "
                     "1 − Kaplan-Meier.")

    tests: dict[int, GrayTestResult] = {}
    permutation: dict[int, PermutationResult] = {}
    present = [g for g in data.groups if (data.group == g).any()]
    samples: dict[int, SampleSize] = {}
    if by is not None and len(present) >= 2:
        for cause in CAUSES:
            if cause not in data.causes:
                notes.append(f"No Gray's test for {CAUSE_NOUNS[cause]}: no event of this "
                             "cause.")
                continue
            tests[cause] = gray_test_data(data, cause)
            samples[cause] = sample = judge_sample(
                data.survival.n, incidence[cause].events.values(),
                incidence[cause].n.values(), PERMUTATION_MAX_N)
            if sample.small and not sample.permutation:
                notes.append(f"{CAUSE_NOUNS[cause].capitalize()}: "
                             + sample.advice("Gray's").replace("Small sample", "small sample",
                                                                1))
            elif sample.permutation:
                permutation[cause] = permutation_gray_data(data, cause,
                                                           n_resamples=PERMUTATION_RESAMPLES)
    elif by is not None:
        notes.append(f"Only one {LABELS.get(by, by)} group is left after filtering: no test.")

    n_rel = int(counts["relapses"].sum())
    n_nrm = int(counts["deaths_without_relapse"].sum())
    caption = (f"Cumulative incidence (Aalen-Johansen) on the relapse-free clock, months from "
               f"the start of maintenance. n = {plural(data.survival.n, 'patient')}, "
               f"{plural(n_rel, 'relapse')}, {n_nrm} death{'s' if n_nrm != 1 else ''} without "
               f"relapse (the competing event). Shaded bands: pointwise {conf_level:.0%} "
               "confidence intervals (Gray's variance as R cmprsk::cuminc, log(-log) "
               "transformation); tick marks: censored patients. The table under the plot "
               "counts patients still at risk.")
    return CompetingReport(by=by, rule=rule, incidence=incidence, km=km, at_risk=at_risk,
                           landmarks=marks.reset_index(drop=True), tests=tests,
                           permutation=permutation, counts=counts, notes=tuple(notes),
                           caption=caption, samples=samples)


def landmark_table(report: CompetingReport) -> pd.DataFrame:
    """Landmarks for reading: ``Group, Months, At risk, CIR (95% CI), NRM (95% CI)``."""
    rows = []
    marks = report.landmarks
    for (group, months), part in marks.groupby(["group", "time"], sort=False):
        cells = {}
        for cause in CAUSES:
            r = part[part["cause"] == cause].iloc[0]
            cells[cause] = ("beyond follow-up" if np.isnan(r["cif"])
                            else format_percent_ci(r["cif"], r["ci_lower"], r["ci_upper"]))
        rows.append({"Group": group, "Months": f"{months:g}",
                     "At risk": int(part["n_risk"].iloc[0]), "CIR (95% CI)": cells[1],
                     "NRM (95% CI)": cells[2]})
    return pd.DataFrame(rows)


def answer_sentence(report: CompetingReport) -> str:
    """The page's result in one plain line: the cumulative incidence of relapse of each group
    at the latest landmark every group reaches, Gray's p (and the permutation p a small
    sample reads), and :func:`core.survival.small_sample.verdict`; without groups, relapse
    and death without relapse at that landmark."""
    marks = report.landmarks[report.landmarks["cause"] == 1]
    sizes = dict(report.incidence[1].n)
    reached = [t for t in sorted(marks["time"].unique())
               if not marks[marks["time"] == t]["cif"].isna().any()]
    at = reached[-1] if reached else None
    cir = marks[marks["time"] == at].set_index("group")["cif"] if at is not None else None
    if 1 not in report.tests:
        text = f"{plural(sum(sizes.values()), 'patient')}"
        if at is None:
            return text + ": no landmark within every group's follow-up."
        nrm = report.landmarks[(report.landmarks["cause"] == 2)
                               & (report.landmarks["time"] == at)]["cif"]
        return (f"By {plural(at, 'month')}: relapse {100 * cir.iloc[0]:.1f}%, death without "
                f"relapse {100 * nrm.iloc[0]:.1f}% ({text}).") if len(sizes) == 1 else \
            f"Relapse by {plural(at, 'month')}: " + ", ".join(
                f"{g} {100 * cir[g]:.1f}%" for g in sizes) + " (no Gray's test)."
    parts = [f"Relapse by {plural(at, 'month')}: " + ", ".join(
        f"{g} {100 * cir[g]:.1f}%" for g in sizes)] if at is not None else []
    p = report.tests[1].p_value
    test = f"Gray's p {format_p(p)}"
    if 1 in report.permutation:
        p = report.permutation[1].p_value
        test += f" (permutation {format_p(p)})"
    parts.append(test)
    judged = verdict(p, report.samples.get(1), min(sizes.values()))
    return "; ".join(parts) + f": {judged}."

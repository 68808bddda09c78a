"""Everything the During follow-up page shows for one intervention column, clock and landmark.

:func:`during_follow_up_report` runs the four honest analyses of an intervention during
follow-up (landmark, Simon-Makuch with Mantel-Byar, time-dependent Cox, censor-at-intervention
sensitivity) on one endpoint and keeps, per analysis, either its result or the reason it
cannot be computed (an :class:`~core.errors.AnalysisError` message), so one impossible
analysis (say, nobody treated by the landmark) does not hide the others. The page only
formats and draws. Texts that explain the methods live here too, next to the code they
describe (see ``docs/methods-timedep.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.cohort.schema import ENDPOINTS, INTERVENTION_COLUMNS, LABELS
from core.errors import AnalysisError
from core.style.numbers import format_hr, format_median, format_p, format_percent_ci
from core.survival.endpoint import resolve_endpoint
from core.survival.input import Exclusion
from core.survival.timedep.km import (
    SensitivityResult,
    intervention_sensitivity,
    simon_makuch,
)
from core.survival.timedep.models import (
    LandmarkResult,
    TimeDependentCoxResult,
    counting_process,
    landmark_logrank,
    time_dependent_cox,
)

CLOCKS = {"rfs": "months from maintenance start (the RFS clock)",
          "os": "months from diagnosis (the OS clock)"}
"""Endpoint key -> the clock an intervention time must be on to be analysed with it."""
INTERVENTION_NAMES = {"hsct_months": "HSCT"}
"""Short names of the known intervention columns, for group labels."""
ENDPOINT_COLUMNS = {c for pair in ENDPOINTS.values() for c in pair[:2]}

IMMORTAL_TIME = (
    "Why not simply compare transplanted and non-transplanted patients? Because the "
    "transplant happens during follow-up: a patient counted as \"transplanted\" from time 0 "
    "had to stay alive and relapse-free until the transplant, and those months are credited to "
    "the transplanted group (immortal time), while a patient who relapsed early never had the "
    "chance to be transplanted and counts against the other group. That comparison favours "
    "the intervention even when it does nothing, so this page does not show it.")
WHICH_METHOD = (
    "**Which method answers what.** *Landmark analysis*: among patients still followed at L "
    "months, do those treated by L do better from L on? Simple, with curves read like any "
    "Kaplan-Meier, but the answer depends on L and ignores treatment after L and everyone "
    "whose follow-up ended before L. *Simon-Makuch curves with the Mantel-Byar test*: every "
    "patient counts as untreated until the intervention and treated from then on; the test "
    "compares the event rates of the two statuses among the patients at risk at each event "
    "time, using all follow-up without choosing L (the curves are descriptive; read the test, "
    "not the distance between the curves). *Time-dependent Cox model*: the same comparison as "
    "a hazard ratio with a confidence interval (after vs before or without the intervention), "
    "assuming the ratio is constant over time. *Censoring at the intervention*: how the curve "
    "looks if follow-up stops at the intervention; a sensitivity check, biased when patients "
    "are chosen for the intervention because of their risk. For \"does transplant during "
    "maintenance change relapse-free survival?\" the Mantel-Byar test and the time-dependent "
    "hazard ratio are the primary answer; the landmark analysis is the check that a reader can "
    "see on a plain Kaplan-Meier plot.")


def intervention_name(column: str) -> str:
    """The intervention's short name for labels ("HSCT" for ``hsct_months``)."""
    if column in INTERVENTION_NAMES:
        return INTERVENTION_NAMES[column]
    label = LABELS.get(column, column)
    return label.replace(" (months)", "")


def intervention_options(cohort: pd.DataFrame) -> list[str]:
    """Columns that can hold an intervention time: the known intervention columns first, then
    every other column whose recorded values are all numbers (endpoint columns and the
    patient id excluded). A column is read once per distinct value (a 10^5-row registry
    sample's text columns: ~10 values each, not 10^5)."""
    others = []
    for column in cohort.columns:
        if column in INTERVENTION_COLUMNS or column in ENDPOINT_COLUMNS or \
                column == "patient_id":
            continue
        values = cohort[column].dropna()
        if values.empty or pd.api.types.is_bool_dtype(values):
            continue
        if pd.api.types.is_numeric_dtype(values) or _all_numbers(values):
            others.append(str(column))
    return [c for c in INTERVENTION_COLUMNS if c in cohort.columns] + others


def _all_numbers(values: pd.Series) -> bool:
    """Whether every value of ``values`` (no missing one) reads as a number."""
    try:
        values = pd.Series(values.unique(), dtype=values.dtype)
    except TypeError:  # unhashable cells (lists): read as they are
        pass
    return bool(pd.to_numeric(values, errors="coerce").notna().all())


@dataclass(frozen=True)
class Outcome:
    """One analysis: its result, or the reason it could not be computed."""

    result: object | None
    error: str | None = None


@dataclass(frozen=True)
class DuringFollowUpReport:
    """The four analyses of one intervention on one endpoint.

    Attributes
    ----------
    endpoint : str
        The endpoint's key; the intervention time is on its clock.
    switch_time : str
        The intervention column.
    name : str
        The intervention's short name.
    landmark : float
        L in months.
    n_patients, n_recorded, n_switched, n_at_start, n_after_end : int
        Patients analysed; with an intervention time; switched during follow-up; at or before
        time 0 ("after" from the start); with the time at or after their end of follow-up.
    exclusions : tuple of Exclusion
        Rows left out of every analysis, with the reason.
    landmark_analysis, simon_makuch, cox, sensitivity : Outcome
        Results (:class:`LandmarkResult`, :class:`SimonMakuchResult`,
        :class:`TimeDependentCoxResult`, :class:`SensitivityResult`) or error messages.
    """

    endpoint: str
    switch_time: str
    name: str
    landmark: float
    n_patients: int
    n_recorded: int
    n_switched: int
    n_at_start: int
    n_after_end: int
    exclusions: tuple[Exclusion, ...]
    landmark_analysis: Outcome
    simon_makuch: Outcome
    cox: Outcome
    sensitivity: Outcome

    def notes(self) -> list[str]:
        """Caveats for st.warning."""
        out = []
        if self.n_at_start:
            out.append(f"{self.n_at_start} patient{'s' if self.n_at_start != 1 else ''} had "
                       f"the {self.name} at or before time 0: they count as \"after\" from the "
                       "start (R tmerge does the same); for them it is a baseline fact.")
        if self.n_after_end:
            out.append(f"{self.n_after_end} patient{'s' if self.n_after_end != 1 else ''} "
                       f"had the {self.name} at or after their end of follow-up: not counted "
                       "as treated (an event at the same time as the intervention counts "
                       "before it).")
        if self.n_switched and self.n_switched < 5:
            out.append(f"Only {self.n_switched} patients had the {self.name} during follow-up: "
                       "the tests have little power and the hazard ratio is imprecise.")
        return out


def _attempt(function, *args, **kwargs) -> Outcome:
    try:
        return Outcome(function(*args, **kwargs))
    except AnalysisError as error:
        return Outcome(None, str(error))


def during_follow_up_report(cohort: pd.DataFrame, endpoint: str, switch_time: str,
                            landmark: float, landmark_times=(12, 24),
                            conf_level: float = 0.95) -> DuringFollowUpReport:
    """Run the four analyses of an intervention during follow-up.

    Parameters
    ----------
    cohort : pandas.DataFrame
        The (filtered) cohort, one row per patient.
    endpoint : str or Endpoint
        A survival endpoint without delayed entry (:mod:`core.survival.endpoint`);
        ``switch_time`` must be on its clock (months from its origin).
    switch_time : str
        Column of intervention times (months on the endpoint's clock; empty = never).
    landmark : float
        Landmark L in months.
    landmark_times : sequence of float
        Months at which the sensitivity curves are read.

    Returns
    -------
    DuringFollowUpReport

    Raises
    ------
    AnalysisError
        The endpoint is unknown, no patient has a usable time and event on its clock, or
        the columns cannot be read (then nothing can be shown).
    """
    resolved = resolve_endpoint(cohort, endpoint)
    if resolved.entry is not None or resolved.endpoint.kind != "survival":
        raise AnalysisError(f"{resolved.endpoint.label} cannot be analysed here: the "
                            "methods of this page take no delayed entry or competing events. "
                            "Fix: choose an endpoint without them.")
    cohort, time, event = resolved.frame, resolved.time, resolved.event
    endpoint = resolved.endpoint.key
    name = intervention_name(switch_time)
    process = counting_process(cohort, time, event, switch_time)
    if process.n_patients == 0:
        raise AnalysisError(f"No patient here has a usable {resolved.endpoint.abbreviation} "
                            "time and event "
                            f"(`{time}`, `{event}`), so nothing can be analysed on this clock. "
                            "Fix: choose the other endpoint, or widen the filters.")
    recorded = pd.to_numeric(cohort[switch_time], errors="coerce").notna()
    return DuringFollowUpReport(
        endpoint=endpoint, switch_time=switch_time, name=name, landmark=float(landmark),
        n_patients=process.n_patients, n_recorded=int(recorded.sum()),
        n_switched=process.n_switched, n_at_start=process.n_at_start,
        n_after_end=process.n_after_end, exclusions=process.exclusions,
        landmark_analysis=_attempt(landmark_logrank, cohort, time, event, switch_time,
                                   landmark, name=name, conf_level=conf_level),
        simon_makuch=_attempt(simon_makuch, cohort, time, event, switch_time, name=name,
                              conf_level=conf_level),
        cox=_attempt(time_dependent_cox, cohort, time, event, switch_time,
                     conf_level=conf_level),
        sensitivity=_attempt(intervention_sensitivity, cohort, time, event, switch_time,
                             landmark_times=landmark_times, name=name, conf_level=conf_level))


def landmark_excluded_text(result: LandmarkResult) -> str:
    """'7 patients left out: follow-up ended at or before 6 months (relapse or censoring).'"""
    n = result.n_excluded
    return (f"{n} patient{'s' if n != 1 else ''} left out: follow-up ended at or before the "
            f"landmark of {result.landmark:g} months (event or censoring), so they were not at "
            "risk at L.")


def cox_table(result: TimeDependentCoxResult, name: str) -> pd.DataFrame:
    """The hazard ratio row for the page: term, HR (95% CI), coef, SE, Wald p, counts."""
    row = result.table.iloc[0]
    level = f"{100 * result.conf_level:g}%"
    return pd.DataFrame({
        "Term": [f"after {name} (time-dependent) vs before / without"],
        f"HR ({level} CI)": [f"{format_hr(row['hr'])} ({format_hr(row['hr_lower'])}–"
                             f"{format_hr(row['hr_upper'])})"],
        "coef (log HR)": [f"{row['coef']:.3f}"], "SE": [f"{row['se']:.3f}"],
        "Wald p": [format_p(row["p_value"])], "Patients": [int(row["n"])],
        "Events": [int(row["events"])], "Counting-process rows": [int(row["n_rows"])]})


def sensitivity_table(result: SensitivityResult) -> pd.DataFrame:
    """Both curves side by side, one row each: patients, events, median (95% CI) and the
    Kaplan-Meier estimate (95% CI) at each landmark time ("beyond follow-up" when the curve
    ends earlier)."""
    medians = result.medians.set_index("group")
    out = pd.DataFrame({"Analysis": list(result.groups)})
    out["Patients"] = [int(medians.at[g, "n"]) for g in result.groups]
    out["Events"] = [int(medians.at[g, "events"]) for g in result.groups]
    out["Median, months (95% CI)"] = [
        format_median(*medians.loc[g, ["median", "median_lower", "median_upper"]])
        for g in result.groups]
    rates = result.landmarks
    for t in result.landmark_times:
        cells = []
        for g in result.groups:
            hit = rates[(rates["group"] == g) & (rates["time"] == t)]
            cells.append("beyond follow-up" if hit.empty else format_percent_ci(
                *hit.iloc[0][["survival", "ci_lower", "ci_upper"]]))
        out[f"{t:g} months: % (95% CI)"] = cells
    return out


__all__ = ["CLOCKS", "DuringFollowUpReport", "IMMORTAL_TIME", "Outcome", "WHICH_METHOD",
           "cox_table", "during_follow_up_report", "intervention_name",
           "intervention_options", "landmark_excluded_text", "sensitivity_table"]

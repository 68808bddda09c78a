"""The Cohort page's result in one plain line: who is in the view, what happened to them,
how long they were followed, and where the curves stand at the landmark.

Pure wording: every number comes in already computed (event counts of the Kaplan-Meier fits,
the reverse Kaplan-Meier median follow-up, the landmark estimates), so the line says exactly
what the page's metrics and curves show.
"""

from __future__ import annotations

import math

from core.cohort.text import plural


def _percent(value: float | None) -> str | None:
    if value is None or not math.isfinite(value):
        return None
    return f"{100 * value:.0f}%"


def cohort_answer(n: int, relapses: int | None, deaths: int | None,
                  follow_up: float | None, at_landmark: dict[str, float | None],
                  landmark: float) -> str:
    """One line: "19 patients: 6 relapses and 3 deaths over a median follow-up of 50.0
    months; at 24 months RFS 68%, OS 84%."

    Parameters
    ----------
    n : int
        Patients in the view (after the filters).
    relapses, deaths : int or None
        Events of the RFS and OS fits; None when the endpoint is not recorded.
    follow_up : float or None
        Median follow-up in months (reverse Kaplan-Meier); None or NaN when not available
        or not reached.
    at_landmark : dict of str to float or None
        Kaplan-Meier estimate (0-1) at ``landmark`` per short endpoint name ("RFS", "OS");
        None when the curve does not reach the landmark (left out of the line).
    landmark : float
        Months.

    Returns
    -------
    str

    Examples
    --------
    >>> cohort_answer(19, 6, None, None, {"RFS": 0.684, "OS": None}, 24)
    '19 patients: 6 relapses; at 24 months RFS 68%.'
    """
    events = [plural(count, noun) for count, noun in ((relapses, "relapse"), (deaths, "death"))
              if count is not None]
    text = plural(n, "patient")
    if events:
        text += ": " + " and ".join(events)
        if follow_up is not None and math.isfinite(follow_up):
            text += f" over a median follow-up of {follow_up:.1f} months"
    estimates = [f"{name} {shown}" for name, value in at_landmark.items()
                 if (shown := _percent(value)) is not None]
    if estimates:
        text += f"; at {plural(landmark, 'month')} " + ", ".join(estimates)
    return text + "."


LANDMARK_MONTHS = 24.0
"""The Cohort page's landmark: where its line and metrics read OS and RFS."""


def overview_answer(n: int, reports, follow_up: float | None,
                    landmark: float = LANDMARK_MONTHS) -> str:
    """:func:`cohort_answer` from the Cohort page's Kaplan-Meier reports, the one reading of
    them for the page and the deliverables' baseline section.

    Parameters
    ----------
    n : int
        Patients in the view.
    reports : mapping of str to core.survival.km.summary.SurvivalReport
        Ungrouped reports of ``"rfs"`` and ``"os"`` at the landmark ``(landmark,)``; an
        endpoint left out is not recorded.
    follow_up : float or None
        Median follow-up in months (reverse Kaplan-Meier on the OS clock).
    landmark : float
        Months.
    """
    def events(endpoint: str) -> int | None:
        return sum(reports[endpoint].fit.events.values()) if endpoint in reports else None

    def estimate(endpoint: str) -> float | None:
        if endpoint not in reports or reports[endpoint].landmarks.empty:
            return None
        return float(reports[endpoint].landmarks["survival"].iloc[0])

    return cohort_answer(n, events("rfs"), events("os"), follow_up,
                         {"RFS": estimate("rfs"), "OS": estimate("os")}, landmark)

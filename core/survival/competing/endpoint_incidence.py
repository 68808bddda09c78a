"""The cumulative incidence of any incidence endpoint (a user's own, or CIR/NRM), with delayed
entry where the endpoint has it.

Design: :func:`endpoint_incidence` resolves the endpoint
(:func:`core.survival.endpoint.resolve_endpoint`: status 0 censored, 1 its event, 2 a competing
event), then reads everything from one Aalen-Johansen fit
(:func:`core.survival.competing.estimate.cumulative_incidence`, with the
infinitesimal-jackknife standard error when there is delayed entry) and one count table for
the numbers at risk. Gray's test is added without delayed entry only (R ``cmprsk`` has none).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.errors import AnalysisError
from core.style.plot import tick_times
from core.survival.competing.estimate import (
    CumulativeIncidence,
    cumulative_incidence,
    incidence_at,
)
from core.survival.competing.gray import GrayTestResult, gray_test
from core.survival.endpoint import INCIDENCE, Endpoint, resolve_endpoint
from core.survival.km.counts import survival_counts
from core.survival.km.estimate import counts_at_risk


@dataclass(frozen=True)
class EndpointIncidence:
    """The cumulative incidence of one incidence endpoint.

    Attributes
    ----------
    endpoint : Endpoint
    fit : CumulativeIncidence
        Of the endpoint's event (cause 1), per group.
    at_risk : pandas.DataFrame
        ``group, time, n_risk, cum_events, cum_censored`` at the x-axis ticks (with delayed
        entry: patients who have entered).
    landmarks : pandas.DataFrame
        :func:`core.survival.competing.estimate.incidence_at` at the landmark months.
    gray : GrayTestResult or None
        Without delayed entry and with two or more groups.
    notes : tuple of str
    caption : str
    """

    endpoint: Endpoint
    fit: CumulativeIncidence
    at_risk: pd.DataFrame
    landmarks: pd.DataFrame
    gray: GrayTestResult | None
    notes: tuple[str, ...]
    caption: str


def endpoint_incidence(cohort: pd.DataFrame, endpoint: Endpoint | str, by: str | None = None,
                       landmark_months=(12, 24), tick_step: float = 12
                       ) -> EndpointIncidence:
    """Aalen-Johansen cumulative incidence of ``endpoint`` per group of ``by``.

    Raises
    ------
    AnalysisError
        The endpoint is not an incidence endpoint, or no patient has a usable time.
    """
    resolved = resolve_endpoint(cohort, endpoint)
    endpoint = resolved.endpoint
    if endpoint.kind != INCIDENCE:
        raise AnalysisError(f"{endpoint.label} has no competing event: read it as a survival "
                            "curve on the Survival page.")
    fit = cumulative_incidence(resolved.frame, resolved.time, resolved.status, 1, by,
                               entry=resolved.entry)
    if not len(fit.table):
        raise AnalysisError(f"No patient has a usable time for {endpoint.label}. Fix: widen "
                            "the filters.")
    counts = survival_counts(resolved.frame, resolved.time, resolved.event, by, resolved.entry)
    at_risk = counts_at_risk(counts, tick_times(float(fit.table["time"].max()), tick_step))
    gray = None
    notes = [*resolved.notes, *(e.describe() for e in fit.exclusions)]
    if by is not None and len(fit.groups) >= 2:
        if resolved.entry is None:
            gray = gray_test(resolved.frame, resolved.time, resolved.status, by)
        else:
            notes.append("No Gray's test: it has no delayed entry (R cmprsk has none). Compare "
                         "the curves and their intervals.")
    caption = (f"{endpoint.definition()} Aalen-Johansen estimate; {fit.variance}; "
               f"{fit.method.split('; ')[2]}.")
    return EndpointIncidence(endpoint=endpoint, fit=fit, at_risk=at_risk,
                             landmarks=incidence_at(fit, landmark_months), gray=gray,
                             notes=tuple(notes), caption=caption)

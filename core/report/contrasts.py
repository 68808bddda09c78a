"""The deck's and report's "how big is the difference" section after each Kaplan-Meier
section: the milestone survival difference at the first landmark and the RMST contrasts up to
the horizon, each group against the Survival page's reference group (its expander, in one
table).

Design: numbers from :mod:`core.survival.km.contrasts` (tern ``s_surv_timepoint_diff``,
survRM2 ``rmst2``; tested against R), formatted by
:func:`core.survival.km.contrast_tables.contrast_summary`; the section says what each measure
means in one sentence.
"""

from __future__ import annotations

import pandas as pd

from core.errors import AnalysisError
from core.report.sections import Section
from core.survival.endpoint import Endpoint, resolve_endpoint
from core.survival.km.contrast_tables import contrast_summary
from core.survival.km.contrasts import milestone_difference, rmst_comparison

SHORT = ("Without assuming proportional hazards: survival difference at the landmark and "
         "RMST up to the horizon, against {reference}.")
MEANING = ("How big the difference is, without assuming proportional hazards: survival at the "
           "landmark minus the reference's (percentage points, z-test with Greenwood standard "
           "errors); restricted mean survival time (RMST: mean months without the event up to "
           "the horizon), its difference and ratio, and the ratio of restricted mean time lost "
           "(RMTL), as survRM2 rmst2.")


def contrasts_section(cohort: pd.DataFrame, endpoint: str, by: str | None,
                      groups: list[str], landmark_months, horizon: float,
                      user_endpoints: tuple[Endpoint, ...] = (),
                      reference: str | None = None) -> Section | None:
    """The section for ``endpoint`` grouped by ``by``, each group against ``reference`` (the
    first group when None or not among ``groups``, as on the page); None without two groups.
    Titled "How big the difference is: RFS" (short enough for one line on a slide)."""
    if by is None or len(groups) < 2:
        return None
    reference = reference if reference in groups else groups[0]
    resolved = resolve_endpoint(cohort, endpoint, user_endpoints)
    chosen = resolved.endpoint  # "OS"; "OS, delayed entry at maintenance start"
    title = "How big the difference is: " + ", ".join(filter(None, (
        chosen.abbreviation, chosen.qualifier if chosen.key not in ("os", "rfs") else "")))
    args = (resolved.frame, resolved.time, resolved.event, by)
    try:
        milestone = (milestone_difference(*args, min(landmark_months), reference=reference,
                                          entry=resolved.entry) if landmark_months else None)
        rmst = rmst_comparison(*args, horizon, reference=reference, entry=resolved.entry)
    except AnalysisError as error:
        return Section(title, key=f"contrasts.{endpoint}", warnings=(str(error),))
    notes = tuple(dict.fromkeys([*(milestone.notes if milestone else ()), *rmst.notes]))
    return Section(title, (SHORT.format(reference=reference),),
                   contrast_summary(milestone, rmst), warnings=notes,
                   key=f"contrasts.{endpoint}", notes=(MEANING,))

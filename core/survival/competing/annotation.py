"""How big the difference in cumulative incidence is, next to the curves: each group's
Fine-Gray subdistribution hazard ratio against a reference, in one small table that travels
with a cumulative-incidence figure (the competing-risks counterpart of
:mod:`core.cox.annotation`, tern ``g_km(annot_coxph = TRUE)``).

Design: compute here (:func:`incidence_effects`), format in :meth:`IncidenceEffects.display`;
the figure code takes the formatted table as plain data. The model is
:func:`core.survival.competing.finegray.fine_gray` of the grouping column alone, the reference
level first (R ``crr(ftime, fstatus, model.matrix(~ relevel(factor(by), ref))[, -1],
failcode = cause)``: robust standard errors, Wald interval and p). A level without an event
of the cause, a reference without one, or a fit that does not converge has no hazard ratio: it
is shown as "not estimable" with the reason, never as a number.

References
----------
Fine JP, Gray RJ. A proportional hazards model for the subdistribution of a competing risk.
JASA 1999;94:496-509.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cohort.coding import level_labels
from core.style.numbers import NOT_ESTIMABLE as NOT_ESTIMABLE
from core.survival.competing.finegray import fine_gray
from core.survival.competing.input import STATUS, TIME, competing_data, prepared
from core.survival.effects import effect_rows, reference_group

EFFECT_COLUMNS = ["group", "n", "events", "hr", "hr_lower", "hr_upper", "p_value"]
CAUSE_NOUN = {1: "Relapses", 2: "Deaths without relapse"}


@dataclass(frozen=True)
class IncidenceEffects:
    """Subdistribution hazard ratio of each group against a reference, for one cause.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``group, n, events, hr, hr_lower, hr_upper, p_value``, one row per group in
        display order (``events``: of the cause; the reference's hr is 1 with NaN interval
        and p; NaN where not estimable).
    reference : str
    cause : int
    method : str
        The model, for captions.
    notes : tuple of str
        Why a hazard ratio is not estimable; the model's caveats.
    """

    table: pd.DataFrame
    reference: str
    cause: int
    method: str
    notes: tuple[str, ...] = ()

    def display(self) -> pd.DataFrame:
        """The table as printed under a figure: Group, N, events of the cause,
        SHR (95% CI), p (:func:`core.survival.effects.effect_rows`)."""
        return effect_rows(self.table, self.reference,
                           events=CAUSE_NOUN.get(self.cause, "Events"), ratio="SHR (95% CI)")


def competing_effects(cohort: pd.DataFrame, by: str, cause: int = 1,
                      death_rule: str = "censor", reference: str | None = None
                      ) -> IncidenceEffects:
    """:func:`incidence_effects` on the relapse-free clock of the app's cohort (relapse cause
    1, death without relapse cause 2, placed by ``death_rule``:
    :func:`core.survival.competing.input.prepared`), as the Competing risks page draws it."""
    frame, _ = prepared(cohort, death_rule)
    return incidence_effects(frame, TIME, STATUS, by, cause, reference)


def incidence_effects(df: pd.DataFrame, time: str, status: str, by: str, cause: int = 1,
                      reference: str | None = None, conf_level: float = 0.95
                      ) -> IncidenceEffects:
    """Each group's Fine-Gray subdistribution hazard ratio of ``cause`` against ``reference``.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    time : str
        Follow-up time column (months).
    status : str
        0 censored, 1, 2, ... the cause that ended follow-up.
    by : str
        Grouping column (two or more groups).
    cause : int
        The cause whose incidence is compared (1 relapse on the app's clock).
    reference : str, optional
        Reference group; default the first in display order.
    conf_level : float

    Returns
    -------
    IncidenceEffects

    Raises
    ------
    AnalysisError
        Fewer than two groups, an unknown reference, or no event of the cause.
    """
    groups = list(competing_data(df, time, status, by).groups)
    reference = reference_group(groups, by, reference)
    order = [reference, *(g for g in groups if g != reference)]
    coded = df.assign(**{by: pd.Categorical(_labels(df[by]), categories=order)})
    fit = fine_gray(coded, time, status, [by], cause=cause, conf_level=conf_level)
    table = fit.table
    terms = {g: f"{by}[{g}]" for g in order[1:]}
    counts = {g: (int(table.at[t, "n"]), int(table.at[t, "events"])) for g, t in terms.items()}
    counts[reference] = (fit.n - sum(n for n, _ in counts.values()),
                         fit.events - sum(e for _, e in counts.values()))
    estimates = {reference: (1.0, np.nan, np.nan, np.nan)}
    notes = [w for w in (*fit.warnings, *fit.notes)]
    for g, term in terms.items():
        if term in fit.flagged or counts[reference][1] == 0:
            estimates[g] = (np.nan,) * 4
            continue
        row = table.loc[term]
        estimates[g] = (row["hr"], row["hr_lower"], row["hr_upper"], row["p_value"])
    out = pd.DataFrame({"group": groups,
                        "n": [counts[g][0] for g in groups],
                        "events": [counts[g][1] for g in groups],
                        **{c: [float(estimates[g][k]) for g in groups]
                           for k, c in enumerate(("hr", "hr_lower", "hr_upper", "p_value"))}})
    noun = CAUSE_NOUN.get(cause, "Events").lower()
    method = (f"Subdistribution hazard ratio (SHR) of {noun} against {reference}: Fine-Gray "
              f"model of the grouping alone (R cmprsk::crr, robust standard errors), "
              f"{conf_level:.0%} Wald interval and p.")
    return IncidenceEffects(out[EFFECT_COLUMNS], reference, cause, method,
                            tuple(dict.fromkeys(notes)))


def _labels(values: pd.Series) -> pd.Series:
    """The grouping as the text labels the groups carry (a number 1.0 as "1", via the one
    coder), missing values kept missing."""
    out = pd.Series(pd.NA, index=values.index, dtype=object)
    present = values.notna()
    out[present] = level_labels(values[present])
    return out

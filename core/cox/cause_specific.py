"""Competing-risks regression for the Competing risks page: cause-specific Cox fits next to
Fine-Gray subdistribution fits, with the guardrails of the Cox page.

Design: a cause-specific Cox model of cause k is an ordinary Cox model in which the event is
"status == k" and every other cause is censored at its time; it is fitted by
:func:`core.cox.fit.fit_cox` (Efron ties, Wald inference, its own warnings). The Fine-Gray
model comes from :func:`core.survival.competing.finegray.fine_gray` (R ``cmprsk::crr``).
This module only glues them to the cause codes of
:func:`core.survival.competing.input.prepared`, runs them
univariably (one fit per covariate) or multivariably (one fit), and formats them for the page:
a term whose level (or reference level) has no event of the cause, or whose fit diverges, is
shown as "not estimable", never as a hazard ratio near 0 with a narrow interval.

Cause-specific hazard ratios answer "how fast does the cause occur among patients still free of
every event"; subdistribution hazard ratios answer "how does the cumulative incidence differ".
With a competing risk the two may disagree; both are shown, named.

References
----------
Putter H, Fiocco M, Geskus RB. Tutorial in biostatistics: competing risks and multi-state
models. Stat Med 2007;26:2389-2430. Latouche A, Allignol A, Beyersmann J, Labopin M, Fine JP.
A competing risks analysis should report results on all cause-specific hazards and cumulative
incidence functions. J Clin Epidemiol 2013;66:648-653.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cohort.columns import check_covariate_levels
from core.cohort.schema import BY_NAME
from core.cox.display import format_hr
from core.cox.fit import DIVERGENT_COEF, CoxResult, fit_cox
from core.errors import AnalysisError, Caveats
from core.style.numbers import format_p
from core.survival.competing.finegray import FineGrayResult, fine_gray
from core.survival.competing.input import STATUS, TIME, prepared

CAUSE_EVENT = {1: "relapse (cause-specific event)",
               2: "death without relapse (cause-specific event)"}
"""The event column of each cause-specific fit, named for what it counts (never an internal
name such as ``_cause_event`` in a message)."""

NOT_ESTIMABLE = "not estimable"


@dataclass(frozen=True)
class CompetingModels:
    """Fine-Gray and cause-specific Cox fits of one cause.

    Attributes
    ----------
    cause : int
    fine_gray : tuple of FineGrayResult
        One per covariate (univariable) or one (multivariable).
    cause_specific : tuple of CoxResult
        The same layout, cause-specific Cox.
    errors : tuple of str
        Fits that could not be made (e.g. a covariate with one value), with the reason.
    """

    cause: int
    fine_gray: tuple[FineGrayResult, ...]
    cause_specific: tuple[CoxResult, ...]
    errors: tuple[str, ...]

    @property
    def caveats(self) -> Caveats:
        """Every fit's warnings (must not be read) and notes (read with care), each once; the
        cause-specific ones start with "Cause-specific Cox: " (:class:`core.errors.Caveats`)."""
        return (Caveats.of(self.fine_gray)
                + Caveats.of(self.cause_specific).prefixed("Cause-specific Cox: "))

    @property
    def warnings(self) -> tuple[str, ...]:
        """What must not be read (:attr:`caveats`)."""
        return self.caveats.warnings

    @property
    def notes(self) -> tuple[str, ...]:
        """What to read with care (:attr:`caveats`)."""
        return self.caveats.notes


def cause_specific_cox(cohort: pd.DataFrame, covariates: Sequence[str], cause: int = 1,
                       death_rule: str = "censor", conf_level: float = 0.95) -> CoxResult:
    """Cause-specific Cox model of ``cause`` on the relapse-free clock (other causes censored).

    Parameters
    ----------
    cohort : pandas.DataFrame
    covariates : sequence of str
    cause : int
        1 relapse, 2 death without relapse.
    death_rule : {"censor", "end_of_rfs"}
    conf_level : float

    Returns
    -------
    CoxResult
        From :func:`core.cox.fit.fit_cox` with event ``status == cause``.
    """
    frame, _ = prepared(cohort, death_rule)
    check_covariate_levels(frame, covariates)  # the group cap, before any level is expanded
    event = CAUSE_EVENT[cause]  # a name a reader understands when a message cites the column
    frame[event] = (frame[STATUS] == cause).astype(float).where(frame[STATUS].notna())
    return fit_cox(frame, TIME, event, list(covariates), conf_level=conf_level)


def competing_models(cohort: pd.DataFrame, covariates: Sequence[str], cause: int = 1,
                     multivariable: bool = False, death_rule: str = "censor"
                     ) -> CompetingModels:
    """Fine-Gray and cause-specific Cox fits, univariable per covariate or one multivariable."""
    if not covariates:
        raise AnalysisError("Choose at least one covariate for the regression models.")
    frame, _ = prepared(cohort, death_rule)
    sets = [list(covariates)] if multivariable else [[c] for c in covariates]
    fg, cs, errors = [], [], []
    for columns in sets:
        try:
            fg.append(fine_gray(frame, TIME, STATUS, columns, cause=cause))
            cs.append(cause_specific_cox(cohort, columns, cause, death_rule))
        except AnalysisError as error:
            errors.append(f"{', '.join(columns)}: {error}")
            fg = fg[:len(cs)]
    return CompetingModels(cause=cause, fine_gray=tuple(fg), cause_specific=tuple(cs),
                           errors=tuple(errors))


def cox_flagged(result: CoxResult) -> tuple[str, ...]:
    """Terms of a cause-specific Cox fit not to be shown as a hazard ratio: a level (or its
    reference) without events, a diverging coefficient, or a fit that did not converge."""
    if not result.converged:
        return tuple(result.table.index)
    out = set(result.table.index[(result.table["coef"].abs() > DIVERGENT_COEF)
                                 | ~np.isfinite(result.table["se"])])
    for enc in result.encodings:
        if enc.kind != "categorical":
            continue
        events = result.table.loc[list(enc.terms), "events"]
        out |= set(events.index[events == 0])
        reference_events = result.events - int(events.sum())
        if reference_events == 0:
            out |= set(enc.terms)
    return tuple(t for t in result.table.index if t in out)


def term_label(term: str) -> str:
    """'MRD before maintenance: positive' for 'mrd_pre_status[positive]'; labels numeric terms."""
    column, _, level = term.partition("[")
    label = BY_NAME[column].label if column in BY_NAME else column
    return f"{label}: {level.rstrip(']')}" if level else label


def _cells(hr, lower, upper, p, flagged: bool) -> tuple[str, str, str]:
    if flagged:
        return NOT_ESTIMABLE, "–", "–"
    return format_hr(hr), f"{format_hr(lower)}–{format_hr(upper)}", format_p(p)


def models_table(models: CompetingModels) -> pd.DataFrame:
    """One display row per term: ``Term``, ``Events with level``, ``SHR (Fine-Gray)``,
    ``SHR 95% CI``, ``SHR p``, ``CSHR (cause-specific Cox)``, ``CSHR 95% CI``, ``CSHR p``."""
    rows = []
    for fg, cs in zip(models.fine_gray, models.cause_specific, strict=True):
        cs_flagged = set(cox_flagged(cs))
        for term, row in fg.table.iterrows():
            c = cs.table.loc[term] if term in cs.table.index else None
            shr = _cells(row["hr"], row["hr_lower"], row["hr_upper"], row["p_value"],
                         term in fg.flagged)
            cshr = (_cells(c["hr"], c["hr_lower"], c["hr_upper"], c["p_value"],
                           term in cs_flagged) if c is not None else ("–", "–", "–"))
            rows.append({"Term": term_label(str(term)), "Events with level": int(row["events"]),
                         "SHR (Fine-Gray)": shr[0], "SHR 95% CI": shr[1], "SHR p": shr[2],
                         "CSHR (cause-specific Cox)": cshr[0], "CSHR 95% CI": cshr[1],
                         "CSHR p": cshr[2]})
    return pd.DataFrame(rows)


def forest_table(models: CompetingModels) -> pd.DataFrame:
    """Fine-Gray terms for :func:`core.cox.figures.forest_figure`; flagged terms get no
    estimate (NaN), so no marker near 0 with a narrow whisker is drawn."""
    parts = []
    for fg in models.fine_gray:
        table = fg.table[["hr", "hr_lower", "hr_upper", "p_value", "n", "events"]].copy()
        for term in fg.flagged:
            table.loc[term, ["hr", "hr_lower", "hr_upper", "p_value"]] = math.nan
        parts.append(table)
    if not parts:
        return pd.DataFrame(columns=["hr", "hr_lower", "hr_upper", "p_value", "n", "events"])
    out = pd.concat(parts)
    out.index = [term_label(str(t)) for t in out.index]
    return out

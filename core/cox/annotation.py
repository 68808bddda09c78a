"""How big the difference is, next to the curves: each group's hazard ratio against a reference
and its median, in one small table that travels with a Kaplan-Meier figure (tern ``g_km`` with
``annot_coxph = TRUE``, survminer's median annotation).

Design: compute here, format in :meth:`GroupEffects.display`, draw in
:func:`core.survival.figures.km.km_figure` (which takes the formatted table as plain data). The
hazard ratios are the univariable Cox model of the grouping column with the chosen reference
level (:func:`core.cox.fit_cox`, Efron ties, Wald interval and p: R ``coxph(Surv(time, event) ~
relevel(factor(by), ref))``); the medians are :func:`core.survival.km.estimate.medians` (R
``print.survfit``, log-log interval). A level with no event, or a reference with none, has no
finite hazard ratio: it is shown as "not estimable" with the reason, never as a number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cohort.coding import level_labels
from core.cox.fit import fit_cox
from core.errors import AnalysisError
from core.style.numbers import NOT_ESTIMABLE as NOT_ESTIMABLE
from core.style.numbers import format_median
from core.survival.effects import effect_rows, reference_group
from core.survival.endpoint import Endpoint, resolve_endpoint
from core.survival.km.estimate import kaplan_meier, medians

EFFECT_COLUMNS = ["group", "n", "events", "median", "median_lower", "median_upper", "hr",
                  "hr_lower", "hr_upper", "p_value"]


@dataclass(frozen=True)
class GroupEffects:
    """Hazard ratio against a reference and median survival, per group.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``group, n, events, median, median_lower, median_upper, hr, hr_lower,
        hr_upper, p_value``, one row per group in display order (months; the reference's hr
        is 1 with NaN interval and p; NaN hazard ratios where not estimable).
    reference : str
    method : str
        The model, for captions.
    notes : tuple of str
        Why a hazard ratio is not estimable; the model's caveats.
    """

    table: pd.DataFrame
    reference: str
    method: str
    notes: tuple[str, ...] = ()

    def display(self) -> pd.DataFrame:
        """The table as printed under or on a figure: Group, N, Events, Median (95% CI),
        HR (95% CI) with three significant digits, p
        (:func:`core.survival.effects.effect_rows`)."""
        return effect_rows(self.table, self.reference, between=lambda r: {
            "Median, months (95% CI)": format_median(r.median, r.median_lower,
                                                     r.median_upper)})


def group_effects(df, time: str, event: str, by: str, reference: str | None = None,
                  conf_level: float = 0.95, entry: str | None = None) -> GroupEffects:
    """Each group's Cox hazard ratio against ``reference`` and its median survival.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    time, event : str
        Follow-up time (months) and event indicator.
    by : str
        Grouping column (two or more groups).
    reference : str, optional
        Reference group; default the first in display order (schema order, e.g. ELN
        favorable).
    conf_level : float
        Level of the intervals.
    entry : str, optional
        Column of delayed-entry times (R ``Surv(entry, time, event)``) for both the curves
        and the Cox model.

    Returns
    -------
    GroupEffects
    """
    fit = kaplan_meier(df, time, event, by, conf_level, entry=entry)
    groups = list(fit.groups)
    reference = reference_group(groups, by, reference)
    table = medians(fit).set_index("group")
    notes: list[str] = []
    hr = pd.DataFrame(np.nan, index=groups, columns=["hr", "hr_lower", "hr_upper", "p_value"])
    hr.loc[reference, "hr"] = 1.0
    if fit.events[reference] == 0:
        notes.append(f"No event in the reference group {reference}: no hazard ratio can be "
                     "estimated against it. Fix: choose a reference group with events.")
    else:
        frame = _as_text(df, by)
        cox = fit_cox(frame, time, event, [by], conf_level=conf_level,
                      reference={by: reference}, entry=entry)
        # a level without events drives the fit's non-convergence (its coefficient runs to
        # -inf); the other levels' estimates are still R's. Anything else: not estimable.
        separated = any(fit.events[g] == 0 for g in groups if g != reference)
        for g in groups:
            term = f"{by}[{g}]"
            if g == reference or term not in cox.table.index:
                continue
            if fit.events[g] == 0:
                notes.append(f"{g}: no event, so its hazard ratio against {reference} is not "
                             "estimable (the estimate runs off to 0).")
                continue
            if not cox.converged and not separated:
                notes.append(f"{g}: the Cox fit did not converge; not estimable.")
                continue
            row = cox.table.loc[term]
            hr.loc[g] = [row["hr"], row["hr_lower"], row["hr_upper"], row["p_value"]]
        notes += [w for w in (*cox.warnings, *cox.notes) if w not in notes]
    out = pd.DataFrame({"group": groups,
                        "n": [fit.n[g] for g in groups],
                        "events": [fit.events[g] for g in groups],
                        "median": table.loc[groups, "median"].to_numpy(float),
                        "median_lower": table.loc[groups, "median_lower"].to_numpy(float),
                        "median_upper": table.loc[groups, "median_upper"].to_numpy(float),
                        **{c: hr.loc[groups, c].to_numpy(float) for c in hr.columns}})
    method = (f"Hazard ratio against {reference}: univariable Cox model (Efron ties), "
              f"{conf_level:.0%} Wald interval and p. Median: Kaplan-Meier, "
              f"{conf_level:.0%} log-log interval (Brookmeyer-Crowley)."
              + (" Both with delayed entry (R Surv(entry, time, event))." if entry else ""))
    return GroupEffects(out[EFFECT_COLUMNS], reference, method, tuple(notes))


def _as_text(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """The grouping column as text labels (a numeric 0/1 group is a category here, not a
    number per unit), labelled as the Kaplan-Meier groups are."""
    values = df[by]
    if isinstance(values.dtype, pd.CategoricalDtype) or not \
            pd.api.types.is_numeric_dtype(values):
        return df
    labels = pd.Series(np.where(values.notna(), None, None), index=df.index, dtype=object)
    present = values.notna()
    labels[present] = level_labels(values[present])
    return df.assign(**{by: labels})


def km_effects(cohort: pd.DataFrame, endpoint: Endpoint | str, by: str | None,
               reference: str | None = None, user_endpoints: tuple[Endpoint, ...] = ()
               ) -> GroupEffects | None:
    """:func:`group_effects` of an endpoint's curves by ``by`` (an :class:`Endpoint` or its
    key; with its delayed entry, if any), or None when there is nothing to compare (no
    grouping, fewer than two groups) or the data cannot give it (the reason is then on the
    page with the curves)."""
    if by is None or by not in cohort.columns:
        return None
    try:
        resolved = resolve_endpoint(cohort, endpoint, user_endpoints)
        return group_effects(resolved.frame, resolved.time, resolved.event, by, reference,
                             entry=resolved.entry)
    except AnalysisError:
        return None

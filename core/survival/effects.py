"""The effect table that travels with a figure's curves, in one shape for every model: each
group against a reference, as tern ``g_km(annot_coxph = TRUE)`` prints it.

Design: :mod:`core.cox.annotation` (Cox hazard ratios and medians under a Kaplan-Meier figure)
and :mod:`core.survival.competing.annotation` (Fine-Gray subdistribution hazard ratios under a
cumulative-incidence figure) compute their own numbers and share what a reader sees: the same
checks of the grouping and its reference (:func:`reference_group`) and the same rows
(:func:`effect_rows`: Group, N, events, the ratio with its interval in three significant
digits by :func:`core.style.numbers.format_hr`, p; "1 (reference)" and "not estimable" as
:func:`core.style.numbers.ratio_cells` writes them). Formatting only: nothing is computed here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from core.errors import AnalysisError
from core.style.numbers import ratio_cells


def reference_group(groups: Sequence[str], by: str, reference: str | None) -> str:
    """The reference group: ``reference`` (default the first group in display order).

    Raises
    ------
    AnalysisError
        Fewer than two groups, or a reference that is not one of them.

    Examples
    --------
    >>> reference_group(["favorable", "adverse"], "eln2022_risk", None)
    'favorable'
    """
    if len(groups) < 2:
        raise AnalysisError(f"Hazard ratios compare groups; `{by}` has {len(groups)} group "
                            "with patients here. Fix: widen the filters or choose another "
                            "grouping.")
    reference = groups[0] if reference is None else str(reference)
    if reference not in groups:
        raise AnalysisError(f"Reference group {reference!r} is not among the groups of `{by}` "
                            f"({', '.join(groups)}). Fix: choose one of them.")
    return reference


def effect_rows(table: pd.DataFrame, reference: str, *, events: str = "Events",
                ratio: str = "HR (95% CI)",
                between: Callable[[tuple], dict[str, str]] | None = None) -> pd.DataFrame:
    """An effect table as printed under or on a figure.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``group, n, events, hr, hr_lower, hr_upper, p_value`` (NaN ratio: not
        estimable), one row per group in display order.
    reference : str
        The reference group (its row reads "1 (reference)").
    events, ratio : str
        Headers of the events column ("Relapses") and of the ratio column ("SHR (95% CI)").
    between : callable, optional
        A row (namedtuple of ``table``) -> cells shown between the events and the ratio
        (the median of a Kaplan-Meier table).

    Returns
    -------
    pandas.DataFrame
        ``Group, N, <events>, [between], <ratio>, p``.
    """
    rows = []
    for r in table.itertuples():
        cell, p = ratio_cells(r.hr, r.hr_lower, r.hr_upper, r.p_value,
                              reference=r.group == reference)
        rows.append({"Group": r.group, "N": int(r.n), events: int(r.events),
                     **(between(r) if between else {}), ratio: cell, "p": p})
    return pd.DataFrame(rows)

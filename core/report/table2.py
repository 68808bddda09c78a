"""The deck's and report's "Table 2": univariable and multivariable hazard ratios side by side.

Design: one :class:`~core.report.sections.Section` built from :func:`core.cox.table2.fit_table2`
with the Cox page's endpoint, covariates, stratum, ties, reference levels and age unit (as the
deck's Cox section, :func:`core.report.sections.cox_choices`), printed as
:meth:`core.cox.table2.Table2.display` prints it on the page, so the slide, the HTML report,
projector mode and the page's CSV/XLSX/Word files show the same numbers. Its notes (a level
without events, the patients the multivariable model leaves out) are the section's caveats;
the method sentence is its small print.
"""

from __future__ import annotations

import pandas as pd

from core.cohort.schema import LABELS
from core.errors import AnalysisError
from core.report.sections import (
    NO_COVARIATES,
    ReportChoices,
    Section,
    cox_choices,
    cox_columns,
)


def table2_section(cohort: pd.DataFrame, choices: ReportChoices) -> Section:
    """Table 2 of the Cox page's covariates for ``choices.cox_endpoint``.

    Returns
    -------
    Section
        Key ``"table2"``; without a table (a caveat saying why) when no model can be fitted.
    """
    from core.cox.table2 import fit_table2

    endpoint = choices.find(choices.cox_endpoint)
    title = f"Table 2: hazard ratios for {endpoint.title(abbreviation=False)}"
    covariates, strata = cox_columns(cohort, choices)
    if not covariates:
        return Section(title, key="table2", warnings=(f"No Table 2: {NO_COVARIATES}",))
    try:
        resolved = choices.resolve(cohort, endpoint.key)  # its derived time and entry too
        page = cox_choices(choices, endpoint, covariates, strata, None)
        result = fit_table2(resolved.frame, resolved.time, resolved.event, covariates,
                            ties=page.ties, reference=dict(page.reference),
                            scale=dict(page.scale), strata=strata,
                            labels={c: LABELS.get(c, c) for c in (*covariates, strata) if c},
                            entry=resolved.entry)
    except AnalysisError as error:
        return Section(title, key="table2", warnings=(str(error),))
    model = result.multivariable
    return Section(
        title, (f"Cox models, one per characteristic and all together ({model.n:,} patients, "
                f"{model.events:,} events); Wald p per level, LR p per characteristic.",),
        result.display(), warnings=result.notes, key="table2", notes=(result.method,))

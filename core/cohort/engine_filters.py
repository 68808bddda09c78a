"""The sidebar's cohort filter compiled to an engine's ``WHERE`` clause.

Design: :func:`filter_source` applies a :class:`core.cohort.filters.CohortFilter` to a
:class:`core.cohort.engine.CohortSource` with the rules of :meth:`CohortFilter.apply` (keep the
rows that satisfy every active part; a row with no value in a filtered column is left out and
counted for that column, in the order the parts are applied), as one Ibis predicate, so the
rows never leave the engine; the counts come from one aggregate query. A co-mutation list is
the canonical ``"GENE1; GENE2"`` text (or ``"none"``), matched as ``'; ' || list || '; '``
containing ``'; GENE; '``. A part on a column the source does not have is not applied (the
sidebar offers filters only for the columns a cohort has).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.cohort.engine import CohortSource, count_true, missing
from core.cohort.filters import CATEGORY_FIELDS, CohortFilter, FilterResult


@dataclass(frozen=True, eq=False)
class SourceFilterResult:
    """The outcome of :func:`filter_source`.

    Attributes
    ----------
    source : CohortSource
        The rows kept (a ``WHERE`` on the original source).
    n_total, n : int
        Rows before and after filtering.
    missing : tuple of (str, int)
        Per filtered column, rows left out because their value is missing.
    """

    source: CohortSource
    n_total: int
    n: int
    missing: tuple[tuple[str, int], ...] = ()

    def notes(self) -> list[str]:
        """The same sentences as :meth:`core.cohort.filters.FilterResult.notes`."""
        return FilterResult(cohort=pd.DataFrame(), n_total=self.n_total,
                            missing=self.missing).notes()


def filter_source(source: CohortSource, cohort_filter: CohortFilter) -> SourceFilterResult:
    """Apply ``cohort_filter`` to ``source`` in the engine.

    Parameters
    ----------
    source : CohortSource
    cohort_filter : CohortFilter

    Returns
    -------
    SourceFilterResult
    """
    t = source.table
    keep = None
    parts = []  # (name, missing-and-still-kept expression)

    def restrict(name, matches, is_missing):
        nonlocal keep
        newly = is_missing if keep is None else keep & is_missing
        parts.append((name, newly))
        kept = matches.fill_null(False) & ~is_missing
        keep = kept if keep is None else keep & kept

    for name in CATEGORY_FIELDS:
        wanted = getattr(cohort_filter, name)
        if wanted and name in source.columns:
            restrict(name, t[name].cast("string").isin(list(wanted)), missing(t, name))
    if (cohort_filter.age_min is not None or cohort_filter.age_max is not None) \
            and "age" in source.columns:
        inside = t["age"].notnull()
        if cohort_filter.age_min is not None:
            inside &= t["age"] >= cohort_filter.age_min
        if cohort_filter.age_max is not None:
            inside &= t["age"] <= cohort_filter.age_max
        restrict("age", inside, missing(t, "age"))
    if cohort_filter.co_mutations and "co_mutations" in source.columns:
        padded = "; " + t["co_mutations"].cast("string") + "; "
        tests = [padded.contains(f"; {gene}; ") for gene in cohort_filter.co_mutations]
        found = tests[0]
        for test in tests[1:]:
            found = (found & test) if cohort_filter.co_mutation_mode == "all" else (found | test)
        restrict("co_mutations", found, missing(t, "co_mutations"))
    if keep is None:
        return SourceFilterResult(source, source.n_rows(), source.n_rows())
    tallies = source.aggregate(n_total=t.count(), n=count_true(keep),
                               **{f"m{k}": count_true(e) for k, (_, e) in enumerate(parts)})
    gone = tuple((name, int(tallies[f"m{k}"])) for k, (name, _) in enumerate(parts)
                 if tallies[f"m{k}"])
    return SourceFilterResult(source.where(keep), int(tallies["n_total"]), int(tallies["n"]),
                              gone)

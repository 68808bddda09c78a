"""The frames a page works on, kept between runs and known by keys (digest once).

:func:`ui.shell.page_setup` gets the filtered cohort from here. At 10^6 rows, filtering takes
about a second and so does hashing the rows for a cached wrapper's key, and a page run calls
several wrappers: so the filtered cohort is kept in this session between runs
(:func:`ui.session_cache.kept`) and known by a key derived from the cohort's digest (computed
once per cohort object) and the filter (:func:`ui.session_cache.remember`); a frame derived
from it (custom groups, pseudonyms) gets a key of its own the same way.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.cohort.filters import CohortFilter, FilterResult
from core.survival.km.summary import stratifier_options
from ui import session_cache
from ui.registry import registry_path, sample


def filtered(cohort: pd.DataFrame, cohort_filter: CohortFilter) -> FilterResult:
    """``cohort_filter.apply(cohort)``, kept in this session between runs and known by a key
    derived from the cohort's digest and the filter, so neither a rerun nor a cached wrapper
    filters or hashes the rows again. Without an active filter: the cohort itself, no copy."""
    key = session_cache.derived_key("filtered", session_cache.frame_key(cohort), cohort_filter)

    def build() -> FilterResult:
        if not cohort_filter.is_active():
            return FilterResult(cohort=cohort, n_total=len(cohort))
        result = cohort_filter.apply(cohort)
        session_cache.remember(result.cohort, key)
        return result

    return session_cache.kept("filtered", key, build)


def registry_sample(cohort_filter: CohortFilter) -> pd.DataFrame:
    """The registry's sample for ``cohort_filter`` (a fresh copy from ``st.cache_data`` on each
    run), known by a key derived from the file (path, size, modification time) and the filter,
    so the wrappers do not hash its rows."""
    path = registry_path()
    stat = Path(path).stat()
    return session_cache.remember(sample(path, cohort_filter), session_cache.derived_key(
        "registry sample", path, stat.st_size, stat.st_mtime_ns, cohort_filter))


def stratifiers(cohort: pd.DataFrame) -> list[str]:
    """:func:`core.survival.km.summary.stratifier_options` of a page's cohort, kept per cohort
    key in this session (:func:`ui.session_cache.per_frame`)."""
    return session_cache.per_frame("stratifiers", cohort, stratifier_options)

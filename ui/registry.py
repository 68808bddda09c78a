"""Registry mode: a server-side cohort file, opened in DuckDB and never loaded whole.

Design: when the environment variable :data:`ENV` names a Parquet or CSV file
(``RRE_REGISTRY_PATH=/data/registry.parquet streamlit run app.py``), every page works on that
file through :func:`core.cohort.open_cohort` instead of the embedded cohort; uploads are off
(a registry is too big for a browser upload; it is read where it lies on the server). The
sidebar filters compile to the engine's ``WHERE``
(:func:`core.cohort.engine_filters.filter_source`),
the header's counts, the Cohort page's baseline table, the Survival page's statistics and the
Cox model of categorical covariates and the median follow-up are computed in the engine.
Views that need patient rows get a seeded random sample of at most :data:`SAMPLE_ROWS`
filtered rows (rows ordered by a seeded hash of ``patient_id``, so the same filter always gives
the same rows), named on screen by :func:`sample_note`. The sample is fetched lazily: a page's
:class:`RegistryRows` holds the engine's counts and fetches the rows the first time a view
reads ``cohort`` (a page that needs only counts never scans for them; issue 24 measured 14 s
per new filter at 10^7 rows). Pages read columns and options from :func:`columns_view`, which
fetches no sample. Engine objects are kept with ``st.cache_resource`` (one DuckDB connection
per file and server process); small results with ``st.cache_data``; the samples with a small
cache (:data:`SAMPLES_KEPT`), as each holds up to 10^5 rows. A sample is validated as an
upload is, but a new filter's sample is taken from the candidate rows validated once per
server (:mod:`core.cohort.sample_pool`: the same frame, no gatekeeper run per filter).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import pandas as pd
import streamlit as st

from core.cohort.engine import CohortSource, key_candidates, open_cohort, seeded_sample
from core.cohort.engine_baseline import distinct_frame, engine_baseline
from core.cohort.engine_filters import filter_source
from core.cohort.filters import CATEGORY_FIELDS, CohortFilter, FilterResult
from core.cohort.sample_pool import ValidatedPool, pool_sample, validated_pool
from core.cohort.schema import ENDPOINTS
from core.cohort.text import markdown_safe
from core.cohort.validate import validate_cohort
from core.cox.counts import CountCoxResult, cox_from_counts
from core.cox.display import NUMERIC_COVARIATES
from core.survival.km.followup import FollowUp, follow_up_from_fit
from core.survival.km.summary import SurvivalReport, survival_report
from ui import cached
from ui.overview import follow_up as memory_follow_up

ENV = "RRE_REGISTRY_PATH"
SAMPLE_ROWS = 100_000
SAMPLE_SEED = 2026
SAMPLES_KEPT = 3
"""Samples kept per server process (each up to :data:`SAMPLE_ROWS` rows, ~100 MB at 10^5)."""
PROFILE_ROWS = 5_000
"""Rows :func:`columns_view` reads (the Cohort page's first rows: one engine query for both)."""
FILTER_COLUMNS = (*CATEGORY_FIELDS, "co_mutations", "age")


@dataclass(frozen=True, eq=False)
class RegistrySelection:
    """The filtered registry of a page run.

    Attributes
    ----------
    source : CohortSource
        The filtered rows (a ``WHERE`` in the engine).
    n, n_total : int
        Rows after and before the filters (``COUNT`` in the engine).
    missing : tuple of (str, int)
        Rows left out per filtered column for a missing value.
    path : str
        The registry file.
    """

    source: CohortSource
    n: int
    n_total: int
    missing: tuple[tuple[str, int], ...]
    path: str


def registry_path() -> str | None:
    """The registry file named by :data:`ENV`, or None (the app's usual in-memory mode)."""
    return os.environ.get(ENV) or None


@st.cache_resource(show_spinner=False)
def _open(path: str) -> CohortSource:
    return open_cohort(path)


@st.cache_data(show_spinner=False)
def filter_frame(path: str) -> pd.DataFrame:
    """The distinct values of every filter column (absent columns empty): what the sidebar
    needs to offer its filters, computed in the engine."""
    source = _open(path)
    present = [c for c in FILTER_COLUMNS if c in source.columns]
    frame = distinct_frame(source, present)
    for column in FILTER_COLUMNS:
        if column not in frame:
            frame[column] = pd.Series([None] * len(frame), dtype=object)
    return frame


@st.cache_resource(show_spinner=False, max_entries=32)
def select(path: str, cohort_filter: CohortFilter) -> RegistrySelection:
    """The registry's rows kept by ``cohort_filter``, with the counts of the header."""
    kept = filter_source(_open(path), cohort_filter)
    return RegistrySelection(kept.source, kept.n, kept.n_total, kept.missing, path)


@st.cache_data(show_spinner="Fetching a sample of the registry...", max_entries=SAMPLES_KEPT)
def sample(path: str, cohort_filter: CohortFilter) -> pd.DataFrame:
    """At most :data:`SAMPLE_ROWS` filtered rows, chosen by a hash of ``patient_id`` seeded
    with :data:`SAMPLE_SEED`, validated as an uploaded cohort, ordered by ``patient_id``."""
    selection = select(path, cohort_filter)
    pool = _candidates(path)
    kept = None if pool is None else filter_source(pool, cohort_filter).source
    validated = _validated(path)
    if validated is not None and selection.n > SAMPLE_ROWS:
        rows = pool_sample(validated, kept, SAMPLE_ROWS)
        if rows is not None:  # the candidates' rows, validated once per server
            return rows
        kept = None  # too few candidates: the source is scanned
    rows = seeded_sample(selection.source, selection.n, SAMPLE_ROWS, SAMPLE_SEED, kept)
    return validate_cohort(rows)


@st.cache_resource(show_spinner="Indexing the registry for samples...")
def _candidates(path: str) -> CohortSource | None:
    """:func:`core.cohort.engine.key_candidates` of the registry (once per server process:
    the seeded keys do not depend on the filter), so that a new filter's sample is cut from
    ~4 x :data:`SAMPLE_ROWS` rows held by the engine instead of a hash of every row."""
    source = _open(path)
    return key_candidates(source, source.n_rows(), SAMPLE_ROWS, SAMPLE_SEED)


@st.cache_resource(show_spinner="Checking the registry's sample rows...")
def _validated(path: str) -> ValidatedPool | None:
    """:func:`core.cohort.sample_pool.validated_pool` of the candidates: validated once per
    server process (~4 CPU s, ~100 MB at 4 x 10^5 rows), so that a new filter's sample is
    taken from validated rows instead of validating 10^5 rows again (~0.9 CPU s)."""
    return validated_pool(_candidates(path))


class RegistryRows:
    """A page's filtered patients in registry mode, as a :class:`FilterResult` reads: the
    engine's counts at once, the seeded :func:`sample` only when a view reads ``cohort``.

    Parameters
    ----------
    selection : RegistrySelection
    fetch : callable
        Returns the sample (:func:`sample` of the page's filter, ``ui.frames.registry_sample``).
    empty : pandas.DataFrame
        The rows of an empty selection (no sample is fetched when no row is kept).
    shown : callable
        Applied to the sample's rows (what the user's role may see).
    """

    def __init__(self, selection: RegistrySelection, fetch: Callable[[], pd.DataFrame],
                 empty: pd.DataFrame, shown: Callable[[pd.DataFrame], pd.DataFrame]):
        self.selection, self._fetch, self._empty, self._shown = selection, fetch, empty, shown
        self.n_total, self.missing = selection.n_total, selection.missing

    @property
    def n(self) -> int:
        """Filtered rows (``COUNT`` in the engine), not the sample's size."""
        return self.selection.n

    slot = None
    """Where the page's header says, once the sample is read, that the page uses it
    (a Streamlit ``st.empty``, set by the header)."""

    @cached_property
    def cohort(self) -> pd.DataFrame:
        """The seeded sample (fetched, or taken from the cache, on first read); the header's
        :attr:`slot` then names it (:func:`sample_note`)."""
        rows = self._fetch() if self.n else self._empty
        if self.slot is not None and self.n:
            self.slot.info(sample_note(self.selection, rows), icon=":material/shuffle:")
        return self._shown(rows)

    def notes(self) -> list[str]:
        """As :meth:`FilterResult.notes`: the rows left out for a missing value."""
        return FilterResult(self._empty, self.n_total, self.missing).notes()


def columns_view(view) -> pd.DataFrame:
    """The frame a page reads its columns and options from (which endpoints, which columns
    to group by): the cohort in memory; in registry mode the first :data:`PROFILE_ROWS`
    rows of the whole registry by patient id (fetches no sample)."""
    registry = getattr(view, "registry", None)
    if registry is None:
        return view.cohort
    return first_rows(registry.path, CohortFilter(), PROFILE_ROWS)


def follow_up(view, os_report: SurvivalReport) -> FollowUp:
    """The median follow-up (reverse Kaplan-Meier, OS clock) of the page's cohort: in
    registry mode read off the counts of ``os_report`` (the page's unstratified OS curve,
    every filtered row, no second scan), else from the rows in memory."""
    if getattr(view, "registry", None) is None:
        return memory_follow_up(view.cohort)
    return follow_up_from_fit(os_report.fit)


@st.cache_data(show_spinner=False, max_entries=16)
def baseline(path: str, cohort_filter: CohortFilter) -> pd.DataFrame:
    """The baseline table of the filtered registry, computed in the engine."""
    return engine_baseline(select(path, cohort_filter).source)


@st.cache_data(show_spinner=False, max_entries=16)
def first_rows(path: str, cohort_filter: CohortFilter, n: int) -> pd.DataFrame:
    """The first ``n`` filtered rows by ``patient_id`` (``ORDER BY ... LIMIT`` in the engine),
    validated as the sample is (so an optional column the file lacks is there, empty)."""
    return validate_cohort(select(path, cohort_filter).source.head(n))


def sample_note(selection: RegistrySelection, rows: pd.DataFrame) -> str:
    """One sentence naming the rows a sample-based view works on."""
    if len(rows) >= selection.n:
        return (f"Registry mode: this view works on all {selection.n:,} filtered rows, "
                "fetched from the engine.")
    return (f"Registry mode: this view works on a random sample of {len(rows):,} of the "
            f"{selection.n:,} filtered rows (seeded hash of the patient id, seed "
            f"{SAMPLE_SEED}; the same filters always give the same sample).")


def sample_caption(view) -> None:
    """Show :func:`sample_note` under a page title when the page works on a registry sample."""
    registry = getattr(view, "registry", None)
    if registry is not None:
        st.info(sample_note(registry, view.cohort), icon=":material/shuffle:")


@st.cache_data(show_spinner="Counting in the registry...", max_entries=32)
def _engine_survival(path: str, cohort_filter: CohortFilter, endpoint: str, by: str | None,
                     landmark_months: tuple[float, ...], horizon: float):
    return survival_report(select(path, cohort_filter).source, endpoint, by, landmark_months,
                           horizon)


def survival(view, endpoint: str, by: str | None, landmark_months: tuple[float, ...],
             horizon: float) -> SurvivalReport:
    """:func:`core.survival.km.summary.survival_report` of the page's cohort: on the engine's
    count table (one ``GROUP BY`` over every filtered row) in registry mode, else in memory."""
    if getattr(view, "registry", None) is None:
        return cached.survival(view.cohort, endpoint, by, landmark_months, horizon)
    return _engine_survival(view.registry.path, view.cohort_filter, endpoint, by,
                            landmark_months, horizon)


@st.cache_data(show_spinner="Fitting the Cox model on the registry's counts...", max_entries=32)
def count_cox(path: str, cohort_filter: CohortFilter, endpoint: str,
              covariates: tuple[str, ...], ties: str, strata: str | None = None
              ) -> CountCoxResult:
    """:func:`core.cox.counts.cox_from_counts` on every filtered registry row (one
    ``GROUP BY`` per covariate pattern, stratum and time in the engine)."""
    time, event, _ = ENDPOINTS[endpoint]
    return cox_from_counts(select(path, cohort_filter).source, time, event, list(covariates),
                           ties=ties, strata=strata)


def count_cox_section(view, endpoint: str, covariates: list[str], ties: str,
                      strata: str | None = None) -> None:
    """Registry mode, Cox page: the multivariable model of the chosen categorical covariates
    on every filtered row (counts-based, exact; stratified by the page's stratum, as the
    sample's model), above the sample-based page."""
    registry = getattr(view, "registry", None)
    if registry is None:
        return
    categorical = [c for c in covariates if c not in NUMERIC_COVARIATES]
    st.subheader("Every filtered registry row: categorical covariates")
    if not categorical:
        st.caption("No categorical covariate chosen: the counts-based model needs one.")
        return
    try:
        result = count_cox(registry.path, view.cohort_filter, endpoint, tuple(categorical),
                           ties, strata)
    except ValueError as error:  # AnalysisError / CohortError
        st.error(markdown_safe(str(error)), icon=":material/error:")
        return
    shown = result.table.reset_index()[["term", "hr", "hr_lower", "hr_upper", "p_value"]]
    st.dataframe(shown.rename(columns={"term": "Term", "hr": "Hazard ratio",
                                       "hr_lower": "95% CI lower", "hr_upper": "95% CI upper",
                                       "p_value": "p"}),
                 hide_index=True, key="cox.registry.counts")
    left_out = "; ".join(f"{e.count:,} left out: {e.reason}" for e in result.exclusions)
    st.caption(f"{result.method}; {result.n:,} patients, {result.events:,} events, "
               f"{result.patterns} covariate patterns; reference = first level of each "
               f"covariate (as text)." + (f" {left_out}." if left_out else ""))
    numeric = [c for c in covariates if c in NUMERIC_COVARIATES]
    if numeric:
        st.caption(f"Numeric covariates ({', '.join(numeric)}) are not in this model: they "
                   "are fitted below on the named sample.")


def stop_uploads(view) -> None:
    """Registry mode, Your data page: say in one line that uploads are off, and stop."""
    if getattr(view, "registry", None) is not None:
        st.info(f"Registry mode: this server explores the registry file set by {ENV}; "
                "uploading or mapping another cohort is off (registries are read on the "
                "server, not uploaded).", icon=":material/database:")
        st.stop()


def header_note(selection: RegistrySelection) -> str:
    """The header's line in registry mode: what runs on every row and what on the sample
    (said without fetching it: the sample has ``min(n, SAMPLE_ROWS)`` rows)."""
    return ("Registry mode: the counts above, the Cohort page (baseline table, follow-up, "
            "OS and RFS), the Kaplan-Meier curves and log-rank tests of the Survival page and "
            "the Cox model of categorical covariates use every filtered row (computed in the "
            "engine); views that need patient rows use "
            + (f"all {selection.n:,} filtered rows" if selection.n <= SAMPLE_ROWS else
               f"a random sample of {SAMPLE_ROWS:,} of the {selection.n:,} filtered rows "
               f"(seeded hash of the patient id, seed {SAMPLE_SEED})")
            + " and say so where they do.")

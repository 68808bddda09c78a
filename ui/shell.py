"""The frame every page shares: page config, navigation, cohort source, sidebar filters, header.

Every page (``app.py`` and each file in ``pages/``) starts with :func:`page_setup`, so the
classic ``pages/`` mechanism works for a deep link opened first on a fresh server: each page
draws the shared sidebar itself, no entry script has to run first.

Filter state lives in three places, kept in step here:

- ``st.session_state["filters.current"]``: the :class:`~core.cohort.filters.CohortFilter` of this
  browser session; survives moving between pages.
- the widget keys ``"filter.*"``: re-seeded from the stored filter when a page is opened
  (Streamlit forgets the widgets of the page you left).
- the URL (``st.query_params``): rewritten on every run, read once when a session starts, so a
  copied link reopens the same view.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd
import streamlit as st

from core.access.roles import Permission
from core.cohort.columns import extra_columns
from core.cohort.filter_links import filter_from_query_params, is_filter_key
from core.cohort.filters import (
    CATEGORY_FIELDS,
    CohortFilter,
    FilterResult,
    extra_filter_levels,
    filter_levels,
)
from core.cohort.isolated import ReadJob
from core.cohort.read import MAX_UPLOAD_MB, cohort_from_table
from core.cohort.schema import LABELS
from core.cohort.text import filter_advice, markdown_safe
from ui import access, cached, session_cache, warmup
from ui.frames import filtered, registry_sample
from ui.registry import ENV, RegistryRows, filter_frame, header_note, registry_path, select

# keep_in_url, parse_flag, url_choice, url_value: re-exported for pages of branches still in
# flight; new code imports them from ui.state (remove once every branch has landed)
from ui.state import (
    EXTRA_WIDGET,
    RANGE_WIDGET,
    STATE_AGE_LINK,
    STATE_COHORT,
    STATE_FILTER,
    STATE_NOTICES,
    STATE_SOURCE,
    WIDGET,
    extra_widget_keys,
    keep_in_url,  # noqa: F401
    parse_flag,  # noqa: F401
    reset_filters,
    url_choice,  # noqa: F401
    url_value,  # noqa: F401
)
from ui.upload import (
    CheckJob,
    follow_job,
    remove_my_data,
    set_aside_count,
    uploader_key,
)

warmup.start()  # heavy Cox imports in the background, once per server process

APP_NAME = "Relapse Risk Explorer"
SIDEBAR_PROBLEMS = 10
"""Problems of a sidebar upload listed in the sidebar (Your data lists all of them)."""
SEED_SOURCE = "Embedded study cohort (sorafenib + ITI maintenance, FLT3-ITD AML, n = 19)"

PAGES: tuple[tuple[str, str, str], ...] = (
    ("app.py", "Cohort", ":material/groups:"),
    ("pages/0_Your_data.py", "Your data", ":material/upload_file:"),
    ("pages/1_Survival.py", "Survival", ":material/monitoring:"),
    ("pages/4_Competing_risks.py", "Competing risks", ":material/call_split:"),
    ("pages/2_Cox.py", "Cox regression", ":material/forest:"),
    ("pages/11_Relapse_risk.py", "Relapse risk", ":material/target:"),
    ("pages/7_Subgroups.py", "Subgroups & cut-points", ":material/account_tree:"),
    ("pages/3_Patients.py", "Patients", ":material/person:"),
    ("pages/6_During_follow_up.py", "During follow-up", ":material/swap_horiz:"),
    ("pages/5_Paper_check.py", "Paper check", ":material/fact_check:"),
    ("pages/8_Present.py", "Projector mode", ":material/slideshow:"),
    ("pages/9_About.py", "About & definitions", ":material/info:"),
    ("pages/10_Audit_log.py", "Audit log", ":material/policy:"),
)
"""(script path relative to the app root, navigation label, icon) of every page, in order."""

ROOT = Path(__file__).resolve().parents[1]
FAVICON = ROOT / "assets" / "favicon.png"
LAYOUT_CSS = ROOT / "assets" / "layout.css"
"""The laptop-sized layout every page shares (less space above the title, metric labels that
wrap, plotly's toolbar clear of legends)."""
STATE_UPLOAD_ID = "cohort.upload_id"
STATE_LOAD_JOB = "cohort.job"
"""The worker job loading the sidebar's upload (:class:`core.cohort.isolated.ReadJob`)."""
UPLOAD_MARKER = "cohort"
"""URL key set to ``upload`` while the view shows an uploaded cohort."""
LOST_UPLOAD_NOTICE = (
    "This link was made on an uploaded cohort. Uploaded cohorts are not kept across reloads "
    "and are not shared by links, so this view shows the embedded study cohort, not the "
    "uploaded file. Load the file again under Cohort data to see it.")


@dataclass(frozen=True)
class View:
    """What a page works on after :func:`page_setup`.

    Attributes
    ----------
    selection : FilterResult
        The filtered patients and the counts of patients left out for missing values.
    cohort_filter : CohortFilter
        The filter in force.
    source : str
        Where the cohort comes from (the embedded study, or the uploaded file's name).
    """

    selection: FilterResult
    cohort_filter: CohortFilter
    source: str
    registry: object = None
    """In registry mode (:mod:`ui.registry`) the filtered registry
    (:class:`ui.registry.RegistrySelection`); then ``selection.cohort`` is a seeded sample."""

    @property
    def cohort(self) -> pd.DataFrame:
        return self.selection.cohort


def page_setup(title: str, icon: str) -> View:
    """Draw the shared frame of a page and return the filtered cohort.

    Parameters
    ----------
    title : str
        The page's title, also shown in the browser tab.
    icon : str
        The page's Material icon (``":material/groups:"``), as listed in :data:`PAGES`. Not
        used for the browser tab, which shows ``assets/favicon.png`` for privacy.
    """
    # The tab icon is a local image: a ":material/...:" page icon makes the browser fetch an
    # SVG from fonts.gstatic.com, which tests/e2e/test_privacy.py forbids.
    st.set_page_config(page_title=f"{title} · {APP_NAME}", page_icon=str(FAVICON),
                       layout="wide")
    st.html(LAYOUT_CSS)  # style only: sent to the event container, takes no space
    access.gate(sys._getframe(1).f_code.co_filename, title)  # sign-in and the page's role rule
    nav = st.sidebar.container()
    cohort, source = _cohort_source()
    session_cache.frame_key(cohort)  # its digest, once per cohort: the key of what is made of it
    cohort_filter = _filter_sidebar(cohort)
    registry = None
    if registry_path():  # a server-side registry: filters and counts in the engine; the
        registry = select(registry_path(), cohort_filter)  # sample only when a view reads it
        selection = RegistryRows(registry, lambda: registry_sample(cohort_filter),
                                 cohort.iloc[:0], lambda rows: access.visible(
                                     FilterResult(rows, registry.n_total)).cohort)
    else:
        from ui.subgroups import custom_groups_sidebar  # custom groups: column, filter, link
        selection = custom_groups_sidebar(filtered(cohort, cohort_filter))
        selection = access.visible(selection)  # a viewer's rows carry pseudonyms only
    access.track(title, source, cohort, cohort_filter.to_query_params())
    with nav:
        st.markdown(f"### {APP_NAME}")
        for path, label, page_icon in PAGES:
            if access.may_open(path):
                st.page_link(path, label=label, icon=page_icon,
                             query_params=cohort_filter.to_query_params())
        st.divider()
    _header(title, selection, source, cohort_filter, registry)
    return View(selection=selection, cohort_filter=cohort_filter, source=source,
                registry=registry)


def stop_if_empty(view: View, what: str = "") -> None:
    """Show the friendly empty-filter message and stop the page when no patient is left.

    Parameters
    ----------
    what : str
        What the page cannot show, e.g. ", so there is no lane to draw".
    """
    if view.selection.n == 0:
        st.info(f"No patient matches the current filters{what}. Widen them, or press **Clear "
                "all filters** in the sidebar.", icon=":material/filter_alt_off:")
        st.stop()


def explain(view: View, message: object) -> str:
    """An error or caveat (an exception or text) for ``st.error``/``st.warning``: as typed
    (:func:`plain`), with "widen the filters" only where a filter leaves patients out
    (:func:`core.cohort.text.filter_advice`)."""
    filtered = view.selection.n < view.selection.n_total
    return plain(filter_advice(str(message), filtered))


def plain(text: str) -> str:
    """Escape Markdown so user-supplied text (values from a file or a link) shows as typed:
    :func:`core.cohort.text.markdown_safe` (no link, no markup, code spans kept as written)."""
    return markdown_safe(text)


# --------------------------------------------------------------------------------------------

def _cohort_source() -> tuple[pd.DataFrame, str]:
    """The cohort of this session: the embedded one, or one the user uploaded (in registry
    mode: the distinct values of the registry's filter columns, see :mod:`ui.registry`)."""
    if registry_path():
        shown = registry_path() if access.may(Permission.SEE_SERVER_PATHS) else "a file"
        with st.sidebar.expander("Cohort data", icon=":material/database:"):
            st.caption(f"Registry mode: the server's file {plain(shown)} (set by "
                       f"{ENV}), read by DuckDB where it lies. Uploads are off.")
        return filter_frame(registry_path()), (f"Registry file {Path(registry_path()).name} "
                                               "(DuckDB, on the server)")
    if not access.may(Permission.UPLOAD):  # uploads are the data manager's
        return cached.seed_cohort(), SEED_SOURCE
    with st.sidebar.expander("Cohort data", icon=":material/database:"):
        upload = st.file_uploader(
            f"Load your own cohort (up to {MAX_UPLOAD_MB} MB: CSV/TSV/TXT, XLSX, Parquet, SPSS "
            ".sav, Stata .dta, with the data dictionary's column names; any other export: "
            "Your data page)", key=uploader_key("cohort.upload"))
        if upload is not None and st.session_state.get(STATE_UPLOAD_ID) != upload.file_id:
            st.session_state[STATE_UPLOAD_ID] = upload.file_id
            access.require_here(Permission.UPLOAD, "an upload")
            st.session_state[STATE_LOAD_JOB] = ReadJob("read", upload.name, upload.getvalue())
        job = st.session_state.get(STATE_LOAD_JOB)
        if job is not None:  # parsed in a worker process, then mapped and checked on a thread
            kind, value = follow_job(STATE_LOAD_JOB) or (None, None)
            if kind == "done" and isinstance(job, ReadJob):  # (the gatekeeper needs more
                raw = value[1]  # memory than a worker may use: it runs in the server)
                st.session_state[STATE_LOAD_JOB] = CheckJob(
                    job.name, partial(cohort_from_table, raw), len(raw))
                kind, value = follow_job(STATE_LOAD_JOB) or (None, None)
            if kind == "done":
                st.session_state[STATE_COHORT] = value
                st.session_state[STATE_SOURCE] = f"Uploaded file {job.name}"
                access.record("upload", "upload.sidebar", action="C",
                              detail={"n_rows": len(value)})
                reset_filters()
            elif kind == "refused":
                access.record("upload", "upload.sidebar", action="C", outcome="failure",
                              detail={"problems": len(value)})
                st.session_state["cohort.problems"] = (job.name, value)
        if "cohort.problems" in st.session_state:
            name, problems = st.session_state["cohort.problems"]
            more = len(problems) - SIDEBAR_PROBLEMS
            st.error(f"**{plain(name)} was not loaded** ({len(problems):,} problem"
                     f"{'s' if len(problems) != 1 else ''}); the current cohort is unchanged.\n\n"
                     + "\n".join(f"- {plain(p)}" for p in problems[:SIDEBAR_PROBLEMS])
                     + (f"\n\n{more:,} more: load the file on *Your data*, which lists every "
                        "problem row." if more > 0 else ""))
            if st.button("Dismiss", key="cohort.dismiss"):
                del st.session_state["cohort.problems"]
                st.rerun()
        if STATE_COHORT in st.session_state and st.button(
                "Back to the embedded study cohort", key="cohort.reset"):
            remove_my_data()
            reset_filters()
            st.rerun()
        st.page_link("pages/0_Your_data.py", label="Map any export (Chinese headers, dates, "
                     "SPSS/Stata) on Your data", icon=":material/upload_file:")
        st.caption("Uploaded data stay in this browser session on this server; nothing is "
                   "stored or sent elsewhere.")
    if STATE_COHORT in st.session_state:
        return st.session_state[STATE_COHORT], st.session_state[STATE_SOURCE]
    return cached.seed_cohort(), SEED_SOURCE


def _extra_filters(cohort: pd.DataFrame, stored: CohortFilter) -> tuple[tuple, tuple]:
    """One multiselect per categorical extra column and two number inputs per numeric one,
    labelled with the column's own name; returns ``(extra_levels, extra_ranges)``."""
    extras = extra_columns(cohort)
    levels = session_cache.per_frame("extra filter levels", cohort, extra_filter_levels)
    chosen_levels, ranges = dict(stored.extra_levels), {c: (lo, hi)
                                                         for c, lo, hi in stored.extra_ranges}
    extra_levels, extra_ranges = [], []
    for column in extras.categorical:
        key = f"{EXTRA_WIDGET}{column}"
        st.session_state.setdefault(key, [v for v in chosen_levels.get(column, ())
                                          if v in levels[column]])
        st.multiselect(plain(column), levels[column], key=key, placeholder="All patients")
        extra_levels.append((column, tuple(st.session_state[key])))
    for column in extras.numeric:
        low, high = ranges.get(column, (None, None))
        st.session_state.setdefault(f"{RANGE_WIDGET}{column}.min", low)
        st.session_state.setdefault(f"{RANGE_WIDGET}{column}.max", high)
        values = cohort[column].dropna()
        st.markdown(f"{plain(column)} (observed {values.min():g} to {values.max():g})")
        left, right = st.columns(2)
        low = left.number_input("from", key=f"{RANGE_WIDGET}{column}.min", value=None,
                                placeholder="no minimum")
        high = right.number_input("to", key=f"{RANGE_WIDGET}{column}.max", value=None,
                                  placeholder="no maximum")
        if low is not None and high is not None and low > high:
            st.error(f"The range on {plain(column)} is empty (from {low:g} is above to "
                     f"{high:g}); swap the bounds. That filter is not applied.")
        else:
            extra_ranges.append((column, low, high))
    return tuple(extra_levels), tuple(extra_ranges)


def _age_bounds(cohort: pd.DataFrame) -> tuple[int, int]:
    """Slider bounds: the cohort's ages, widened to any age bound the session's link named
    (``age_max=5`` on a cohort aged 21-74 keeps meaning 5, and selects nobody)."""
    ages = cohort["age"].dropna()
    linked = st.session_state.get(STATE_AGE_LINK, ())
    if ages.empty and not linked:
        return 0, 120
    known = [*([int(ages.min() // 1), int(-(-ages.max() // 1))] if not ages.empty else []),
             *linked]
    low, high = min(known), max(known)
    return (low, high) if high > low else (low, low + 1)


def _seed_widgets(cohort_filter: CohortFilter, cohort: pd.DataFrame) -> None:
    """Give each filter widget the stored value unless the user's value is already there."""
    for name in CATEGORY_FIELDS:
        st.session_state.setdefault(WIDGET[name], list(getattr(cohort_filter, name)))
    st.session_state.setdefault(WIDGET["co_mutations"], list(cohort_filter.co_mutations))
    st.session_state.setdefault(WIDGET["co_mutation_mode"], cohort_filter.co_mutation_mode)
    low, high = _age_bounds(cohort)
    age_min = low if cohort_filter.age_min is None else min(max(cohort_filter.age_min, low), high)
    age_max = high if cohort_filter.age_max is None else min(max(cohort_filter.age_max, low),
                                                             high)
    st.session_state.setdefault(WIDGET["age"], (age_min, age_max))


def _filter_sidebar(cohort: pd.DataFrame) -> CohortFilter:
    if STATE_FILTER not in st.session_state:  # a new browser session: the link decides
        params = {key: st.query_params.get_all(key) for key in st.query_params}
        from_link, notices = filter_from_query_params(params, cohort)
        if st.query_params.get(UPLOAD_MARKER) == "upload" and STATE_COHORT not in st.session_state:
            notices.insert(0, LOST_UPLOAD_NOTICE + (
                " The link's filters are applied to the study cohort, where they may select "
                "other patients." if from_link.is_active() else ""))
        st.session_state[STATE_FILTER] = from_link
        st.session_state[STATE_NOTICES] = notices
        st.session_state[STATE_AGE_LINK] = tuple(
            int(a) for a in (from_link.age_min, from_link.age_max) if a is not None)
    for key in [*WIDGET.values(), *extra_widget_keys()]:  # keep values across pages
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    stored: CohortFilter = st.session_state[STATE_FILTER]
    _seed_widgets(stored, cohort)
    levels = session_cache.per_frame("filter levels", cohort, filter_levels)
    low, high = _age_bounds(cohort)

    side = st.sidebar
    side.markdown("**Filters** (shared by every page)")
    for name in ("eln2022_risk", "sorafenib_timing", "mrd_pre_status"):
        if cohort[name].notna().any() or st.session_state[WIDGET[name]]:  # else: no filter
            side.multiselect(LABELS[name], levels[name], key=WIDGET[name],
                             placeholder="All patients")
    with side.expander("More filters", expanded=_more_active(stored)):
        if cohort["age"].notna().any() or st.session_state.get(STATE_AGE_LINK):
            st.slider("Age (years)", min_value=low, max_value=high, key=WIDGET["age"])
        for name in ("sex", "fab_class", "fusion_gene", "relapse_type", "outcome"):
            if cohort[name].notna().any() or st.session_state[WIDGET[name]]:
                st.multiselect(LABELS[name], levels[name], key=WIDGET[name],
                               placeholder="All patients")
        if cohort["co_mutations"].notna().any() or st.session_state[WIDGET["co_mutations"]]:
            st.multiselect("Co-mutations", levels["co_mutations"], key=WIDGET["co_mutations"],
                           placeholder="All patients")
            st.radio("Patients with", ["any", "all"], key=WIDGET["co_mutation_mode"],
                     format_func=lambda m: f"{m} of the chosen co-mutations", horizontal=True)
        extra_levels, extra_ranges = ((), ()) if registry_path() else \
            _extra_filters(cohort, stored)
        missing = [LABELS[n] for n in ("eln2022_risk", "sorafenib_timing", "mrd_pre_status",
                                       "sex", "age") if cohort[n].isna().all()]
        if missing:
            st.caption(f"No filter for {', '.join(missing)}: the cohort has no values there.")
    side.button("Clear all filters", on_click=reset_filters, key="filter.clear",
                icon=":material/filter_alt_off:")

    age_min, age_max = st.session_state[WIDGET["age"]]
    current = CohortFilter(
        **{name: tuple(st.session_state[WIDGET[name]]) for name in CATEGORY_FIELDS},
        age_min=None if age_min <= low else float(age_min),
        age_max=None if age_max >= high else float(age_max),
        co_mutations=tuple(st.session_state[WIDGET["co_mutations"]]),
        co_mutation_mode=st.session_state[WIDGET["co_mutation_mode"]],
        extra_levels=extra_levels, extra_ranges=extra_ranges,
    )
    if current != stored:  # link notices stay until dismissed: they explain the link
        st.session_state[STATE_FILTER] = current
    _sync_query_params(current)
    return current


def _more_active(cohort_filter: CohortFilter) -> bool:
    return bool(cohort_filter.sex or cohort_filter.fab_class or cohort_filter.fusion_gene
                or cohort_filter.relapse_type or cohort_filter.outcome or cohort_filter.co_mutations
                or cohort_filter.age_min is not None or cohort_filter.age_max is not None
                or bool(cohort_filter.extra_levels) or bool(cohort_filter.extra_ranges))


def _sync_query_params(cohort_filter: CohortFilter) -> None:
    current = st.query_params.to_dict()
    wanted = {k: v for k, v in current.items() if not is_filter_key(k) and k != UPLOAD_MARKER}
    wanted.update(cohort_filter.to_query_params())
    if STATE_COHORT in st.session_state:
        wanted[UPLOAD_MARKER] = "upload"
    if wanted != current:
        st.query_params.from_dict(wanted)


def _header(title: str, selection: FilterResult, source: str,
            cohort_filter: CohortFilter, registry=None) -> None:
    st.title(title)
    described = "; ".join(cohort_filter.describe()) or "no filters"
    aside = set_aside_count()
    aside_text = f", {aside} row{'s' if aside != 1 else ''} set aside" if aside else ""
    n, n_total = (selection.n, selection.n_total) if registry is None else \
        (registry.n, registry.n_total)  # "1,000,000 of 1,000,000" in every mode
    st.markdown(f"**{n:,} of {n_total:,} patients**{aside_text} · {plain(described)}")
    st.caption(plain(source))
    if registry is not None:
        st.caption(header_note(registry))
        selection.slot = st.empty()  # filled when the page reads the sample (ui.registry)
    notices = st.session_state.get(STATE_NOTICES, [])
    for notice in notices:  # they quote the link's values: plain text, never Markdown
        st.warning(plain(notice), icon=":material/link_off:")
    if notices:
        st.button("Dismiss the link notices", key="filters.dismiss_notices",
                  on_click=lambda: st.session_state.__setitem__(STATE_NOTICES, []))
    for note in selection.notes():
        st.info(plain(note), icon=":material/person_off:")

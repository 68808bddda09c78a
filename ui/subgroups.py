"""Custom groups in every page's frame, and cached wrappers for the Subgroups page.

:func:`custom_groups_sidebar` is called once by :func:`ui.shell.page_setup` after the sidebar
filters: when the session has a custom group definition (built on the Subgroups page, or read
once from the link's ``groups`` parameter), it adds the column
:data:`core.cohort.groups.CUSTOM_GROUP_COLUMN` to the filtered cohort (so every page can
stratify by it, or use it as a Cox covariate), draws a "Custom group" filter with the rules in
the sidebar, and keeps the definition in the URL. Without a definition it draws nothing.

State: ``st.session_state["groups.definition"]`` (a GroupDefinition or None), the widget
``"filter.custom_group"`` (chosen labels), URL keys ``groups`` (compact JSON) and
``group_filter`` (JSON list of labels).
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from core.cohort.filters import FilterResult
from core.cohort.groups import CUSTOM_GROUP_COLUMN, GroupDefinition, assign_groups
from core.cohort.text import markdown_safe
from core.cox.display import COX_PAGE_MAX_ROWS
from core.cox.subgroups import (
    SubgroupForest,
    subgroup_forest,
    univariable_forest,
    with_age_group,
)
from core.errors import CohortError
from core.survival.cutpoint.maxstat import (
    CutpointResult,
    max_logrank,
    permutation_max_logrank,
    permutation_resamples,
    with_split,
)
from core.survival.endpoint import resolve_endpoint
from core.survival.km.logrank import PermutationResult
from ui import session_cache
from ui.session_cache import session_cached
from ui.state import GROUP_URL, GROUP_WIDGET

STATE_DEFINITION = "groups.definition"
FILTER_WIDGET = GROUP_WIDGET
URL_DEFINITION = "groups"
URL_FILTER = GROUP_URL
MAX_MODEL_ROWS = COX_PAGE_MAX_ROWS
"""Patients the Subgroups page searches cut-points and fits Cox models on at most (above: the
Cox page's seeded random sample, named on the page; at 10^6 patients the page took 5 minutes
under load, bench/bench_upload_path.py)."""


def definition() -> GroupDefinition | None:
    """The session's custom group definition; read once from the link when a session starts
    (a malformed link value is ignored with a notice)."""
    if STATE_DEFINITION not in st.session_state:
        found = None
        text = st.query_params.get(URL_DEFINITION)
        if text:
            try:
                found = GroupDefinition.from_json(text)
            except CohortError as error:
                st.session_state["groups.notice"] = " ".join(error.problems)
        st.session_state[STATE_DEFINITION] = found
        wanted = st.query_params.get(URL_FILTER)
        if found is not None and wanted:
            st.session_state[FILTER_WIDGET] = found.chosen_from_link(wanted)
    return st.session_state[STATE_DEFINITION]


def set_definition(new: GroupDefinition | None) -> None:
    """Replace the session's definition (the group filter is cleared)."""
    st.session_state[STATE_DEFINITION] = new
    st.session_state.pop(FILTER_WIDGET, None)
    st.session_state.pop(f"saved.{FILTER_WIDGET}", None)


def custom_groups_sidebar(selection: FilterResult) -> FilterResult:
    """Add the custom group column to the filtered cohort and apply the custom group filter.

    Returns ``selection`` unchanged when no definition exists; otherwise a FilterResult whose
    cohort has the column, restricted to the chosen groups, with the patients left out for an
    undecidable rule counted in ``missing``.
    """
    current = definition()
    notice = st.session_state.pop("groups.notice", None)
    if notice:
        st.sidebar.warning(f"Custom groups in the link were ignored: {markdown_safe(notice)}",
                           icon=":material/link_off:")
    if current is None:
        if URL_DEFINITION in st.query_params:
            del st.query_params[URL_DEFINITION]
        return selection
    key = session_cache.derived_key("custom groups", session_cache.frame_key(selection.cohort),
                                    current.to_json())
    grouped = session_cache.kept("groups", key, lambda: _grouped(selection.cohort, current, key))
    if isinstance(grouped, CohortError):
        st.sidebar.error("Custom groups cannot be applied to this cohort: "
                         + markdown_safe(" ".join(grouped.problems)), icon=":material/error:")
        return selection
    cohort, unplaced = grouped
    if FILTER_WIDGET in st.session_state:  # keep the widget's value across pages
        st.session_state[FILTER_WIDGET] = [v for v in st.session_state[FILTER_WIDGET]
                                           if v in current.labels]
    chosen = st.sidebar.multiselect(
        "Custom group", list(current.labels), key=FILTER_WIDGET, placeholder="All patients",
        help="Groups built on the Subgroups & cut-points page; first matching rule wins.")
    st.sidebar.caption("Custom groups: " + markdown_safe("; ".join(current.describe())))
    missing = list(selection.missing)
    if chosen:
        if unplaced:
            missing.append((CUSTOM_GROUP_COLUMN, unplaced))
        chosen_key = session_cache.derived_key("custom group filter", key, tuple(chosen))
        cohort = session_cache.kept("groups.chosen", chosen_key, lambda: session_cache.remember(
            cohort[cohort[CUSTOM_GROUP_COLUMN].isin(chosen)], chosen_key))
    text = current.to_json()
    if st.query_params.get(URL_DEFINITION) != text:
        st.query_params[URL_DEFINITION] = text
    wanted = json.dumps(chosen, ensure_ascii=True) if chosen else None
    if wanted is None and URL_FILTER in st.query_params:
        del st.query_params[URL_FILTER]
    elif wanted is not None and st.query_params.get(URL_FILTER) != wanted:
        st.query_params[URL_FILTER] = wanted
    return FilterResult(cohort=cohort, n_total=selection.n_total, missing=tuple(missing))


def _grouped(cohort: pd.DataFrame, current: GroupDefinition,
             key: str) -> tuple[pd.DataFrame, int] | CohortError:
    """``cohort`` with the custom group column (known by ``key``) and the number of patients
    no rule places; or the error that says why the rules cannot be applied."""
    try:
        assignment = assign_groups(cohort, current)
    except CohortError as error:
        return error
    grouped = cohort.assign(**{CUSTOM_GROUP_COLUMN: assignment.labels})
    return session_cache.remember(grouped, key), int(assignment.labels.isna().sum())


def rules_text() -> str:
    """The session's group rules in one sentence ("" without custom groups)."""
    current = st.session_state.get(STATE_DEFINITION)
    return current.caption() if current is not None else ""


def rules_for(*columns: str | None) -> str:
    """The rules when one of ``columns`` (a stratifier, covariates, a colouring) is the
    custom group, else ""."""
    return rules_text() if CUSTOM_GROUP_COLUMN in columns else ""


def rules_caption(*columns: str | None) -> str:
    """Draw the rules as a caption when the custom group is among ``columns``; returns the
    text (for an exported figure's caption)."""
    text = rules_for(*columns)
    if text:
        st.caption(markdown_safe(text))
    return text


def with_rule_column(table: pd.DataFrame, by: str | None,
                     column: str = "group") -> pd.DataFrame:
    """``table`` with a ``group_rule`` column after ``column`` when ``by`` is the custom group
    (each row's rule, for a downloaded table); unchanged otherwise."""
    current = st.session_state.get(STATE_DEFINITION)
    if by != CUSTOM_GROUP_COLUMN or current is None or column not in table.columns:
        return table
    out = table.copy()
    out.insert(out.columns.get_loc(column) + 1, "group_rule",
               out[column].astype(str).map(current.rules()))
    return out


def filter_description() -> tuple[str, ...]:
    """The custom group filter in words (for footers and file notes), empty when unused."""
    chosen = st.session_state.get(FILTER_WIDGET) or []
    if not chosen or st.session_state.get(STATE_DEFINITION) is None:
        return ()
    return (f"{CUSTOM_GROUP_COLUMN}: {', '.join(chosen)}",)


def age_grouped(cohort: pd.DataFrame) -> pd.DataFrame:
    """:func:`core.cox.subgroups.with_age_group`, known by a key derived from the cohort's."""
    return session_cache.derive(with_age_group(cohort), cohort, "age group")


def split_frame(cohort: pd.DataFrame, result: CutpointResult) -> pd.DataFrame:
    """:func:`core.survival.cutpoint.maxstat.with_split`, known by a key derived from the
    cohort's and the whole cut-point result."""
    return session_cache.derive(with_split(cohort, result), cohort, "cut-point split", result)


# ---- cached wrappers ---------------------------------------------------------------------

@session_cached(show_spinner=False, max_entries=64)
def cutpoint(cohort: pd.DataFrame, endpoint, marker: str, minprop: float,
             maxprop: float) -> CutpointResult:
    r = resolve_endpoint(cohort, endpoint)
    return max_logrank(r.frame, r.time, r.event, marker, minprop, maxprop)


@session_cached(show_spinner=False, max_entries=64)
def cutpoint_permutation(cohort: pd.DataFrame, endpoint, marker: str, minprop: float,
                         maxprop: float) -> PermutationResult:
    r = resolve_endpoint(cohort, endpoint)
    return permutation_max_logrank(r.frame, r.time, r.event, marker, minprop, maxprop,
                                   n_resamples=permutation_resamples(len(cohort)))


@session_cached(show_spinner=False, max_entries=64)
def forest(cohort: pd.DataFrame, endpoint, factor: str,
           attributes: tuple[str, ...]) -> SubgroupForest:
    r = resolve_endpoint(cohort, endpoint)
    return subgroup_forest(r.frame, r.time, r.event, factor, attributes)


@session_cached(show_spinner=False, max_entries=64)
def univariable(cohort: pd.DataFrame, endpoint, covariates: tuple[str, ...]
                ) -> pd.DataFrame:
    r = resolve_endpoint(cohort, endpoint)
    return univariable_forest(r.frame, r.time, r.event, covariates)

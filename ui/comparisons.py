"""The Survival page's effect sizes and further tests: hazard ratios and medians beside the
curves, and whether the difference survives a weighted test, stratification and pairwise
comparison. Cached wrappers around :mod:`core` and the drawing, so the page calls two
functions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.cohort.baseline_groups import BaselineByGroup, baseline_by_group
from core.cohort.schema import LABELS
from core.cox.annotation import GroupEffects, km_effects
from core.errors import AnalysisError
from core.report.images import MIME, render_figure
from core.survival import logrank, pairwise_logrank
from core.survival.endpoint import Endpoint, resolve_endpoint
from core.survival.flow import AnalysisFlow, analysis_flow, flow_figure
from core.survival.km.contrast_tables import milestone_table, rmst_table
from core.survival.km.contrasts import (
    MilestoneDifference,
    RmstComparison,
    milestone_difference,
    rmst_comparison,
)
from core.survival.km.logrank import LogRankResult
from core.survival.km.pairwise import ADJUSTMENTS, PairwiseLogRank
from core.survival.km.robustness import (
    ENTRY_TESTS_WHY,
    PAIRWISE_WHY,
    RHO_CHOICES,
    STRATIFIED_WHY,
    WEIGHTED_WHY,
    pairwise_sentence,
    stratified_sentence,
    weighted_sentence,
)
from ui import cached
from ui.exports import download_button
from ui.session_cache import session_cached
from ui.shell import STATE_COHORT, plain
from ui.state import keep_in_url, saved_value, seed_choice, url_choice, url_value
from ui.upload import STATE_SET_ASIDE


@session_cached(show_spinner=False, max_entries=64)
def effects(cohort: pd.DataFrame, endpoint: Endpoint, by: str | None,
            reference: str | None) -> GroupEffects | None:
    return km_effects(cohort, endpoint, by, reference)


@session_cached(show_spinner=False, max_entries=64)
def _logrank(cohort: pd.DataFrame, endpoint: Endpoint, by: str, rho: float,
             strata: str | None) -> LogRankResult:
    resolved = resolve_endpoint(cohort, endpoint)
    return logrank(resolved.frame, resolved.time, resolved.event, by, rho=rho, strata=strata,
                   entry=resolved.entry)


@session_cached(show_spinner=False, max_entries=64)
def _pairwise(cohort: pd.DataFrame, endpoint: Endpoint, by: str, adjust: str
              ) -> PairwiseLogRank:
    resolved = resolve_endpoint(cohort, endpoint)
    return pairwise_logrank(resolved.frame, resolved.time, resolved.event, by,
                            p_adjust=adjust, entry=resolved.entry)


@session_cached(show_spinner=False, max_entries=64)
def _milestone(cohort: pd.DataFrame, endpoint: Endpoint, by: str, at: float,
               reference: str) -> MilestoneDifference:
    resolved = resolve_endpoint(cohort, endpoint)
    return milestone_difference(resolved.frame, resolved.time, resolved.event, by, at,
                                reference=reference, entry=resolved.entry)


@session_cached(show_spinner=False, max_entries=64)
def _rmst(cohort: pd.DataFrame, endpoint: Endpoint, by: str, tau: float,
          reference: str) -> RmstComparison:
    resolved = resolve_endpoint(cohort, endpoint)
    return rmst_comparison(resolved.frame, resolved.time, resolved.event, by, tau,
                           reference=reference, entry=resolved.entry)


CONTRASTS_WHY = (
    "Milestone difference: each group's Kaplan-Meier survival at the landmark minus the "
    "reference's, in percentage points, with a normal interval and z-test from the Greenwood "
    "standard errors (tern s_surv_timepoint_diff); nothing is extrapolated past a group's "
    "follow-up. RMST: the mean months lived without the event up to the horizon; its "
    "difference (months), ratio, and the ratio of restricted mean time lost (RMTL = horizon - "
    "RMST), each with interval and p, as survRM2 rmst2. Both answer how big the difference "
    "is without assuming proportional hazards.")

REFERENCE_KEY = "survival.reference"
FLOW_ENDPOINT = "cohort.flow_endpoint"
"""The Cohort page's flow-diagram endpoint (rfs/os), which its report follows."""


def effects_for(cohort: pd.DataFrame, endpoint: Endpoint, by: str | None, groups: list[str]
                ) -> GroupEffects | None:
    """The hazard ratios and medians against the reference chosen in
    :func:`show_effects` (read from the session before its selectbox is drawn, so the table
    can go into the exported figure above it); None without groups."""
    if by is None or len(groups) < 2:
        return None
    reference = seed_choice(REFERENCE_KEY, groups, groups[0])  # kept for the deliverables
    return effects(cohort, endpoint, by, reference)


def show_effects(result: GroupEffects | None, groups: list[str]) -> None:
    """Draw the reference choice, the hazard-ratio and median table and its notes."""
    if result is None:
        return
    st.selectbox("Reference group for the hazard ratios", groups, key=REFERENCE_KEY)
    keep_in_url(REFERENCE_KEY)
    st.dataframe(result.display(), hide_index=True, key="survival.effects")
    st.caption(plain(result.method))
    for note in result.notes:
        st.warning(plain(note), icon=":material/info:")


def further_tests(cohort: pd.DataFrame, endpoint: Endpoint, by: str | None,
                  plain_test: LogRankResult | None, strata_options: list[str]) -> None:
    """Weighted, stratified and pairwise log-rank tests, each with its sentence; with delayed
    entry the stratified and pairwise ones as Cox score tests, and why there is no weighted
    one."""
    if by is None or plain_test is None:
        return
    with st.expander("Does the difference survive a weighted test, stratification, and which "
                     "pairs differ?", icon=":material/rule:"):
        left, right = st.columns(2)
        if endpoint.entry:
            st.caption(ENTRY_TESTS_WHY)
        else:
            url_value("survival.rho", _rho, RHO_CHOICES[0])
            rho = left.selectbox("Weight (Fleming-Harrington rho)", list(RHO_CHOICES),
                                 key="survival.rho", format_func=lambda r: f"rho = {r:g}"
                                 + (" (Peto-Peto)" if r == 1 else ""))
            try:
                st.markdown(plain(weighted_sentence(plain_test,
                                                    _logrank(cohort, endpoint, by, rho, None))))
            except AnalysisError as error:
                st.error(plain(str(error)), icon=":material/error:")
            st.caption(WEIGHTED_WHY)
        choices = [c for c in strata_options if c != by]
        if choices:
            seed_choice("survival.strata", choices, choices[0])
            strata = right.selectbox("Stratify by", choices, key="survival.strata",
                                     format_func=lambda c: LABELS.get(c, c))
            try:
                st.markdown(plain(stratified_sentence(
                    plain_test, _logrank(cohort, endpoint, by, 0.0, strata))))
            except AnalysisError as error:
                st.error(plain(str(error)), icon=":material/error:")
            st.caption(STRATIFIED_WHY)
        if len(plain_test.groups) > 2:
            seed_choice("survival.adjust", list(ADJUSTMENTS), "holm")
            adjust = st.radio("Adjust pairwise p-values", list(ADJUSTMENTS), horizontal=True,
                              key="survival.adjust", format_func=lambda a: ADJUSTMENTS[a])
            pairs = _pairwise(cohort, endpoint, by, adjust)
            st.dataframe(pairs.table, hide_index=True, key="survival.pairwise")
            st.markdown(plain(pairwise_sentence(pairs)))
            st.caption(PAIRWISE_WHY)
        # kept for the deliverables (slides, report, projector), which show the same tests
        keep_in_url(*(k for k in ("survival.rho", "survival.strata", "survival.adjust")
                      if k in st.session_state))


def _rho(text: str) -> float:
    """A link's Fleming-Harrington weight: one of :data:`RHO_CHOICES`."""
    try:
        value = float(text)
    except ValueError:
        value = None
    if value not in RHO_CHOICES:
        raise ValueError(f"the weight is one of {', '.join(map(str, RHO_CHOICES))}.")
    return value


@session_cached(show_spinner="Testing each characteristic across the groups…", max_entries=32)
def _baseline_by_group(cohort: pd.DataFrame, by: str) -> BaselineByGroup:
    return baseline_by_group(cohort, by)


AS_SURVIVAL = "survival"
"""The Cohort page's default Table 1 split: the Survival page's grouping (the comparison the
deck presents). "none" is the explicit choice of no split, on the page and in the deck."""


def survival_grouping(options: list[str]) -> str | None:
    """The Survival page's grouping when ``options`` offer it, else None."""
    by = saved_value("survival.by", saved_value("report.by", "none"))
    return by if by in options else None


def baseline_split(cohort: pd.DataFrame, options: list[str]) -> pd.DataFrame | None:
    """The Cohort page's choice to split Table 1 by a grouping (default: as the Survival
    page; "No split" is kept in the link and holds in the deck too); draws the split table
    with its tests and notes and returns it (None when not split)."""
    grouping = survival_grouping(options)
    follows = (f"As the Survival page ({LABELS.get(grouping, grouping)})" if grouping
               else "As the Survival page (no grouping: no split)")
    seed_choice("cohort.baseline_by", [AS_SURVIVAL, "none", *options], AS_SURVIVAL)
    by = st.selectbox("Split the table by", [AS_SURVIVAL, "none", *options],
                      key="cohort.baseline_by",
                      format_func=lambda c: follows if c == AS_SURVIVAL else
                      "No split (whole cohort)" if c == "none" else LABELS.get(c, c),
                      help="What the deck and the report show too: \"No split\" keeps Table 1 "
                           "whole there even when the Survival page compares groups.")
    keep_in_url("cohort.baseline_by")  # the deliverables' Table 1 split
    by = grouping if by == AS_SURVIVAL else by
    if by in (None, "none"):
        return None
    try:
        split = _baseline_by_group(cohort, by)
    except AnalysisError as error:
        st.info(plain(str(error)), icon=":material/info:")
        return None
    st.dataframe(split.table, hide_index=True, key="cohort.baseline_split",
                 height=35 * (len(split.table) + 1) + 3)
    st.caption("p per characteristic, with its test: Fisher's exact test for categories (any "
               "number of levels), Wilcoxon rank-sum for a number by two groups (exact without "
               "ties below 50 per group, else the normal approximation), Kruskal-Wallis by more "
               "(as R fisher.test, wilcox.test, kruskal.test; gtsummary's add_p). Missing "
               "values per group are the \"not recorded\" rows.")
    for note in split.notes:
        st.caption(plain(note))
    return split.table


def _flow(view, endpoint, by: str | None) -> AnalysisFlow:
    """:func:`analysis_flow` of the loaded cohort's rows, the rows set aside and the page's
    selection (raises AnalysisError)."""
    cohort = st.session_state.get(STATE_COHORT)
    if cohort is None:
        cohort = cached.seed_cohort()
    return analysis_flow(cohort, view.cohort_filter, endpoint, by,
                         st.session_state.get(STATE_SET_ASIDE), view.selection)


def current_flow(view, endpoint, by: str | None) -> AnalysisFlow | None:
    """Who is in the analysis for ``endpoint`` (an Endpoint or a built-in's key) and grouping
    ``by`` on the current filters, for the deliverables; None in registry mode (the sidebar's
    counts say it there) or when the data cannot give it (the reason is on the page that
    analyses them)."""
    if getattr(view, "registry", None) is not None:
        return None
    try:
        return _flow(view, endpoint, by)
    except AnalysisError:
        return None


def flow_section(view, by: str | None) -> None:
    """The Cohort page's flow diagram (rows in the file to the patients analysed per group),
    with SVG/PNG downloads; not in registry mode (the sidebar's counts say it there)."""
    if getattr(view, "registry", None) is not None:
        return
    # Drawn when opened (a rerun): a collapsed section costs the browser no figure on a
    # first visit (bench/bench_first_draw.py).
    section = st.expander("Who is in the analysis: flow diagram (CONSORT/STROBE)",
                          icon=":material/account_tree:", key="cohort.flow_open",
                          on_change="rerun")
    if not section.open:
        return
    with section:
        url_choice(FLOW_ENDPOINT, ["rfs", "os"], "rfs")  # kept while the section is closed
        endpoint = st.radio("Endpoint", ["rfs", "os"], horizontal=True, key=FLOW_ENDPOINT,
                            format_func=str.upper)
        keep_in_url(FLOW_ENDPOINT)
        try:
            flow = _flow(view, endpoint, by)
        except AnalysisError as error:
            st.error(plain(str(error)), icon=":material/error:")
            return
        figure = flow_figure(flow)
        st.plotly_chart(figure, key="cohort.flow", config={"displaylogo": False})
        st.caption(plain(flow.describe()) + " Every row of the file is counted once: set "
                   "aside by the checks, left out by each filter (not matching, or no value "
                   "recorded), left out for a missing time, event or group, or analysed. The "
                   "diagram is the first section of the slides and the reports.")
        for column, fmt in zip(st.columns(2), ("svg", "png"), strict=True):
            download_button(  # guarded: role, audit (an aggregate figure)
                "cohort.flow", f"Flow diagram ({fmt.upper()})",
                lambda _, f=fmt: render_figure(figure, f, "slide_half", style="screen"),
                f"flow_diagram_{endpoint}.{fmt}", MIME[fmt], rows=False, where=column,
                key=f"cohort.flow_{fmt}", icon=":material/download:")


def difference_sizes(cohort: pd.DataFrame, endpoint: Endpoint, by: str | None,
                     groups: list[str], landmark_months: tuple[float, ...],
                     horizon: float) -> None:
    """How big the difference is: the milestone survival difference at a chosen landmark and
    the RMST contrasts up to the horizon, each group against the hazard ratios' reference."""
    if by is None or len(groups) < 2:
        return
    reference = st.session_state.get(REFERENCE_KEY)
    reference = reference if reference in groups else groups[0]
    with st.expander(f"How big is the difference against {plain(reference)}: survival at a "
                     "landmark and months up to the horizon (milestone, RMST)",
                     icon=":material/straighten:"):
        if landmark_months:
            at = st.selectbox("Landmark (months)", list(landmark_months),
                              key="survival.milestone_at", format_func=lambda m: f"{m:g}")
            try:
                milestone = _milestone(cohort, endpoint, by, float(at), reference)
            except AnalysisError as error:
                st.info(plain(str(error)), icon=":material/info:")
            else:
                st.dataframe(milestone_table(milestone), hide_index=True,
                             key="survival.milestone")
                for note in milestone.notes:
                    st.caption(plain(note))
        try:
            rmst = _rmst(cohort, endpoint, by, float(horizon), reference)
        except AnalysisError as error:
            st.info(plain(str(error)), icon=":material/info:")
        else:
            st.dataframe(rmst_table(rmst), hide_index=True, key="survival.rmst_contrasts")
            for note in rmst.notes:
                st.caption(plain(note))
        st.caption(CONTRASTS_WHY)

"""Subgroups & cut-points: custom groups from rules, an honest cut-point finder, subgroup forest."""

import pandas as pd
import streamlit as st

from core.cohort.groups import (
    CUSTOM_GROUP_COLUMN,
    DEFAULT_OTHER,
    Condition,
    GroupDefinition,
    GroupRule,
    assign_groups,
    rule_operators,
)
from core.cohort.schema import LABELS
from core.cohort.text import parse_share_range, plural
from core.cox.answer import subgroups_answer
from core.cox.display import category_levels, covariate_options, subgroup_tables
from core.cox.figures_subgroups import subgroup_forest_figure
from core.cox.subgroups import AGE_GROUP_COLUMN
from core.errors import AnalysisError, CohortError
from core.style.numbers import format_p
from core.survival.cutpoint.answer import cutpoint_answer
from core.survival.cutpoint.maxstat import marker_options, split_name
from core.survival.endpoint import find_endpoint
from core.survival.figures.cutpoint import cutpoint_figure
from core.survival.figures.km import km_figure
from ui import cached, subgroups
from ui import cox as cached_cox
from ui.endpoints import endpoint_choice, user_endpoints
from ui.frames import stratifiers
from ui.shell import explain, page_setup, plain, stop_if_empty
from ui.state import keep_in_url, url_choice, url_value

view = page_setup("Subgroups & cut-points", ":material/account_tree:")
cohort = view.cohort
stop_if_empty(view)
answer = st.container(key="subgroups.answer")  # the open tab's result in words, first
fitted, sample_note = cached_cox.model_rows(  # above 10^5 patients: a sample, as on Cox
    cohort, list(cohort.columns), max_rows=subgroups.MAX_MODEL_ROWS,
    what="the cut-point search and the Cox models below are fitted")
if sample_note:
    st.info(plain(sample_note), icon=":material/casino:")
NONE = "—"


def readable(column: str) -> str:
    return LABELS.get(column, column)


def list_parser(options: list[str]):
    def parse(text: str) -> list[str]:
        return [v for v in str(text).split(",") if v in options]
    return parse


def show_definition(definition: GroupDefinition) -> None:
    try:
        assignment = assign_groups(cohort, definition)
    except CohortError as error:
        st.error(plain(" ".join(error.problems)), icon=":material/error:")
        return
    rows = [{"Group": name, "Rule": rule, "Patients (filtered cohort)":
             assignment.counts.get(name, 0)}
            for name, rule in zip(definition.labels,
                                  [g.describe() for g in definition.groups]
                                  + (["every other patient"] if definition.other else []),
                                  strict=True)]
    if tab_groups.open:
        answer.markdown(f"**{plain(assignment.answer())}**")
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption("First matching rule wins. The groups are the column "
               f"**{CUSTOM_GROUP_COLUMN}** on every page (compare groups by it, filter by it "
               "in the sidebar, use it as a Cox covariate); the link keeps the definition.")
    for note in assignment.notes():
        st.info(plain(note), icon=":material/person_off:")


def cutpoint_figures(result, endpoint, marker: str) -> None:
    """The cut-point search's curve, and Kaplan-Meier curves of the two groups it makes."""
    st.plotly_chart(cutpoint_figure(result), key="cut.curve")
    split = subgroups.split_frame(fitted, result)
    try:
        km = cached.survival(split, endpoint, split_name(result), (12.0, 24.0), 24.0)
    except AnalysisError as error:
        st.error(explain(view, error), icon=":material/error:")
    else:
        st.plotly_chart(km_figure(km.fit.table, km.at_risk, groups=list(km.fit.groups),
                                  y_title=f"{endpoint.name} probability",
                                  by=split_name(result)),
                        key="cut.km")
        st.caption(f"Kaplan-Meier {plain(endpoint.label)} by {plain(readable(marker))}"
                   f" ≤ {result.cutpoint:g} vs > {result.cutpoint:g} (the data-driven "
                   f"cut; 95% log-log bands).")


def cutpoint_analysis(endpoint, marker: str, minprop: float, maxprop: float) -> None:
    """The cut-point search of the open Cut-point finder tab: its p-values, notes and
    figures, and the button that turns the cut into custom groups."""
    try:
        result = subgroups.cutpoint(fitted, endpoint, marker, minprop, maxprop)
        permutation = subgroups.cutpoint_permutation(fitted, endpoint, marker, minprop,
                                                     maxprop)
    except AnalysisError as error:
        st.error(explain(view, error), icon=":material/error:")
    else:
        line = cutpoint_answer(result, permutation, readable(marker), endpoint.noun)
        answer.markdown(f"**{plain(line)}**")
        st.warning("A cut-point chosen from these data fits these data best by "
                   "construction: its effect is overestimated and it needs validation in "
                   "another cohort before clinical use. The p-values below are corrected "
                   "for searching all cuts; the naive p of the chosen cut alone is not "
                   "shown because it is misleading.", icon=":material/warning:")
        m1, m2, m3, m4, m5 = st.columns(5)
        m1.metric("Cut-point", f"≤ {result.cutpoint:g}")
        m2.metric("Max. standardized statistic", f"{result.statistic:.3f}")
        m3.metric("p (Lausen-Schumacher 1992)", "≥ 1" if result.p_value >= 1
                  else format_p(result.p_value))
        m4.metric("p (exact Gaussian)", "–" if result.exact_gauss_p is None
                  else format_p(result.exact_gauss_p))
        m5.metric("p (permutation)", format_p(permutation.p_value))
        st.caption(f"{plain(result.method)}; {plural(result.n, 'patient')}, "
                   f"{plural(result.events, 'event')}, "
                   f"{plural(len(result.curve), 'candidate cut')} between "
                   f"{result.minprop:.0%} and "
                   f"{result.maxprop:.0%} of patients below. Permutation p: "
                   f"{permutation.describe()}. Groups: {plain(readable(marker))} ≤ "
                   f"{result.cutpoint:g} vs > {result.cutpoint:g}.")
        for exclusion in result.exclusions:
            st.info(plain(exclusion.describe()), icon=":material/person_off:")
        for note in result.notes:
            st.warning(plain(note), icon=":material/warning:")
        cutpoint_figures(result, endpoint, marker)
        if st.button("Use this cut as custom groups", key="cut.to_groups"):
            label = readable(marker)
            subgroups.set_definition(GroupDefinition(
                (GroupRule(f"{label[:28]} <= {result.cutpoint:g}",
                           (Condition(marker, "<=", result.cutpoint),)),),
                other=f"{label[:29]} > {result.cutpoint:g}"))
            st.rerun()


def forest_analysis(framed: pd.DataFrame, endpoint, factor: str,
                    chosen: list[str]) -> None:
    """The subgroup forest of the open Subgroup forest tab: the answer line above the
    tabs, the forest figure, its notes and tables."""
    try:
        result = subgroups.forest(framed, endpoint, factor,
                                  tuple(c for c in chosen if c != factor))
    except AnalysisError as error:
        st.error(explain(view, error), icon=":material/error:")
    else:
        answer.markdown(f"**{plain(subgroups_answer(result, endpoint.noun, LABELS))}**")
        st.plotly_chart(subgroup_forest_figure(
            result.table, result.interactions,
            title=f"{readable(factor)} within subgroups, {endpoint.label}"),
            key="forest.figure")
        st.caption(f"{plain(result.method)}. Read the interaction p (does the effect "
                   "differ between subgroups?), not the subgroup p-values one by one.")
        if result.excluded:
            st.info(f"{plural(result.excluded, 'patient')} without "
                    f"{plain(readable(factor))} or "
                    f"{plain(endpoint.label)} are not in any row.",
                    icon=":material/person_off:")
        if (result.table["method"] == "Firth").any():
            st.warning("Some subgroups have an arm without events (monotone likelihood): "
                       "their hazard ratios are Firth-penalized estimates, shown as open "
                       "diamonds, with the reason in the table.", icon=":material/warning:")
        rows, tests = subgroup_tables(result, readable)
        st.dataframe(rows, hide_index=True)
        st.dataframe(tests, hide_index=True)


TABS = ["Custom groups", "Cut-point finder", "Subgroup forest"]
url_choice("subgroups.tab", TABS, TABS[0])  # a link opens the tab it was copied on
# Each tab computes and draws its analyses only when open (``.open``; a tab switch reruns):
# hidden tabs cost four figures on the first draw (bench/bench_first_draw.py) and ~13 CPU-s
# per new registry filter (bench/bench_registry_pages.py). Every tab keeps its controls, so a
# link's choices are read and checked whichever tab it opens.
tab_groups, tab_cut, tab_forest = st.tabs(TABS, key="subgroups.tab", on_change="rerun")
keep_in_url("subgroups.tab")

# ---- custom groups ------------------------------------------------------------------------
with tab_groups:
    current = subgroups.definition()
    st.markdown("**Quick groups**")
    q1, q2, q3 = st.columns(3)
    presets = {
        "groups.preset_adverse_mrd": ("ELN adverse AND MRD-positive vs everyone else",
                                      GroupDefinition((GroupRule("Adverse & MRD+", (
                                          Condition("eln2022_risk", "==", "adverse"),
                                          Condition("mrd_pre_status", "==", "positive"))),))),
        "groups.preset_age60": ("Age >= 60 vs younger", GroupDefinition(
            (GroupRule("Age >= 60", (Condition("age", ">=", 60),)),), other="Age < 60")),
        "groups.preset_wbc50": ("WBC > 50 vs the rest", GroupDefinition(
            (GroupRule("WBC > 50", (Condition("wbc", ">", 50),)),), other="WBC <= 50")),
    }
    for column, (key, (label, preset)) in zip((q1, q2, q3), presets.items(), strict=True):
        if column.button(label, key=key):
            subgroups.set_definition(preset)
            st.rerun()

    st.markdown("**Build a group** (all conditions must hold: AND)")
    columns = [c for c in cohort.columns if c != "patient_id" and c != CUSTOM_GROUP_COLUMN
               and not str(c).endswith(("_event",))]
    name = st.text_input("Group name", key="groups.name", max_chars=40,
                         placeholder="e.g. High risk")
    conditions, problems = [], []
    for i in range(3):
        c1, c2, c3 = st.columns([2, 1, 2])
        column = c1.selectbox(f"Condition {i + 1}: column", [NONE, *columns],
                              key=f"groups.c{i}.column", format_func=lambda c: c if c == NONE
                              else readable(c))
        if column == NONE:
            continue
        op = c2.selectbox("is", rule_operators(cohort, column), key=f"groups.c{i}.op")
        if op in ("==", "!=", "in") and not pd.api.types.is_numeric_dtype(cohort[column]):
            levels = category_levels(cohort, column)
            if op == "in":
                value = tuple(c3.multiselect("values", levels, key=f"groups.c{i}.levels"))
                if not value:
                    problems.append(f"Condition {i + 1}: choose at least one value.")
                    continue
            else:
                value = c3.selectbox("value", levels, key=f"groups.c{i}.level")
        else:
            value = float(c3.number_input("number", key=f"groups.c{i}.number", value=0.0,
                                          format="%g"))
        try:
            conditions.append(Condition(column, op, value))
        except CohortError as error:
            problems.extend(error.problems)
    other_on = st.checkbox("Add an 'everyone else' group", value=True, key="groups.other_on")
    other = st.text_input("Name of everyone else", value=DEFAULT_OTHER, key="groups.other",
                          max_chars=40, disabled=not other_on)
    b1, b2, b3 = st.columns(3)
    if b1.button("Add this group", key="groups.add", type="primary"):
        try:
            if problems:
                raise CohortError(problems)
            if not conditions:
                raise CohortError(["Choose at least one condition (a column, an operator "
                                   "and a value)."])
            kept = current.groups if current is not None else ()
            subgroups.set_definition(GroupDefinition(
                (*kept, GroupRule(name.strip() or f"Group {len(kept) + 1}",
                                  tuple(conditions))),
                other=other.strip() if other_on else None))
            st.rerun()
        except CohortError as error:
            st.error(plain(" ".join(error.problems)), icon=":material/error:")
    if current is not None and b2.button("Remove the last group", key="groups.pop"):
        subgroups.set_definition(GroupDefinition(current.groups[:-1], current.other)
                                 if len(current.groups) > 1 else None)
        st.rerun()
    if current is not None and b3.button("Clear custom groups", key="groups.clear"):
        subgroups.set_definition(None)
        st.rerun()

    if current is None:
        if tab_groups.open:
            answer.markdown("**No custom groups yet: pick a quick group or build one here; "
                            "they become a column to compare on every page.**")
        st.info("No custom groups yet: use a quick group or build one above.",
                icon=":material/info:")
    else:
        st.markdown("**Current custom groups**")
        show_definition(current)

# ---- cut-point finder ---------------------------------------------------------------------
with tab_cut:
    markers = marker_options(cohort)
    if not markers:
        st.info("This cohort has no numeric column with at least 3 distinct values to cut.")
    else:
        url_choice("cut.marker", markers, markers[0])
        url_value("cut.range", parse_share_range, (0.1, 0.9))
        c1, c2, c3 = st.columns([2, 2, 3])
        marker = c1.selectbox("Numeric marker", markers, key="cut.marker",
                              format_func=readable)
        endpoint = endpoint_choice(view, "cut.endpoint", entry=False, container=c2,
                                   default="rfs")
        minprop, maxprop = c3.slider(
            "Share of patients below the cut (minprop, maxprop)", 0.0, 1.0, step=0.05,
            key="cut.range", help="Cuts leaving fewer than minprop or more than maxprop of "
            "the patients in the lower group are not searched (default 10%-90%).")
        keep_in_url("cut.marker", "cut.endpoint", "cut.range")
        if tab_cut.open:  # the search (up to ~3 s of exact Gaussian p) runs when seen
            cutpoint_analysis(endpoint, marker, float(minprop), float(maxprop))

# ---- subgroup forest ----------------------------------------------------------------------
with tab_forest:
    framed = subgroups.age_grouped(fitted) if "age" in fitted.columns else fitted
    factors = [c for c in covariate_options(framed) if c != "age"]
    attributes_all = [c for c in [AGE_GROUP_COLUMN, *stratifiers(framed)]
                      if c in framed.columns and c not in ("relapse_type", "outcome")]
    if not factors:
        st.info("No categorical column with two values to compare in the filtered cohort.")
    else:
        url_choice("forest.factor", factors, factors[0])
        default_attributes = [c for c in ("sex", AGE_GROUP_COLUMN, "eln2022_risk",
                                          "sorafenib_timing") if c in attributes_all]
        url_value("forest.by", list_parser(attributes_all), default_attributes)
        c1, c2, c3 = st.columns([2, 2, 4])
        endpoint = endpoint_choice(view, "forest.endpoint", entry=False, container=c1,
                                   default="rfs")
        factor = c2.selectbox("Hazard ratio of", factors, key="forest.factor",
                              format_func=readable)
        chosen = c3.multiselect("Within subgroups of", attributes_all, key="forest.by",
                                format_func=readable)
        keep_in_url("forest.endpoint", "forest.factor", "forest.by")
        if tab_forest.open:  # ~24 Cox fits, and the answer line, when seen
            forest_analysis(framed, endpoint, factor, chosen)

    st.markdown("**Univariable models side by side**")
    options = covariate_options(cohort)
    url_value("forest.models", list_parser(options), options[:4])
    models = st.multiselect("Covariates (one Cox model each)", options, key="forest.models",
                            format_func=readable)
    keep_in_url("forest.models")
    if models and tab_forest.open:
        endpoint = find_endpoint(st.session_state.get("forest.endpoint", "rfs"),
                                 user_endpoints())
        uni = subgroups.univariable(fitted, endpoint, tuple(models))
        st.plotly_chart(subgroup_forest_figure(
            uni, title=f"Univariable Cox models, {endpoint.label}"), key="forest.uni")
        st.caption("One Cox model per covariate (Efron ties, Wald 95% CI; Firth-penalized "
                   "where a model separates); patients with the covariate recorded. "
                   f"Endpoint: {plain(endpoint.definition())}")

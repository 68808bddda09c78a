"""Survival: stratified Kaplan-Meier curves with at-risk table, landmarks, medians and tests."""

import streamlit as st

from core.cohort.exports import download_name
from core.cohort.schema import LABELS
from core.cohort.text import MAX_MONTHS, format_months, parse_horizon, parse_months, plural
from core.errors import AnalysisError
from core.report.html import PRINTED_RATES_NOTE
from core.style.numbers import format_median, format_p, p_phrase
from core.survival.figures.km import curtail_caption, km_figure
from core.survival.km.summary import (
    answer_sentence,
    per_group_table,
    rmst_difference_text,
)
from ui import cached
from ui.comparisons import difference_sizes, effects_for, further_tests, show_effects
from ui.deliverables import deliverables
from ui.endpoints import endpoint_choice, guarantee_time_section
from ui.exports import download_button, small_cells_toggle
from ui.frames import stratifiers
from ui.registry import columns_view, sample_caption
from ui.registry import survival as registry_survival
from ui.shell import SEED_SOURCE, explain, page_setup, plain, stop_if_empty
from ui.state import keep_in_url, parse_flag, url_choice, url_value
from ui.subgroups import rules_caption, with_rule_column

view = page_setup("Survival", ":material/monitoring:")
cohort = columns_view(view)  # registry mode: curves and tests in the engine, no sample
stop_if_empty(view)
answer = st.container(key="survival.answer")  # the result in words, before the controls

NONE = "none"
by_options = [NONE, *stratifiers(cohort)]
url_choice("survival.by", by_options, NONE)
left, middle, right = st.columns([2, 2, 3])
endpoint = endpoint_choice(view, "survival.endpoint", container=left)
by = middle.selectbox("Compare groups by", by_options, key="survival.by",
                      format_func=lambda c: "No grouping (whole cohort)" if c == NONE
                      else LABELS.get(c, c))
url_value("survival.ci", parse_flag, True)
url_value("survival.counts", parse_flag, True)  # KMunicate table by default
url_value("survival.landmarks", lambda text: format_months(parse_months(text)), "12, 24")
url_value("survival.horizon", parse_horizon, 24.0)
url_value("survival.curtail", lambda text: max(0, min(100, int(text))), 0)
with right:
    c1, c2 = st.columns(2)
    show_ci = c1.toggle("95% confidence bands", key="survival.ci")
    show_counts = c2.toggle("Events & censored rows", key="survival.counts",
                            help="KMunicate: at risk, cumulative events and censored")
    c3, c4 = st.columns(2)
    landmark_text = c3.text_input("Landmarks (months)", key="survival.landmarks",
                                  help="Any months, separated by commas, e.g. 12, 24, 30")
    horizon = c4.number_input("RMST horizon (months)", min_value=1.0, max_value=MAX_MONTHS,
                              step=6.0, key="survival.horizon", format="%g")
    c5, c6 = st.columns(2)
    curtail = c5.number_input("Stop curves below n at risk", min_value=0, max_value=100,
                              step=1, key="survival.curtail",
                              help="Pocock's rule: 0 draws every curve to its end")
    small_cells = small_cells_toggle(c6)  # one option for figures and exports, in the link
keep_in_url("survival.endpoint", "survival.by", "survival.ci", "survival.counts",
            "survival.landmarks", "survival.horizon", "survival.curtail")
try:
    landmark_months = parse_months(landmark_text)
except AnalysisError as error:
    st.error(f"{explain(view, error)} No landmark is shown until this is fixed.",
             icon=":material/error:")
    landmark_months = ()

try:
    report = registry_survival(view, endpoint, None if by == NONE else by,
                               tuple(sorted(landmark_months)), float(horizon))
except AnalysisError as error:
    st.error(explain(view, error), icon=":material/error:")
    st.stop()

answer.markdown(f"**{plain(answer_sentence(report))}**")
fit = report.fit
groups = list(fit.groups)
figure = km_figure(fit.table, report.at_risk, groups=groups, show_ci=show_ci,
                   y_title=f"{endpoint.name} probability",
                   x_title=f"Months from {endpoint.origin}",
                   extra_rows=("cum_events", "cum_censored") if show_counts else (),
                   by=None if by == NONE else by, curtail_below=int(curtail),
                   small_cells=small_cells)
caption = " ".join(filter(None, (report.caption, curtail_caption(int(curtail)))))
noun = endpoint.noun
plot_column, stats_column = st.columns([3, 2])  # key numbers beside the curve at 1366 px
plot_column.plotly_chart(figure, key="survival.figure", config={"displaylogo": False})
with stats_column:
    st.markdown("**Key numbers**")
    st.markdown("\n".join(
        f"- **{plain(m['group'])}**: {plural(int(m['n']), 'patient')}, "
        f"{plural(int(m['events']), endpoint.singular, noun)}; median, months: "
        f"{format_median(m['median'], m['median_lower'], m['median_upper'])}"
        for _, m in report.medians.iterrows()))
    st.caption("Median with its 95% CI (Brookmeyer-Crowley, log-log); NR: not reached.")
    if report.logrank is not None:
        lr = report.logrank
        first, second = st.columns(2)
        first.metric("Log-rank chi-square", f"{lr.statistic:.2f}")
        second.metric("Degrees of freedom", lr.dof)
        first.metric("Log-rank p", format_p(lr.p_value))
        if report.permutation:
            second.metric("Permutation p", format_p(report.permutation.p_value))
        st.markdown(plain(report.which_p))
st.caption(plain(caption))
if view.registry:
    st.caption(f"Registry mode: every statistic here is computed from the engine's event-count "
               f"table (one GROUP BY over all {view.registry.n:,} filtered rows).")
rules = rules_caption(by)  # a custom group's rules under its curves and in the image
grouped = by != NONE and len(groups) >= 2  # effect sizes and further tests need patient rows:
rows = view.cohort if grouped else cohort  # in registry mode the named sample, fetched here
effects = effects_for(rows, endpoint, None if by == NONE else by, groups)
deliverables(view, "survival", figure, " ".join(filter(None, (caption, rules))),
             f"km_{endpoint.key}", table=effects.display() if effects else None)
for note in report.notes:
    st.warning(plain(note), icon=":material/info:")

st.subheader("Per group")
per_group = per_group_table(report)
rmst = [c for c in per_group.columns if c.startswith("RMST")]  # beside the median: on screen
st.dataframe(per_group, hide_index=True, key="survival.table",  # at 1366 px, no side scroll
             column_order=[*per_group.columns[:4], *rmst,
                           *(c for c in per_group.columns[4:] if c not in rmst)])
st.caption("Median: first time the curve reaches 50% (\"not reached\" when it never does; NR: "
           "the interval has no upper limit yet). Landmarks: Kaplan-Meier survival at that "
           "time with its log-log 95% CI, and patients still at risk; \"beyond follow-up\": "
           "the group's last patient left observation earlier, nothing is extrapolated. "
           "RMST: restricted mean survival time, the average months lived event-free up to "
           "the horizon (area under the curve).")
if effects is not None:
    st.subheader("How big is the difference?")
    sample_caption(view)  # registry mode: these sections work on the named sample
    show_effects(effects, groups)

guarantee_time_section(view, endpoint, None if by == NONE else by, tuple(sorted(landmark_months)),
                       float(horizon))

if report.logrank is not None:
    st.subheader("Do the groups differ?")
    details = (f"{lr.method}, observed vs expected {noun}: "
               + "; ".join(f"{g} {o:g} vs {e:.2f}" for g, o, e in
                           zip(lr.groups, lr.observed, lr.expected, strict=True)) + ".")
    if report.permutation:
        details += (" Permutation p: share of re-assignments of the group labels (group sizes "
                    f"fixed) with a chi-square at least as large; {report.permutation.describe()}.")
    st.caption(plain(details))
    if report.trend is not None:
        st.markdown(f"**Trend across ELN 2022 risk groups** (favorable → intermediate → "
                    f"adverse): chi-square {report.trend.statistic:.2f}, 1 df, "
                    f"{p_phrase(report.trend.p_value)}")
        st.caption("Log-rank test for trend with scores 1, 2, 3 (Collett 2015): asks whether "
                   "risk rises steadily with the ELN group rather than whether any group "
                   "differs.")
    if rmst_difference_text(report):
        st.markdown(plain(rmst_difference_text(report)))
    further_tests(rows, endpoint, None if by == NONE else by, report.logrank, by_options[1:])
    difference_sizes(rows, endpoint, None if by == NONE else by, groups,
                     tuple(sorted(landmark_months)), float(horizon))

if view.source == SEED_SOURCE:
    with st.expander("The study's printed rates and the Kaplan-Meier estimates from its rows",
                     expanded=not view.cohort_filter.is_active(), icon=":material/fact_check:"):
        if view.cohort_filter.is_active():
            st.info("The printed rates are for all 19 patients of the study, so this "
                    "comparison uses all 19 rows, not the filtered patients above.",
                    icon=":material/info:")
        st.dataframe(cached.printed_rates(), hide_index=True, key="survival.headline")
        st.caption(plain(PRINTED_RATES_NOTE))
        st.page_link("pages/5_Paper_check.py", label="Every printed figure of the study "
                     "checked against its rows: Paper check", icon=":material/fact_check:")

curve_table = with_rule_column(fit.table, by)  # a custom group's rule beside its label
download_button("survival.curve_table", "Download the curve table (CSV)",
                lambda export: cached.csv_bytes(export.table),
                download_name("survival", "km-table", "csv",
                              filters=view.cohort_filter.to_query_params(),
                              endpoint=endpoint.key if by == NONE
                              else f"{endpoint.key}-by-{by}"),
                "text/csv", table=curve_table, icon=":material/download:",
                key="survival.download")
st.caption(plain(endpoint.definition()))

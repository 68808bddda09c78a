"""Transplant & events during follow-up: landmark analysis, Simon-Makuch curves with the
Mantel-Byar test, time-dependent Cox model and the censor-at-intervention sensitivity."""

import streamlit as st

from core.cohort.schema import LABELS
from core.cox.answer import during_follow_up_answer
from core.errors import AnalysisError
from core.style.numbers import format_p
from core.survival.figures.timedep import (
    landmark_figure,
    sensitivity_figure,
    simon_makuch_figure,
)
from core.survival.timedep.summary import (
    IMMORTAL_TIME,
    WHICH_METHOD,
    cox_table,
    intervention_options,
    landmark_excluded_text,
    sensitivity_table,
)
from ui import timedep
from ui.endpoints import endpoint_choice
from ui.shell import SEED_SOURCE, explain, page_setup, plain, stop_if_empty
from ui.state import keep_in_url, url_choice, url_number

view = page_setup("Transplant & events during follow-up", ":material/swap_horiz:")
cohort = view.cohort
stop_if_empty(view)
answer = st.container(key="timedep.answer")  # the result in words, before the controls

SEED_NOTE = (
    "**The embedded study cohort has no transplant times.** The study reports that 3 of the "
    "19 patients went on to allogeneic HSCT during maintenance (after a median of one "
    "maintenance cycle, range 1–4) but not which ones, so this page shows no numbers for it "
    "rather than guessing. Load a cohort with an `hsct_months` column (months from "
    "maintenance start to HSCT, empty when not transplanted) under **Cohort data** in the "
    "sidebar; `data/examples/hsct_example.csv` is a synthetic example to try the page with.")

options = intervention_options(cohort)
if not options:
    st.info("This cohort has no numeric column that could hold an intervention time. Add one "
            "(e.g. `hsct_months`: months from maintenance start to HSCT, empty when not "
            "transplanted) and load the file again.", icon=":material/info:")
    st.stop()

url_choice("timedep.switch", options, options[0])
url_number("timedep.landmark", 6.0)
left, middle, right = st.columns([3, 3, 2])
switch = left.selectbox("Intervention time (column)", options, key="timedep.switch",
                        format_func=lambda c: LABELS.get(c, c))
endpoint = endpoint_choice(view, "timedep.clock", entry=False, container=middle,
                           default="rfs", label="The endpoint analysed (and its clock)")
landmark = right.number_input("Landmark L (months)", min_value=0.0, max_value=1200.0,
                              step=1.0, key="timedep.landmark")
keep_in_url("timedep.switch", "timedep.clock", "timedep.landmark")
st.caption(f"The intervention time must be on the endpoint's clock: months from "
           f"{plain(endpoint.origin)}. "
           "Converting between the two clocks would need each patient's maintenance start, "
           "which the data do not hold for patients who relapsed.")

try:
    report = timedep.report(cohort, endpoint, switch, float(landmark), (12.0, 24.0))
except AnalysisError as error:
    st.error(explain(view, error), icon=":material/error:")
    st.stop()
answer.markdown(f"**{plain(during_follow_up_answer(report, endpoint.noun))}**")

with st.expander("Why the simple comparison is not shown", expanded=report.n_recorded == 0,
                 icon=":material/hourglass:"):
    st.markdown(IMMORTAL_TIME)

if report.n_recorded == 0:
    if view.source == SEED_SOURCE:
        st.info(SEED_NOTE, icon=":material/info:")
    else:
        st.info(f"No patient here has a value in `{plain(switch)}`, so there is no "
                "intervention to analyse. Choose another column, or load a cohort with "
                "intervention times.", icon=":material/info:")
    st.markdown(WHICH_METHOD)
    st.stop()

name, what = report.name, endpoint.name
y_title = f"{what} probability"
x_title = f"Months from {endpoint.origin}"
st.markdown(f"**{report.n_patients} patients** analysed · {report.n_recorded} with a "
            f"recorded {plain(name)} time · **{report.n_switched} switched during follow-up**")
for exclusion in report.exclusions:
    st.info(plain(exclusion.describe()), icon=":material/person_off:")
for note in report.notes():
    st.warning(plain(note), icon=":material/info:")

st.subheader(f"1 · Landmark analysis from {landmark:g} months")
if report.landmark_analysis.error:
    st.error(plain(report.landmark_analysis.error), icon=":material/error:")
else:
    lm = report.landmark_analysis.result
    st.plotly_chart(landmark_figure(lm, y_title), key="timedep.landmark_figure",
                    config={"displaylogo": False})
    cols = st.columns(3)
    cols[0].metric("Patients from L", lm.fit.n[lm.groups[0]] + lm.fit.n[lm.groups[1]])
    cols[1].metric("Log-rank chi-square (landmark)", f"{lm.statistic:.2f}")
    cols[2].metric("Log-rank p (landmark)", format_p(lm.p_value))
    st.caption(plain(f"{lm.method} (R survdiff, rho = 0, 1 df). {landmark_excluded_text(lm)} "
                     f"A {name} after {landmark:g} months counts as none by L."))

st.subheader("2 · Simon-Makuch curves and the Mantel-Byar test")
if report.simon_makuch.error:
    st.error(plain(report.simon_makuch.error), icon=":material/error:")
else:
    sm = report.simon_makuch.result
    st.plotly_chart(simon_makuch_figure(sm, y_title, x_title), key="timedep.simon_makuch",
                    config={"displaylogo": False})
    st.caption(plain(f"{sm.method}. Patients count as \"{sm.groups[0]}\" until their {name} and "
                     f"as \"{sm.groups[1]}\" from then on; the numbers at risk move with them. "
                     "Ticks mark censorings, not moves."))
if report.cox.error:
    st.error(plain(report.cox.error), icon=":material/error:")
else:
    score = report.cox.result.score
    cols = st.columns(3)
    cols[0].metric("Mantel-Byar chi-square", f"{score.statistic:.2f}")
    cols[1].metric("Mantel-Byar p", format_p(score.p_value))
    cols[2].metric("Events", score.events)
    st.caption(plain(f"{score.method}, 1 df."))

    st.subheader(f"3 · Time-dependent Cox model: hazard after vs before {plain(name)}")
    st.dataframe(cox_table(report.cox.result, name), hide_index=True, key="timedep.cox")
    for warning in report.cox.result.warnings:
        st.warning(plain(warning), icon=":material/warning:")
    st.caption(plain(f"{report.cox.result.method}. A hazard ratio below 1 means fewer "
                     f"{endpoint.noun} per month at risk "
                     f"after the {name} than before or without it, assumed constant over time."))

st.subheader(f"4 · {what}: as observed vs censored at the {plain(name)}")
if report.sensitivity.error:
    st.error(plain(report.sensitivity.error), icon=":material/error:")
else:
    sens = report.sensitivity.result
    st.plotly_chart(sensitivity_figure(sens, y_title, x_title), key="timedep.sensitivity",
                    config={"displaylogo": False})
    st.dataframe(sensitivity_table(sens), hide_index=True, key="timedep.sensitivity_table")
    st.caption(plain(f"Kaplan-Meier, Greenwood log-log 95% CI. Censoring at the {name} stops "
                     f"the follow-up of {sens.n_censored} patients at their {name}; "
                     f"{sens.events_removed} events after it are no longer counted. A "
                     "sensitivity check, not an effect estimate: it is biased when patients "
                     "are chosen for the intervention because of their risk."))

st.markdown(WHICH_METHOD)
st.caption("Methods: docs/methods-timedep.md. Golden-tested against R survival 3.5 (tmerge, "
           "coxph, survfit, survdiff).")

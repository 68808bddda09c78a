"""Competing risks: cumulative incidence of relapse and non-relapse mortality, Gray's test,
Fine-Gray and cause-specific Cox hazard ratios."""

import pandas as pd
import streamlit as st

from core.cohort.schema import LABELS
from core.cox.cause_specific import forest_table, models_table
from core.cox.display import covariate_options
from core.cox.figures import forest_figure
from core.errors import AnalysisError
from core.style.numbers import format_p
from core.survival.competing.input import DEATH_RULES, RULE_NOT_NEEDED, death_rule_matters
from core.survival.competing.summary import (
    CAUSES,
    KM_CONTRAST,
    LANDMARK_CHOICES,
    answer_sentence,
    landmark_table,
)
from core.survival.figures.competing import cif_figure
from ui import competing as cached
from ui import cox as cached_cox
from ui.deliverables import deliverables
from ui.endpoints import own_incidence_section
from ui.frames import stratifiers
from ui.shell import explain, page_setup, plain, stop_if_empty
from ui.state import keep_in_url, url_choice
from ui.subgroups import rules_caption

view = page_setup("Competing risks", ":material/call_split:")
cohort = view.cohort
stop_if_empty(view)
answer = st.container(key="competing.answer")  # the result in words, before the controls

NONE = "none"
RULES = {"censor": "Keep censored (default)", "end_of_rfs": "Count at end of RFS follow-up"}
by_options = [NONE, *stratifiers(cohort)]
url_choice("competing.by", by_options, NONE)
url_choice("competing.rule", list(DEATH_RULES), "censor")
url_choice("competing.model", ["univariable", "multivariable"], "univariable")
CAUSE_KEYS = {"relapse": 1, "nrm": 2}
url_choice("competing.cause", list(CAUSE_KEYS), "relapse")
left, middle, right = st.columns([2, 2, 3])
by = left.selectbox("Compare groups by", by_options, key="competing.by",
                    format_func=lambda c: "No grouping (whole cohort)" if c == NONE
                    else LABELS.get(c, c))
if death_rule_matters(cohort):
    rule_choice = middle.radio("Death without relapse recorded only on the OS clock",
                               list(DEATH_RULES), key="competing.rule", format_func=RULES.get)
else:  # a file built from dates: every death is on the RFS clock, the rule changes nothing
    rule_choice = "censor"
    middle.caption(RULE_NOT_NEEDED)
with right:
    c1, c2 = st.columns(2)
    show_ci = c1.toggle("95% confidence bands", value=True, key="competing.ci")
    show_km = c2.toggle("Draw 1 − Kaplan-Meier", value=False, key="competing.km")
    cached.seed_landmarks()
    landmark_months = st.multiselect("Landmarks (months)", list(LANDMARK_CHOICES),
                                     key="competing.landmarks")
keep_in_url("competing.by", "competing.rule", "competing.landmarks")

try:
    report = cached.report(cohort, None if by == NONE else by,
                           tuple(sorted(landmark_months)), rule_choice)
except AnalysisError as error:
    st.error(explain(view, error), icon=":material/error:")
    st.stop()

answer.markdown(f"**{plain(answer_sentence(report))}**")
st.info(f"**Which event ends relapse-free follow-up.** Relapse is cause 1, death without "
        f"relapse is cause 2 (the competing event). {plain(report.rule.describe())}",
        icon=":material/rule:")

groups = list(report.incidence[1].groups)
fitted, sample_note = cached_cox.model_rows(  # above 10^5 patients: a sample, as on Cox
    cohort, list(cohort.columns), max_rows=cached.MAX_MODEL_ROWS,
    what="the hazard ratios on this page (Fine-Gray and cause-specific Cox) are fitted")
if sample_note:
    st.info(plain(f"{sample_note} The cumulative incidence curves and Gray's test use every "
                  "patient."), icon=":material/casino:")
effects = cached.effects_for(fitted, None if by == NONE else by, groups, rule_choice)
figures = st.columns(2)
drawn = {}
for column, (cause, title) in zip(figures, CAUSES.items(), strict=True):
    with column:
        st.markdown(f"**{title}**")
        drawn[cause] = cif_figure(
            report.incidence[cause].table, report.at_risk, groups=groups, show_ci=show_ci,
            km=report.km.table if show_km and cause == 1 else None,
            y_title=f"Cumulative incidence of {'relapse' if cause == 1 else 'NRM'}",
            by=report.by)
        st.plotly_chart(drawn[cause], key=f"competing.figure.{cause}",
                        config={"displaylogo": False})
        cached.show_effect(effects.get(cause), cause)
st.caption(plain(report.caption))
rules = rules_caption(by)  # a custom group's rules under its curves and in the image
deliverables(view, "competing", drawn[1], " ".join(filter(None, (report.caption, rules))),
             "cif_relapse", table=cached.figure_table(effects.get(1)))
cached.show_reference(effects, groups)
if show_km:
    st.caption(plain(f"Dotted: 1 − Kaplan-Meier of relapse. {KM_CONTRAST}"))
for note in report.notes:
    st.warning(plain(note), icon=":material/info:")
own_incidence_section(view, None if by == NONE else by, tuple(sorted(landmark_months)),
                      show_ci)

st.subheader("Cumulative incidence at landmarks")
if landmark_months:
    st.dataframe(landmark_table(report), hide_index=True, key="competing.landmark_table")
    st.caption("CIR: cumulative incidence of relapse; NRM: non-relapse mortality; both "
               "Aalen-Johansen estimates with Gray's variance (R cmprsk::cuminc) and a "
               "log(-log) 95% CI. \"beyond follow-up\": the group's last patient left "
               "observation earlier; nothing is extrapolated.")
st.dataframe(pd.DataFrame({"Group": report.counts["group"], "Patients": report.counts["n"],
                           "Relapses": report.counts["relapses"],
                           "Deaths without relapse": report.counts["deaths_without_relapse"],
                           "Censored": report.counts["censored"]}),
             hide_index=True, key="competing.counts")

if report.tests:
    st.subheader("Do the groups differ?")
    rows = []
    for cause, test in report.tests.items():
        perm = report.permutation.get(cause)
        rows.append({"Cause": CAUSES[cause], "Gray chi-square": f"{test.statistic:.2f}",
                     "df": test.dof, "Gray p": format_p(test.p_value),
                     "Permutation p": format_p(perm.p_value) if perm else "–",
                     "Permutation": perm.describe() if perm else
                     report.samples[cause].permutation_status()})
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="competing.tests")
    st.caption("Gray's K-sample test (R cmprsk::cuminc, rho = 0) compares the cumulative "
               "incidence of one cause across groups. With fewer than 30 patients or a group "
               "with fewer than 5 events the chi-square approximation can mislead: read the "
               "permutation p (group labels re-assigned, group sizes fixed).")

st.subheader("Regression: subdistribution and cause-specific hazard ratios")
options = covariate_options(cohort)
default = ([by] if by in options else []) or [c for c in ["mrd_pre_status"] if c in options]
a, b, c = st.columns([3, 2, 2])
covariates = a.multiselect("Covariates", options, default=default, key="competing.covariates",
                           format_func=lambda col: LABELS.get(col, col))
model = b.radio("Model", ["univariable", "multivariable"], key="competing.model",
                format_func=lambda m: "Univariable (one each)" if m == "univariable"
                else "Multivariable (together)")
cause_key = c.radio("Cause", list(CAUSE_KEYS), key="competing.cause",
                    format_func=lambda k: CAUSES[CAUSE_KEYS[k]])
keep_in_url("competing.model", "competing.cause")
if covariates:
    try:
        models = cached.models(fitted, tuple(covariates), CAUSE_KEYS[cause_key],
                               model == "multivariable",
                               rule_choice)
    except AnalysisError as error:
        st.error(explain(view, error), icon=":material/error:")
    else:
        left_out = max((f.excluded for f in models.fine_gray), default=0)
        if left_out:
            st.caption(f"{left_out} patient{'s' if left_out != 1 else ''} left out of the "
                       "regression: no recorded relapse-free time, status or covariate value.")
        for problem in models.errors:
            st.error(plain(problem), icon=":material/error:")
        if models.fine_gray:
            st.dataframe(models_table(models), hide_index=True, key="competing.models")
            st.plotly_chart(forest_figure(forest_table(models), x_title="Subdistribution "
                                          "hazard ratio (Fine-Gray)"),
                            key="competing.forest", config={"displaylogo": False})
        for warning in models.warnings:
            st.warning(plain(warning), icon=":material/warning:")
        for note in models.notes:
            st.info(plain(note), icon=":material/info:")
        rules_caption(*covariates)
        st.caption("SHR: subdistribution hazard ratio (Fine-Gray, R cmprsk::crr: censoring "
                   "weights from the Kaplan-Meier of censoring, Breslow ties, robust standard "
                   "errors, Wald CI and p) — how the cumulative incidence differs. CSHR: "
                   "cause-specific hazard ratio (Cox, Efron ties, Wald; other causes "
                   "censored) — how fast the cause occurs among patients still event-free. "
                   "\"not estimable\": a level (or its reference) has no event of this cause, "
                   "or the fit diverged; no hazard ratio is shown.")
else:
    st.info("Choose at least one covariate for the regression models.",
            icon=":material/info:")

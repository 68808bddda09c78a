"""Relapse risk: one patient's risk by a horizon, and the validation that says how far to
trust the model behind it (discrimination, calibration, Brier/IPA, bootstrap optimism,
minimum sample size), with a frozen model and its external validation."""

import math

import streamlit as st

from core.access.roles import Permission
from core.cohort.schema import LABELS
from core.cohort.text import plural
from core.cox.display import covariate_options, patient_profile
from core.errors import AnalysisError
from core.risk.display import (
    bootstrap_table,
    calibration_groups_table,
    coefficient_table,
    percent,
    sample_size_table,
    starting_profile,
    validation_table,
)
from core.risk.endpoints import CIR, endpoint_choices, endpoint_kinds, not_offered
from core.risk.figures import calibration_figure, nomogram_figure, position_figure
from core.risk.frozen import freeze
from core.risk.model import KIND_LABELS
from core.risk.summary import external_caveat, external_validation, predict_profile
from core.survival.competing.input import DEATH_RULES, RULE_NOT_NEEDED, death_rule_matters
from ui import risk as cached
from ui.access import may
from ui.deliverables import deliverables
from ui.endpoints import user_endpoints
from ui.exports import download_button
from ui.shell import page_setup, plain, stop_if_empty
from ui.state import keep_in_url, seed_list, url_choice, url_value

view = page_setup("Relapse risk", ":material/target:")
cohort = view.cohort
stop_if_empty(view)
verdict = st.container()  # the verdict goes to the top, once the model is known

RULES = {"censor": "Keep censored (default)", "end_of_rfs": "Count at end of RFS follow-up"}
HORIZONS = [6.0, 12.0, 18.0, 24.0, 36.0, 48.0, 60.0]
KIND_HELP = {
    "fine_gray": "One model of the cumulative incidence of relapse (subdistribution hazards): "
                 "its coefficients read directly as effects on the risk.",
    "cause_specific": "One Cox model per cause (relapse; death without relapse), combined "
                      "into the risk of relapse: effects read as rates among patients still "
                      "event-free.",
    "cox": "A Cox model of the endpoint.",
}

users = user_endpoints() if view.registry is None else ()  # the user's own (Your data)
endpoints = endpoint_choices(cohort, users)
if not endpoints:
    st.info("This cohort has no endpoint columns (relapse-free or overall survival) to "
            "predict. Map them on the **Your data** page.", icon=":material/info:")
    st.stop()
url_choice("risk.endpoint", list(endpoints), next(iter(endpoints)))
a, b, c = st.columns([3, 3, 2])
endpoint = a.selectbox("Predict", list(endpoints), key="risk.endpoint",
                       format_func=endpoints.get)
kinds = list(endpoint_kinds(endpoint, users))
url_choice("risk.kind", kinds, kinds[0])
if st.session_state["risk.kind"] not in kinds:
    st.session_state["risk.kind"] = kinds[0]
kind = b.radio("Model", kinds, key="risk.kind", format_func=KIND_LABELS.get,
               horizontal=True)
b.caption(KIND_HELP[kind])
if view.registry is not None and user_endpoints():
    a.caption("Registry mode: your own endpoints are derived from a loaded file's dates, "
              "not in the registry's engine; this page predicts the stored OS, RFS and CIR.")
for reason in not_offered(cohort, users):
    a.caption(plain(reason))
url_value("risk.horizon", float, 24.0)
if st.session_state["risk.horizon"] not in HORIZONS:
    st.session_state["risk.horizon"] = 24.0
horizon = c.selectbox("Horizon (months)", HORIZONS, key="risk.horizon",
                      format_func=lambda h: f"{h:g}")
options = covariate_options(cohort)
seed_list("risk.covariates", options, [v for v in ("mrd_pre_status", "age") if v in options])
covariates = st.multiselect("Covariates", options, key="risk.covariates",
                            format_func=lambda col: plain(LABELS.get(col, col)))
rule, rule_drawn = "censor", endpoint == CIR and death_rule_matters(cohort)
if endpoint == CIR and not rule_drawn:  # built from dates: nothing to choose
    st.caption(RULE_NOT_NEEDED)
elif endpoint == CIR:
    url_choice("risk.rule", list(DEATH_RULES), "censor")
    rule = st.radio("Death without relapse recorded only on the OS clock", list(DEATH_RULES),
                    key="risk.rule", format_func=RULES.get, horizontal=True)
keep_in_url("risk.endpoint", "risk.kind", "risk.horizon", "risk.covariates",
            *(["risk.rule"] if endpoint == CIR and rule_drawn else []))
if not covariates:
    st.info("Choose at least one covariate to build a risk model.", icon=":material/tune:")
    st.stop()

try:
    report = cached.report(cohort, endpoint, kind, tuple(covariates), float(horizon), rule,
                           users)
except AnalysisError as error:
    st.error(plain(str(error)), icon=":material/error:")
    st.stop()
model, assessment, size = report.model, report.assessment, report.sample_size
what = "relapse" if endpoint == CIR else endpoints[endpoint].split(" (")[0].lower()
with verdict:
    st.markdown(f"**{plain(report.answer)}**")  # the result in words, first
    if report.validated:
        st.success(plain(report.headline), icon=":material/verified:")
    else:
        st.error(plain(report.headline), icon=":material/block:")
if report.endpoint.note:
    st.caption(plain(report.endpoint.note))
for exclusion in assessment.exclusions:
    st.caption(plain(exclusion.describe()))
for warning in model.warnings:
    st.warning(plain(warning), icon=":material/warning:")

key = (endpoint, kind, tuple(covariates), float(horizon), rule, len(cohort),
       tuple(cohort["patient_id"].astype(str).head(50)))
job = cached.current_job(key)
validation = job.result if job is not None and job.result is not None else None

# ---------------------------------------------------------------- one patient's risk
st.subheader(f"One patient's risk of {what} by {horizon:g} months")
sources = ["patient", "custom"] if may(Permission.VIEW_ROWS) else ["custom"]  # viewer: no rows
url_choice("risk.source", sources, sources[0])
source = st.radio("Profile", sources, key="risk.source", horizontal=True,
                  format_func={"patient": "A patient of the filtered cohort",
                               "custom": "Enter a profile"}.get)
ids = [str(i) for i in cohort["patient_id"].head(1000)]
chosen = str(st.session_state.get("saved.risk.patient", st.query_params.get("risk.patient", "")))
if chosen and chosen not in ids and (cohort["patient_id"].astype("string") == chosen).any():
    ids.append(chosen)  # a patient opened from the card, beyond the first 1000 listed
profile: dict = {}
try:
    if source == "patient":
        url_choice("risk.patient", ids, ids[0])
        patient = st.selectbox("Patient", ids, key="risk.patient",
                               format_func=lambda i: f"Patient {plain(i)}")
        profile = patient_profile(cohort, patient, covariates)
        keep_in_url("risk.source", "risk.patient")
    else:
        start = starting_profile(model, cohort)  # no patient's row (viewers see none)
        inputs = st.columns(max(len(model.codings), 3))
        for coding, where in zip(model.codings, inputs, strict=False):
            label = plain(LABELS.get(coding.column, coding.column))
            if coding.levels:
                profile[coding.column] = where.selectbox(
                    label, list(coding.levels), key=f"risk.profile.{coding.column}",
                    index=coding.levels.index(start[coding.column]))
            else:
                profile[coding.column] = where.number_input(
                    label, value=start[coding.column], key=f"risk.profile.{coding.column}")
        keep_in_url("risk.source")
    prediction = predict_profile(report, profile, validation)
except AnalysisError as error:
    st.error(plain(str(error)), icon=":material/error:")
    st.stop()
left, right = st.columns([2, 3])
left.metric(f"Risk of {what} by {horizon:g} months ({prediction.label})",
            percent(prediction.risk, prediction.ci_lower, prediction.ci_upper))
left.caption(plain(prediction.interval))
if not prediction.validated:
    left.warning(f"**{prediction.label}.** Read this number as the model's arithmetic, not as "
                 "a prognosis.", icon=":material/block:")
if may(Permission.VIEW_ROWS):  # one dot per patient: row-level
    right.plotly_chart(position_figure(assessment.patients["risk"], prediction.risk,
                                       prediction.ci_lower, prediction.ci_upper, horizon),
                       key="risk.position", config={"displaylogo": False})
else:
    right.caption(f"Higher than {prediction.percentile:.0%} of the cohort's predicted risks.")

# ---------------------------------------------------------------- how far to trust it
st.subheader("How far to trust the model")
st.caption("Apparent figures: computed on the patients the model was fitted on, so they "
           "flatter it; the internal validation below corrects them for that optimism.")
st.dataframe(validation_table(assessment), hide_index=True, key="risk.validation")
st.caption(f"{assessment.auc.method}. {assessment.brier.method}.")  # our own words
calibration = calibration_figure(assessment.calibration, f"Calibration at {horizon:g} months")
st.plotly_chart(calibration, key="risk.calibration", config={"displaylogo": False})
st.dataframe(calibration_groups_table(assessment), hide_index=True, key="risk.groups")
deliverables(view, "risk", calibration,
             f"Calibration of the {model.label} model at {horizon:g} months ({size.label}).",
             "calibration")
st.caption(assessment.calibration.method)
for note in assessment.calibration.notes:
    st.caption(plain(note))

st.subheader("Internal validation (bootstrap, as rms::validate)")
x1, x2, x3 = st.columns([1, 1, 2])
n_boot = int(x1.number_input("Bootstrap samples (B)", 10, 2000, 200, step=50,
                             key="risk.boot_b"))
seed = int(x2.number_input("Seed", 0, 10**9, 1, key="risk.boot_seed"))
running = job is not None and job.running
if x3.button("Run internal validation", key="risk.boot_run", disabled=running,
             icon=":material/play_arrow:"):
    job = cached.start_bootstrap(report, key, n_boot, seed)
    running = True


@st.fragment(run_every=1.0 if running else None)
def bootstrap_progress() -> None:
    """Progress and Cancel while the worker runs; a full rerun when it has finished."""
    current = cached.current_job(key)
    if current is None:
        return
    if current.running:
        st.progress(current.done / current.total,
                    text=f"Refitting: {current.done} of {current.total} samples")
        if st.button("Cancel", key="risk.boot_cancel", icon=":material/stop:"):
            current.cancel.set()
    elif st.session_state.get("risk.boot_shown") is not current:
        st.session_state["risk.boot_shown"] = current
        st.rerun()


bootstrap_progress()
if job is not None and not job.running:
    if job.error:
        st.error(plain(job.error), icon=":material/error:")
    elif validation is not None:
        st.dataframe(bootstrap_table(validation), hide_index=True, key="risk.bootstrap")
        st.caption(validation.method + ".")
        for failure in validation.failures:
            st.caption(plain(f"Failed refits: {failure}"))

st.subheader("Is the cohort large enough? (Riley et al.)")
st.dataframe(sample_size_table(size), hide_index=True, key="risk.samplesize")
st.caption(f"Minimum sample size for {size.parameters} parameter"
           f"{'s' if size.parameters != 1 else ''} (as R pmsampsize, survival outcome): event "
           f"rate {size.rate:.4f} per patient-month, mean follow-up {size.mean_followup:.1f} "
           f"months, anticipated Cox-Snell R² {size.r2:.3f} (15% of its maximum "
           f"{size.max_r2:.2f}, the conservative default). The cohort has "
           f"{plural(size.events, 'event')} among {plural(size.n, 'patient')}.")

st.subheader("Nomogram")
if report.nomogram is not None:
    st.plotly_chart(nomogram_figure(report.nomogram), key="risk.nomogram",
                    config={"displaylogo": False})
    st.caption("Each covariate's value gives points (top scale); their sum (total points) "
               f"reads off as the risk by {horizon:g} months (as R rms::nomogram).")
elif kind == "cause_specific":
    st.info("No nomogram: cause-specific models combine one score per cause. The Fine-Gray "
            "model has one.", icon=":material/info:")
else:
    st.info("No nomogram: it is drawn only for a model with enough events (see above), so that "
            "a chart on paper does not outlive its caveat.", icon=":material/info:")

with st.expander("Model coefficients"):
    st.dataframe(coefficient_table(model), hide_index=True, key="risk.coefficients")

st.subheader("Freeze the model, validate a frozen one")
development = {"apparent_auc": assessment.auc.auc, "apparent_brier": assessment.brier.brier,
               "validated": report.validated, "sample_size_label": size.label}
if validation is not None:
    development["corrected"] = {k: v for k, v in validation.table["corrected"].items()
                                if not math.isnan(v)}
download_button("risk.model", "Freeze this model (JSON)",
                lambda _: freeze(model, endpoint, development).encode(),
                f"risk-model_{endpoint}_{kind}_{horizon:g}m.json", "application/json",
                rows=False, key="risk.freeze", icon=":material/download:")
uploaded = st.file_uploader("Validate a frozen model on the filtered cohort", type=["json"],
                            key="risk.frozen_file")
if uploaded is not None:
    try:
        frozen_model, frozen_endpoint, _ = cached.frozen(uploaded.getvalue())
        external = external_validation(frozen_model, frozen_endpoint, cohort, rule, users)
    except AnalysisError as error:
        st.error(plain(str(error)), icon=":material/error:")
    else:
        st.markdown(f"**External validation** of a {plain(frozen_model.label)} model "
                    f"({frozen_model.spec.horizon:g} months) on "
                    f"{plural(external.n, 'patient')}.")
        caveat = external_caveat(external)
        if caveat:
            st.warning(caveat, icon=":material/warning:")
        st.dataframe(validation_table(external), hide_index=True, key="risk.external")
        st.plotly_chart(calibration_figure(external.calibration, "Calibration (external)"),
                        key="risk.external_calibration", config={"displaylogo": False})

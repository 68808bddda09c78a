"""Cox regression: hazard ratios for relapse and death, their guardrails, and the predicted
relapse-free and overall survival of one patient profile."""

from functools import partial

import pandas as pd
import streamlit as st

from core.cohort.schema import ENDPOINTS, LABELS
from core.cox.answer import cox_answer
from core.cox.display import (
    NUMERIC_COVARIATES,
    category_levels,
    covariate_options,
)
from core.cox.figures import forest_figure, prediction_figure
from core.cox.fit import refuse_interventions
from core.cox.view import ENDPOINT_KEYS, MARKS, CoxChoices, no_model_reason, readable
from core.errors import AnalysisError
from ui import cox as cached_cox
from ui.cox import ph_section, strata_choice, table2_section
from ui.cox_profile import profile_picker
from ui.deliverables import deliverables
from ui.endpoints import endpoint_choice
from ui.registry import count_cox_section, sample_caption
from ui.shell import page_setup, plain, stop_if_empty
from ui.state import keep_in_url, seed_choice, seed_list, wanted
from ui.subgroups import rules_caption

view = page_setup("Cox regression", ":material/forest:")
cohort = view.cohort
stop_if_empty(view)
answer = st.container(key="cox.answer")  # the result in words, before the controls

MODELS = {"multivariable": "Multivariable (all together)",
          "univariable": "Univariable (one model each)"}
FIRTH = {"auto": "Automatic: Firth when separation", "ordinary": "Ordinary Cox",
         "firth": "Firth-penalized Cox"}
TIES = {"efron": "Efron (R's default)", "breslow": "Breslow"}
AGE_SCALE = {"decade": "per 10 years", "year": "per year"}
DEFAULT_COVARIATES = ["mrd_pre_status", "eln2022_risk"]


options = covariate_options(cohort)
left, right = st.columns([1, 2])
endpoint = endpoint_choice(view, "cox.endpoint", container=left, default="rfs")
try:  # the one resolver: the endpoint's time, event and entry columns on the filtered rows
    resolved = cached_cox.resolved(cohort, endpoint)
except AnalysisError as error:
    st.error(plain(str(error)), icon=":material/error:")
    st.stop()
strata = strata_choice(cohort, wanted("cox.covariates", DEFAULT_COVARIATES), left)
seed_list("cox.covariates", options, DEFAULT_COVARIATES)
covariates = right.multiselect("Covariates", options, key="cox.covariates",
                               format_func=lambda c: LABELS.get(c, c),
                               placeholder="Choose one or more covariates")
try:  # an intervention during follow-up is never a baseline covariate
    refuse_interventions(wanted("cox.covariates", DEFAULT_COVARIATES))
except AnalysisError as error:
    st.error(plain(str(error)), icon=":material/block:")
hidden = [c for c in wanted("cox.covariates", DEFAULT_COVARIATES)
          if c in cohort.columns and c not in options]
if hidden:
    right.caption("Not offered under the current filters (every patient has the same "
                  "value): " + ", ".join(LABELS.get(c, c) for c in hidden) + ". They come "
                  "back when the filters are widened.")

c1, c2, c3, c4 = st.columns(4)
seed_choice("cox.model", list(MODELS), "multivariable")
model = c1.radio("Model", list(MODELS), key="cox.model", format_func=MODELS.__getitem__)
seed_choice("cox.firth", list(FIRTH), "auto")
firth_mode = c2.radio("Estimation", list(FIRTH), key="cox.firth",
                      format_func=FIRTH.__getitem__)
seed_choice("cox.ties", list(TIES), "efron")
ties = c3.radio("Tied event times", list(TIES), key="cox.ties", format_func=TIES.__getitem__,
                help="Firth's penalized model always uses Breslow.")
seed_choice("cox.age_scale", list(AGE_SCALE), "decade")
age_scale = c4.radio("Age hazard ratio", list(AGE_SCALE), key="cox.age_scale",
                     format_func=AGE_SCALE.__getitem__, disabled="age" not in covariates)

categorical = [c for c in covariates if c not in NUMERIC_COVARIATES]
reference: dict[str, str] = {}
if categorical:
    columns = st.columns(max(len(categorical), 4))
    for column, where in zip(categorical, columns, strict=False):
        levels = category_levels(cohort, column)
        key = f"cox.ref.{column}"
        seed_choice(key, levels, levels[0])
        reference[column] = where.selectbox(f"Reference: {plain(LABELS.get(column, column))}",
                                            levels, key=key)
keep_in_url("cox.endpoint", "cox.covariates", "cox.model", "cox.firth", "cox.ties",
            "cox.age_scale", *(f"cox.ref.{c}" for c in categorical))

kind, reason = no_model_reason(resolved.frame, endpoint, resolved.event, covariates)
if reason:
    icon = {"patients": "person_off", "events": "event_busy", "covariates": "checklist"}[kind]
    st.info(reason, icon=f":material/{icon}:")
    st.stop()

scale = {"age": 10.0} if "age" in covariates and age_scale == "decade" else {}
if view.registry:  # registry mode: counts-based model on every row, then the named sample
    count_cox_section(view, endpoint.key, covariates, ties, strata)
    st.subheader("Sample of the registry: the full analysis")
    sample_caption(view)
profile_columns = [*covariates, *([strata] if strata else [])]  # a stratum picks its hazard
columns = (resolved.time, resolved.event, resolved.entry)
model_cohort, sample_note = cached_cox.model_rows(resolved.frame, [
    "patient_id", *filter(None, columns), *(c for ep in ENDPOINT_KEYS for c in ENDPOINTS[ep][:2]),
    *profile_columns])
if sample_note:
    st.info(sample_note, icon=":material/casino:")
choices = CoxChoices(endpoint, tuple(covariates), model, firth_mode, ties,
                     tuple(sorted(reference.items())), tuple(sorted(scale.items())), strata,
                     columns=columns)
try:
    result = cached_cox.view(model_cohort, choices)
except AnalysisError as error:
    st.error(plain(str(error)), icon=":material/error:")
    st.stop()
caveat = partial(readable, labels=result.labels, names=LABELS)  # core caveat -> Markdown
answer.markdown(f"**{plain(cox_answer(result))}**")

# ---- guardrails: one box in plain words, the technical caveats on demand ---------------------
for m in result.models:
    if m.firth_error:  # Firth failed too: the ordinary fit is shown
        st.warning(f"**{plain(m.name)}**: {plain(m.firth_error)} The ordinary fit is shown "
                   "instead.", icon=":material/warning:")
if result.box.points:
    st.warning("**Read these hazard ratios with care**\n\n"
               + "\n".join(f"- {caveat(point)}" for point in result.box.points),
               icon=":material/warning:")
    with st.expander("Guardrail details (technical wording)", icon=":material/info:"):
        st.markdown("\n".join(f"- {caveat(detail)}" for detail in result.box.details))
for excluded in result.excluded:
    st.info(plain(excluded), icon=":material/person_off:")

# ---- results --------------------------------------------------------------------------------
st.subheader("Hazard ratios for " + (endpoint.name.lower() if endpoint.key in ENDPOINT_KEYS
                                     else plain(endpoint.label)))
st.dataframe(result.hr_table, hide_index=True, key="cox.table")
st.dataframe(result.model_table, hide_index=True, key="cox.models")
st.caption(result.caption)
st.caption(" · ".join(plain(m) for m in result.methods))
for note in resolved.notes:  # how a derived time or entry was obtained, naming the patients
    st.caption(plain(note))
forest = forest_figure(result.forest, labels=result.labels, x_title="Hazard ratio (log scale)",
                       conf_level=result.conf_level, title=result.forest_title)
st.plotly_chart(forest, key="cox.forest", config={"displaylogo": False})
st.caption("Square: hazard ratio; whisker: its 95% CI; dashed line: HR = 1 (no association). "
           "Each row shows the patients and events with that level. A whisker running to the "
           "edge has no finite bound.")
rules = rules_caption(*covariates)  # the custom group's rules when it is a covariate
deliverables(view, "cox", forest, rules, figure_name=f"forest_cox_{endpoint.key}")

table2_section(model_cohort, choices, view.cohort_filter.to_query_params())
ph_section(result, caveat)

# ---- prediction -------------------------------------------------------------------------------
both = result.predicted == ENDPOINT_KEYS  # OS or RFS chosen: the profile on both
st.subheader("Predicted relapse-free and overall survival for one patient" if both else
             f"Predicted {plain(endpoint.label)} for one patient")
st.caption("From the ordinary multivariable Cox model of the covariates chosen above ("
           + ("fitted once for RFS and once for OS, " if both else "")
           + "same ties and reference levels). Firth fits are not used for predictions. Only "
           "the model's covariates enter the profile"
           + (", with the stratum whose baseline hazard the curve uses." if strata else "."))
profile = profile_picker(resolved.frame, profile_columns, resolved.event)
st.markdown("**Profile:** " + "; ".join(
    f"{plain(LABELS.get(c, c))}: {plain(f'{v:g}' if isinstance(v, float) else str(v))}"
    for c, v in profile.items()))

panels = cached_cox.predictions(resolved.frame, model_cohort, result, profile)
for panel, where in zip(panels, st.columns(2), strict=False):
    with where:
        if panel.message:
            st.info(panel.message, icon=":material/event_busy:")
        elif panel.error:
            st.error(plain(panel.error), icon=":material/error:")
        else:
            ep = choices.endpoint_of(panel.endpoint)
            st.plotly_chart(prediction_figure(
                panel.curve.table, title=f"Predicted {ep.name.lower()}",
                x_title=f"Months from {ep.origin}", y_title=f"{ep.name} probability",
                marks=MARKS, conf_level=panel.curve.conf_level), key=f"cox.predict.{ep.key}",
                config={"displaylogo": False})
            if panel.separated:
                st.caption(f"The {ep.abbreviation} model with these covariates shows separation "
                           f"(a level with no {ep.noun}, or with all of them): see the box "
                           "above the hazard ratios before reading this curve.")
            st.caption(plain(panel.uncertainty))
drawn = [p for p in panels if p.curve is not None]
if drawn:
    st.dataframe(pd.DataFrame([dict(p.row) for p in drawn]), hide_index=True,
                 key="cox.prediction")
    st.caption(f"{drawn[-1].curve.method}. " + ", ".join(
        f"{choices.endpoint_of(p.endpoint).abbreviation} months count from "
        f"{choices.endpoint_of(p.endpoint).origin}" for p in drawn) + ". Each curve stops at "
        "its model's last follow-up time: nothing is extrapolated beyond the data.")

st.caption(plain(endpoint.definition()))  # the endpoint's definition

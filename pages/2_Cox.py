"""Cox regression: hazard ratios for relapse and death, their guardrails, and the predicted
relapse-free and overall survival of one patient profile."""

import pandas as pd
import streamlit as st

from core.cohort.schema import ENDPOINTS, LABELS
from core.cox.display import (
    NUMERIC_COVARIATES,
    category_levels,
    covariate_options,
    curve_times,
    hazard_ratio_table,
    model_names,
    model_rows,
    model_table,
    needs_firth,
    patient_profile,
    ph_not_computable,
    ph_table,
    term_labels,
    uncertainty_note,
)
from core.cox.figures import forest_figure, prediction_figure, schoenfeld_figure
from core.cox.fit import refuse_interventions
from core.cox.guardrails import guardrail_box
from core.errors import AnalysisError
from core.style.numbers import format_percent_ci
from core.survival.km.summary import ENDPOINT_NAMES, EVENT_NOUN
from ui import cached
from ui import cox as cached_cox
from ui.deliverables import deliverables
from ui.registry import count_cox_section, sample_caption
from ui.shell import keep_in_url, page_setup, plain, stop_if_empty, url_choice
from ui.subgroups import rules_caption
from ui.upload import endpoint_options

view = page_setup("Cox regression", ":material/forest:")
cohort = view.cohort
stop_if_empty(view)

ENDPOINT_KEYS = ["rfs", "os"]
MODELS = {"multivariable": "Multivariable (all together)",
          "univariable": "Univariable (one model each)"}
FIRTH = {"auto": "Automatic: Firth when separation", "ordinary": "Ordinary Cox",
         "firth": "Firth-penalized Cox"}
TIES = {"efron": "Efron (R's default)", "breslow": "Breslow"}
AGE_SCALE = {"decade": "per 10 years", "year": "per year"}
PROFILE = {"patient": "A patient of the filtered cohort", "custom": "Enter a profile"}
DEFAULT_COVARIATES = ["mrd_pre_status", "eln2022_risk"]
TIME_AXIS = {"rfs": "Months from maintenance start", "os": "Months from diagnosis"}
MARKS = (12.0, 24.0)
PATIENT_LIST_MAX = 1000  # patients listed in the profile's picker at most (registries: millions)


def seed_list(key: str, options: list[str], default: list[str]) -> list[str]:
    """Like ``url_choice`` for a multiselect: widget, saved value, URL (comma-separated), or
    default. The values the user wants are remembered under ``"<key>.wanted"``: one the
    filters make unavailable is hidden, not forgotten, and comes back when it is offered
    again (e.g. after **Clear all filters**)."""
    wanted_key, shown_key, offered_key = f"{key}.wanted", f"{key}.shown", f"{key}.offered"
    if key not in st.session_state:
        saved = st.session_state.get(f"saved.{key}")
        from_link = st.query_params.get(key)
        if st.session_state.get(wanted_key) is not None:
            value = list(st.session_state[wanted_key])
        elif saved is not None:
            value = list(saved)
        elif from_link is not None:
            value = [v for v in from_link.split(",") if v]
        else:
            value = list(default)
        st.session_state[wanted_key] = value
    elif list(st.session_state[key]) != st.session_state.get(shown_key):  # the user's edit
        current = list(st.session_state[key])
        offered = st.session_state.get(offered_key, [])
        hidden = [v for v in st.session_state.get(wanted_key, []) if v not in offered]
        st.session_state[wanted_key] = current + [v for v in hidden if v not in current]
        st.session_state.pop("cox.refused", None)
    try:  # an intervention during follow-up is never a baseline covariate
        refuse_interventions(st.session_state[wanted_key])
    except AnalysisError as error:
        st.session_state["cox.refused"] = str(error)
    shown = [v for v in st.session_state[wanted_key] if v in options]
    st.session_state[key] = shown
    st.session_state[shown_key] = shown
    st.session_state[offered_key] = list(options)
    return shown


def seed_number(key: str, default: float) -> float:
    """Seed a number input from the widget, the saved value, the link or ``default``."""
    if key not in st.session_state:
        saved = st.session_state.get(f"saved.{key}")
        try:
            from_link = float(st.query_params[key]) if key in st.query_params else None
        except ValueError:
            from_link = None
        if from_link is not None and not 0 <= from_link <= 2000:
            from_link = None
        st.session_state[key] = float(saved if saved is not None else
                                      from_link if from_link is not None else default)
    return st.session_state[key]


def seed_choice(key: str, options: list, default: object) -> object:
    """``url_choice``, and back to the default when the filters removed the chosen value."""
    url_choice(key, options, default)
    if st.session_state[key] not in options:
        st.session_state[key] = default
    return st.session_state[key]


def readable(text: str, labels: dict[str, str]) -> str:
    """A core caveat as Markdown: `term` spans become the term's readable name, the advice
    to set firth=True becomes the page's own control, user text is escaped."""
    out = []
    for i, part in enumerate(text.split("`")):
        if i % 2:
            out.append(f"*{plain(labels.get(part, LABELS.get(part, part)))}*")
        else:
            out.append(plain(part).replace(
                "Refit with firth=True (Firth-penalized Cox)",
                "Choose **Firth-penalized Cox** (or **Automatic**) under Estimation"
            ).replace("firth=True", "Firth-penalized Cox"))
    return "".join(out)


options = covariate_options(cohort)
left, right = st.columns([1, 2])
recorded, missing_endpoint = endpoint_options(cohort)  # an endpoint the cohort lacks: absent
endpoint_keys = [key for key in ENDPOINT_KEYS if key in recorded]
endpoint = seed_choice("cox.endpoint", endpoint_keys, endpoint_keys[0])
endpoint = left.radio("Endpoint", endpoint_keys, key="cox.endpoint", horizontal=True,
                      format_func=lambda e: f"{ENDPOINT_NAMES[e]} ({e.upper()})")
if missing_endpoint:
    left.caption(plain(missing_endpoint))
seed_list("cox.covariates", options, DEFAULT_COVARIATES)
covariates = right.multiselect("Covariates", options, key="cox.covariates",
                               format_func=lambda c: LABELS.get(c, c),
                               placeholder="Choose one or more covariates")
if "cox.refused" in st.session_state:
    st.error(plain(st.session_state["cox.refused"]), icon=":material/block:")
hidden = [c for c in st.session_state.get("cox.covariates.wanted", DEFAULT_COVARIATES)
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

time_col, event_col, definition = ENDPOINTS[endpoint]
noun = EVENT_NOUN[endpoint]
if len(cohort) < 2:
    st.info("Only one patient matches the current filters. A Cox model compares patients "
            "with each other, so it needs several patients and at least two events. Widen "
            "the filters, or press **Clear all filters** in the sidebar.",
            icon=":material/person_off:")
    st.stop()
n_events = int(cohort[event_col].fillna(0).sum())
if n_events < 2:
    st.info(f"The {len(cohort)} filtered patients have {n_events} {noun} "
            f"({ENDPOINT_NAMES[endpoint].lower()}): a hazard ratio compares the rate of "
            f"{noun}, so the Cox model needs at least two. Widen the filters or choose the "
            "other endpoint.", icon=":material/event_busy:")
    st.stop()
if not covariates:
    st.info("Choose at least one covariate above to fit a Cox model.",
            icon=":material/checklist:")
    st.stop()

scale = {"age": 10.0} if "age" in covariates and age_scale == "decade" else {}
if view.registry:  # registry mode: counts-based model on every row, then the named sample
    count_cox_section(view, endpoint, covariates, ties)
    st.subheader("Sample of the registry: the full analysis")
    sample_caption(view)


model_cohort, sample_note = model_rows(
    cohort, ["patient_id", *(c for ep in ENDPOINT_KEYS for c in ENDPOINTS[ep][:2]),
             *covariates])
if sample_note:
    st.info(sample_note, icon=":material/casino:")


def model_key(ep: str, columns: list[str]) -> tuple:
    """The hashable description of a model that every cached wrapper takes."""
    return (model_cohort, ep, tuple(columns), ties,
            tuple(sorted((c, reference[c]) for c in columns if c in reference)),
            tuple(sorted((c, v) for c, v in scale.items() if c in columns)))


def fit(ep: str, columns: list[str], firth: bool):
    data, ep, columns, ties_, ref, sc = model_key(ep, columns)
    return cached.cox(data, ep, columns, ties_, firth, ref, sc)


model_sets = [covariates] if model == "multivariable" else [[c] for c in covariates]
names = model_names(model, covariates)
fits, ordinary_fits = [], []
try:
    for name, columns in zip(names, model_sets, strict=True):
        ordinary = fit(endpoint, columns, False)
        ordinary_fits.append(ordinary)
        if firth_mode == "firth":
            fits.append(fit(endpoint, columns, True))
        elif firth_mode == "auto" and needs_firth(ordinary):
            try:
                fits.append(fit(endpoint, columns, True))
            except AnalysisError as error:  # Firth failed too: show the ordinary fit
                st.warning(f"**{plain(name)}**: {plain(str(error))} The ordinary fit is shown "
                           "instead.", icon=":material/warning:")
                fits.append(ordinary)
        else:
            fits.append(ordinary)
except AnalysisError as error:
    st.error(plain(str(error)), icon=":material/error:")
    st.stop()

labels = {term: label for f in fits for term, label in term_labels(f).items()}

# ---- guardrails: one box in plain words, the technical caveats on demand ---------------------
ph_results, ph_errors = [], []
for columns in model_sets:
    try:
        ph_results.append(cached_cox.ph(*model_key(endpoint, columns)))
        ph_errors.append(None)
    except AnalysisError as error:
        ph_results.append(None)
        ph_errors.append(str(error))
prediction_fits: dict = {}  # the ordinary model of the chosen covariates, per endpoint
for ep in ENDPOINT_KEYS:
    if int(cohort[ENDPOINTS[ep][1]].fillna(0).sum()) >= 2:
        try:
            prediction_fits[ep] = fit(ep, covariates, False)
        except AnalysisError as error:
            prediction_fits[ep] = error
box = guardrail_box(
    [(name if model == "univariable" else "", ordinary, used)
     for name, ordinary, used in zip(names, ordinary_fits, fits, strict=True)],
    noun, auto_firth=firth_mode == "auto", ph_results=ph_results,
    separated_predictions=[ENDPOINT_NAMES[ep].lower() for ep, f in prediction_fits.items()
                           if not isinstance(f, AnalysisError) and needs_firth(f)])
if box.points:
    st.warning("**Read these hazard ratios with care**\n\n"
               + "\n".join(f"- {readable(point, labels)}" for point in box.points),
               icon=":material/warning:")
    with st.expander("Guardrail details (technical wording)", icon=":material/info:"):
        st.markdown("\n".join(f"- {readable(detail, labels)}" for detail in box.details))
for used in fits:
    if used.excluded:
        st.info(plain(used.excluded_reason), icon=":material/person_off:")

# ---- results --------------------------------------------------------------------------------
st.subheader(f"Hazard ratios for {ENDPOINT_NAMES[endpoint].lower()}")
hr_table = hazard_ratio_table(fits)
st.dataframe(hr_table, hide_index=True, key="cox.table")
st.dataframe(model_table(fits, names), hide_index=True, key="cox.models")
ties_used = sorted({f.ties.capitalize() for f in fits})
firth_used = any(f.firth for f in fits)
st.caption(
    f"HR: hazard ratio of {noun} (above 1: {noun} sooner), versus the reference level of a "
    "category, per 10 years or per year of age. "
    + ("95% CI and p: Wald, from the ordinary Cox partial likelihood. " if not firth_used else
       "95% CI and p: Wald for ordinary fits; for Firth-penalized fits, profile penalized-"
       "likelihood CI and penalized likelihood-ratio p. ")
    + f"Tied event times: {' and '.join(ties_used)}"
    + (" (Firth's penalized model uses Breslow). " if firth_used else ". ")
    + "Likelihood-ratio p: test that every coefficient of the model is 0 (not available for "
    "Firth fits). Harrell's C: concordance of the model's risk score with the order of "
    f"{noun} (0.5 = chance, 1 = perfect; optimistic when computed on the same patients). "
    "Patients/events with level: those in the term's level (all of them for age).")
st.caption(" · ".join(dict.fromkeys(plain(f.method) for f in fits)))

forest = forest_figure(pd.concat([f.table for f in fits]), labels=labels,
                       x_title="Hazard ratio (log scale)", conf_level=fits[0].conf_level,
                       title=f"{names[0] if model == 'multivariable' else 'Univariable'} "
                             f"Cox model, {endpoint.upper()}")
st.plotly_chart(forest, key="cox.forest", config={"displaylogo": False})
st.caption("Square: hazard ratio; whisker: its 95% CI; dashed line: HR = 1 (no association). "
           "Each row shows the patients and events with that level. A whisker running to the "
           "edge has no finite bound.")
rules = rules_caption(*covariates)  # the custom group's rules when it is a covariate
deliverables(view, "cox", forest, rules, figure_name=f"forest_cox_{endpoint}")

with st.expander("Proportional-hazards check (scaled Schoenfeld residuals)",
                 icon=":material/timeline:"):
    for i, (name, ordinary) in enumerate(zip(names, ordinary_fits, strict=True)):
        ph = ph_results[i]
        if ph is None:
            st.error(plain(ph_errors[i]), icon=":material/error:")
            continue
        if model == "univariable":
            st.markdown(f"**{plain(name)}**")
        st.dataframe(ph_table(ph, LABELS), hide_index=True, key=f"cox.ph.{i}")
        for reason in ph_not_computable(ph):
            st.caption(readable(reason, labels))
        if needs_firth(ordinary):
            st.caption("This test uses the ordinary fit, in which a coefficient diverges "
                       "(separation): for that covariate it has nothing to measure.")
        st.plotly_chart(schoenfeld_figure(ph.residuals, ph.table, coefficients=dict(
            zip(ordinary.terms, ordinary.params, strict=True)), labels=labels),
            key=f"cox.schoenfeld.{i}",
            config={"displaylogo": False})
        st.caption(plain(ph.method) + ". A small p (below 0.05) suggests the hazard ratio "
                   "changes over follow-up (said in the box above the table). In the plots the "
                   "running mean should stay flat around the fitted coefficient (dashed) if "
                   "hazards are proportional. With few events the test has little power: a "
                   "large p is not proof of proportional hazards.")

# ---- prediction -------------------------------------------------------------------------------
st.subheader("Predicted relapse-free and overall survival for one patient")
st.caption("From the ordinary multivariable Cox model of the covariates chosen above (fitted "
           "once for RFS and once for OS, same ties and reference levels). Firth fits are not "
           "used for predictions. Only the model's covariates enter the profile.")
source = seed_choice("cox.profile", list(PROFILE), "patient")
source = st.radio("Profile", list(PROFILE), key="cox.profile", horizontal=True,
                  format_func=PROFILE.__getitem__)
listed = cohort["patient_id"].head(PATIENT_LIST_MAX)
ids = [str(i) for i in listed]
first_event = cohort.loc[cohort[event_col] == 1, "patient_id"].head(1)
with_event = [str(i) for i in first_event]
linked = str(st.query_params.get("cox.patient", ""))
if linked and linked not in ids and (cohort["patient_id"].astype("string") == linked).any():
    ids = [*ids, linked]
profile: dict = {}
try:
    if source == "patient":
        seed_choice("cox.patient", ids, (with_event or ids)[0])
        patient = st.selectbox("Patient", ids, key="cox.patient",
                               format_func=lambda i: f"Patient {i}")
        if len(cohort) > PATIENT_LIST_MAX:
            st.caption(f"The first {PATIENT_LIST_MAX:,} of {len(cohort):,} patients are listed; "
                       "choose **Enter a profile** to predict for any other.")
        profile = patient_profile(cohort, patient, covariates)
        keep_in_url("cox.profile", "cox.patient")
    else:
        start = patient_profile(cohort, ids[0], covariates)
        inputs = st.columns(max(len(covariates), 4))
        for column, where in zip(covariates, inputs, strict=False):
            key = f"cox.profile.{column}"
            if column in NUMERIC_COVARIATES:
                seed_number(key, float(start[column]))
                profile[column] = where.number_input(plain(LABELS.get(column, column)),
                                                     min_value=0.0, max_value=2000.0,
                                                     step=1.0, key=key)
            else:
                levels = category_levels(cohort, column)
                seed_choice(key, levels, start[column])
                profile[column] = where.selectbox(plain(LABELS.get(column, column)), levels,
                                                  key=key)
        keep_in_url("cox.profile", *(f"cox.profile.{c}" for c in covariates))
except AnalysisError as error:
    st.error(plain(str(error)), icon=":material/error:")
    st.stop()
st.markdown("**Profile:** " + "; ".join(
    f"{plain(LABELS.get(c, c))}: {plain(f'{v:g}' if isinstance(v, float) else str(v))}"
    for c, v in profile.items()))

rows = []
curves = st.columns(2)
for ep, where in zip(ENDPOINT_KEYS, curves, strict=True):
    with where:
        ep_events = int(cohort[ENDPOINTS[ep][1]].fillna(0).sum())
        if ep_events < 2:
            st.info(f"No {ENDPOINT_NAMES[ep].lower()} prediction: the filtered patients have "
                    f"{ep_events} {EVENT_NOUN[ep]}, and a Cox model needs at least two.",
                    icon=":material/event_busy:")
            continue
        try:
            ep_fit = fit(ep, covariates, False)
            times = curve_times(ep_fit)
            curve = cached_cox.prediction(*model_key(ep, covariates),
                                          tuple(sorted(profile.items())), tuple(times))
        except AnalysisError as error:
            st.error(f"{ENDPOINT_NAMES[ep]}: {plain(str(error))}", icon=":material/error:")
            continue
        last = max(times)
        st.plotly_chart(prediction_figure(
            curve.table, title=f"Predicted {ENDPOINT_NAMES[ep].lower()}",
            x_title=TIME_AXIS[ep], y_title=f"{ENDPOINT_NAMES[ep]} probability", marks=MARKS,
            conf_level=curve.conf_level), key=f"cox.predict.{ep}",
            config={"displaylogo": False})
        if needs_firth(ep_fit):
            st.caption(f"The {ep.upper()} model with these covariates shows separation (a "
                       f"level with no {EVENT_NOUN[ep]}, or with all of them): see the box "
                       "above the hazard ratios before reading this curve.")
        st.caption(plain(uncertainty_note(ep_fit, EVENT_NOUN[ep])))
        row = {"Endpoint": ENDPOINT_NAMES[ep]}
        for months in MARKS:
            column = f"{months:g} months: % (95% CI)"
            if months > last:
                row[column] = f"beyond follow-up (last {last:g} months)"
            else:
                hit = cached_cox.prediction(*model_key(ep, covariates),
                                            tuple(sorted(profile.items())),
                                            (months,)).table.iloc[0]
                row[column] = format_percent_ci(hit["survival"], hit["ci_lower"],
                                                hit["ci_upper"])
        rows.append(row)
if rows:
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="cox.prediction")
    st.caption(f"{curve.method}. RFS months count from the start of maintenance, OS months "
               "from diagnosis. Each curve stops at its model's last follow-up time: nothing "
               "is extrapolated beyond the data.")

st.caption(plain(definition))

"""Patients: swimmer plot of the filtered cohort and one patient's card."""

import streamlit as st

from core.cohort.groups import CUSTOM_GROUP_COLUMN
from core.cohort.schema import LABELS
from core.errors import AnalysisError
from core.patients import timelines
from core.patients.card import find_patient, patient_card, patient_summary, patient_timeline
from core.patients.conflicts import seed_conflicts
from core.patients.endpoint_lanes import endpoint_lanes
from core.patients.figures import (
    END_SYMBOLS,
    START_SYMBOLS,
    SYMBOL_GLYPHS,
    end_marker_legend,
    patient_km_figure,
    patient_timeline_figure,
    swimmer_figure,
)
from core.patients.place import patient_on_endpoint, patient_on_km
from core.patients.regimens import regimen_steps
from ui.cox import resolved
from ui.deliverables import deliverables
from ui.endpoints import own_endpoints, user_endpoints
from ui.risk import open_for_patient
from ui.scroll import scroll_to
from ui.shell import SEED_SOURCE, explain, page_setup, plain, stop_if_empty
from ui.state import keep_in_url, url_choice
from ui.subgroups import rules_caption

view = page_setup("Patients", ":material/person:")
cohort = view.cohort

stop_if_empty(view, ", so there is no lane to draw")

MODE_LABELS = {"rfs": "Relapse-free survival (from maintenance start)",
               "os": "Overall survival (from diagnosis)"}
SORT_LABELS = {"duration": "Longest first", "group": "By colour group",
               "patient": "By patient number"}
color_options = ["none", *[c for c in (*timelines.COLOR_CHOICES, CUSTOM_GROUP_COLUMN)
                            if c in cohort.columns]]

# ---- swimmer plot --------------------------------------------------------------------------
st.subheader("Swimmer plot")
left, middle, right = st.columns([3, 2, 2])
own, own_reasons = own_endpoints() if view.registry is None else ({}, [])  # Your data's
MODE_LABELS.update({k: plain(e.label) for k, e in own.items()})
url_choice("patients.mode", [*timelines.MODES, *own], "rfs")
url_choice("patients.color_by", color_options, "eln2022_risk")
url_choice("patients.sort", list(timelines.SORTS), "duration")
mode = left.radio("Lanes show", [*timelines.MODES, *own], key="patients.mode",
                  format_func=MODE_LABELS.__getitem__, horizontal=True)
color_by = middle.selectbox("Colour lanes by", color_options, key="patients.color_by",
                            format_func=lambda c: "nothing (one colour)" if c == "none"
                            else LABELS.get(c, c))
sort_by = right.selectbox("Order lanes", list(timelines.SORTS), key="patients.sort",
                          format_func=SORT_LABELS.__getitem__)
keep_in_url("patients.mode", "patients.color_by", "patients.sort")

for reason in own_reasons:
    left.caption(plain(reason))
if view.registry is not None and user_endpoints():
    left.caption("Registry mode: lanes show the stored OS and RFS; your own endpoints are "
                 "derived from a loaded file's dates, not in the registry's engine.")
try:
    swimmer = (timelines.swimmer_lanes(cohort, mode=mode, sort_by=sort_by,
                                       color_by=None if color_by == "none" else color_by)
               if mode in timelines.MODES else
               endpoint_lanes(resolved(cohort, own[mode]), sort_by=sort_by,
                              color_by=None if color_by == "none" else color_by))
except AnalysisError as error:
    st.error(explain(view, error))
    st.stop()
if swimmer.excluded_note:
    st.info(plain(swimmer.excluded_note), icon=":material/person_off:")
if swimmer.hidden_note:
    st.info(plain(swimmer.hidden_note), icon=":material/table_rows:")

figure = swimmer_figure(swimmer)  # built once: drawn here and offered for download below
chart = st.plotly_chart(figure, on_select="rerun", selection_mode="points",
                        key="patients.chart", config={"displaylogo": False})
rules = rules_caption(color_by)  # lanes coloured by the custom group: its rules
deliverables(view, "patients", figure, rules, figure_name=f"swimmer_{mode}")
markers = "; ".join(f"{glyph} {name}" for glyph, name, _ in end_marker_legend()
                    if name in set(swimmer.lanes["end_marker"]))
start_glyph = SYMBOL_GLYPHS[START_SYMBOLS["maintenance start"]]
st.caption(
    f"One lane per patient, labelled by patient number. Lane ends: {markers} (each end type has "
    "its own shape, so the plot reads without colour). "
    + ("RFS lanes run from the start of sorafenib + ITI maintenance to relapse or last contact."
       if mode == "rfs" else
       f"OS lanes run from diagnosis to death or last follow-up; {start_glyph} marks when "
       "maintenance began, where that can be derived (see below)." if mode == "os" else
       f"{plain(own[mode].label)} lanes run from {plain(own[mode].origin)}"
       + (" (drawn from each patient's entry: delayed entry)" if own[mode].entry else "")
       + " to its event, a competing event or last contact.")
    + " Hover a lane for its key facts; click it to open the patient's card below."
)
with st.expander("How the maintenance start is derived (and when it is not)",
                 icon=":material/rule:"):
    st.markdown(
        "The data give two times on two clocks: **OS** (months from diagnosis to death or last "
        "follow-up) and **RFS** (months from the start of maintenance to relapse or last "
        "contact). When maintenance began relative to diagnosis is not recorded.\n\n"
        "- **No relapse** (RFS censored): if both follow-ups end on the same date (last "
        "contact), maintenance began **OS − RFS** months after diagnosis; if RFS follow-up "
        "ended earlier (for example at a transplant), OS − RFS is only an upper bound.\n"
        "- **Relapse**: RFS stops at the relapse, before the last contact that ends OS, and the "
        "time between the two is not in the data: the maintenance start is **not derivable from "
        "the data** and no date is drawn.\n\n"
        "Caveat: the study reports that three patients left maintenance for allogeneic HSCT "
        "after 1 to 4 cycles, without saying who. If their RFS was censored at the transplant, "
        "OS − RFS overstates their maintenance start (in the study cohort it gives 45, 43 and 55 "
        "months for patients 14, 17 and 18, after 3 to 6 courses of chemotherapy); read it as "
        "*at most*."
    )

# ---- patient selection ---------------------------------------------------------------------
st.subheader("Patient card", anchor="patient-card")
options = [str(p) for p in cohort["patient_id"]]
linked = ("patient" not in st.session_state and "saved.patient" not in st.session_state
          and st.query_params.get("patient") in options)  # a link naming a patient
url_choice("patient", options, options[0])
if linked:
    scroll_to("patient-card")  # the link opens at the card, as a lane click does

points = chart.selection.points if chart is not None else []
clicked = []
for point in points:
    data = point.get("customdata")
    if data:
        clicked.append(str(data[0] if isinstance(data, list) else data))
    elif isinstance(point.get("y"), int) and 0 <= point["y"] < len(swimmer.lanes):
        clicked.append(str(swimmer.lanes["patient_id"].iloc[point["y"]]))
if clicked != st.session_state.get("patients.last_click", []):
    st.session_state["patients.last_click"] = clicked
    if clicked and clicked[0] in options:
        st.session_state["patient"] = clicked[0]
        scroll_to("patient-card")  # the card comes into view under the clicked lane's plot
if st.session_state.get("patient") not in options:
    st.session_state["patient"] = options[0]


def _step(delta: int) -> None:
    index = options.index(st.session_state["patient"]) + delta
    st.session_state["patient"] = options[min(max(index, 0), len(options) - 1)]


pick, back, forward = st.columns([4, 1, 1], vertical_alignment="bottom")
patient_id = pick.selectbox("Patient", options, key="patient",
                            format_func=lambda p: f"Patient {p}")
index = options.index(patient_id)
back.button("Previous", key="patients.previous", on_click=_step, args=(-1,),
            disabled=index == 0, icon=":material/arrow_back:", width="stretch")
forward.button("Next", key="patients.next", on_click=_step, args=(1,),
               disabled=index == len(options) - 1, icon=":material/arrow_forward:",
               width="stretch")
keep_in_url("patient")
st.caption(f"Patient {index + 1} of {len(options)} in the filtered cohort. Previous/next move "
           "through the filtered cohort in table order.")

try:
    card = patient_card(cohort, patient_id)
    row = find_patient(cohort, patient_id)
    summary = patient_summary(cohort, patient_id)
except AnalysisError as error:
    st.error(explain(view, error))
    st.stop()

st.markdown(f"**{plain(summary)}**")  # the patient in one line, before the details

if view.source == SEED_SOURCE:
    for conflict in seed_conflicts(patient_id):
        st.warning(f"**The study's text and its Table 2 disagree.** {plain(conflict.sentence())}",
                   icon=":material/difference:")

half = (len(card) + 1) // 2
for column, fields in zip(st.columns(2), (card[:half], card[half:]), strict=True):
    column.markdown("| Field | Recorded value |\n|---|---|\n" + "\n".join(
        f"| **{plain(label)}** | {plain(value)} |" for label, value in fields))
if st.button("This patient's relapse risk", key="patients.risk", icon=":material/target:",
             help="Open the Relapse risk page with this patient's covariates as the profile"):
    open_for_patient(patient_id)

steps = regimen_steps(row.get("pretreatment_regimens"))
if steps:
    with st.expander("Regimens before maintenance, spelled out", icon=":material/medication:"):
        st.dataframe(
            [{"Regimen": s.name, "Cycles": "" if s.cycles is None else str(s.cycles),
              "Drugs": s.meaning, "Source of the definition": s.source} for s in steps],
            hide_index=True, key="patients.regimens")
        st.caption(
            "*study*: defined in the footnote of Table 2 of the study (D, daunorubicin; A, "
            "cytarabine; H, homoharringtonine; M, mitoxantrone; ID/MD/HD-Ara-C, intermediate/"
            "medium/high-dose cytarabine; IDA, idarubicin; DCAG; EA; VA). *standard usage*: not "
            "defined in the paper; the usual meaning of the abbreviation in AML practice. "
            "*ambiguous*: the paper's letters allow two readings (DHA: D is daunorubicin in DA "
            "but decitabine in DCAG). No cycle count means none is printed.")

st.markdown("**Timeline**")
st.plotly_chart(patient_timeline_figure(patient_timeline(row), patient_id),
                key="patients.timeline", config={"displaylogo": False})
diagnosis_glyph = SYMBOL_GLYPHS[START_SYMBOLS["diagnosis"]]
st.caption(f"{diagnosis_glyph} diagnosis, {start_glyph} maintenance start; lane ends as in the "
           f"swimmer plot ({SYMBOL_GLYPHS[END_SYMBOLS['censored']]} censored). Where the "
           "maintenance start is not derivable, each lane starts at its own zero. Where it is "
           "derived (OS − RFS), it is an upper bound: the RFS lane is dashed and a dotted line "
           "shows that maintenance may have begun earlier.")

try:
    place = (patient_on_km(cohort, patient_id, mode) if mode in timelines.MODES
             else patient_on_endpoint(resolved(cohort, own[mode]), patient_id))
except AnalysisError as error:
    st.markdown(f"**Where patient {plain(patient_id)} sits on the cohort's survival curve**")
    st.error(explain(view, error))
else:
    st.markdown(f"**Where patient {plain(patient_id)} sits on the cohort's "
                f"{plain(place.what)} curve**")
    st.plotly_chart(patient_km_figure(place), key="patients.km", config={"displaylogo": False})
    st.caption(plain(place.summary()) + f" Kaplan-Meier estimate of the {place.n_patients} "
               "patients of the filtered cohort with a recorded time; the curve follows the "
               "swimmer plot's choice of endpoint."
               + (" Delayed entry: each patient counts as at risk only from their entry "
                  "(R Surv(entry, time, event))." if place.entry else ""))

"""About & definitions: what the numbers mean and where the data come from."""

from pathlib import Path

import streamlit as st

from core.access.roles import Permission
from core.patients.conflicts import SEED_CONFLICTS
from core.survival.endpoint import BUILT_IN
from core.survival.km.guarantee import BIAS_SENTENCE, STUDY_PRINTED
from ui.access import may
from ui.shell import page_setup, plain

view = page_setup("About & definitions", ":material/info:")
ROOT = Path(__file__).resolve().parents[1]

st.subheader("Endpoints")
st.markdown("\n".join(f"- {plain(e.definition())}" for e in BUILT_IN))
st.markdown(f"{BIAS_SENTENCE} {STUDY_PRINTED}")
st.markdown(
    "- **Relapse**: bone-marrow blasts > 5% (morphological) or MRD ≥ 0.01% (molecular).\n"
    "- **MRD before maintenance**: positive when ≥ 0.01% by 10-colour flow cytometry "
    "immediately before sorafenib + ITI; the AML1-ETO/ABL qPCR ratio of patients 5, 8 and 10 "
    "is kept as measured in its own column."
)

st.subheader("Data source")
st.markdown((ROOT / "data" / "PROVENANCE.md").read_text(encoding="utf-8").split("\n", 1)[1])

st.subheader("Where the study's text and its Table 2 disagree")
st.markdown("The embedded cohort is transcribed from Tables 1 and 2. Where a sentence of the "
            "study's Results cannot be squared with a patient's row, the app keeps the table "
            "(the only patient-level source) and says so on that patient's card"
            + (":" if may(Permission.VIEW_ROWS) else " (patient cards need the analyst role)."))
if may(Permission.VIEW_ROWS):  # each item names a patient's recorded values
    st.markdown("\n".join(f"- **Patient {c.patient_id}**, {plain(c.sentence())}"
                          for c in SEED_CONFLICTS))

with st.expander("Data dictionary (every column, unit and allowed value)"):
    st.markdown((ROOT / "data" / "DATA_DICTIONARY.md").read_text(encoding="utf-8")
                .split("\n", 1)[1])
st.subheader("Methods")
for name, title in (("methods-survival.md", "Kaplan-Meier curves, landmarks, medians, RMST, "
                     "log-rank, permutation and trend tests"),
                    ("methods-cox.md", "Cox and Firth regression, guardrails, predictions")):
    path = ROOT / "docs" / name
    if path.exists():
        with st.expander(title):
            st.markdown(path.read_text(encoding="utf-8").split("\n", 1)[1])
st.caption("Privacy: the app sends nothing to any host but its own server; uploaded cohorts "
           "live only in your browser session.")

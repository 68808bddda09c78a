"""About & definitions: what the numbers mean and where the data come from."""

from pathlib import Path

import streamlit as st

from core.cohort.schema import ENDPOINTS
from ui.shell import page_setup

view = page_setup("About & definitions", ":material/info:")
ROOT = Path(__file__).resolve().parents[1]

st.subheader("Endpoints")
for key in ("os", "rfs"):
    st.markdown(f"- {ENDPOINTS[key][2]}")
st.markdown(
    "- **Relapse**: bone-marrow blasts > 5% (morphological) or MRD ≥ 0.01% (molecular).\n"
    "- **MRD before maintenance**: positive when ≥ 0.01% by 10-colour flow cytometry "
    "immediately before sorafenib + ITI; the AML1-ETO/ABL qPCR ratio of patients 5, 8 and 10 "
    "is kept as measured in its own column."
)

st.subheader("Data source")
st.markdown((ROOT / "data" / "PROVENANCE.md").read_text(encoding="utf-8").split("\n", 1)[1])

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

"""Paper check: which of the study's printed summary figures its own patient rows reproduce."""

import pandas as pd
import streamlit as st

from core.survival.km.guarantee import STUDY_PRINTED
from core.survival.paper.check import (
    AGREES,
    ASSUMED,
    DIFFERS,
    NOT_CHECKABLE,
    check_answer,
    differences_first,
    summary_counts,
)
from ui import cached as shared
from ui import competing as cached
from ui.shell import SEED_SOURCE, page_setup, plain

view = page_setup("Paper check", ":material/fact_check:")
check = cached.paper(shared.seed_cohort())
st.markdown(f"**{plain(check_answer(check))}**")  # the result in one line, first

st.markdown("Every summary figure the study prints (abstract and Results), next to the value "
            "recomputed from the 19 patient rows of its Tables 1 and 2, with the method of "
            "each and a mark. Nothing is tuned to agree: where the two differ, the likely "
            "reason is written out.")
if view.source != SEED_SOURCE:
    st.info("This page checks the embedded study cohort; your uploaded cohort is not used "
            "here.", icon=":material/info:")
if view.cohort_filter.is_active():
    st.info("The sidebar filters do not apply here: the paper's figures describe all 19 "
            "patients, so the check always uses the whole embedded cohort.",
            icon=":material/filter_alt_off:")

counts = summary_counts(check)
a, b, c, d = st.columns(4)
a.metric("Agree", counts[AGREES])
b.metric("Agree under an assumption", counts[ASSUMED])
c.metric("Differ", counts[DIFFERS])
d.metric("Not checkable from the rows", counts[NOT_CHECKABLE])

st.subheader("Where they differ")
for row in check[check["mark"] == DIFFERS].itertuples():
    st.markdown(f"- **{plain(row.figure)}**: printed {plain(row.printed)}, recomputed "
                f"{plain(row.recomputed)} ({plain(row.method)}). {plain(row.reason)}")
st.subheader("Where they agree only under an assumption")
for row in check[check["mark"] == ASSUMED].itertuples():
    st.markdown(f"- **{plain(row.figure)}**: printed {plain(row.printed)}, recomputed "
                f"{plain(row.recomputed)} ({plain(row.method)}). {plain(row.reason)}")
st.subheader("What the rows cannot check")
for row in check[check["mark"] == NOT_CHECKABLE].itertuples():
    st.markdown(f"- **{plain(row.figure)}** (printed {plain(row.printed)}): {plain(row.reason)}")

st.subheader("Every printed figure")
SHADE = {AGREES: "", ASSUMED: "background-color: #fdf3d6", DIFFERS: "background-color: #fbe3d0",
         NOT_CHECKABLE: "color: #666666"}
ordered = differences_first(check)  # differing figures first; reasons wrap (a static table)
shown = pd.DataFrame({
    "Topic": ordered["topic"], "Figure": ordered["figure"], "Printed": ordered["printed"],
    "Recomputed from the rows": ordered["recomputed"], "Mark": ordered["mark"],
    "Method": ordered["method"], "Likely reason": ordered["reason"]})
st.table(shown.style.apply(lambda row: [SHADE[row["Mark"]]] * len(row), axis=1).hide(
    axis="index"))
st.caption("Methods: counts and crude proportions of all 19 rows; medians and ranges of the "
           "recorded values; Kaplan-Meier estimates (R survfit conventions) for survival "
           "rates and medians; the reverse Kaplan-Meier (deaths censored) for follow-up. "
           "Sources: the study text and its Tables 1-2 (data/PROVENANCE.md).")
st.caption(STUDY_PRINTED)

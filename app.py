"""Relapse Risk Explorer: the Cohort page (the app's entry, ``streamlit run app.py``)."""

from datetime import date

import streamlit as st

from core.cohort.schema import ENDPOINTS, LABELS, with_labels
from core.survival.report import stratifier_options
from ui import cached
from ui.deliverables import deliverables
from ui.shell import SEED_SOURCE, page_setup, plain, stop_if_empty

view = page_setup("Cohort", ":material/groups:")
cohort = view.cohort

stop_if_empty(view)

st.subheader("Patients")
number_format = {"age": "%d", "rfs_months": "%g", "os_months": "%g", "wbc": "%g",
                 "blasts_pct": "%g", "mrd_pre_flow_pct": "%g%%",
                 "mrd_pre_aml1eto_abl_pct": "%g%%"}
MAX_ROWS_SHOWN = 5_000  # a registry-size upload is summarised and downloaded, not scrolled
if len(cohort) > MAX_ROWS_SHOWN:
    st.info(f"Showing the first {MAX_ROWS_SHOWN:,} of {len(cohort):,} patients. Every patient "
            "is in the downloads, the baseline table and the analyses.",
            icon=":material/table_rows:")
st.dataframe(
    with_labels(cohort.head(MAX_ROWS_SHOWN)),
    hide_index=True,
    height=min(35 * (len(cohort) + 1) + 3, 700),
    key="cohort.table",
    column_config={LABELS[name]: st.column_config.NumberColumn(format=fmt)
                   for name, fmt in number_format.items()},
)
st.caption(
    f"{plain(ENDPOINTS['os'][2])} {plain(ENDPOINTS['rfs'][2])} Click a column header to sort. "
    "MRD positive = ≥ 0.01% by flow cytometry before maintenance; the AML1-ETO/ABL ratio "
    "(qPCR) is shown as measured."
)

notes = (
    f"Relapse Risk Explorer export, {date.today().isoformat()}",
    f"Source: {view.source}",
    f"Patients: {view.selection.n} of {view.selection.n_total}",
    "Filters: " + ("; ".join(view.cohort_filter.describe()) or "none"),
    *view.selection.notes(),
    ENDPOINTS["os"][2],
    ENDPOINTS["rfs"][2],
    "Column meanings, units and sources: data/DATA_DICTIONARY.md of the app's repository.",
)
left, right, _ = st.columns([1, 1, 3])
# Every download is built only when its button is pressed (a callable ``data``): a rerun
# never spends time on files nobody asked for (issue 18: 151 s per rerun on 10^6 rows).
left.download_button("Download CSV", lambda: cached.csv_bytes(cohort), "cohort_filtered.csv",
                     mime="text/csv", icon=":material/download:", key="cohort.download_csv",
                     on_click="ignore")
right.download_button(
    "Download XLSX", lambda: cached.xlsx_bytes(cohort, notes), "cohort_filtered.xlsx", on_click="ignore",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:", key="cohort.download_xlsx")
st.caption("Downloads use the column names of the data dictionary, so a downloaded file can be "
           "loaded again under *Cohort data*. The XLSX has a second sheet with the filters.")

st.subheader("Baseline characteristics")
table = cached.baseline(cohort)
st.dataframe(
    table[["characteristic", "level", "summary"]].rename(
        columns={"characteristic": "Characteristic", "level": "",
                 "summary": "n (%) or median (range)"}),
    hide_index=True, key="cohort.baseline",
)
st.caption("Counts with percentages of the patients with a recorded value; continuous values "
           "as median (range). Follow-up is the median (range) of OS times, as the study "
           "reports it.")
st.download_button("Download baseline table (CSV)", lambda: cached.csv_bytes(table),
                   on_click="ignore", file_name=
                   "baseline_characteristics.csv", mime="text/csv",
                   icon=":material/download:", key="cohort.download_baseline")

st.subheader("Tumor-board report")
NO_GROUPS = "none"
report_by = st.selectbox(
    "Kaplan-Meier curves in the report compare", [NO_GROUPS, *stratifier_options(cohort)],
    key="report.by", format_func=lambda c: "no groups (whole cohort)" if c == NO_GROUPS
    else LABELS.get(c, c))
st.download_button(
    "Download tumor-board report (HTML)",
    lambda: cached.tumor_board_html(
        cohort, view.source, view.selection.n_total, tuple(view.cohort_filter.describe()),
        tuple(view.selection.notes()), None if report_by == NO_GROUPS else report_by,
        view.source == SEED_SOURCE),
    on_click="ignore", file_name=
    f"tumor_board_report_{date.today().isoformat()}.html", mime="text/html",
    icon=":material/summarize:", key="report.download")
st.caption("One HTML file for projecting or printing: filters and counts, baseline table, OS "
           "and RFS curves with their statistics, and the patient list. It opens offline in "
           "any browser and loads nothing from the internet; it contains patient-level data, "
           "so share it as you would share the records themselves.")
deliverables(view, "cohort")

"""Relapse Risk Explorer: the Cohort page (the app's entry, ``streamlit run app.py``).

First what a clinician asks first (how many patients, events, follow-up, 24-month OS and RFS
with a small curve of each, where to go next), then the baseline table, then the patient
table with its key columns first, then downloads, built only when their button is pressed.
"""

import streamlit as st

from core.access.roles import Permission
from core.cohort.exports import download_name
from core.cohort.groups import CUSTOM_GROUP_COLUMN
from core.cohort.schema import ENDPOINTS, LABELS, with_labels
from core.cohort.text import plural
from core.style.numbers import format_percent_ci
from core.survival.figures.km import km_figure
from core.survival.km.summary import ENDPOINT_NAMES, stratifier_options
from core.survival.overview import LANDMARK_MONTHS, overview_answer
from ui import cached
from ui.access import may
from ui.comparisons import FLOW_ENDPOINT, baseline_split, current_flow, flow_section
from ui.deliverables import deliverables
from ui.exports import download_button
from ui.overview import readable_csv
from ui.registry import baseline as registry_baseline
from ui.registry import columns_view, first_rows, follow_up
from ui.registry import survival as registry_survival
from ui.shell import SEED_SOURCE, explain, page_setup, plain, stop_if_empty
from ui.state import saved_value
from ui.subgroups import filter_description, rules_for, rules_text

view = page_setup("Cohort", ":material/groups:")
cohort = columns_view(view)  # registry mode: every number in the engine, no sample fetched

stop_if_empty(view)
answer = st.container(key="cohort.answer")  # the cohort in one line, before the details
registry = view.registry  # registry mode (ui.registry): statistics in the engine

# ---- at a glance ---------------------------------------------------------------------------
LANDMARK = LANDMARK_MONTHS
reports = {}
for endpoint in ("os", "rfs"):
    if {ENDPOINTS[endpoint][0], ENDPOINTS[endpoint][1]} <= set(cohort.columns):
        try:
            reports[endpoint] = registry_survival(view, endpoint, None, (LANDMARK,), LANDMARK)
        except ValueError as error:  # AnalysisError: no usable row for this endpoint
            st.warning(explain(view, error), icon=":material/info:")


def at_landmark(endpoint: str) -> str:
    """The endpoint's Kaplan-Meier estimate at the landmark, or why there is none."""
    if endpoint not in reports:
        return "not recorded"
    marks = reports[endpoint].landmarks
    if marks.empty:
        return "beyond follow-up"
    row = marks.iloc[0]
    return format_percent_ci(row["survival"], row["ci_lower"], row["ci_upper"])


relapses = sum(reports["rfs"].fit.events.values()) if "rfs" in reports else None
deaths = sum(reports["os"].fit.events.values()) if "os" in reports else None
metrics = st.columns(6)
metrics[0].metric("Patients", f"{view.selection.n:,}",  # the engine's count in registry mode
                  help="After the filters in the sidebar.")
if "os" in reports:
    metrics[1].metric("Deaths", deaths)
if "rfs" in reports:
    metrics[2].metric("Relapses", relapses)
if "os" in reports:
    followed = follow_up(view, reports["os"])
    metrics[3].metric("Median follow-up, months", followed.text().split(" months")[0],
                      help=f"Reverse Kaplan-Meier: {followed.method}.")
    metrics[3].caption(followed.text().split(" months ")[-1].strip("()"))
for column, endpoint in zip(metrics[4:], ("os", "rfs"), strict=True):
    estimate, _, interval = at_landmark(endpoint).partition(" (")
    column.metric(f"{endpoint.upper()} at {plural(LANDMARK, 'month')}", estimate,
                  help="Kaplan-Meier estimate with its log-log 95% confidence interval.")
    if interval:
        column.caption(f"95% CI {interval.rstrip(')')}")

answer.markdown("**" + plain(overview_answer(
    view.selection.n, reports, followed.median if "os" in reports else None,
    LANDMARK)) + "**")

curves = st.columns(2)
km_downloads = {}  # menu label -> (figure, caption, file stem) for the figure download
for column, endpoint in zip(curves, ("os", "rfs"), strict=True):
    if endpoint not in reports:
        continue
    report = reports[endpoint]
    figure = km_figure(report.fit.table, None, groups=list(report.fit.groups),
                       y_title=f"{endpoint.upper()} probability",
                       x_title="Months from diagnosis" if endpoint == "os"
                       else "Months from maintenance start")
    figure.update_layout(height=300, showlegend=False, margin={"t": 30, "b": 50},
                         title={"text": ENDPOINT_NAMES[endpoint], "font": {"size": 15}})
    column.plotly_chart(figure, key=f"cohort.km.{endpoint}", config={"displaylogo": False})
    column.caption(plain(
        f"{ENDPOINT_NAMES[endpoint]} at {plural(LANDMARK, 'month')}: {at_landmark(endpoint)} "
        "(Kaplan-Meier, log-log 95% CI); " + report.caption.split(" Kaplan-Meier estimates")[0]))
    km_downloads[ENDPOINT_NAMES[endpoint]] = (figure, report.caption, f"km_{endpoint}")
if "os" in reports:
    st.caption(plain(f"Median follow-up {followed.text()}: {followed.method}, on the OS clock; "
                     f"{plural(followed.n, 'patient')}."))

st.markdown("**Where next:**")
nav = st.columns(4)
query = view.cohort_filter.to_query_params()
nav[0].page_link("pages/1_Survival.py", label="Compare groups (Kaplan-Meier, log-rank)",
                 icon=":material/monitoring:", query_params=query)
nav[1].page_link("pages/2_Cox.py", label="Hazard ratios (Cox regression)",
                 icon=":material/forest:", query_params=query)
nav[2].page_link("pages/3_Patients.py", label="Each patient (swimmer plot, cards)",
                 icon=":material/person:", query_params=query)
nav[3].page_link("pages/9_About.py", label="Definitions and data source",
                 icon=":material/info:", query_params=query)

# ---- baseline ------------------------------------------------------------------------------
st.subheader("Baseline characteristics")
table = registry_baseline(registry.path, view.cohort_filter) if registry else \
    cached.baseline(cohort)
shown = table[["characteristic", "level", "summary"]].rename(
    columns={"characteristic": "Characteristic", "level": "",
             "summary": "n (%) or median (range)"})
split = None if registry else baseline_split(cohort, stratifier_options(cohort))
if split is not None:
    table = split
else:
    st.dataframe(shown, hide_index=True, key="cohort.baseline",
                 height=35 * (len(shown) + 1) + 3)  # every row visible: no inner scroll box
st.caption("Counts with percentages of the patients with a recorded value; continuous values "
           "as median (range). Follow-up is the median (range) of OS times, as the study "
           "reports it; the median follow-up above is the reverse Kaplan-Meier estimate.")
flow_section(view, st.session_state.get("cohort.baseline_by") if split is not None else None)
filters = view.cohort_filter.to_query_params()
download_button("cohort.baseline", "Download baseline table (CSV)",
                lambda export: cached.csv_bytes(export.table),
                download_name("cohort", "baseline", "csv", filters=filters), "text/csv",
                table=table, icon=":material/download:", key="cohort.download_baseline")

# ---- patients ------------------------------------------------------------------------------
st.subheader("Patients")
if not may(Permission.VIEW_ROWS):
    st.info("Your role (viewer) shows aggregate results only: no patient rows, no patient "
            "downloads.", icon=":material/lock:")
KEY_COLUMNS = ("patient_id", "eln2022_risk", "mrd_pre_status", "sorafenib_timing",
               "rfs_months", "rfs_event", "os_months", "os_event")
ordered = [c for c in KEY_COLUMNS if c in cohort.columns] + \
    [c for c in cohort.columns if c not in KEY_COLUMNS]
number_format = {"age": "%d", "rfs_months": "%g", "os_months": "%g", "wbc": "%g",
                 "blasts_pct": "%g", "mrd_pre_flow_pct": "%g%%",
                 "mrd_pre_aml1eto_abl_pct": "%g%%"}
MAX_ROWS_SHOWN = 5_000  # a registry-size upload is summarised and downloaded, not scrolled
if registry:  # the first rows by patient id, paged in the engine (ORDER BY ... LIMIT)
    cohort = first_rows(registry.path, view.cohort_filter, MAX_ROWS_SHOWN)
    st.info(f"Registry mode: the first {len(cohort):,} of {registry.n:,} filtered rows by "
            "patient id (ORDER BY ... LIMIT in the engine). The baseline table and the "
            "survival statistics use every row.", icon=":material/table_rows:")
elif len(cohort) > MAX_ROWS_SHOWN:
    st.info(f"Showing the first {MAX_ROWS_SHOWN:,} of {len(cohort):,} patients. Every patient "
            "is in the downloads, the baseline table and the analyses.",
            icon=":material/table_rows:")
column_config = {LABELS[name]: st.column_config.NumberColumn(format=fmt)
                 for name, fmt in number_format.items()}
column_config.update({LABELS[name]: st.column_config.Column(width="small")
                      for name in KEY_COLUMNS if name in LABELS})
if rules_text():  # the custom group's column says its rules
    column_config[CUSTOM_GROUP_COLUMN] = st.column_config.TextColumn(help=rules_text())
if may(Permission.VIEW_ROWS):
    st.dataframe(with_labels(cohort[ordered].head(MAX_ROWS_SHOWN)), hide_index=True,
                 height=min(35 * (len(cohort) + 1) + 3, 700), key="cohort.table",
                 column_config=column_config)
    st.caption(
        f"{plain(ENDPOINTS['os'][2])} {plain(ENDPOINTS['rfs'][2])} Key columns first; scroll "
        "right for the rest. Click a column header to sort. MRD positive = ≥ 0.01% by flow "
        "cytometry before maintenance; the AML1-ETO/ABL ratio (qPCR) is shown as measured.")

if registry:
    st.caption("Registry mode: patient downloads, the tumor-board report and the deliverables "
               "need the in-memory cohort; extract rows from the registry's own database.")
    st.stop()

notes = (
    f"Source: {view.source}",
    f"Patients: {view.selection.n:,} of {view.selection.n_total:,}",
    "Filters: " + ("; ".join((*view.cohort_filter.describe(), *filter_description()))
                   or "none"),
    *filter(None, (rules_text(),)),
    *view.selection.notes(),
    ENDPOINTS["os"][2],
    ENDPOINTS["rfs"][2],
    "Column meanings, units and sources: data/DATA_DICTIONARY.md of the app's repository.",
)
# Every download is built only when its button is pressed (a callable ``data``): a rerun
# never spends time on files nobody asked for (issue 18: 151 s per rerun on 10^6 rows).
left, middle, right, _ = st.columns([1, 1.4, 1, 1.6])
download_button("cohort.patients", "Download CSV",
                lambda export: cached.csv_bytes(export.table),
                download_name("cohort", "patients", "csv", filters=filters), "text/csv",
                table=cohort, where=left, icon=":material/download:", key="cohort.download_csv")
download_button("cohort.patients", "Download CSV, readable headers",
                lambda export: readable_csv(export.table),
                download_name("cohort", "patients-readable", "csv", filters=filters),
                "text/csv", table=cohort, where=middle, icon=":material/download:",
                key="cohort.download_readable")
download_button("cohort.patients", "Download XLSX",
                lambda export: cached.xlsx_bytes(export.table, (*export.note, *notes)),
                download_name("cohort", "patients", "xlsx", filters=filters),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                table=cohort, where=right, icon=":material/download:",
                key="cohort.download_xlsx")
st.caption("*Download CSV* and *XLSX* use the column names and 0/1 codes of the data "
           "dictionary, so the file can be loaded again under *Cohort data*; the readable CSV "
           "has headers with units and events spelled out (relapse, death, censored), for "
           "reading. The XLSX has a second sheet with the filters. File names say page, "
           "content, filters and time.")

# ---- report --------------------------------------------------------------------------------
st.subheader("Tumor-board report")
NO_GROUPS = "none"
report_by = st.selectbox(
    "Kaplan-Meier curves in the report compare", [NO_GROUPS, *stratifier_options(cohort)],
    key="report.by", format_func=lambda c: "no groups (whole cohort)" if c == NO_GROUPS
    else LABELS.get(c, c))
report_notes = (*view.selection.notes(), *filter(None, (rules_for(report_by),)))
download_button(
    "cohort.report", "Download tumor-board report (HTML)",
    lambda export: cached.tumor_board_html(
        cohort, view.source, view.selection.n_total, tuple(view.cohort_filter.describe()),
        report_notes, None if report_by == NO_GROUPS else report_by,
        view.source == SEED_SOURCE, export.privacy,
        current_flow(view, saved_value(FLOW_ENDPOINT, "rfs"),
                     None if report_by == NO_GROUPS else report_by)),
    download_name("cohort", "report", "html", filters=filters,
                  endpoint=None if report_by == NO_GROUPS else f"by-{report_by}"),
    "text/html", icon=":material/summarize:", key="report.download")
st.caption("One HTML file for projecting or printing: who is in the analysis (the flow "
           "diagram above), filters and counts, baseline table, OS and RFS curves with their "
           "statistics, and the patient list. It opens offline in any browser and loads nothing "
           "from the internet; it contains patient-level data, so share it as you would share "
           "the records themselves.")
deliverables(view, "cohort", km_downloads)

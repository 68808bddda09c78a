"""Your data: upload a hospital export, map its columns, check it, and explore it on every page."""

from pathlib import Path

import pandas as pd
import streamlit as st

from core.cohort.derive import derivation_table, methods_sentences, unavailable_endpoints
from core.cohort.mapping import DAYS_PER_MONTH, Mapping, apply_mapping, distinct_values
from core.cohort.read import MAX_COLUMNS, MAX_ROWS, MAX_UPLOAD_MB
from core.cohort.schema import BY_NAME, data_dictionary_markdown, with_labels
from core.cohort.validate import set_aside_invalid_rows, validate_cohort
from core.errors import CohortError
from ui import upload
from ui.endpoint_form import endpoint_form
from ui.exports import download_button
from ui.registry import stop_uploads
from ui.shell import page_setup, plain

view = page_setup("Your data", ":material/upload_file:")
stop_uploads(view)  # registry mode: the server's file, no uploads
ROOT = Path(__file__).resolve().parents[1]
PREVIEW_ROWS = 10

st.markdown(
    f"Load your own cohort: CSV/TSV/TXT (comma, semicolon, tab or pipe; UTF-8, UTF-16, "
    f"GB18030/GBK or Windows-1252), Excel XLSX, Parquet, SPSS `.sav` or Stata `.dta`. "
    f"**At most {MAX_UPLOAD_MB} MB, {MAX_COLUMNS:,} columns and {MAX_ROWS:,} patients.** "
    "It needs a patient id and, for overall or relapse-free survival, a time (or dates) and "
    "an event; every other column is optional and extra columns become filters and groups.")
st.caption("Your file stays in this browser session's memory on this server: it is not "
           "written to disk, not shared with other sessions, and gone when you press *Remove "
           "my data* or close the tab.")

file = st.file_uploader(f"Cohort file (up to {MAX_UPLOAD_MB} MB)",
                        key=upload.uploader_key("upload.file"),
                        help="The format is recognised from the content, not the name.")
if file is not None and st.session_state.get("upload.file_id") != file.file_id:
    upload.start_upload(file.name, file.getvalue(), file.file_id)
if cancelled := st.session_state.pop("upload.cancelled", None):
    st.info(f"Reading {plain(cancelled)} was cancelled; nothing of it is kept.",
            icon=":material/cancel:")
if st.session_state.get(upload.STATE_JOB) is not None:  # read in a worker process
    upload.take_read(upload.follow_job())

if "upload.name" in st.session_state:
    name = st.session_state["upload.name"]
    sheets = st.session_state.get("upload.sheets") or []
    sheet = None
    # A saved mapping applies in the run that receives it, above the sheet and header-row
    # widgets it sets: a rerun here would swallow a click made meanwhile (the button's
    # one-shot trigger would go to the run that stops to rerun).
    mapping_file = st.file_uploader("Saved mapping (JSON) of an earlier export of the same "
                                    "system: applies its choices", type=["json"],
                                    key=upload.uploader_key("upload.mapping_file"))
    if mapping_file is not None and \
            st.session_state.get("upload.mapping_id") != mapping_file.file_id:
        st.session_state["upload.mapping_id"] = mapping_file.file_id
        try:
            st.session_state["upload.pending"] = Mapping.from_json(mapping_file.getvalue())
            st.session_state["upload.mapping_applied"] = mapping_file.file_id
        except CohortError as error:
            st.error(plain(" ".join(error.problems)), icon=":material/error:")
    applied_note = st.empty()  # filled once the form is seeded, below
    pending = st.session_state.pop("upload.pending", None)  # a saved mapping, or the one in use
    if pending is not None:  # its sheet and header row, before their widgets are drawn
        if pending.sheet in sheets:
            st.session_state["upload.sheet"] = pending.sheet
        st.session_state["upload.header_row"] = pending.header_row or 0
    sheet_column, row_column = st.columns(2)
    if len(sheets) > 1:
        sheet = sheet_column.selectbox("Sheet", sheets, key="upload.sheet")
    header_row = row_column.number_input(
        "Header row (0 = found automatically)", min_value=0, max_value=10_000, step=1,
        key="upload.header_row", help="The row that holds the column names, as the spreadsheet "
        "numbers it; title lines above it are skipped.") or None
    if st.session_state.get("upload.read_as") != (sheet, header_row):
        if "upload.read_as" in st.session_state:  # the first read happened on upload
            upload.read_sheet(sheet, header_row)
            upload.take_read(upload.follow_job())
        st.session_state["upload.read_as"] = (sheet, header_row)
    if st.session_state.get("upload.problems"):
        problems = st.session_state["upload.problems"]
        st.error(f"**{plain(name)} could not be read.**\n\n"
                 + "\n".join(f"- {plain(p)}" for p in problems), icon=":material/error:")
    raw = st.session_state.get("upload.raw")
    if raw is not None:
        proposal = st.session_state["upload.proposal"]
        seed = pending
        if seed is None and not st.session_state.get("upload.seeded"):
            seed = proposal.mapping
        if seed is not None:
            upload.seed_widgets(seed, raw)
            st.session_state["upload.seeded"] = True
            if seed is not pending:  # the form is the proposal again (the file was re-read)
                st.session_state.pop("upload.mapping_applied", None)
        if mapping_file is not None and \
                st.session_state.get("upload.mapping_applied") == mapping_file.file_id:
            applied_note.caption(f"The choices of {plain(mapping_file.name)} are applied in the "
                                 "form below; change any of them before *Check and use this "
                                 "cohort*.")

        st.subheader("Which column is which?")
        st.caption(f"{plain(name)}: {len(raw):,} rows, {raw.shape[1]} columns. The proposal is "
                   "preselected; change any choice. Times may come from dates: OS from "
                   "diagnosis to death or last contact, RFS from maintenance start to relapse "
                   "(a death without relapse ends it, censored, as the competing event) or "
                   f"last contact, in months = days / {DAYS_PER_MONTH} (R's and SPSS's usual "
                   "month). A death known only by a flag is dated at the last contact.")
        for choice in proposal.choices:
            st.warning(plain(choice), icon=":material/help:")
        for note in proposal.notes:
            st.info(plain(note), icon=":material/info:")
        options = [upload.NOT_IN_FILE, *map(str, raw.columns)]
        left, right = st.columns(2)
        for i, field in enumerate(upload.MAIN_FIELDS):
            (left if i % 2 == 0 else right).selectbox(upload.field_label(field), options,
                                                      key=f"map.{field}")
        for field in ("os_months", "rfs_months"):
            if st.session_state.get(f"map.{field}") != upload.NOT_IN_FILE:
                st.radio(f"Unit of {field}", upload.UNITS, key=f"map.unit.{field}",
                         horizontal=True)
        for field in ("os_event", "rfs_event"):
            column = st.session_state.get(f"map.{field}")
            if column in raw.columns:
                values = distinct_values(raw, column, upload.MAX_CODED_VALUES + 1)
                if set(values) <= {"0", "1"}:
                    continue
                if len(values) > upload.MAX_CODED_VALUES:
                    st.warning(f"Column {plain(column)} has more than "
                               f"{upload.MAX_CODED_VALUES} different values; an event column "
                               "holds 2 or 3 codes. Choose another column.",
                               icon=":material/warning:")
                    continue
                st.markdown(f"**Codes of {plain(column)}** ({field}): which value means the "
                            "event?")
                cols = st.columns(min(len(values), 4) or 1)
                for j, value in enumerate(values):
                    cols[j % len(cols)].selectbox(plain(value), upload.EVENT_CHOICES,
                                                  key=f"map.code.{field}.{j}")
        with st.expander("Dates (times computed from them)",
                         expanded=any(st.session_state.get(f"map.{f}") != upload.NOT_IN_FILE
                                      for f in upload.DATE_FIELD_NAMES)):
            cols = st.columns(3)
            for i, field in enumerate(upload.DATE_FIELD_NAMES):
                cols[i % 3].selectbox(
                    upload.field_label(field), options, key=f"map.{field}",
                    help=upload.DEATH_DATE_HELP if field == "date_death" else None)
            st.selectbox("Order of day and month in dates such as 03/04/2020",
                         upload.DATE_ORDER_CHOICES, key="map.date_format",
                         help="Dates with a year first (2020-04-03), spreadsheet dates and "
                         "dotted dates (03.04.2020, always day first) need no choice.")
        with st.expander("Optional fields (groups, filters, covariates)"):
            cols = st.columns(3)
            for i, field in enumerate(upload.OPTIONAL_FIELDS):
                cols[i % 3].selectbox(upload.field_label(field), options, key=f"map.{field}")
            for field in upload.CODED_CATEGORIES:
                column = st.session_state.get(f"map.{field}")
                if column not in raw.columns:
                    continue
                values = distinct_values(raw, column, upload.MAX_CODED_VALUES + 1)
                if len(values) > upload.MAX_CODED_VALUES:
                    continue
                allowed = list(BY_NAME[field].allowed)
                st.markdown(f"**Values of {plain(column)}** ({plain(BY_NAME[field].label)}): "
                            f"the app knows {', '.join(allowed)}")
                value_cols = st.columns(min(len(values), 4) or 1)
                for j, value in enumerate(values):
                    value_cols[j % len(value_cols)].selectbox(
                        plain(value), [upload.KEEP_VALUE, *allowed], key=f"map.value.{field}.{j}")
            st.checkbox("Keep the file's other columns (as filters, groups and covariates, "
                        "under their own names)", key="map.keep_extra")

        try:
            mapping = upload.mapping_from_widgets(raw, sheet, header_row)
        except CohortError as error:
            st.error("\n".join(f"- {plain(p)}" for p in error.problems), icon=":material/error:")
            st.stop()
        download_button("your_data.mapping", "Download this mapping (JSON)",
                        lambda _: mapping.to_json().encode("utf-8"),
                        "cohort_mapping.json", "application/json",
                        icon=":material/download:", key="upload.download_mapping")

        fields = mapping.used_columns()
        endpoint_notes = unavailable_endpoints(set(fields))
        for note in endpoint_notes.values():
            st.warning(plain(note), icon=":material/block:")
        sources = derivation_table(fields)
        if sources:
            st.markdown("**Where each time comes from** (file columns in quotes)")
            st.dataframe(sources, hide_index=True, key="upload.sources")

        st.subheader("Preview: the first rows as the app will read them")
        try:
            head = apply_mapping(raw.head(PREVIEW_ROWS), mapping)
            try:
                head = validate_cohort(head)
                head = head[[c for c in head.columns if head[c].notna().any()]]
            except CohortError:
                pass  # the check below lists the problems of the whole file
            st.dataframe(with_labels(head), hide_index=True, key="upload.preview")
            if "death_at_last_contact" in head.columns:
                at_last = int((head["death_at_last_contact"] == 1).sum())
                st.caption(f"Death taken at the last contact: {at_last} of the "
                           f"{len(head)} rows shown die at their last-contact date, because "
                           "the file records their death only by a flag (column *Death dated "
                           "at last contact* = 1).")
        except CohortError as error:
            st.error("\n".join(f"- {plain(p)}" for p in error.problems), icon=":material/error:")

        if st.button("Check and use this cohort", type="primary", key="upload.check",
                     icon=":material/task_alt:"):
            st.session_state.pop("upload.problem_page", None)
            st.session_state["upload.checked"] = mapping.to_json()
            try:
                split = set_aside_invalid_rows(apply_mapping(raw, mapping))
                st.session_state["upload.split"] = split
                if split.n_set_aside == 0:
                    upload.use_cohort(split, name, endpoint_notes)
                    st.session_state.pop("upload.split", None)
                    st.session_state["upload.loaded"] = name
            except CohortError as error:
                st.session_state["upload.split"] = None
                st.session_state["upload.check_problems"] = error.problems
        current = st.session_state.get("upload.checked") == mapping.to_json()
        if current and st.session_state.get("upload.split") is None and \
                st.session_state.get("upload.check_problems"):
            problems = st.session_state["upload.check_problems"]
            st.error(f"**The cohort cannot be used yet** ({len(problems):,} problem"
                     f"{'s' if len(problems) != 1 else ''}). Fix the file or the mapping:\n\n"
                     + "\n".join(f"- {plain(p)}" for p in problems[:upload.SHOWN_PROBLEMS]),
                     icon=":material/error:")
            if len(problems) > upload.SHOWN_PROBLEMS:
                upload.paged_table(pd.DataFrame({"problem": problems}), "every problem")
        split = st.session_state.get("upload.split") if current else None
        if split is not None and split.n_set_aside:
            k = split.n_set_aside
            st.warning(f"**{k:,} row{'s' if k != 1 else ''} of {len(raw):,} "
                       f"break{'s' if k == 1 else ''} a rule** "
                       f"({len(split.problems):,} problem"
                       f"{'s' if len(split.problems) != 1 else ''}). Every problem row is "
                       "listed below. Fix the file and upload it again, or continue without "
                       f"{'these rows' if k != 1 else 'this row'}.", icon=":material/rule:")
            upload.paged_table(split.problem_rows(), "every problem row")
            removes = (f"Setting {'these' if k != 1 else 'this'} {k:,} row"
                       f"{'s' if k != 1 else ''} aside {split.events_removed()}.")
            if split.removes_all_events():
                st.error(f"{removes} An endpoint without any of its events would read as if "
                         "nobody died or relapsed, so the app does not offer to continue. Fix "
                         "the file or the mapping (a death flag without a death date is dated "
                         "at the last contact; map the flag under Death).",
                         icon=":material/block:")
            else:
                st.markdown(removes)
                if st.button(f"Continue without these {k:,} rows ({split.events_removed()})",
                             key="upload.continue"):
                    upload.use_cohort(split, name, endpoint_notes)
                    st.session_state.pop("upload.split", None)
                    st.session_state["upload.loaded"] = name
                    st.rerun()
        if st.session_state.pop("upload.loaded", None):
            st.session_state.pop("upload.check_problems", None)
            st.rerun()
    elif upload.STATE_COHORT in st.session_state and not st.session_state.get("upload.problems"):
        st.caption("While this cohort is in use the app keeps your file but not its columns as "
                   "read (at 10^6 rows they take more memory than the cohort). *Edit the "
                   "mapping* reads the file again, as long as the first reading took (about 7 s "
                   "for 10^6 rows), and opens the form with the mapping in use.")
        if st.button("Edit the mapping", key="upload.edit", icon=":material/edit:"):
            checked = st.session_state.get("upload.checked")
            upload.read_sheet(sheet, header_row)
            if checked:  # the form opens with the mapping in use, not the proposal
                st.session_state["upload.pending"] = Mapping.from_json(checked)
                st.session_state.pop("upload.mapping_applied", None)
            st.rerun()

if upload.STATE_COHORT in st.session_state:
    cohort = st.session_state[upload.STATE_COHORT]
    k = upload.set_aside_count()
    st.success(f"In use: {plain(st.session_state[upload.STATE_SOURCE])}, {len(cohort):,} "
               f"patients{f', {k} rows set aside' if k else ''}. Every page now shows it.",
               icon=":material/check_circle:")
    reasons = st.session_state.get(upload.STATE_ENDPOINT_NOTES) or {}
    present = upload.endpoints_present(cohort)
    for key, name in (("os", "overall survival"), ("rfs", "relapse-free survival")):
        if not present[key]:
            st.info(plain(reasons.get(key) or f"No {name} in this cohort: its time and event "
                          "columns are not mapped, so the pages offer only the other "
                          "endpoint."), icon=":material/info:")
    methods = methods_sentences(cohort)
    if methods:
        st.caption("**How the times were computed.** " + " ".join(methods))
    if k:
        with st.expander(f"The {k} rows set aside and why"):
            st.dataframe(st.session_state[upload.STATE_SET_ASIDE], hide_index=True,
                         key="upload.set_aside_in_use")
    endpoint_form(cohort)
if upload.STATE_COHORT in st.session_state or "upload.name" in st.session_state:
    if st.button("Remove my data", key="upload.remove", icon=":material/delete:",
                 help="Forget the file, its mapping and the cohort; back to the study cohort."):
        upload.remove_my_data()
        st.rerun()

st.subheader("Templates and help")
left, right, _ = st.columns([1, 1, 2])
templates = ROOT / "data" / "templates"
download_button("your_data.template", "Template (CSV)",
                lambda _: (templates / "cohort_template.csv").read_bytes(),
                "cohort_template.csv", "text/csv", where=left, key="upload.template_csv",
                icon=":material/download:")
download_button("your_data.template", "Template (XLSX)",
                lambda _: (templates / "cohort_template.xlsx").read_bytes(),
                "cohort_template.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                where=right, key="upload.template_xlsx", icon=":material/download:")
st.caption("The templates hold the minimal columns (id, OS and RFS times in months and events "
           "as 1/0) and two example rows; add any column you like.")
with st.expander("How to export from your system"):
    st.markdown(
        "- **Excel**: *File > Save as > Excel workbook (.xlsx)* or *CSV UTF-8*. A title line "
        "above the header is fine; choose the sheet here when there are several.\n"
        "- **Hospital information systems** (e.g. a Chinese HIS or registry): export the "
        "patient list as XLSX or CSV; GB18030/GBK text is recognised, headers may be Chinese "
        "(病历号, 诊断日期, 是否死亡, ...).\n"
        "- **SPSS / Stata**: upload the `.sav` or `.dta` file itself; value labels become the "
        "category text.\n"
        "- **Dates** instead of times: map diagnosis, maintenance start, relapse, death and "
        "last-contact dates; the app computes months and checks that the dates are in order.\n"
        "- Save the mapping (JSON) and upload it with the next export of the same system.")
with st.expander("Data dictionary (every known column, unit and allowed value)"):
    st.markdown(data_dictionary_markdown().split("\n", 1)[1])

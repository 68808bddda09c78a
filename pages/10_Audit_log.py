"""Audit log (data manager): who did what and when, with the hash chain checked."""

from datetime import UTC, datetime, time

import streamlit as st

from core.access.audit import CATEGORIES
from core.access.audit_verify import filter_events
from core.cohort.exports import table_to_csv
from ui import audit
from ui.access import current, record
from ui.exports import download_button
from ui.shell import page_setup, plain

view = page_setup("Audit log", ":material/policy:")
session = current()
path = session.config.audit_log
if path is None or not path.exists():
    st.info("No audit log yet: sign-in is not configured and [access] audit_log names no "
            "file (docs/access.md).", icon=":material/history:")
    st.stop()

report = audit.chain(path)
(st.success if report.ok else st.error)(plain(report.message()), icon=":material/link:")
st.caption(f"Verified from a terminal with `python -m core.access verify {plain(str(path))}`; "
           "each line carries the hash of the line before it, so a changed, removed or "
           "inserted line breaks the chain where it happened.")

table = audit.events(path)
who, kinds, text = st.columns([2, 3, 2])
user = who.text_input("User (part of the e-mail or name)", key="audit.who")
categories = kinds.multiselect("Kinds of event", list(CATEGORIES), key="audit.categories",
                               placeholder="All kinds")
words = text.text_input("Text in what was done", key="audit.text")
first, last = st.columns(2)
since = first.date_input("From (UTC)", value=None, key="audit.since")
until = last.date_input("To (UTC)", value=None, key="audit.until")
shown = filter_events(
    table, who=user, categories=tuple(categories), text=words,
    since=datetime.combine(since, time.min, UTC) if since else None,
    until=datetime.combine(until, time.max, UTC) if until else None)
if st.session_state.get("audit.last_read") != len(table):  # reading the log is recorded too
    st.session_state["audit.last_read"] = len(table)
    record("audit", "audit.read", action="R", detail={"n_rows": len(table)})
st.markdown(f"**{len(shown):,} of {len(table):,} events** (newest first)")
st.dataframe(shown, hide_index=True, key="audit.table")
download_button("audit.log", "Download these events (CSV)",
                lambda export: table_to_csv(export.table),
                f"audit_{datetime.now(UTC):%Y%m%d-%H%M%S}.csv", "text/csv", table=shown,
                rows=False, icon=":material/download:", key="audit.download")
st.caption("No event holds a patient value: cohorts are named by kind, size and a content "
           "hash, views by the link's keys and a SHA-256 of the link, exports by what, how many "
           "rows and whether they were de-identified.")

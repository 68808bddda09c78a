"""Session state of the "Your data" page: the uploaded file, its mapping, the loaded cohort.

Design: an upload lives only in ``st.session_state`` of its browser session, never in a
cache shared between sessions (no ``st.cache_data`` here) and never on disk; "Remove my data"
deletes every key this module and ``ui.shell`` keep for it. The page reads the file once per
upload (:func:`start_upload`), keeps the raw table and the proposal, seeds the mapping widgets
from a :class:`~core.cohort.mapping.Mapping` (the proposal or an uploaded mapping JSON) and
rebuilds the mapping from the widgets on every run (:func:`mapping_from_widgets`). Once a
checked cohort is in use (:func:`use_cohort`) the raw table is let go (about 300 MB at 10^6
rows, beside the cohort itself) and only the file's bytes stay: going back to edit the mapping
reads them again, the form seeded with the mapping in use.

Reading is done by a worker process (:class:`core.cohort.isolated.ReadJob`), never by the
server: the job waits in the session under :data:`STATE_JOB` and :func:`follow_job` draws its
progress with a Cancel button until it ends; a job whose session ends is stopped with it.
"""

from __future__ import annotations

import threading
import time

import pandas as pd
import streamlit as st

from core.access.roles import Permission
from core.cohort.dates import DAY_FIRST, MONTH_FIRST, ORDER_FORMATS, order_of_format
from core.cohort.isolated import Progress, ReadJob
from core.cohort.mapping import UNIT_DAYS, Mapping, distinct_values
from core.cohort.proposal import propose_mapping
from core.cohort.schema import BY_NAME, COLUMNS, DATE_FIELDS, ENDPOINTS
from core.cohort.validate import CohortSplit
from core.errors import CohortError
from ui import access, session_cache
from ui.state import STATE_COHORT, STATE_SOURCE, reset_filters

STATE_SET_ASIDE = "cohort.set_aside"
"""Rows set aside when the user chose to continue without them (DataFrame of ``CohortSplit``)."""
STATE_ENDPOINT_NOTES = "cohort.endpoint_notes"
"""Endpoint key -> why the uploaded cohort does not offer it (from its mapping)."""
STATE_JOB = "upload.job"
"""The worker job reading the upload (a :class:`~core.cohort.isolated.ReadJob`), while it runs."""
KEYS = ("upload.name", "upload.data", "upload.file_id", "upload.sheets", "upload.raw", STATE_JOB,
        "upload.proposal", "upload.problems", "upload.split", "upload.mapping_id",
        "upload.mapping_applied",
        "upload.seeded", "upload.sheet", "upload.read_as", "upload.header_row",
        "upload.check_problems", "upload.loaded", "upload.problem_page", "upload.checked")
NOT_IN_FILE = "(not in the file)"
NOT_ASSIGNED = "(not assigned)"
EVENT_CHOICES = (NOT_ASSIGNED, "1 = event", "0 = censored")
SHOWN_PROBLEMS = 10
"""Problems listed in the message itself; all of them are in the paged table below it."""
PAGE_ROWS = 25
"""Rows per page of a problem table."""
MAX_CODED_VALUES = 12
"""An event column with more distinct values than this is not offered for coding."""

KEEP_VALUE = "(as written)"
CODED_CATEGORIES = tuple(c.name for c in COLUMNS if c.kind == "category" and c.allowed)
"""Schema categories with a closed vocabulary: their file values can be coded in the form."""

MAIN_FIELDS = ("patient_id", "os_months", "os_event", "rfs_months", "rfs_event")
DATE_FIELD_NAMES = tuple(DATE_FIELDS)
OPTIONAL_FIELDS = tuple(c.name for c in COLUMNS if c.name not in MAIN_FIELDS)


DATE_ORDER_CHOICES = ("automatic (read from the data)", f"{DAY_FIRST} (25/03/2020)",
                      f"{MONTH_FIRST} (03/25/2020)")
"""How the page offers the order of day and month in dates such as 03/04/2020."""
DEATH_DATE_HELP = ("A death known only by a flag or status word (是/否, dead/alive, "
                   "verstorben/lebend): choose the last-contact column here, or leave the field "
                   "empty, and map the flag under Death. Each flagged death is then dated at the "
                   "last contact, and the preview and methods text say so.")
FIELD_LABELS = {"os_event": "Death (event code, flag or status word) · `os_event`",
                "rfs_event": "Relapse (event code or flag) · `rfs_event`"}


def field_label(name: str) -> str:
    """Readable label of a mapping field (schema column or date)."""
    if name in DATE_FIELDS:
        return f"{DATE_FIELDS[name]} date"
    return FIELD_LABELS.get(name, f"{BY_NAME[name].label} · `{name}`")


def start_upload(name: str, data: bytes, file_id: str, sheet: str | None = None) -> None:
    """Read an uploaded file into the session and propose a mapping (problems kept to show)."""
    access.require_here(Permission.UPLOAD, "an upload")
    access.record("upload", "upload.file", action="C", detail={"bytes": len(data)})
    for key in KEYS:
        st.session_state.pop(key, None)
    st.session_state["upload.name"] = name
    st.session_state["upload.data"] = data
    st.session_state["upload.file_id"] = file_id
    read_sheet(sheet)


def read_sheet(sheet: str | None, header_row: int | None = None) -> None:
    """(Re-)read the uploaded file, on ``sheet`` for a workbook, with the header on
    ``header_row`` (``None``: found automatically): start the worker job that reads it
    (:func:`follow_job` shows it and takes its outcome)."""
    data, name = st.session_state["upload.data"], st.session_state["upload.name"]
    for key in ("upload.raw", "upload.proposal", "upload.problems", "upload.split",
                "upload.seeded", "upload.check_problems", "upload.loaded", "upload.checked"):
        st.session_state.pop(key, None)
    old = st.session_state.pop(STATE_JOB, None)
    if old is not None:
        old.cancel()
    st.session_state[STATE_JOB] = ReadJob("read", name, data, sheet=sheet, header_row=header_row)


def follow_job(key: str = STATE_JOB, place=None) -> tuple[str, object] | None:
    """Draw the progress of the worker job in ``st.session_state[key]`` with a Cancel button,
    wait until it ends, and return ``("done", result)`` or ``("refused", problems)``; ``None``
    when there is no job (or it was cancelled).

    A click on Cancel (or any other widget) interrupts this run; the job keeps running in the
    session, and the next run follows it again (Cancel stops it first).
    """
    job = st.session_state.get(key)
    if job is None:
        return None
    place = place if place is not None else st
    box = place.container(border=True)
    doing = getattr(job, "doing", f"Reading {job.name}")
    bar = box.progress(0.0, text=f"{doing} in a separate process…" if isinstance(job, ReadJob)
                       else f"{doing}…")
    box.button("Cancel", key=f"{key}.cancel.{type(job).__name__}", icon=":material/cancel:",
               on_click=cancel_job, args=(key,),
               help="Stop reading this file (nothing of it is kept).")
    while (progress := job.poll(0.25)).state != "done":
        share = progress.fraction or 0.0
        bar.progress(share, text=(f"Waiting for another upload to finish ({progress.seconds:.0f} "
                                  "s)…" if progress.state == "waiting" else
                                  f"{doing}: {share:.0%} ({progress.seconds:.0f} s)"
                                  if progress.fraction is not None else
                                  f"{doing} ({progress.seconds:.0f} s)"))
    box.empty()
    st.session_state.pop(key, None)
    try:
        return "done", job.outcome()
    except CohortError as error:
        return "refused", error.problems


class CheckJob:
    """The gatekeeper's check of a table a worker has read (the sidebar upload), on a thread,
    with the interface of :class:`~core.cohort.isolated.ReadJob` so that :func:`follow_job`
    draws it with its Cancel button. A thread cannot be stopped: on Cancel the check runs to
    its end (seconds) and its result is dropped.

    Parameters
    ----------
    name : str
        The file's name (for messages).
    check : callable
        The check (``cohort_from_table`` bound to the raw table); returns the cohort or raises
        :class:`CohortError`.
    rows : int
        Rows being checked (for the progress text).
    """

    def __init__(self, name: str, check, rows: int) -> None:
        self.name, self.doing = name, f"Checking {rows:,} rows of {name}"
        self._started = time.monotonic()
        self._outcome: tuple[str, object] | None = None
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, args=(check,), daemon=True,
                                        name="upload-check")
        self._thread.start()

    def _run(self, check) -> None:
        try:
            outcome = ("done", check())
        except CohortError as error:
            outcome = ("refused", error.problems)
        except Exception as error:  # noqa: BLE001 - raised again on the page by outcome()
            outcome = ("error", error)
        if not self._cancelled:
            self._outcome = outcome

    def poll(self, wait: float = 0.0) -> Progress:
        """Wait up to ``wait`` seconds for the check; where it stands."""
        if self._outcome is None:
            self._thread.join(wait)
        return Progress("done" if self._outcome is not None else "running", None,
                        time.monotonic() - self._started)

    def outcome(self) -> pd.DataFrame:
        """The checked cohort; raises :class:`CohortError` with the problems (or when
        cancelled), or the check's own unexpected error."""
        while self.poll(0.5).state != "done":
            pass
        kind, value = self._outcome
        if kind == "error":
            raise value
        if kind == "refused":
            raise CohortError(value)
        return value

    def cancel(self) -> None:
        """Drop the check's result (the job ends as cancelled)."""
        if self._outcome is None:
            self._cancelled = True
            self._outcome = ("refused", [f"Checking {self.name} was cancelled."])


def cancel_job(key: str = STATE_JOB) -> None:
    """Stop the worker job under ``key`` (the Cancel button): nothing of the file is kept and
    the file chooser is emptied."""
    job = st.session_state.pop(key, None)
    if job is not None:
        job.cancel()
        st.session_state["upload.cancelled"] = job.name
    if key == STATE_JOB:
        for name in KEYS:
            st.session_state.pop(name, None)
    forget_chosen_files()


def uploader_key(base: str) -> str:
    """The key of a file chooser, renewed by :func:`forget_chosen_files` (a new key is a new,
    empty widget; Streamlit drops the old one with the file it held)."""
    return f"{base}.{st.session_state.get('upload.generation', 0)}"


def forget_chosen_files() -> None:
    """Empty the file choosers of this session (their files leave the server's memory)."""
    st.session_state["upload.generation"] = st.session_state.get("upload.generation", 0) + 1


def take_read(outcome: tuple[str, object] | None) -> None:
    """Keep the outcome of a finished read (:func:`follow_job`): the sheets, the raw table and
    the proposal, or the problems to show; nothing for ``None`` (no job, or cancelled)."""
    if outcome is None:
        return
    kind, value = outcome
    if kind == "refused":
        st.session_state["upload.problems"] = value
        return
    sheets, raw = value
    st.session_state["upload.sheets"] = sheets
    st.session_state["upload.raw"] = raw
    st.session_state["upload.proposal"] = propose_mapping(raw)


def seed_widgets(mapping: Mapping, raw: pd.DataFrame) -> None:
    """Put ``mapping`` into the mapping widgets (before they are drawn)."""
    columns = dict(mapping.columns)
    for name in (*MAIN_FIELDS, *DATE_FIELD_NAMES, *OPTIONAL_FIELDS):
        chosen = columns.get(name)
        st.session_state[f"map.{name}"] = chosen if chosen in raw.columns else NOT_IN_FILE
    units = dict(mapping.time_units)
    for name in ("os_months", "rfs_months"):
        st.session_state[f"map.unit.{name}"] = units.get(name, "months")
    events = dict(mapping.event_codes)
    for name in ("os_event", "rfs_event"):
        codes = dict(events.get(name, ()))
        column = columns.get(name)
        values = distinct_values(raw, column, MAX_CODED_VALUES + 1) if column in raw.columns \
            else []
        for i, value in enumerate(values[:MAX_CODED_VALUES]):
            code = codes.get(value)
            if code is None and value in ("0", "1"):
                code = int(value)
            st.session_state[f"map.code.{name}.{i}"] = EVENT_CHOICES[
                0 if code is None else (1 if code == 1 else 2)]
    order = order_of_format(mapping.date_format)
    st.session_state["map.date_format"] = DATE_ORDER_CHOICES[
        {None: 0, DAY_FIRST: 1, MONTH_FIRST: 2}[order]]
    st.session_state["map.keep_extra"] = mapping.keep_extra
    values = dict(mapping.value_codes)
    for name in CODED_CATEGORIES:
        codes = dict(values.get(name, ()))
        column = columns.get(name)
        found = distinct_values(raw, column, MAX_CODED_VALUES + 1) if column in raw.columns \
            else []
        for i, value in enumerate(found[:MAX_CODED_VALUES]):
            st.session_state[f"map.value.{name}.{i}"] = codes.get(value, KEEP_VALUE)


def mapping_from_widgets(raw: pd.DataFrame, sheet: str | None,
                         header_row: int | None = None) -> Mapping:
    """The :class:`Mapping` the form shows now.

    Raises
    ------
    core.errors.CohortError
        When the form maps one file column to two fields.
    """
    columns = {}
    for name in (*MAIN_FIELDS, *DATE_FIELD_NAMES, *OPTIONAL_FIELDS):
        chosen = st.session_state.get(f"map.{name}", NOT_IN_FILE)
        if chosen != NOT_IN_FILE:
            columns[name] = chosen
    units = {name: st.session_state.get(f"map.unit.{name}", "months")
             for name in ("os_months", "rfs_months") if name in columns}
    units = {k: v for k, v in units.items() if v != "months"}
    events = {}
    for name in ("os_event", "rfs_event"):
        if name not in columns:
            continue
        values = distinct_values(raw, columns[name], MAX_CODED_VALUES + 1)
        codes = {}
        for i, value in enumerate(values[:MAX_CODED_VALUES]):
            choice = st.session_state.get(f"map.code.{name}.{i}", NOT_ASSIGNED)
            if choice != NOT_ASSIGNED:
                codes[value] = 1 if choice == EVENT_CHOICES[1] else 0
        if codes and not set(values) <= {"0", "1"}:
            events[name] = codes
    choice = st.session_state.get("map.date_format", DATE_ORDER_CHOICES[0])
    order = {DATE_ORDER_CHOICES[1]: DAY_FIRST, DATE_ORDER_CHOICES[2]: MONTH_FIRST}.get(choice)
    value_codes = {}
    for name in CODED_CATEGORIES:
        if name not in columns:
            continue
        found = distinct_values(raw, columns[name], MAX_CODED_VALUES + 1)
        codes = {value: st.session_state.get(f"map.value.{name}.{i}", KEEP_VALUE)
                 for i, value in enumerate(found[:MAX_CODED_VALUES])}
        codes = {k: v for k, v in codes.items() if v != KEEP_VALUE}
        if codes:
            value_codes[name] = codes
    return Mapping.from_dict({
        "format": "relapse-risk-explorer mapping", "columns": columns, "time_units": units,
        "event_codes": events, "value_codes": value_codes,
        "date_format": ORDER_FORMATS.get(order),
        "sheet": sheet, "header_row": header_row,
        "keep_extra": bool(st.session_state.get("map.keep_extra", True))})


def use_cohort(split: CohortSplit, name: str, endpoint_notes: dict[str, str] | None = None
               ) -> None:
    """Make the checked cohort this session's cohort (set-aside rows kept for the header, and
    the reasons an endpoint is not offered); the raw table is let go (the file's bytes stay,
    to be read again if the mapping is edited)."""
    st.session_state.pop("upload.raw", None)
    st.session_state[STATE_COHORT] = split.cohort
    st.session_state[STATE_SOURCE] = f"Uploaded file {name}"
    st.session_state[STATE_SET_ASIDE] = split.set_aside
    st.session_state[STATE_ENDPOINT_NOTES] = dict(endpoint_notes or {})
    access.record("mapping", "mapping.applied", action="U",
                  detail={"n_rows": len(split.cohort), "n_set_aside": len(split.set_aside),
                          "columns": list(map(str, split.cohort.columns))})
    reset_filters()  # the study's filters (age 21-76, ...) mean nothing on another cohort


KEEP_ON_REMOVE = ("audit.", "access.", "auth.")
"""Session-state keys that hold nothing of an upload (sign-in and audit state): the only ones
*Remove my data* keeps."""


def remove_my_data() -> None:
    """Forget the upload and everything derived from it (back to the study).

    Every session-state key goes except :data:`KEEP_ON_REMOVE`: the file, the mapping, the
    cohort, this session's cached results (:mod:`ui.session_cache`), every page's choices (a
    stratifier or a patient id may name the upload's columns or patients), the chosen files of
    both file choosers, and the link's parameters; the filters start afresh. The removal is
    written to the audit log.
    """
    if STATE_COHORT in st.session_state or "upload.name" in st.session_state:
        access.record("removal", "removal.my_data", action="D")
    for key in (STATE_JOB, "cohort.job"):
        if st.session_state.get(key) is not None:
            st.session_state[key].cancel()
    bootstrap = st.session_state.get("risk.job")  # ui.risk.JOB: its thread holds the cohort
    if bootstrap is not None:
        bootstrap.cancel.set()
    generation = st.session_state.get("upload.generation", 0)
    session_cache.clear()
    for key in [k for k in st.session_state if not str(k).startswith(KEEP_ON_REMOVE)
                or k in (access.STATE_COHORT, access.STATE_VIEW)]:  # the file's name, columns
        del st.session_state[key]
    st.session_state["upload.generation"] = generation + 1  # empties the file choosers
    _forget_stale_widget_metadata()
    st.query_params.clear()
    reset_filters()


def _forget_stale_widget_metadata() -> None:
    """Drop what Streamlit keeps of widgets that hold no value now.

    Streamlit keeps each widget's metadata (its options, its format function and so the page
    script's variables, an uploaded cohort among them) for the session's whole life, even
    for widgets no longer drawn (``WStates.widget_metadata`` is never pruned in 1.67). A
    widget drawn again registers anew.
    """
    from streamlit.runtime.state import get_session_state

    try:
        widgets = get_session_state()._state._new_widget_state
        widgets.widget_metadata = {k: v for k, v in widgets.widget_metadata.items()
                                   if k in widgets.states}
    except AttributeError:  # another Streamlit version: its own bookkeeping
        pass


def set_aside_count() -> int:
    """Rows of the uploaded file left out at the user's choice (0 for the study cohort)."""
    table = st.session_state.get(STATE_SET_ASIDE)
    return 0 if table is None or STATE_COHORT not in st.session_state else len(table)


def endpoints_present(cohort: pd.DataFrame) -> dict[str, bool]:
    """Endpoint key -> whether the cohort records it (some time and event known)."""
    return {key: bool(cohort[time].notna().any() and cohort[event].notna().any())
            for key, (time, event, _) in ENDPOINTS.items()}


def endpoint_options(cohort: pd.DataFrame) -> tuple[list[str], str]:
    """Endpoint keys a page can offer on ``cohort`` and one sentence on those it cannot.

    Returns
    -------
    tuple of (list of str, str)
        The recorded endpoints (``"os"``, ``"rfs"``; both when neither is, so a page's own
        message explains), and the reason for an absent one (empty when both are offered).
    """
    present = endpoints_present(cohort)
    offered = [key for key, ok in present.items() if ok] or list(present)
    absent = [key for key in present if key not in offered]
    names = {"os": "overall survival (OS)", "rfs": "relapse-free survival (RFS)"}
    reasons = st.session_state.get(STATE_ENDPOINT_NOTES) or {}
    note = " ".join(reasons.get(k) or f"No {names[k]}: this cohort has no "
                    f"`{ENDPOINTS[k][0]}`/`{ENDPOINTS[k][1]}` values, so it is not offered."
                    for k in absent)
    return offered, note


UNITS = tuple(UNIT_DAYS)


def paged_table(table: pd.DataFrame, what: str) -> None:
    """Show every row of ``table``, :data:`PAGE_ROWS` at a time, with a page choice."""
    pages = max(1, -(-len(table) // PAGE_ROWS))
    page = 1
    if pages > 1:
        page = int(st.number_input(f"Page of {what} (1-{pages})", min_value=1, max_value=pages,
                                   step=1, key="upload.problem_page"))
    first = (page - 1) * PAGE_ROWS
    shown = table.iloc[first:first + PAGE_ROWS]
    st.dataframe(shown, hide_index=True, key=f"upload.problems.{page}",
                 column_config={"problem": st.column_config.TextColumn(width="large")})
    st.caption(f"{what.capitalize()}: {first + 1:,}-{first + len(shown):,} of {len(table):,}.")

"""The sidebar upload's check (issue 24): the gatekeeper runs on a thread that the page
follows with a Cancel button (:class:`ui.upload.CheckJob`), instead of ~10 s at 10^6 rows
behind a spinner nobody could stop. AppTest cannot drive the file chooser, so the tests put
the job into the session as the sidebar does once the worker has read the file."""

from __future__ import annotations

import io
import threading

import pytest
from streamlit.testing.v1 import AppTest

from core.cohort.isolated import ReadJob
from core.cohort.read import SEED_PATH, cohort_from_table, read_table
from core.errors import CohortError
from tests.pages.helpers import ROOT
from ui.shell import STATE_LOAD_JOB
from ui.state import STATE_COHORT, STATE_SOURCE
from ui.upload import CheckJob


def raw_seed():
    handle = io.BytesIO(SEED_PATH.read_bytes())
    handle.name = "mine.csv"
    return read_table(handle)


def session_with(job: CheckJob) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[STATE_LOAD_JOB] = job
    return at.run()


def test_checked_table_becomes_the_session_cohort():
    raw = raw_seed()
    at = session_with(CheckJob("mine.csv", lambda: cohort_from_table(raw), len(raw)))
    assert not at.exception
    assert len(at.session_state[STATE_COHORT]) == 19
    assert at.session_state[STATE_SOURCE] == "Uploaded file mine.csv"


def test_worker_read_then_check_in_one_run():
    """The worker's read and the check follow each other in one run, each with its own
    progress box and Cancel button (one key each)."""
    at = session_with(ReadJob("read", "mine.csv", SEED_PATH.read_bytes()))
    assert not at.exception
    assert len(at.session_state[STATE_COHORT]) == 19


def test_refused_table_lists_its_problems_and_keeps_the_cohort():
    def refuse():
        raise CohortError(["Column `os_event`, row 3 (patient 2): value 'x' is not an event "
                           "code."])

    at = session_with(CheckJob("bad.csv", refuse, 19))
    assert not at.exception
    assert STATE_COHORT not in at.session_state
    assert any("bad.csv was not loaded** (1 problem)" in e.value for e in at.sidebar.error)


def test_cancel_drops_the_result_of_a_check_still_running():
    release = threading.Event()
    raw = raw_seed()

    def slow():
        release.wait(10)
        return cohort_from_table(raw)

    job = CheckJob("mine.csv", slow, len(raw))
    assert job.poll(0.0).state == "running"
    job.cancel()
    release.set()
    with pytest.raises(CohortError, match=r"- Checking mine.csv was cancelled.$"):
        job.outcome()
    job._thread.join(10)
    assert job.poll().state == "done"
    with pytest.raises(CohortError, match="was cancelled"):  # the late result stays dropped
        job.outcome()

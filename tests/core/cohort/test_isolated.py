"""The upload worker (core.cohort.isolated): limits end the worker, never the caller."""

from __future__ import annotations

import os
import re
import signal
import threading

import pandas as pd
import pytest

from core.cohort import isolated
from core.cohort.isolated import ReadJob, run_isolated
from core.errors import CohortError
from tests.core.cohort import hostile_files as hostile


@pytest.fixture(scope="module")
def big_csv() -> bytes:
    return hostile.csv_rows(100_000)


def test_a_refusal_crosses_as_the_readers_own_sentence():
    with pytest.raises(CohortError, match=r"^The cohort has 1 problem:\n- The file empty\.csv "
                                          r"is empty\. Fix: export the cohort again"):
        run_isolated("read", "empty.csv", b"  \n")


def test_memory_limit_ends_the_worker_with_a_sentence(big_csv):
    """Where the 40 MB run out decides how the worker ends: a Python allocation raises
    MemoryError (the worker answers with exit status 3: "the file needs more than ..."), an
    allocation inside Arrow's C++ may abort the process instead ("ValueOrDie ... Out of
    memory", SIGABRT; seen once in CI on 2026-12-07). Both sentences name the limit and a fix;
    either is right, and nothing else is."""
    with pytest.raises(CohortError, match=r"Reading big\.csv stopped: (the file needs more than|"
                                          r"the reader crashed \(SIGABRT\), as it may on a "
                                          r"damaged file or one that needs more than) the 40 MB "
                                          r"of memory a file may use here\. Fix: "):
        run_isolated("load", "big.csv", big_csv, memory_mb=40)
    assert run_isolated("read", "ok.csv", b"patient_id,os_months,os_event\n1,2,1\n")[0] == []


def test_cpu_limit_ends_the_worker_with_a_sentence(big_csv):
    with pytest.raises(CohortError, match=r"Reading big\.csv was stopped after 1 seconds of "
                                          r"work, the time a file may take here\. Fix: "):
        run_isolated("load", "big.csv", big_csv * 6, seconds=1)


def test_cancel_stops_the_worker_process(big_csv):
    job = ReadJob("load", "big.csv", big_csv)
    assert job.poll().state in ("running", "waiting")
    job.poll(0.05)
    pid = job._process.pid
    job.cancel()
    assert job.poll().state == "done"
    with pytest.raises(CohortError, match=r"^The cohort has 1 problem:\n- Reading big\.csv was "
                                          r"cancelled\.$"):
        job.outcome()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_at_most_max_workers_parse_at_once(big_csv):
    jobs = [ReadJob("load", "big.csv", big_csv) for _ in range(isolated.MAX_WORKERS + 1)]
    states = [job.poll().state for job in jobs]
    assert states == ["running"] * isolated.MAX_WORKERS + ["waiting"]
    jobs[0].cancel()
    assert jobs[-1].poll().state == "running"  # the freed worker slot goes to the next upload
    for job in jobs:
        job.cancel()


def test_an_unknown_task_is_refused():
    with pytest.raises(ValueError, match="unknown worker task 'exec'"):
        ReadJob("exec", "x.csv", b"")


def test_the_workers_environment_stays_with_the_workers(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "mimalloc")
    run_isolated("read", "ok.csv", b"patient_id,os_months,os_event\n1,2,1\n")
    assert "MALLOC_ARENA_MAX" not in os.environ
    assert os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "mimalloc"


def _in_process(name: str, data: bytes):
    import io

    from core.cohort.read import read_table

    handle = io.BytesIO(data)
    handle.name = name
    return read_table(handle)


@pytest.mark.parametrize("data", [
    b"title line\n\npatient_id,os_months,note\n1,2.5,\"a,b\"\n\n2,3,\xc3\xa9\n",  # rows 4, 6
    b"patient_id;os_months;os_event\n1;32,25;1\n2;4,5;0\n",  # decimal commas
    b"patient_id,os_months,os_event\n1,2\n3,4,1\n"])  # a short row: the pandas path
def test_a_text_table_crosses_as_arrow_batches_unchanged(data):
    from core.cohort.handoff import is_text_table

    sheets, raw = run_isolated("read", "x.csv", data)
    expected = _in_process("x.csv", data)
    assert sheets == []
    assert is_text_table(expected)  # so it took the Arrow hand-off
    pd.testing.assert_frame_equal(raw, expected)


def test_text_tables_are_sent_as_record_batches_not_pickled():
    """The worker's side of the hand-off, on a pipe in this process: the frame goes as Arrow
    IPC messages, the pickled result holds None in its place."""
    import multiprocessing

    from core.cohort.handoff import receive_text_table, send_text_tables, with_text_tables

    raw = _in_process("x.csv", b"patient_id,os_months\n" +
                      b"".join(b"P%d,%d\n" % (i, i) for i in range(70_000)))
    mine, theirs = multiprocessing.Pipe()
    sent = []
    sender = threading.Thread(target=lambda: sent.append(send_text_tables(theirs,
                                                                          (["sheet"], raw))))
    sender.start()
    kind, (position, *header) = mine.recv()
    assert (kind, position, header[-1]) == ("table", 1, 2)  # 70,000 rows: two batches
    table = receive_text_table(mine, *header)
    sender.join()
    assert sent == [(["sheet"], None)]
    pd.testing.assert_frame_equal(with_text_tables(sent[0], {1: table})[1], raw)
    assert not mine.poll()


def test_the_worker_never_runs_the_callers_main_script(tmp_path, monkeypatch):
    """Under Streamlit ``__main__`` is the app's script; a forkserver child would run it before
    its target (all of app.py, ~3 CPU-s per upload). A main script that exits at once would
    end the worker before it reads: the read succeeds only if that script is never run."""
    import sys
    import types

    script = tmp_path / "app.py"
    script.write_text("raise SystemExit(9)\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    assert run_isolated("read", "ok.csv", b"patient_id,os_months,os_event\n1,2,1\n")[0] == []
    assert sys.modules["__main__"] is main


@pytest.mark.parametrize(("exitcode", "sentence"), [
    (3, r"^Reading x\.csv stopped: the file needs more than the 1,024 MB of memory a file may "
        r"use here\. Fix: export only the columns"),
    (-9, r"^Reading x\.csv stopped: its reading process was killed from outside \(SIGKILL\), "
         r"by the server's operator or by the system when the server ran short of memory\. "
         r"Fix: try again; if it happens again, export only the columns"),
    (-11, r"^Reading x\.csv stopped: the reader crashed \(SIGSEGV\), as it may on a damaged "
          r"file or one that needs more than the 1,024 MB of memory a file may use here\. "
          r"Fix: try again"),
    (1, r"^Reading x\.csv stopped: its reading process ended without an answer \(exit status "
        r"1\)\. Fix: try again"),
    (None, r"^Reading x\.csv stopped: its reading process ended without an answer\. Fix: "),
])
def test_a_worker_that_ends_without_answering_is_named_for_how_it_ended(exitcode, sentence):
    # Worked by hand from multiprocessing's convention: exitcode -N is "killed by signal N".
    # Before, every such ending read "the file needs more than ... MB of memory".
    assert re.match(sentence, isolated._ended("x.csv", 1024, exitcode))


def test_a_worker_killed_from_outside_is_not_blamed_on_the_files_memory(big_csv):
    job = ReadJob("load", "big.csv", big_csv * 6)
    assert job.poll().state == "running"
    os.kill(job._process.pid, signal.SIGKILL)
    with pytest.raises(CohortError, match=r"Reading big\.csv stopped: its reading process was "
                                          r"killed from outside \(SIGKILL\)"):
        job.outcome()

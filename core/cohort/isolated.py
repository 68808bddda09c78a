"""Reading an upload in a separate worker process, within memory and time limits.

Design: a file from a user is parsed in a child process, never in the server. The child comes
from a ``forkserver`` (started once per server process, with the readers already imported, so
a job starts in tens of milliseconds) and, before it touches the file, limits its own address
space to :data:`MEMORY_LIMIT_MB` above what the imports need (``resource.setrlimit``,
``RLIMIT_AS``; one allocator arena and one Arrow thread, so address space means memory) and its
CPU time to :data:`TIME_LIMIT_S` (``RLIMIT_CPU``: the kernel stops it, however busy the machine
is); the server also stops it after :data:`WALL_FACTOR` times that in wall-clock time. A file
that would take more is a refusal with a sentence, and whatever the parser does (a runaway
allocation, a crash in C code, an endless loop) ends in the worker: the server's memory and
its other sessions never notice. At most
:data:`MAX_WORKERS` files are parsed at once; a further upload waits its turn (its job reports
``"waiting"``).

The job is a :class:`ReadJob`: the page starts it, polls it (each poll returns the latest
:class:`Progress`, which the page draws), may cancel it, and finally takes its
:meth:`ReadJob.outcome`. The file's bytes go to the child through a pipe and the result comes
back the same way (a raw text table as Arrow record batches, see :mod:`core.cohort.handoff`;
anything else pickled): nothing is written to disk. Tasks are named in :data:`TASKS` (reading the
raw table with the workbook's sheet names, or loading a cohort in one step).

Conventions: every failure reaches the caller as :class:`~core.errors.CohortError` with one
plain sentence; the child's own exceptions never cross the pipe as objects.

References: Python ``multiprocessing`` (forkserver start method), ``resource.setrlimit(2)``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
import types
from dataclasses import dataclass
from pathlib import Path

from core.cohort.handoff import receive_text_table, send_text_tables, with_text_tables
from core.errors import CohortError

MEMORY_LIMIT_MB = 1024
"""Memory a worker may use beyond its imported libraries, in MiB."""
TIME_LIMIT_S = 60
"""CPU seconds a worker may use before it is stopped (a 10^6-row CSV needs about 15)."""
WALL_FACTOR = 4
"""A worker is also stopped after this many times its CPU limit in wall-clock time, and not
before :data:`MIN_WALL_S` (a busy machine shares its cores)."""
MIN_WALL_S = 120
MAX_WORKERS = 2
"""Uploads parsed at the same time on one server (the others wait)."""
PROGRESS_EVERY_S = 0.25
"""A worker reports its progress at most this often."""

_SLOTS = threading.BoundedSemaphore(MAX_WORKERS)
_PRELOAD = ["core.cohort.read", "core.cohort.mapping", "openpyxl", "pyreadstat",
            "pyarrow.parquet", "pyarrow.csv"]


@dataclass(frozen=True)
class Progress:
    """Where a job stands.

    Attributes
    ----------
    state : {"waiting", "running", "done"}
        Waiting for a free worker, parsing, or finished (successfully or not).
    fraction : float or None
        Share of the file read so far (0 to 1) when the reader can tell.
    seconds : float
        Seconds since the job was started.
    """

    state: str
    fraction: float | None
    seconds: float


def read_task(name: str, data: bytes, report, sheet: str | None = None,
              header_row: int | None = None) -> tuple[list[str], object]:
    """Worker task ``"read"``: the workbook's sheet names and the raw table."""
    from core.cohort.read import read_table, sheet_names

    return sheet_names(_named(name, data)), read_table(_named(name, data), sheet=sheet,
                                                       header_row=header_row, progress=report)


def load_task(name: str, data: bytes, report, mapping: dict | None = None) -> object:
    """Worker task ``"load"``: :func:`core.cohort.read.load_cohort` (read, map, check)."""
    from core.cohort.read import load_cohort

    return load_cohort(_named(name, data), mapping, progress=report)


TASKS = {"read": read_task, "load": load_task}
"""What a worker can be asked to do, by name."""


def _named(name: str, data: bytes):
    import io

    handle = io.BytesIO(data)
    handle.name = name
    return handle


class ReadJob:
    """One upload being parsed in a worker process.

    Parameters
    ----------
    task : str
        A key of :data:`TASKS`.
    name : str
        The file's name (for messages).
    data : bytes
        The file.
    memory_mb, seconds : optional
        The limits (default :data:`MEMORY_LIMIT_MB`, :data:`TIME_LIMIT_S`).
    **options
        Passed to the task (``sheet``, ``header_row``, ``mapping``).
    """

    def __init__(self, task: str, name: str, data: bytes, *, memory_mb: int = MEMORY_LIMIT_MB,
                 seconds: int = TIME_LIMIT_S, **options) -> None:
        if task not in TASKS:
            raise ValueError(f"unknown worker task {task!r}")
        self.name = Path(name).name or "(upload)"
        self._task, self._data, self._options = task, data, options
        self._memory, self._seconds = memory_mb, seconds
        self._started = time.monotonic()
        self._process = self._conn = None
        self._fraction: float | None = None
        self._outcome: tuple[str, object] | None = None
        self._holds_slot = False
        self._tables: dict = {}
        self.peak_mb: float | None = None
        """The worker's peak resident memory in MiB, once it has answered."""

    # ---- the page's side -------------------------------------------------------------------
    def poll(self, wait: float = 0.0) -> Progress:
        """Advance the job (start it when a worker is free, read its messages, enforce the
        time limit), waiting up to ``wait`` seconds for news; return where it stands."""
        if self._outcome is None and self._process is None:
            if _SLOTS.acquire(timeout=wait) if wait > 0 else _SLOTS.acquire(blocking=False):
                self._holds_slot = True
                self._start()
                wait = 0.0
            else:
                return Progress("waiting", None, time.monotonic() - self._started)
        if self._outcome is None:
            self._receive(wait)
        state = "done" if self._outcome is not None else "running"
        return Progress(state, self._fraction, time.monotonic() - self._started)

    def outcome(self) -> object:
        """The task's result, waiting for it; raises :class:`CohortError` when the file was
        refused, exceeded a limit or the job was cancelled."""
        while self.poll(0.5).state != "done":
            pass
        kind, value = self._outcome
        if kind == "done":
            return value
        raise CohortError(value)

    def cancel(self) -> None:
        """Stop the worker now (the job ends as cancelled)."""
        if self._outcome is None:
            self._finish("refused", [f"Reading {self.name} was cancelled."])

    # ---- the worker's side -------------------------------------------------------------------
    def _start(self) -> None:
        context = _context()
        self._conn, child = context.Pipe(duplex=True)
        self._process = context.Process(
            target=_work, args=(child, self._task, self.name, self._options, self._memory,
                                self._seconds), daemon=True)
        with _START_LOCK, _without_main():
            self._process.start()
        child.close()
        self._started_running = time.monotonic()
        try:
            self._conn.send_bytes(self._data)
        except (BrokenPipeError, OSError):
            pass  # the worker died at once; _receive reports it
        self._data = b""  # the worker has it; the job keeps no copy

    def _receive(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        while self._outcome is None:
            try:
                ready = self._conn.poll(max(0.0, deadline - time.monotonic()))
            except (EOFError, OSError):
                ready = True
            if not ready:
                break
            try:
                kind, value = self._conn.recv()
                if kind == "table":  # its record batches follow at once
                    self._tables[value[0]] = receive_text_table(self._conn, *value[1:])
                    continue
            except (EOFError, OSError):
                self._process.join(1.0)
                code = self._process.exitcode
                self._finish("refused", [_too_slow(self.name, self._seconds)
                                         if code == -signal.SIGXCPU else
                                         _ended(self.name, self._memory, code)])
                break
            if kind == "progress":
                self._fraction = value
            elif kind == "peak":
                self.peak_mb = value
            else:
                self._finish(kind, with_text_tables(value, self._tables) if kind == "done"
                             else value)
        if self._outcome is None and \
                time.monotonic() - self._started_running > \
                max(WALL_FACTOR * self._seconds, MIN_WALL_S):
            self._finish("refused", [_too_slow(self.name, self._seconds)])

    def _finish(self, kind: str, value: object) -> None:
        self._outcome = (kind, value)
        self._data = b""
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join(5.0)
            self._process.close()
            self._process = None
        self._tables = {}
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._holds_slot:
            self._holds_slot = False
            _SLOTS.release()

    def __del__(self) -> None:  # a session that ends mid-read leaves no worker behind
        try:
            if self._outcome is None:
                self._finish("refused", ["abandoned"])
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


_WORKER_ENVIRONMENT = {"ARROW_DEFAULT_MEMORY_POOL": "system", "MALLOC_ARENA_MAX": "1",
                       "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
"""Set for the forkserver (and so every worker) only: Arrow's own allocator reserves a gigabyte
of address space, and every thread's C-allocator arena 64 MB, which a memory limit on address
space would count as used."""
_START_LOCK = threading.Lock()


def _context():
    """The forkserver context, its server started with the readers imported and
    :data:`_WORKER_ENVIRONMENT` (the caller's environment is restored at once)."""
    import multiprocessing.forkserver as forkserver

    context = multiprocessing.get_context("forkserver")
    with _START_LOCK:
        context.set_forkserver_preload(_PRELOAD)
        saved = {key: os.environ.get(key) for key in _WORKER_ENVIRONMENT}
        os.environ.update(_WORKER_ENVIRONMENT)
        try:
            forkserver.ensure_running()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    return context


_NO_MAIN = types.ModuleType("__main__")
"""Stands for ``__main__`` while a worker starts (:func:`_without_main`)."""


@contextlib.contextmanager
def _without_main():
    """Start workers without the parent's main script.

    A forkserver child first runs the parent's ``__main__`` file (multiprocessing's "safe
    importing of the main module"), and under Streamlit ``__main__`` is the app's script: each
    worker ran all of app.py (imports, navigation, a page) before reading a byte, about 3 CPU-s
    per upload (2026-12-07). The worker's target lives in this module, so it needs no main
    script: ``__main__`` is a bare module while the child starts. Streamlit sets ``__main__``
    at every script run; it is put back only if no run has set it meanwhile.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = _NO_MAIN
    try:
        yield
    finally:
        if sys.modules.get("__main__") is _NO_MAIN:
            sys.modules["__main__"] = main


def run_isolated(task: str, name: str, data: bytes, **options) -> object:
    """Run ``task`` on the file in a worker and return its result (blocking).

    Raises
    ------
    core.errors.CohortError
        As the task does, or when the worker exceeds its memory or time limit.
    """
    return ReadJob(task, name, data, **options).outcome()


def _died(name: str, memory_mb: int) -> str:
    return (f"Reading {name} stopped: the file needs more than the {memory_mb:,} MB of memory "
            "a file may use here. Fix: export only the columns and rows the analysis needs, or "
            "save it as CSV or Parquet.")


OUT_OF_MEMORY_EXIT = 3
"""The worker's exit status when it ran out of memory while answering (:func:`_work`)."""


def _ended(name: str, memory_mb: int, exitcode: int | None) -> str:
    """The sentence for a worker that ended without answering, named for how it ended: out of
    memory (:data:`OUT_OF_MEMORY_EXIT`), killed from outside (``SIGKILL``: the operator, or the
    system when the server's memory ran out), crashed on a signal, or another exit status."""
    if exitcode == OUT_OF_MEMORY_EXIT:
        return _died(name, memory_mb)
    again = ("Fix: try again; if it happens again, export only the columns and rows the "
             "analysis needs, or save it as CSV or Parquet.")
    if exitcode == -signal.SIGKILL:
        return (f"Reading {name} stopped: its reading process was killed from outside (SIGKILL), "
                "by the server's operator or by the system when the server ran short of "
                f"memory. {again}")
    if exitcode is not None and exitcode < 0:
        try:
            how = signal.Signals(-exitcode).name
        except ValueError:
            how = f"signal {-exitcode}"
        return (f"Reading {name} stopped: the reader crashed ({how}), as it may on a damaged "
                "file or one that needs more than the "
                f"{memory_mb:,} MB of memory a file may use here. {again}")
    status = "" if exitcode is None else f" (exit status {exitcode})"
    return f"Reading {name} stopped: its reading process ended without an answer{status}. {again}"


def _too_slow(name: str, seconds: int) -> str:
    return (f"Reading {name} was stopped after {seconds:,} seconds of work, the time a file may "
            "take here. Fix: export only the columns and rows the analysis needs, or save it as "
            "CSV or Parquet (faster to read than XLSX).")


def _work(conn, task: str, name: str, options: dict, memory_mb: int, seconds: int) -> None:
    """The worker process: limit itself, read the file from the pipe, run the task, answer."""
    _limit(memory_mb, seconds)
    last = [0.0]

    def report(fraction: float) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_S:
            last[0] = now
            conn.send(("progress", float(fraction)))

    refusal = None
    try:
        result = TASKS[task](name, conn.recv_bytes(), report, **options)
    except CohortError as error:
        refusal = error.problems
    except MemoryError:
        refusal = [_died(name, memory_mb)]
    except Exception as error:  # noqa: BLE001 - reported as one sentence, never re-raised
        refusal = [f"The file {name} could not be read ({type(error).__name__}). Fix: open it "
                   "in the program that made it and export it again (CSV UTF-8 or XLSX, one "
                   "header row)."]
    try:  # outside the except blocks: the failed reader's frames are freed by now
        if refusal is None:
            result = send_text_tables(conn, result)
        conn.send(("peak", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
        conn.send(("done", result) if refusal is None else ("refused", refusal))
    except MemoryError:
        os._exit(OUT_OF_MEMORY_EXIT)  # the server names the memory limit
    finally:
        conn.close()


def _limit(memory_mb: int, seconds: int) -> None:
    """Cap this process's address space and CPU time. Address space is memory here because
    Arrow allocates through the system allocator with one thread, and the C allocator keeps
    one arena (see :data:`_WORKER_ENVIRONMENT`; set again here in case the forkserver was
    started by other code)."""
    import ctypes

    import pyarrow

    pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    pyarrow.set_cpu_count(1)
    pyarrow.set_io_thread_count(1)
    import pyarrow.csv  # start Arrow's reading thread now: under the limit it may not start

    pyarrow.csv.read_csv(pyarrow.BufferReader(b"a\n1\n"))
    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, 1)  # M_ARENA_MAX = 1 (glibc)
    except OSError:
        pass
    with open(f"/proc/{os.getpid()}/statm") as statm:
        in_use = int(statm.read().split()[0]) * resource.getpagesize()
    cap = in_use + memory_mb * 2 ** 20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CPU, (int(seconds), int(seconds) + 2))

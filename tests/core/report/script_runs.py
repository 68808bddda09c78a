"""Run the "Reproduce this" zips' scripts of many folders in ONE interpreter per language.

Starting Python (numpy, pandas, scipy) or R (survival, jsonlite, cmprsk) costs more than most
scripts' own work, so the tests unpack every case's zip into its own folder and run all the
folders' scripts in one fresh process, the way a user runs them: ``reproduce.py`` as
``__main__`` (``python3 reproduce.py``; a folder without the app's code on the path) and
``reproduce.R`` sourced with the folder as the working directory (``Rscript reproduce.R``; no
``--file=`` argument, so the script's ``here`` is the working directory). Each folder gets what
a lone run would give: the printout and the exit status (``sys.exit`` / ``quit(status =)``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_PYTHON = r"""
import contextlib, io, json, os, runpy, sys, traceback
runs = {}
for folder in sys.argv[1:]:
    os.chdir(folder)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            runpy.run_path(os.path.join(folder, "reproduce.py"), run_name="__main__")
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        except BaseException:
            print(traceback.format_exc())
            code = 1
    runs[folder] = {"returncode": code, "stdout": out.getvalue()}
print(json.dumps(runs))
"""

_R = r"""
suppressPackageStartupMessages(library(jsonlite))
runs <- list()
for (folder in commandArgs(trailingOnly = TRUE)) {
  setwd(folder)
  script <- new.env()
  script$quit <- function(save = "default", status = 0, ...)
    stop(structure(class = c("script_quit", "condition"),
                   list(message = "quit", call = NULL, status = status)))
  code <- 0
  out <- capture.output(code <- tryCatch({
    source("reproduce.R", local = script)
    0
  }, script_quit = function(q) q$status, error = function(e) {
    cat("Error:", conditionMessage(e), "\n")
    1
  }))
  runs[[folder]] <- list(returncode = code, stdout = paste0(paste(out, collapse = "\n"), "\n"))
}
cat(toJSON(runs, auto_unbox = TRUE))
"""


@dataclass(frozen=True)
class ScriptRun:
    """One folder's script run: its exit status and its printout (standard output)."""

    returncode: int
    stdout: str


def _runs(command: list[str], folders: list[Path], timeout: float) -> dict[Path, ScriptRun]:
    done = subprocess.run([*command, *map(str, folders)], cwd=folders[0].parent,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    runs = json.loads(done.stdout.strip().splitlines()[-1])
    return {folder: ScriptRun(**runs[str(folder)]) for folder in folders}


def run_python_scripts(folders: list[Path], timeout: float = 600) -> dict[Path, ScriptRun]:
    """Every folder's ``reproduce.py`` run as ``__main__`` in one fresh interpreter."""
    return _runs([sys.executable, "-c", _PYTHON], folders, timeout)


def run_r_scripts(folders: list[Path], timeout: float = 600) -> dict[Path, ScriptRun]:
    """Every folder's ``reproduce.R`` sourced in one ``Rscript`` process."""
    return _runs(["Rscript", "-e", _R], folders, timeout)


def check_each(cases: dict, check) -> None:
    """``check(case, *value)`` for every ``case: value`` of ``cases`` (value a tuple); the
    assertion failures of all cases are named together, one line each."""
    failed = {}
    for case, value in cases.items():
        try:
            check(case, *value)
        except AssertionError as failure:
            failed[case] = failure
    assert not failed, "\n".join(f"{case}: {failure!r}" for case, failure in failed.items())

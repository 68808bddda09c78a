"""Running one benchmark case in a fresh Python process (the upload benches share it).

A case is a Python script that prints its result as JSON on its last line of output. It runs
in its own interpreter so that its peak memory (``VmHWM``, which :data:`PEAK_MB` reads inside
the script) is its own: nothing imported or allocated by an earlier case counts. Its progress
(stderr) is passed on as it comes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

PEAK_MB = """
def peak_mb():  # VmHWM: this process's own peak (ru_maxrss would carry the parent's over exec)
    return next(int(line.split()[1]) / 1024 for line in open('/proc/self/status')
                if line.startswith('VmHWM'))
"""
"""Source of ``peak_mb()`` for a case script: the process's peak resident memory in MiB."""


class CaseFailed(Exception):
    """A case ended with an error; the message is its last line on stderr."""


def run_fresh(script: str) -> object:
    """Run ``script`` in a fresh Python and return its last line of output, parsed as JSON.

    Raises
    ------
    CaseFailed
        When the script exits with an error (a worker's refusal is one).
    """
    env = {**os.environ, "PYTHONHASHSEED": "0", "STREAMLIT_LOGGER_LEVEL": "error"}
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=env) as child:
        last = ""
        for line in child.stderr:  # progress as it comes; the last line names a failure
            sys.stderr.write(line)
            last = line.strip() or last
        output = child.stdout.read()
    if child.returncode:
        raise CaseFailed(last or f"exit status {child.returncode}")
    return json.loads(output.strip().splitlines()[-1])

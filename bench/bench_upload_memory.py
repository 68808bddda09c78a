"""Benchmark: loading a 10^6-row CSV, side by side with pandas and pyarrow (issue 25).

Run: ``python3 bench/bench_upload_memory.py [rows]`` (default 10^6 rows, about 189 MB).
Every case runs in a fresh Python process on the same bytes, one after the other, and reports
wall-clock and CPU seconds of that process, its resident memory when the case starts (Python,
the file's bytes) and its peak (``VmHWM``); for the app's paths also the worker's own peak,
which it reports with its answer, and the sum of both peaks (an upper bound: the worker ends
before the gatekeeper's peak). Ratios are against ``pandas.read_csv`` with its defaults,
measured in the same run. The hostile files of ``tests/core/cohort/hostile_files.py`` follow,
each through the worker with the issue's bounds.

The app's paths: the Your data page's (the worker reads the file, ``"read"``; the server
proposes a mapping, applies it and runs the gatekeeper,
:func:`core.cohort.validate.set_aside_invalid_rows`) and the sidebar's (the worker reads
the file; the server runs :func:`core.cohort.read.cohort_from_table`).

Measured 2026-12-06 18:50 UTC on the shared 2-core machine (other engineers' tests running;
CPU seconds are this process's, not the worker's), 10^6 rows x 20 columns, 168 MB; ratios
against ``pandas.read_csv`` in the same run:

====================================  ======  ======  ========  =========  ============
case                                  wall s  CPU s   peak MB   worker MB  x pandas
                                                                           (wall, peak)
====================================  ======  ======  ========  =========  ============
pandas.read_csv (defaults)               1.4     1.0       593              1.0, 1.0
pandas.read_csv (all text, object)       6.9     3.1       916              5.0, 1.5
pyarrow.csv.read_csv                     6.8     2.2       766              5.0, 1.3
app: read_table in-process               7.5     3.0       749              5.4, 1.3
app: worker read + map + gatekeeper     16.2     8.9      1246        678  11.8, 2.1
app: worker read + load (sidebar)       19.7     8.9      1254        680  14.3, 2.1
====================================  ======  ======  ========  =========  ============

Before this round's changes (Arrow's CSV reader, slices instead of copies, the table back as
Arrow record batches instead of a pickle, the sidebar's gatekeeper in the server, the
gatekeeper's cohort assembled without copies) the worker's read was refused at its 1 GB
limit after 53-60 s, and so was every 10^6-row upload. The worker's peak (230 MB of it its
imports, 168 MB the file) and the server's do not coincide: the worker has ended before the
server maps and checks the table, so server and worker together stay under 1.3 GB. Open
(issue 25): the gatekeeper's share of the time (about 10 s of the 16) and of the server's
peak (the raw text table, about 300 MB, and the parsed columns are held together).

Again 2026-12-06 21:17 UTC (issue 24), load average 9-11, after the gatekeeper learned to
parse a repeating column once per distinct value and to read plain numbers in one Arrow cast
(the peer itself took 5.1 s, so read the CPU seconds and ratios): worker read + map +
gatekeeper 23.9 s wall, 5.4 CPU s (3.9x pandas' CPU; 8.9x before), 1,131 MB server peak;
sidebar 25.1 s wall, 6.1 CPU s (4.4x; 8.9x before), 1,127 MB. The whole path, step by step:
``bench/bench_upload_path.py``.

2026-12-07 00:34 UTC (issue 24, memory), before (main at 2f29042) and after run at the same
time, load average 15 falling to 10 (pandas' own wall time 7-9.5 s, so read CPU and peaks):
worker read + map + gatekeeper 6.1 CPU s (4.8x pandas' CPU), 1,128 MB -> 5.9 (4.3x), 1,076
MB; sidebar 6.4 (5.0x), 1,087 MB -> 5.9 (4.2x), 1,050 MB (the time/event pairing check reads
cleaned text instead of building 10^6 Python strings per column). Worker peaks unchanged
(680-687 MB); every hostile file refused or loaded as before. Each case now runs through
``bench/fresh_process.py``, shared with the path bench.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fresh_process import PEAK_MB, CaseFailed, run_fresh  # noqa: E402

CASES = {
    "pandas.read_csv (defaults)": "import pandas as pd, io\n"
                                  "frame = pd.read_csv(io.BytesIO(data))",
    "pandas.read_csv (all text, object)": "import pandas as pd, io\n"
                                          "frame = pd.read_csv(io.BytesIO(data), dtype=object, "
                                          "keep_default_na=False)",
    "pyarrow.csv.read_csv": "import pyarrow.csv as pc, io\n"
                            "frame = pc.read_csv(io.BytesIO(data))",
    "app: read_table in-process": "from core.cohort.read import read_table\nimport io\n"
                                  "h = io.BytesIO(data); h.name = 'c.csv'\n"
                                  "frame = read_table(h)",
    "app: worker read + map + gatekeeper": (
        "from core.cohort.isolated import ReadJob\n"
        "from core.cohort.mapping import apply_mapping\n"
        "from core.cohort.proposal import resolve_mapping\n"
        "from core.cohort.validate import set_aside_invalid_rows\n"
        "job = ReadJob('read', 'c.csv', data)\n"
        "sheets, raw = job.outcome()\n"
        "worker_peak = job.peak_mb\n"
        "split = set_aside_invalid_rows(apply_mapping(raw, resolve_mapping(raw)))\n"
        "frame = split.cohort"),
    "app: worker read + load (sidebar)": (
        "from core.cohort.isolated import ReadJob\n"
        "from core.cohort.read import cohort_from_table\n"
        "job = ReadJob('read', 'c.csv', data)\n"
        "sheets, raw = job.outcome()\n"
        "worker_peak = job.peak_mb\n"
        "frame = cohort_from_table(raw)"),
}

RUNNER = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
{peak}
data = open({path!r}, 'rb').read()
before = int(open('/proc/self/statm').read().split()[1]) * resource.getpagesize() / 2**20
start, cpu = time.perf_counter(), time.process_time()
{code}
out = {{"wall": time.perf_counter() - start, "cpu": time.process_time() - cpu,
        "start_mb": before,
        "peak_mb": peak_mb(),
        "worker_peak_mb": globals().get("worker_peak") or 0,
        "rows": len(frame)}}
print(json.dumps(out))
"""


def measure(code: str, path: str) -> dict:
    try:
        return run_fresh(RUNNER.format(root=str(ROOT), path=path, code=code, peak=PEAK_MB))
    except CaseFailed as failure:  # a refusal (the worker's memory limit) is a result
        print(f"  failed: {str(failure)[:150]}")
        nan = float("nan")
        return {"wall": nan, "cpu": nan, "start_mb": nan, "peak_mb": nan, "worker_peak_mb": nan,
                "rows": 0}


def main(rows: int) -> None:
    from tests.core.cohort.hostile_files import csv_rows

    data = csv_rows(rows)
    with tempfile.NamedTemporaryFile(suffix=".csv") as file:
        file.write(data)
        file.flush()
        print(f"CSV: {rows:,} rows, {len(data) / 1e6:.0f} MB ({len(data) / rows:.0f} bytes a row)")
        results = {label: measure(code, file.name) for label, code in CASES.items()}
    base = results["pandas.read_csv (defaults)"]
    print(f"{'case':<38}{'wall s':>7}{'x pd':>6}{'cpu s':>7}{'x pd':>6}{'start MB':>9}"
          f"{'peak MB':>8}{'x pd':>6}{'worker MB':>10}{'sum MB':>8}")
    for label, r in results.items():
        print(f"{label:<38}{r['wall']:7.1f}{r['wall'] / base['wall']:6.1f}{r['cpu']:7.1f}"
              f"{r['cpu'] / base['cpu']:6.1f}{r['start_mb']:9.0f}{r['peak_mb']:8.0f}"
              f"{r['peak_mb'] / base['peak_mb']:6.1f}{r['worker_peak_mb']:10.0f}"
              f"{r['peak_mb'] + r['worker_peak_mb']:8.0f}")
    hostile()


def hostile() -> None:
    from core.cohort.isolated import run_isolated
    from core.errors import CohortError
    from tests.core.cohort import hostile_files as h

    files = [("far-row workbook (1.7 KB)", h.xlsx_far_row(), "far.xlsx"),
             ("10^5-row workbook", h.xlsx_rows(100_000), "rows.xlsx"),
             ("workbook part inflating to 1 GiB", h.xlsx_inflating_workbook_part(1024),
              "bomb.xlsx"),
             ("Parquet repeating a 10 KB value", h.parquet_repeated_value(), "notes.parquet"),
             ("SPSS .sav with 100,000 columns", h.sav_wide(100_000), "wide.sav"),
             ("Stata .dta declaring 40,000 columns", h.dta_declaring(40_000), "wide.dta")]
    print(f"\n{'hostile file (worker: 1 GB, 10 CPU-s)':<40}{'wall s':>8}  outcome")
    for label, data, name in files:
        start = time.perf_counter()
        try:
            cohort = run_isolated("load", name, data, memory_mb=1024, seconds=10)
            outcome = f"loaded {len(cohort):,}"
        except CohortError as error:
            outcome = "refused: " + error.problems[0][:70]
        print(f"{label:<40}{time.perf_counter() - start:8.1f}  {outcome}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)

"""Benchmarks: the stall cases of issue 18 on the upload path, each now bounded.

Run: ``python3 bench/bench_upload.py`` (add ``--full`` for the 10^6-row CSV and XLSX cases).
Prints the seconds of each case and its outcome (loaded, or the first sentence of the refusal).
Not part of the test run; the caps themselves are pinned in
``tests/core/cohort/test_hostile_inputs.py``.

Before (issue 18): the 4 KB XFD workbook kept the server busy about 10 minutes; a CSV with 4,000
extra columns took 21 s. Measured 2026-11-25 on the 2-core development machine while eight
engineers' tests ran (load average 7-8, so several times slower than an idle machine): XFD
workbook refused in 0.010 s; 4,000-column CSV refused in 0.035 s; 10^6 + 1 rows refused from the
Parquet metadata in < 0.001 s; a 10^5-row CSV (23 columns, 15 MB) loaded in 5.4 s; a 10^6-row
CSV (155 MB) loaded in 36.5 s (of 200,000 rows: read 1.3 s, proposal 0.6 s, mapping 0.05 s,
gatekeeper 3.2 s, each linear in the rows).
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.cohort.read import MAX_ROWS, load_cohort, load_seed_cohort  # noqa: E402
from core.errors import CohortError  # noqa: E402


def xfd_workbook() -> bytes:
    book = openpyxl.Workbook()
    for row in range(1, 200):
        book.active.cell(row, 16384, "x")
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def wide_csv(extra: int = 4000, rows: int = 300) -> bytes:
    head = "patient_id,os_months,os_event," + ",".join(f"x{i}" for i in range(extra))
    body = "\n".join(f"{i},5,1" + ",1" * extra for i in range(rows))
    return (head + "\n" + body).encode()


def registry_csv(n: int) -> bytes:
    rng = np.random.default_rng(1)
    base = load_seed_cohort()
    rows = base.iloc[rng.integers(0, len(base), n)].reset_index(drop=True)
    rows["patient_id"] = np.arange(1, n + 1)
    return rows.to_csv(index=False).encode()


def too_many_rows_parquet() -> bytes:
    frame = pd.DataFrame({"patient_id": np.arange(MAX_ROWS + 1),
                          "os_months": np.ones(MAX_ROWS + 1), "os_event": 0})
    data = io.BytesIO()
    frame.to_parquet(data)
    return data.getvalue()


def run(label: str, data: bytes, name: str) -> None:
    handle = io.BytesIO(data)
    handle.name = name
    start = time.perf_counter()
    try:
        outcome = f"loaded {len(load_cohort(handle)):,} rows"
    except CohortError as error:
        outcome = "refused: " + error.problems[0][:90]
    print(f"{label:<38} {len(data) / 1e6:8.2f} MB {time.perf_counter() - start:8.3f} s  "
          f"{outcome}")


def main(full: bool) -> None:
    run("XFD workbook (one cell per row)", xfd_workbook(), "xfd.xlsx")
    run("CSV with 4,000 extra columns", wide_csv(), "wide.csv")
    run("Parquet with 10^6 + 1 rows", too_many_rows_parquet(), "big.parquet")
    run("CSV with 10^5 rows", registry_csv(100_000), "c.csv")
    if full:
        run("CSV with 10^6 rows", registry_csv(1_000_000), "c.csv")


if __name__ == "__main__":
    main("--full" in sys.argv)

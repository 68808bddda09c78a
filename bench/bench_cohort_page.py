"""Benchmark: the Cohort page on a registry-size upload, with downloads built only on demand.

Run: ``python3 bench/bench_cohort_page.py [n_patients ...]`` (default 10^5).
Runs app.py in Streamlit's AppTest with the cohort put into the session as an upload would,
times the first draw and a rerun after a filter change, and, for comparison, what building
each download would have cost on every rerun before issue 18 (CSV, XLSX, HTML report).
Not part of the test run; the on-demand rule itself is pinned by
tests/pages/test_cohort_page.py::test_downloads_are_built_only_when_asked.

Measured 2026-11-25 on the shared 2-core machine (other work running), 10^5 patients: first
draw 3.6 s, rerun after a filter change 1.1 s, no download built; building the downloads on
every rerun, as before issue 18, would have added CSV 2.2 s + XLSX 26.2 s + HTML report 0.5 s
(5.4 MB, its patient list capped at 500 rows) to each of them.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streamlit.testing.v1 import AppTest  # noqa: E402

from bench.bench_cohort import synthetic_cohort  # noqa: E402
from core.cohort.exports import table_to_csv, table_to_xlsx  # noqa: E402
from core.report.html import tumor_board_html  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def timed(label: str, step) -> object:
    start = time.perf_counter()
    out = step()
    print(f"  {label:<38} {time.perf_counter() - start:7.2f} s")
    return out


def bench(n: int) -> None:
    """Time the Cohort page and the downloads it no longer builds on every rerun."""
    cohort = synthetic_cohort(n)
    print(f"{n:,} patients")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state["cohort.data"] = cohort
    at.session_state["cohort.source"] = f"Uploaded file bench_{n}.csv"
    timed("Cohort page, first draw", at.run)
    timed("rerun after a filter change",
          lambda: at.sidebar.multiselect(key="filter.sex").select("F").run())
    if at.exception:
        print("  page error:", at.exception[0].message)
    timed("(on demand) CSV", lambda: table_to_csv(cohort))
    timed("(on demand) XLSX", lambda: table_to_xlsx(cohort))
    report = timed("(on demand) HTML report", lambda: tumor_board_html(
        cohort, source="bench", n_total=n, filters=[]))
    print(f"  HTML report size {len(report) / 1e6:.1f} MB")


def main(sizes: list[int]) -> None:
    for n in sizes:
        bench(n)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100_000])

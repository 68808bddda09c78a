"""Benchmark: loading an export built from dates against the same cohort exported as times.

Run: ``python3 bench/bench_dates.py [rows]`` (default 100,000). Both files hold the same
patients: one with five date columns (ISO, dd.mm.yyyy, yyyy/mm/dd text) and a 是/否 death flag,
from which ``load_cohort`` derives OS and RFS (issue 21); the other with ``os_months``,
``os_event``, ``rfs_months``, ``rfs_event`` already computed. They are loaded side by side in one
process (best of 3), so the ratio is what the date reading and derivation cost on this machine,
whatever its load. The work is linear in the rows: each distinct date text is parsed once
(factorized), the conflict rules are column comparisons, only offending rows are formatted.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.cohort.read import load_cohort  # noqa: E402


def exports(n: int) -> tuple[bytes, bytes]:
    """(the export with dates, the same cohort with times) as CSV bytes."""
    rng = np.random.default_rng(21)
    dx = pd.Timestamp("2005-01-01") + pd.to_timedelta(rng.integers(0, 4000, n), unit="D")
    start = dx + pd.to_timedelta(rng.integers(60, 200, n), unit="D")
    last = start + pd.to_timedelta(rng.integers(30, 2500, n), unit="D")
    relapse = pd.Series(start + pd.to_timedelta(rng.integers(10, 900, n), unit="D"))
    relapse = relapse.where((rng.random(n) < 0.4) & (relapse <= last))
    dead = rng.random(n) < 0.5
    ids = [f"{i:07d}" for i in range(n)]
    dates = pd.DataFrame({"病历号": ids, "诊断日期": dx.strftime("%Y-%m-%d"),
                          "维持治疗开始日期": start.strftime("%d.%m.%Y"),
                          "复发日期": relapse.dt.strftime("%Y/%m/%d"),
                          "末次随访日期": last.strftime("%Y-%m-%d"),
                          "死亡": np.where(dead, "是", "否")})
    end_rfs = relapse.fillna(pd.Series(last))
    times = pd.DataFrame({"patient_id": ids, "os_months": (last - dx).days / 30.4375,
                          "os_event": dead.astype(int),
                          "rfs_months": (end_rfs - pd.Series(start)).dt.days / 30.4375,
                          "rfs_event": relapse.notna().astype(int)})
    return dates.to_csv(index=False).encode(), times.to_csv(index=False).encode()


def best(data: bytes) -> float:
    seconds = []
    for _ in range(3):
        began = time.perf_counter()
        load_cohort(io.BytesIO(data))
        seconds.append(time.perf_counter() - began)
    return min(seconds)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with_dates, with_times = exports(n)
    dates_s, times_s = best(with_dates), best(with_times)
    print(f"{n:,} patients: dates {dates_s:.2f} s, times {times_s:.2f} s, "
          f"ratio {dates_s / times_s:.2f}")


if __name__ == "__main__":
    main()

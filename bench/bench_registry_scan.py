"""Benchmark: the registry's event-count table against a plain DuckDB ``GROUP BY``.

Run: ``python3 bench/bench_registry_scan.py [n ...]`` (default 10^6 10^7 rows in a Parquet
file). Not part of the test run. Each timing is the best of ``REPEATS`` runs in this one
process, side by side, so the ratio compares the two on the same machine at the same moment.

- **ours**: :func:`core.survival.km.counts.survival_counts` on :func:`core.cohort.open_cohort`
  (the gatekeeper's checks, exclusions counted, the count table), which every registry
  statistic starts from;
- **plain DuckDB**: ``SELECT group, time, SUM(event), SUM(1 - event) ... GROUP BY`` on the same
  file with no checks: the floor for one scan.

Issue 27 measured ours at 3.3-3.6x the plain query when the checks ran as a second scan; they
now run in the same ``GROUP BY`` (a kind per row: error, excluded, usable).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.cohort import open_cohort  # noqa: E402
from core.survival.km.counts import survival_counts  # noqa: E402

REPEATS = 3
GROUPS = np.array(["favorable", "intermediate", "adverse"], dtype=object)


def write(n: int, path: Path, missing: float = 0.0, seed: int = 20261206) -> None:
    """``n`` patients, 3 groups, whole-month times, a fraction ``missing`` without a group
    (left out and counted, with example ids: a second, small query)."""
    rng = np.random.default_rng(seed)
    code = rng.integers(0, 3, n)
    group = GROUPS[code].copy()
    group[rng.random(n) < missing] = None
    months = np.ceil(rng.exponential(np.array([40.0, 25.0, 15.0])[code]))
    pd.DataFrame({"patient_id": np.arange(1, n + 1), "eln2022_risk": group,
                  "rfs_months": np.minimum(months, 120.0),
                  "rfs_event": (months < 120).astype(np.int8)}).to_parquet(path)


def best(call) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def plain(path: Path) -> pd.DataFrame:
    return duckdb.sql(
        f"SELECT eln2022_risk, rfs_months, SUM(rfs_event) AS n_event, "
        f"SUM(1 - rfs_event) AS n_censor FROM read_parquet('{path}') "
        "WHERE eln2022_risk IS NOT NULL AND rfs_months IS NOT NULL GROUP BY ALL").df()


def main(sizes: list[int]) -> None:
    print("| rows (Parquet) | rows without a group | ours (s) | plain DuckDB (s) | ours / plain "
          "| count rows |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n, missing in [(n, m) for n in sizes for m in (0.0, 0.01)]:
            path = Path(tmp) / f"r{n}_{missing}.parquet"
            write(n, path, missing)
            source = open_cohort(path)
            counts = survival_counts(source, "rfs_months", "rfs_event", "eln2022_risk")
            ours = best(lambda s=source: survival_counts(s, "rfs_months", "rfs_event",
                                                          "eln2022_risk"))
            floor = best(lambda p=path: plain(p))
            print(f"| {n:,} | {missing:.0%} | {ours:.3f} | {floor:.3f} | {ours / floor:.2f}x | "
                  f"{len(counts.table):,} |")


if __name__ == "__main__":
    main([int(float(a)) for a in sys.argv[1:]] or [1_000_000, 10_000_000])

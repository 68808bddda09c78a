"""Benchmarks: reading, validating and filtering registry-size cohorts.

Run: ``python3 bench/bench_cohort.py [n_patients ...]`` (default 10^5 and 10^6).
Prints the seconds of each step and the process's peak resident memory (MB).
Not part of the test run: speed goals live here, never in timed tests.

Measured 2026-11-25 on the 2-core development machine: 10^5 patients read 0.5 s, validate
0.9 s, filter 0.2 s; 10^6 patients read 5.1 s, validate 9.9 s, filter 2.6 s, peak RSS 2.4 GB.
"""

from __future__ import annotations

import io
import resource
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.cohort.filters import CohortFilter  # noqa: E402
from core.cohort.read import load_seed_cohort, read_table, validate_cohort  # noqa: E402


def synthetic_cohort(n: int, seed: int = 1) -> pd.DataFrame:
    """``n`` patients drawn row-wise from the seed cohort, with jittered times (months)."""
    rng = np.random.default_rng(seed)
    base = load_seed_cohort()
    rows = base.iloc[rng.integers(0, len(base), n)].reset_index(drop=True)
    rows["patient_id"] = np.arange(1, n + 1)
    rows["os_months"] = np.round(rows["os_months"] + rng.uniform(0, 5, n), 1)
    rows["rfs_months"] = np.minimum(np.round(rows["rfs_months"] + rng.uniform(0, 5, n), 1),
                                    rows["os_months"])
    return rows


def measure(label: str, func):
    """Run ``func`` once; print wall seconds and the process's peak resident memory so far."""
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label:<40} {seconds:8.2f} s  process peak RSS {peak:8.0f} MB")
    return result


def main(sizes: list[int]) -> None:
    for n in sizes:
        print(f"--- {n:,} patients")
        cohort = synthetic_cohort(n)
        data = cohort.to_csv(index=False).encode()
        raw = measure("read CSV (text cells)", partial(read_table, io.BytesIO(data)))
        valid = measure("validate_cohort", partial(validate_cohort, raw))
        cohort_filter = CohortFilter(eln2022_risk=("adverse", "intermediate"), age_min=50,
                                     co_mutations=("NPM1",))
        measure("CohortFilter.apply", partial(cohort_filter.apply, valid))


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100_000, 1_000_000])

"""Benchmarks: every statistic of the Survival page on registry-size cohorts.

Run: ``python3 bench/bench_survival.py [n_patients ...]`` (default 10^5).
Prints the seconds of each step and the process's peak resident memory (MB).
Not part of the test run: speed goals live here, never in timed tests.

Goal: the seed cohort's page statistics are not noticeable (well under a second, permutation
test included); 10^6 patients under 0.5 s. Side-by-side ratios against other implementations
and the DuckDB path are in ``bench/bench_engine.py``.

Measured 2026-11-25 on the 2-core development machine (before the count-table rework, issue
15): seed cohort full page report 0.03 s (no grouping), 0.08 s (MRD, exact permutation over
3,876 splits), 0.24 s (ELN, 20,000 Monte Carlo permutations); 10^6 patients 1.2 s / 2.5 s.
After it (validate once, count once; integer group codes; whole-month times ranked by
bincount), same day, machine shared with other jobs: 10^6 patients by ELN 0.3 s, see the
output of this script for today's figures. The event-count table of 10^6 patients has 742
rows, and the Kaplan-Meier estimate from those counts alone takes under 0.01 s.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_cohort import measure, synthetic_cohort  # noqa: E402
from core.cohort.read import load_seed_cohort  # noqa: E402
from core.survival.km.counts import survival_counts  # noqa: E402
from core.survival.km.estimate import kaplan_meier_from_counts  # noqa: E402
from core.survival.km.summary import survival_report  # noqa: E402


def main(sizes: list[int]) -> None:
    seed = load_seed_cohort()
    for by in (None, "mrd_pre_status", "eln2022_risk"):
        measure(f"seed cohort, RFS by {by}: full page report",
                lambda by=by: survival_report(seed, "rfs", by))
    for n in sizes:
        cohort = synthetic_cohort(n)
        for by in (None, "eln2022_risk"):
            measure(f"{n:>9,} patients, RFS by {by}: page report",
                    lambda cohort=cohort, by=by: survival_report(cohort, "rfs", by))
        counts = measure(f"{n:>9,} patients: gatekeeper + event counts",
                         lambda cohort=cohort: survival_counts(
                             cohort, "rfs_months", "rfs_event", "eln2022_risk").table)
        print(f"{'':<10} {len(counts):,} count rows stand for {n:,} patients")
        measure(f"{n:>9,} patients: KM from the counts only",
                lambda counts=counts: kaplan_meier_from_counts(counts))


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100_000])

"""Benchmark: a filter change on every page in registry mode, against a plain DuckDB floor.

Run: ``python3 bench/bench_registry_pages.py [n_rows] [pages ...]`` (default 10^7 rows, every
page; a page may carry a link's query: ``"pages/7_Subgroups.py?subgroups.tab=Cut-point
finder"``). Not part of the test run. A child process writes a seeded registry Parquet of
``n_rows`` (seed-cohort rows drawn with replacement, as ``tests/pages/test_registry_mode.py``
does, written in chunks of 10^6) to a temporary directory; this process then opens each page
in Streamlit's ``AppTest`` with ``RRE_REGISTRY_PATH`` set (the app in-process, one session per
page, as a browser session would be) and times, per page:

- **cold**: the page opened with every server cache emptied (``st.cache_data/resource.clear``;
  the imports already done by a first About page);
- **new filter**: the sidebar's age slider set to a range this server has not seen, in the
  running session (mean of :data:`NEW_FILTERS` changes): what a clinician waits for;
- **its CPU**: the CPU seconds of this process (every thread: DuckDB's too) over a new
  filter, which waiting for a core on a loaded machine does not inflate;
- **seen filter**: the slider set back to a range seen before (the server's caches answer);
- **floor**: a plain DuckDB ``COUNT(*)`` plus the Kaplan-Meier count table (``GROUP BY time``)
  of the same filter on the same file, side by side: what any registry page must scan.

Then the server's peak memory (``VmHWM`` of this process, reset before) over
:data:`MEMORY_FILTERS` distinct filters on the Patients and Survival pages.
``python3 bench/bench_registry_pages.py --sample [n_rows]`` times one sample fetch
(``ui.registry.sample`` without its cache) per new filter: "before" (the code up to 8e93454,
copied in :func:`sample_before`: ids by seeded hash, a semi-join fetching every column, then
validation), "after" (:func:`core.cohort.engine.seeded_sample`: one scan of the rows below the
key quantile, then validation) and the floor, side by side, and checks both give equal frames.
``python3 bench/bench_registry_pages.py --lean [n_rows]`` opens the Cohort and Survival pages
on a registry without the optional columns :data:`LEAN_DROPS` (issue 24's ``KeyError``).

Results, 2026-12-06 20:25-21:19 UTC, 10^7 rows (124 MB Parquet), the 2-core machine shared
by five engineers, load average 6.7-9.4 (read the ratios to the floor, measured in the same
run). "before": main at 3dcf6b3 (every page fetched the 10^5-row sample); "after": the sample
fetched only where a view reads rows (fe5060e), the follow-up read off the OS curve (0016253),
medians from value counts (83f510f; Cohort, Survival and About rows from this last run, load 9.2).
Seconds per page, each cell "before / after"; new / floor: new filter over the plain DuckDB
floor of the same filter.

| page | cold, before / after | new filter | new / floor | seen filter |
|---|---|---|---|---|
| Cohort | 31.3 / 11.3 | 18.4 / 9.8 | 25.8x / 12.6x | 1.02 / 0.16 |
| Survival (RFS, no groups) | 24.7 / 5.5 | 19.7 / 2.4 | 22.5x / 2.8x | 1.47 / 0.43 |
| About | 11.2 / 3.8 | 7.6 / 0.54 | 10.5x / 0.6x | 0.12 / 0.07 |
| Paper check | 7.4 / 5.0 | 4.4 / 0.62 | 12.7x / 0.9x | 0.27 / 0.14 |
| Your data | 10.4 / 3.6 | 7.3 / 0.63 | 7.1x / 0.5x | 0.18 / 0.21 |
| Cox (sample) | 33.1 / 18.4 | 21.6 / 19.4 | 33.4x / 42.9x | 1.69 / 6.99 |
| Patients (sample) | 19.7 / 17.8 | 13.1 / 16.6 | 16.8x / 26.6x | 3.48 / 6.30 |
| Competing risks (sample) | 12.0 / 12.2 | 14.5 / 13.2 | 15.1x / 23.8x | 2.65 / 4.32 |
| Relapse risk (sample) | 19.4 / 13.6 | 16.0 / 10.9 | 16.3x / 20.1x | 4.02 / 3.03 |
| Subgroups (sample) | 47.1 / 15.4 | 23.5 / 36.2 | 30.3x / 35.6x | 1.24 / 4.95 |
| During follow-up (sample) | 14.5 / 10.3 | 12.6 / 8.8 | 17.2x / 16.5x | 1.94 / 6.27 |
| Projector mode (sample) | 15.3 / 15.5 | 18.9 / 19.9 | 19.6x / 21.8x | 1.45 / 5.10 |

Peak memory (RSS) over 30 distinct filters: Survival 1,251 -> 2,193 MB before; 435 -> 440 MB
after (no growth: no sample). Patients 851 -> 1,683 MB before, 844 -> 1,630 MB after. A
sample page still pays the sample itself: one fetch at 10^7 rows took 9-16 s and added
~740 MB of RSS in a fresh process (DuckDB hashes 10^7 ids for the seeded order, then scans
every column for the kept ids; a one-pass ``ORDER BY hash LIMIT`` took 20-24 s and 3.4 GB).
Three samples are now kept instead of eight (each ~94 MB validated in pandas): a filter
revisited after three others is fetched again, hence the slower "seen" column of sample pages.
Cohort's new-filter time is ~15 engine scans (baseline: one aggregate, four value counts, ten
level counts; OS and RFS count tables; the first 5,000 rows by id). A registry without
``sorafenib_timing`` and ``cytogenetics`` (``--lean``): Cohort 18.1 s cold, Survival 3.2 s,
no error.

One sample fetch (``--sample``), 2026-12-06 21:33-21:40 UTC, 10^7 rows, load average 14.0;
seconds per new age filter (each ~8.4 x 10^6 filtered rows), the frames asserted equal:

| age filter | before | after | floor | before / floor | after / floor | before / after |
|---|---|---|---|---|---|---|
| 31-70 | 32.4 | 14.6 | 1.28 | 25.3x | 11.3x | 2.2x |
| 32-69 | 20.5 | 6.7 | 0.82 | 24.9x | 8.2x | 3.0x |
| 33-71 | 43.8 | 19.2 | 1.06 | 41.4x | 18.1x | 2.3x |

CPU seconds (``time.process_time``, every thread), same filter 31-70, load ~9: the query 4.5
-> 1.7-2.0 (DuckDB hashes 10^7 ids and decodes every column once, not twice), validation
~0.85 of either. The rest of the wall time is waiting for a core on the loaded machine.
Peak RSS of one fetch in a fresh process (``VmHWM``, 189 MB after imports): 852 MB before,
386 MB after.

Pages after the one-scan sample (29cf63e) and the baseline's level counts in one
``GROUPING SETS`` query (4e36250), 10^7 rows, 2026-12-06 21:42-21:53 UTC, load average falling
from 6.9 to 1.2 (lighter than the table above: compare with the Survival page, unchanged by
both commits, 2.4 s there and 1.0 s here). New filter, seconds (floor of the same run):
Cohort 3.84 (0.21), Survival 1.01 (0.23), Cox (sample) 7.73 (0.22), Relapse risk (sample)
6.87 (0.63), Competing risks (sample) 6.59 (0.78). Over the Survival page of the same table:
Cohort 4.1x -> 3.8x, Cox 8.1x -> 7.7x (its fits on the sample dominate); the sample fetch
itself is the side-by-side table above.

Idle machine, 2026-12-06 22:35 UTC (load average 4.1 while the file was written, then ~2; main
at e5fbca3), 10^7 rows, seconds per page: cold / new filter / seen filter / floor (new over
floor): Cohort 2.93 / 2.32 / 0.10 / 0.14 (16.6x); Survival 1.46 / 0.65 / 0.08 / 0.14 (4.5x);
Patients (sample) 3.55 / 3.14 / 1.65 / 0.16 (19.9x); Cox (sample) 5.41 / 4.45 / 1.26 / 0.15
(30.4x). Memory over 30 distinct filters: Patients 581 MB before, peak 772 MB (1,630 MB
before the one-scan sample), 655 MB after; Survival 600 MB, peak 603 MB.

Pages that read the sample, 2026-12-07 00:01-00:40 UTC, 10^7 rows, load average 10-20 (five
engineers on two cores: wall times are inflated 2-6x and move between runs; read the CPU
columns). Side by side on one file (``BENCH_REGISTRY_FILE``, ``BENCH_NO_MEMORY=1``), each
page "before" (main at 2f29042) then "after" (this branch: main at 5314c78, which also holds
other helpers' commits since 2f29042; the Patients row on its parent). Per new filter: wall
seconds, CPU seconds of the process (every thread), and that CPU over the floor's CPU
(0.23-0.33 s), each "before / after":

| page | new filter wall (s) | its CPU (s) | CPU / floor CPU |
|---|---|---|---|
| Patients | 11.6 / 5.7 | 4.44 / 2.47 | 16.3x / 9.2x |
| Cox | 33.7 / 23.2 | 9.85 / 7.07 | 36.7x / 21.7x |
| Competing risks | 18.6 / 7.2 | 4.02 / 2.49 | 15.5x / 9.5x |
| Relapse risk | 15.6 / 21.9 | 5.10 / 3.78 | 20.6x / 14.9x |
| During follow-up | 19.7 / 7.0 | 4.50 / 2.18 | 18.3x / 9.5x |
| Projector mode | 19.3 / 12.7 | 7.62 / 5.21 | 32.1x / 21.6x |
| Subgroups | 58.7 / 35.2 | 16.25 / 12.95 | 56.6x / 54.0x |

What changed (regs24): the sample is cut from the rows of lowest key kept once per server
(``core.cohort.engine.key_candidates``, 4.1 x 10^5 rows, +187 MB RSS once): a filter keeping
at least a quarter of the rows no longer hashes and scans 10^7 rows (the fetch alone: 1.5-2.2
-> 0.3-0.7 CPU s, frames asserted equal); Table 2 fits each distinct model once and takes
the Cox page's multivariable fit (8 -> 5 fits per new filter on the Cox page; 5 -> 3 in
Projector mode's deck sections); the swimmer plot parses patient numbers only for lanes
that can be drawn and is built once; During follow-up reads its intervention columns once
per distinct value. What is left per new filter: validating the sample (~0.9 CPU s), and
the page's own fits on 10^5 rows (Cox: 5 fits, the Schoenfeld figure; Subgroups: ~24 fits,
the exact Gaussian maxstat p at its 3-s work limit and the permutation test).

Subgroups computing only its open tab (subs24), 2026-12-07 00:43-00:49 UTC, 10^6 rows (10^5
sample), load 9.3-12.9, before (main bd79caf) / after side by side on one file, CPU s per new
filter: Custom groups (default) 11.54 / 1.58 (7.3x), Cut-point finder 11.57 / 5.14 (2.3x),
Subgroup forest 14.68 / 9.08 (1.6x); seed cohort, CPU s of a cold run: 0.59 / 0.44, 0.75 /
0.69, 0.86 / 0.72.

Sample pages after reg26, 2026-12-07 02:50-03:43 UTC, load average 15-43 (five engineers on
two cores: read the CPU column). Side by side on one file, page by page, "before" (main at
beea904) then "after": the candidates validated once per server (216d9fe,
:mod:`core.cohort.sample_pool`: a new filter's sample needs no gatekeeper run), one BLAS
thread per server process (0208fcc: a dot product of 10^5 values took 5 ms of CPU with two
OpenBLAS threads, 0.1-0.4 ms with one) and the partial likelihood's rows gathered once per
model (db305f2, bit-identical; Cox, Projector, Relapse risk and Subgroups rows; the other
three on 0208fcc). CPU seconds per new filter (wall in brackets), "before / after":

| page | rows | its CPU (s) | new filter wall (s) | CPU / floor CPU |
|---|---|---|---|---|
| Cox | 10^7 | 7.45 / 4.16 | 27.5 / 11.6 | 23.5x / 13.1x |
| Projector mode | 10^7 | 5.84 / 2.84 | 16.4 / 11.3 | 20.6x / 11.1x |
| Relapse risk | 10^7 | 3.84 / 2.23 | 9.6 / 8.6 | 14.1x / 8.5x |
| Patients | 10^7 | 2.65 / 1.08 | 12.6 / 3.6 | 9.8x / 4.4x |
| Competing risks | 10^7 | 2.61 / 1.34 | 14.6 / 5.5 | 8.6x / 4.7x |
| During follow-up | 10^7 | 2.27 / 1.09 | 10.3 / 3.4 | 9.1x / 4.2x |
| Subgroups, cut-point tab | 10^6 | 6.75 / 3.96 | 21.3 / 8.2 | 107x / 63x |
| Subgroups, forest tab | 10^6 | 10.96 / 4.05 | 24.3 / 10.9 | 167x / 69x |

The pool costs once per server: ~4 CPU s to validate 4.1 x 10^5 candidates at the first
sample page, ~105 MB of frame (RSS +355 MB in a fresh process, allocator included). What is
left on the Cox page at 10^7 rows (one run, ``time.process_time`` around each call): the
counts-based Cox of every filtered row in DuckDB 1.1-1.3 s (one ``GROUP BY`` of two text
columns and the time over 8.4 x 10^6 rows; DuckDB already computes the row's kind once), the
sample's four fits 1.1 s (the two with ELN risk run R's 20 Newton steps: a level without
events), the sample 0.25 s, predictions 0.25 s, the page's header 0.24 s, Streamlit and
figures ~0.7 s.
Subgroups: its ~24 fits (Harrell's C alone ~1 s), the cut-point tab's exact maxstat p.

Cox page at 10^7 rows (cox27), 2026-12-07 05:59-06:39 UTC, load average 8.7-14.0 (five
engineers), one file, runs alternated: "before" main at fa641c8, "after" main at 737f0d5
(53c0b9e, 563b3a5, 8e665d3, 737f0d5; also others' 8ae07e0, Harrell's C when first read).
CPU s per new filter, each run the mean of 3: before 2.82-3.40 (7 runs, mean 3.13); after
2.24-2.51 (3 runs, mean 2.37): 1.32x; the first three commits alone on fa641c8 2.25-2.45 (4
runs). Survival page (same engine counts) 0.99 -> 0.51; Projector 2.43-2.47 -> 2.02-2.69
(noise). Where a filter's CPU went after the first cuts (py-spy, 200 Hz, 4 filters): fits on
the sample 41 % (4 ordinary fits, their PH tests and C), the sample 18 %, the counts-based
Cox 13 %, Table 2's two univariable fits 10 %, predictions 4 %, the header's count 4 %;
Streamlit's elements and figures ~3 %. What changed, each checked side by side:

- engine counts group the rows by their raw time, event and covariates first and decide each
  combination's kind after (the kind's CASE had been evaluated per row, repeated in each
  column): the counts-based Cox 0.88-0.92 -> 0.41-0.47 CPU s (tables and messages equal);
- the pool's sample found by a partition on the keys and an Arrow id lookup (no two-column
  sort of ~3.4 x 10^5 candidates): 0.22-0.35 -> 0.14-0.16 CPU s (frames equal);
- Firth's 5,000-row cap refused before the design is built (the automatic try on a separated
  sample encoded every covariate first, on every rerun);
- one sorted risk-set structure per distinct rows (``core.cox.data.shared_risk_sets``): the
  RFS fits, PH tests and predicted curves stopped sorting the same rows ~11 times.

Examined, not taken: a cube over the filter columns built per server has one row per
distinct (filters, covariates, time, event), about n on a real registry (continuous age and
times) and 19 on this file (resampled seed rows): it would have measured a gain no registry
gets; the raw-value ``GROUP BY`` is its honest form. Detecting the separated ELN level
before Newton: R reports the 20th iterate (e.g. -24.34 on one filter's counts), which only
the iterations give.
Collapsing identical sample rows into weighted ones: exact, but only helps files like this
one. A new filter misses every cache by design (select, sample, counts and fits are cached
per filter). Left: 4 fits, 2 for Table 2, R's 20 steps twice, the counts scan (~0.4 s).

Subgroups page at 10^6 rows (10^5 sample; subg27), 2026-12-07 06:50-06:55 UTC, load average
2.7-4.4, one file, three runs each, alternated: "before" main at 61bcb84 with subg27's eight
commits reverted (others' work since is in both), "after" main at 61bcb84. CPU s per new
filter (mean of 3 filters per run):

| tab | before (3 runs) | after (3 runs) | mean, before / after |
|---|---|---|---|
| Cut-point finder | 3.67, 3.87, 3.67 | 1.75, 1.86, 1.50 | 3.74 / 1.70 (2.2x) |
| Subgroup forest | 4.10, 3.80, 3.54 | 2.84, 2.62, 2.56 | 3.81 / 2.67 (1.43x) |

At load 8-11 (06:30-06:39, main at eb1991e, without the last two commits below) the forest
read 4.27, 3.94 -> 3.19, 3.25 and the cut-point tab 4.70, 4.27 -> 1.91, 1.97. Every number
shown is unchanged; each step compared old and new code exactly:

- exact Gaussian maxstat p (``core/survival/cutpoint/gauss.py``): the recursion's products
  only into the panels within |u| <= 40 (a density beyond 38.6 underflows to exactly 0), every
  row kept: the same p to the last bit (``test_gauss.py`` against the whole grid; it fails
  with a reach inside the mass). This file's cut (b = 216, 9 cuts): 2.58 -> 0.08 CPU s;
- permutation p: scipy's Monte Carlo orders drawn as scipy draws them, without
  ``permutation_test``'s n! (0.18 CPU s at 10^5, computed twice): bitwise equal p
  (``test_permutation.py``);
- Harrell's C computed when first read (``CoxResult.concordance``): the forest's ~20 fits
  never show it;
- ``present_levels`` and ``Coding.indicators`` read one factorization of a column (they hashed
  it, spread texts to every row and hashed the texts again);
- the forest copies only the model's columns; Newton starts from the evaluation at beta = 0
  ``fit_ordinary`` already has (forest and univariable models 1.83 -> 1.73 CPU s);
- seen while testing, not on this file: ``survival_data`` placed a continuous marker's levels
  by ``list.index``, so a marker with 10^5 distinct values made the cut-point search quadratic
  (minutes); now a dict.

Left on the forest tab (cProfile, one filter): 20 fits of up to 10^5 rows, 6 of
them R's 20 Newton steps (this resampled file separates subgroups), ~0.9 CPU s of likelihood
evaluations and ~0.5 of per-fit set-up (complete rows, coding); the sample ~0.4. AppTest
compiles the page again on every run (a new ``ScriptCache`` per run,
``streamlit/testing/v1/app_test.py``), ~0.4 CPU s here under cProfile, which a server does
once: this bench overstates every page's new filter by about that much.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = ("app.py", "pages/1_Survival.py", "pages/2_Cox.py", "pages/3_Patients.py",
         "pages/4_Competing_risks.py", "pages/11_Relapse_risk.py", "pages/7_Subgroups.py",
         "pages/6_During_follow_up.py", "pages/5_Paper_check.py", "pages/8_Present.py",
         "pages/9_About.py", "pages/0_Your_data.py")
NEW_FILTERS = 3
MEMORY_FILTERS = 30
MEMORY_PAGES = ("pages/3_Patients.py", "pages/1_Survival.py")
AGE = "filter.age"
TIMEOUT = 600
NO_MEMORY = "BENCH_NO_MEMORY"
"""Environment variable: when set, the memory walk over :data:`MEMORY_FILTERS` is skipped."""
REUSE = "BENCH_REGISTRY_FILE"
"""Environment variable naming a registry Parquet already written by ``--write`` (of the
run's ``n_rows``): reused, so that two trees (before and after a change) run on one file."""


def write(path: Path, n_rows: int, chunk: int = 1_000_000, seed: int = 15,
          drop: tuple[str, ...] = ()) -> None:
    """A seeded synthetic registry (as ``tests/pages/test_registry_mode.write_registry``),
    written chunk by chunk so that 10^7 rows never sit in memory at once; without the
    columns ``drop``."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from core.cohort.read import load_seed_cohort

    base = load_seed_cohort()
    rng = np.random.default_rng(seed)
    writer = None
    for start in range(0, n_rows, chunk):
        size = min(chunk, n_rows - start)
        rows = base.iloc[rng.integers(0, len(base), size)].reset_index(drop=True)
        rows["patient_id"] = pd.Series(np.arange(start, start + size)).astype(str) \
            .str.zfill(9).radd("R")
        table = pa.Table.from_pandas(rows.drop(columns=list(drop)), preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()


def rss_peak_mb() -> float:
    """This process's peak resident memory since the last :func:`reset_peak` (MB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def floor(path: Path, low: int | None, high: int | None) -> float:
    """A plain DuckDB count and KM count table of one age filter (seconds, one run)."""
    import duckdb

    where = " AND ".join(filter(None, (
        f"age >= {low}" if low is not None else "", f"age <= {high}" if high is not None else "")
    )) or "TRUE"
    start = time.perf_counter()
    con = duckdb.connect()
    con.sql(f"SELECT COUNT(*) FROM read_parquet('{path}') WHERE {where}").fetchall()
    con.sql(f"SELECT rfs_months, SUM(rfs_event), COUNT(*) FROM read_parquet('{path}') "
            f"WHERE {where} AND rfs_months IS NOT NULL GROUP BY ALL").fetchall()
    con.close()
    return time.perf_counter() - start


class Ages:
    """Distinct age ranges (each a filter this server has not seen), from the slider's bounds."""

    def __init__(self, low: int, high: int):
        self.low, self.high, self.next = low, high, low + 1

    def fresh(self) -> tuple[int, int]:
        value = (self.next, self.high - (self.next % 3))
        self.next += 1
        if self.next >= self.high - 3:
            raise RuntimeError("out of distinct age ranges")
        return value


def set_age(at, value: tuple[int, int]) -> None:
    at.slider(key=AGE).set_value(value).run()
    if at.exception:
        raise RuntimeError(f"{value}: {at.exception[0].message}")


def main(n_rows: int, pages: tuple[str, ...]) -> None:
    import streamlit as st

    from tests.pages.helpers import run_page

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(os.environ.get(REUSE) or Path(tmp) / "registry.parquet")
        start = time.perf_counter()
        if not os.environ.get(REUSE):
            subprocess.run([sys.executable, __file__, "--write", str(path), str(n_rows)],
                           check=True)
        print(f"{n_rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) written in "
              f"{time.perf_counter() - start:.0f} s; load average {os.getloadavg()[0]:.1f}")
        os.environ["RRE_REGISTRY_PATH"] = str(path)
        first = run_page("pages/9_About.py", timeout=TIMEOUT)  # imports, once
        bounds = (int(first.slider(key=AGE).value[0]), int(first.slider(key=AGE).value[1]))
        ages = Ages(*bounds)
        print("| page | cold (s) | new filter (s) | its CPU (s) | seen filter (s) | floor (s) | "
              "floor CPU (s) | new / floor | CPU / floor CPU | seen / floor |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for page in pages:
            st.cache_data.clear()
            st.cache_resource.clear()
            clock = time.perf_counter()
            path_, _, query = page.partition("?")  # "pages/7_Subgroups.py?subgroups.tab=..."
            at = run_page(path_, dict(parse_qsl(query)), timeout=TIMEOUT)
            cold = time.perf_counter() - clock
            news, floors, cpus, floor_cpus = [], [], [], []
            for _ in range(NEW_FILTERS):
                value = ages.fresh()
                clock, cpu = time.perf_counter(), time.process_time()
                set_age(at, value)
                news.append(time.perf_counter() - clock)
                cpus.append(time.process_time() - cpu)
                cpu = time.process_time()
                floors.append(floor(path, *value))
                floor_cpus.append(time.process_time() - cpu)
            clock = time.perf_counter()
            set_age(at, bounds)
            set_age(at, value)
            seen = (time.perf_counter() - clock) / 2
            new, low = sum(news) / len(news), sum(floors) / len(floors)
            cpu, floor_cpu = sum(cpus) / len(cpus), sum(floor_cpus) / len(floor_cpus)
            print(f"| {page} | {cold:.2f} | {new:.2f} | {cpu:.2f} | {seen:.2f} | {low:.2f} | "
                  f"{floor_cpu:.2f} | {new / low:.1f}x | {cpu / floor_cpu:.1f}x | "
                  f"{seen / low:.1f}x |", flush=True)
        for page in MEMORY_PAGES:
            if page not in pages or os.environ.get(NO_MEMORY):
                continue
            st.cache_data.clear()
            st.cache_resource.clear()
            at = run_page(page, timeout=TIMEOUT)
            before = rss_mb()
            reset_peak()
            ages = Ages(*bounds)
            start = time.perf_counter()
            for _ in range(MEMORY_FILTERS):
                set_age(at, ages.fresh())
            print(f"{page}: {MEMORY_FILTERS} distinct filters in "
                  f"{time.perf_counter() - start:.0f} s; RSS {before:.0f} MB before, peak "
                  f"{rss_peak_mb():.0f} MB, after {rss_mb():.0f} MB", flush=True)


def lean(n_rows: int) -> None:
    """Seen at scale (issue 24): the Cohort page crashed with ``KeyError: 'sorafenib_timing'``
    on a registry without an optional column. Open the Cohort and Survival pages on one."""
    import streamlit as st

    from tests.pages.helpers import run_page

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lean.parquet"
        subprocess.run([sys.executable, __file__, "--write", str(path), str(n_rows),
                        *LEAN_DROPS], check=True)
        os.environ["RRE_REGISTRY_PATH"] = str(path)
        for page in ("app.py", "pages/1_Survival.py"):
            st.cache_data.clear()
            st.cache_resource.clear()
            clock = time.perf_counter()
            at = run_page(page, timeout=TIMEOUT)
            errors = [e.message for e in at.exception]
            print(f"without {', '.join(LEAN_DROPS)}: {page} in "
                  f"{time.perf_counter() - clock:.1f} s, errors: {errors or 'none'}", flush=True)


LEAN_DROPS = ("sorafenib_timing", "cytogenetics")


def sample_before(source, size: int, seed: int):
    """The sample as ``ui.registry.sample`` fetched it before the one-scan cut (8e93454)."""
    from core.cohort.validate import validate_cohort

    table = source.table
    key = (table["patient_id"].cast("string") + f"#{seed}").hash()
    ids = table.select(table["patient_id"], sample_key=key) \
        .order_by(["sample_key", "patient_id"]).limit(size)
    rows = table.semi_join(ids, "patient_id").order_by("patient_id").limit(size).to_pandas()
    rows = rows.sort_values("patient_id", kind="stable")
    return validate_cohort(rows.reset_index(drop=True))


def sample_bench(n_rows: int) -> None:
    """One sample fetch per new filter, before and after, against the floor (seconds)."""
    import pandas as pd

    from core.cohort.engine import open_cohort, seeded_sample
    from core.cohort.engine_filters import filter_source
    from core.cohort.filters import CohortFilter
    from core.cohort.validate import validate_cohort
    from ui.registry import SAMPLE_ROWS, SAMPLE_SEED

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "registry.parquet"
        subprocess.run([sys.executable, __file__, "--write", str(path), str(n_rows)], check=True)
        source = open_cohort(path)
        print(f"{n_rows:,} rows; load average {os.getloadavg()[0]:.1f}")
        print("| age filter | before (s) | after (s) | floor (s) | before / floor | "
              "after / floor | before / after |")
        print("|---|---|---|---|---|---|---|")
        for low, high in ((31, 70), (32, 69), (33, 71)):
            kept = filter_source(source, CohortFilter(age_min=float(low), age_max=float(high)))
            clock = time.perf_counter()
            old = sample_before(kept.source, SAMPLE_ROWS, SAMPLE_SEED)
            before = time.perf_counter() - clock
            clock = time.perf_counter()
            new = validate_cohort(seeded_sample(kept.source, kept.n, SAMPLE_ROWS, SAMPLE_SEED))
            after = time.perf_counter() - clock
            low_s = floor(path, low, high)
            pd.testing.assert_frame_equal(old, new)
            print(f"| {low}-{high} | {before:.2f} | {after:.2f} | {low_s:.2f} | "
                  f"{before / low_s:.1f}x | {after / low_s:.1f}x | {before / after:.1f}x |",
                  flush=True)

if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        write(Path(sys.argv[2]), int(sys.argv[3]), drop=tuple(sys.argv[4:]))
    elif sys.argv[1:2] == ["--sample"]:
        sample_bench(int(float(sys.argv[2])) if sys.argv[2:] else 10_000_000)
    elif sys.argv[1:2] == ["--lean"]:
        lean(int(float(sys.argv[2])) if sys.argv[2:] else 10_000_000)
    else:
        args = sys.argv[1:]
        size = int(float(args[0])) if args else 10_000_000
        main(size, tuple(args[1:]) or PAGES)

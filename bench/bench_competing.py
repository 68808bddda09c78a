"""Benchmark: the Competing risks page's statistics side by side with R ``cmprsk::cuminc``.

Run: ``python3 bench/bench_competing.py [n ...]`` (default 10^4 10^5 10^6). Not part of the test
run: speed goals live here, never in timed tests. Each timing is the best of ``REPEATS`` runs in
this one process, R's is ``system.time`` inside one R process on the same rows (reading
excluded), so the ratios compare implementations on the same machine at the same moment.

Compared, on the same seeded rows (3 groups, whole-month times, causes 1 and 2):

- **CIF + Gray**: :func:`core.survival.competing.cumulative_incidence` of both causes and
  :func:`core.survival.competing.gray_test` of both causes, called as separate functions;
- **page**: :func:`core.survival.competing.summary.competing_report` (both incidence curves,
  1 - Kaplan-Meier, at-risk table, landmarks, Gray's tests, counts: everything the page shows,
  validated and sorted once);
- **R**: ``cuminc(time, status, group)`` (both causes' curves, Gray's variance and tests).

Also counted for the page call: how often the rows were validated (``competing_data`` /
``survival_data``) and fully sorted (``np.argsort`` / ``np.lexsort`` / ``np.unique`` on arrays of
the data's length), the habit issue 27 asked to break (before: 4 validations, about 20 sorts).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import core.survival.competing.input as competing_input  # noqa: E402
import core.survival.input as survival_input  # noqa: E402
import core.survival.km.counts as km_counts  # noqa: E402
from core.survival.competing import cumulative_incidence, gray_test  # noqa: E402
from core.survival.competing.summary import competing_report  # noqa: E402

REPEATS = 3
MODULES = (survival_input, competing_input, km_counts)
"""Modules whose ``survival_data`` (the gatekeeper) the counter wraps."""
GROUPS = np.array(["favorable", "intermediate", "adverse"], dtype=object)

R_SCRIPT = """
suppressMessages(library(cmprsk))
d <- read.csv(commandArgs(TRUE)[1])
best <- Inf
for (i in 1:3) {
  best <- min(best, system.time(cuminc(d$rfs_months, d$cr, d$eln2022_risk))[["elapsed"]])
}
cat(best)
"""


def synthetic(n: int, seed: int = 20261206) -> pd.DataFrame:
    """``n`` patients in 3 groups; relapse (cause 1), death without relapse (cause 2) or
    censoring, in whole months (as the app's cohorts record them)."""
    rng = np.random.default_rng(seed)
    code = rng.integers(0, 3, n)
    relapse = rng.exponential(np.array([40.0, 25.0, 15.0])[code])
    death = rng.exponential(60.0, n)
    censor = rng.uniform(0, 120, n)
    end = np.minimum.reduce([relapse, death, censor])
    cr = np.select([relapse == end, death == end], [1, 2], 0)
    return pd.DataFrame({"patient_id": np.arange(1, n + 1), "eln2022_risk": GROUPS[code],
                         "rfs_months": np.ceil(end), "rfs_event": (cr == 1).astype(int),
                         "os_event": (cr == 2).astype(int), "rfs_status": cr, "cr": cr})


def best(call) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def separate(frame: pd.DataFrame) -> None:
    for cause in (1, 2):
        cumulative_incidence(frame, "rfs_months", "cr", cause, "eln2022_risk")
        gray_test(frame, "rfs_months", "cr", "eln2022_risk", cause)


def page(frame: pd.DataFrame) -> None:
    competing_report(frame, "eln2022_risk", (12, 24))


def counted(frame: pd.DataFrame) -> tuple[int, int]:
    """(validations, full-length sorts) of one page call."""
    n = len(frame)
    calls = {"validate": 0, "sort": 0}
    originals = {name: getattr(np, name) for name in ("argsort", "lexsort", "unique")}
    validate = survival_input.survival_data

    def counting(name):
        def wrapped(a, *args, **kwargs):
            first = a[0] if name == "lexsort" else a
            if np.ndim(first) == 1 and len(first) >= n:
                calls["sort"] += 1
            return originals[name](a, *args, **kwargs)
        return wrapped

    def counting_validate(*args, **kwargs):
        calls["validate"] += 1
        return validate(*args, **kwargs)

    try:
        for name in originals:
            setattr(np, name, counting(name))
        for module in MODULES:
            module.survival_data = counting_validate
        page(frame)
    finally:
        for name, original in originals.items():
            setattr(np, name, original)
        for module in MODULES:
            module.survival_data = validate
    return calls["validate"], calls["sort"]


def r_seconds(frame: pd.DataFrame) -> float | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data, script = Path(tmp) / "d.csv", Path(tmp) / "bench.R"
        frame[["rfs_months", "cr", "eln2022_risk"]].to_csv(data, index=False)
        script.write_text(R_SCRIPT)
        out = subprocess.run(["Rscript", str(script), str(data)], capture_output=True,
                             text=True, check=True)
    return float(out.stdout.strip())


def main(sizes: list[int]) -> None:
    print("| rows | CIF + Gray (s) | page (s) | R cuminc (s) | CIF + Gray / R | page / R | "
          "validations, sorts per page |")
    print("|---|---|---|---|---|---|---|")
    for n in sizes:
        frame = synthetic(n)
        ours, whole = best(lambda f=frame: separate(f)), best(lambda f=frame: page(f))
        r = r_seconds(frame)
        validations, sorts = counted(frame)
        shown = [f"{x / r:.2f}x" if r else "–" for x in (ours, whole)]
        print(f"| {n:,} | {ours:.3f} | {whole:.3f} | {r if r is not None else '–'} | "
              f"{shown[0]} | {shown[1]} | {validations}, {sorts} |")


if __name__ == "__main__":
    main([int(float(a)) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000])

"""Benchmark: bootstrap validation of a 5-covariate Cox model (``core.risk.bootstrap``)
against R ``rms::validate`` on the same rows, measured side by side in one run.

Run: ``python3 bench/bench_risk.py [n_patients] [B]`` (default 10^4 patients, B = 200). R is
timed by ``Rscript`` on the same rows (written once to a temporary CSV; R's time excludes
reading it: ``cph`` + ``validate(fit, B)``), skipped with a note when ``Rscript`` is absent.
Not part of the test run: speed goals live here, never in timed tests.

Goal (issue 23): B = 200 on 10^4 patients within 60 s on 2 cores, the page responsive
meanwhile (the page runs it on a worker thread). Rows: seeded synthetic cohort, 5
standard-normal covariates, exponential times rounded up to whole months (ties), about 40%
censored; horizon 24 months. Ours computes per replicate what rms does (Harrell's C, R2,
calibration slope: a refit on the sample and a slope fit on the cohort) plus the time-dependent
AUC and Brier score at the horizon on both.

Measured 2026-12-06 on the shared 2-core machine under a load average of about 22 (absolute
times inflated several times; the ratios are side by side in one run):

    10,000 patients, B = 200, 6,009 events
    ours  validate_model, 1 thread(s):   152.0 s  (corrected Dxy 0.3320, slope 0.9974)
    ours  validate_model, 2 thread(s):   115.5 s
    R     rms::validate:                  126.3 s  (corrected Dxy 0.3320, slope 0.9989)
    ratio ours / R: 1.20 (1 thread), 0.91 (2 threads)

Before the refits went straight to the likelihood engine (``core/risk/refits.py``): 325 s
against R's 184 s (1.77) under a load of 23.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_cox import synthetic  # noqa: E402  (the same seeded rows as the Cox bench)
from core.risk.bootstrap import validate_model  # noqa: E402
from core.risk.model import ModelSpec  # noqa: E402

COVARIATES = ("x1", "x2", "x3", "x4", "x5")
R_SCRIPT = """
suppressMessages(library(rms))
args <- commandArgs(TRUE)
d <- read.csv(args[1]); B <- as.integer(args[2])
t0 <- proc.time()[["elapsed"]]
fit <- cph(Surv(time, status) ~ x1 + x2 + x3 + x4 + x5, data = d, x = TRUE, y = TRUE,
           surv = TRUE)
set.seed(1); v <- validate(fit, B = B)
cat(proc.time()[["elapsed"]] - t0, "\\n")
cat(v["Dxy", "index.corrected"], v["Slope", "index.corrected"], "\\n")
"""


def r_validate(frame: pd.DataFrame, n_boot: int) -> tuple[float, str] | None:
    """Seconds of R's cph + validate on ``frame`` and its corrected Dxy and slope."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "cohort.csv"
        script = Path(folder) / "validate.R"
        frame.to_csv(data, index=False)
        script.write_text(R_SCRIPT)
        out = subprocess.run(["Rscript", str(script), str(data), str(n_boot)],
                             capture_output=True, text=True, check=True).stdout.split("\n")
    return float(out[0]), out[1].strip()


def main(n: int = 10_000, n_boot: int = 200) -> None:
    frame = synthetic(n).rename(columns={"event": "status"})
    spec = ModelSpec("cox", "time", "status", COVARIATES, 24.0)
    print(f"{n:,} patients, B = {n_boot}, {int(frame.status.sum()):,} events")
    times = {}
    for workers in (1, 2):
        start = time.perf_counter()
        result = validate_model(frame, spec, n_boot, seed=1, workers=workers)
        times[workers] = time.perf_counter() - start
        corrected = result.table["corrected"]
        print(f"ours  validate_model, {workers} thread(s): {times[workers]:7.1f} s  (corrected "
              f"Dxy {2 * corrected['c_index'] - 1:.4f}, slope {corrected['slope']:.4f}; "
              f"{result.failed} failed refits)")
    r = r_validate(frame, n_boot)
    if r is None:
        print("R     rms::validate: skipped (no Rscript)")
    else:
        print(f"R     rms::validate:                {r[0]:7.1f} s  (corrected Dxy, slope "
              f"{r[1]})")
        print(f"ratio ours / R: {times[1] / r[0]:.2f} (1 thread), {times[2] / r[0]:.2f} "
              "(2 threads)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))

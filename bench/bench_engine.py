"""Benchmarks: Kaplan-Meier and log-rank side by side with other implementations, in memory and
on DuckDB, on seeded synthetic cohorts (10^3-10^7 rows, 3 groups).

Run: ``python3 bench/bench_engine.py [n ...]`` (default 10^3 10^4 10^5 10^6 in memory, then
10^7 rows from Parquet through DuckDB); ``python3 bench/bench_engine.py --engine [n ...]`` runs
only the DuckDB part. Not part of the test run: speed goals live here, never in timed
tests. Each timing is the best of ``REPEATS`` runs in this one process, so the ratios compare
implementations on the same machine at the same moment.

Compared, on the same rows:

- **numpy bound**: a plain numpy Kaplan-Meier with Greenwood log-log intervals (one lexsort by
  integer group code and time, ``reduceat``, reverse cumulative sums), no input checks: the
  practical lower bound;
- **ours**: :func:`core.survival.kaplan_meier` (gatekeeper, exclusions, string group labels,
  the count table, the estimate with intervals) and :func:`core.survival.km.logrank`;
- **scikit-survival**: ``kaplan_meier_estimator(conf_type="log-log")`` per group and
  ``compare_survival``;
- **lifelines** only if importable (it pins pandas < 3; never installed here for this);
- **R survival** (``survfit``, ``survdiff``; ``system.time`` inside R, reading excluded) when
  ``Rscript`` is present;
- **page**: :func:`core.survival.km.summary.survival_report` by 3 groups (everything the Survival
  page shows: KM, at-risk, landmarks, medians, RMST, log-rank, trend);
- **DuckDB**: the page statistics on a Parquet file through :func:`core.cohort.open_cohort`, and
  the counts-based Cox model of 3 categorical covariates (:func:`core.cox.counts.cox_from_counts`),
  in a child process whose peak RSS is the figure reported.

Goals (issue 15): 10^6 rows in memory, KM with CIs within 2x of the numpy bound and the page
statistics under 0.5 s; 10^7 rows in Parquet through DuckDB, page statistics under 3 s with
peak RSS under 1.5 GB.
"""

from __future__ import annotations

import json
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

from core.survival import kaplan_meier, logrank  # noqa: E402
from core.survival.km.summary import survival_report  # noqa: E402

REPEATS = 3
GROUPS = np.array(["favorable", "intermediate", "adverse"], dtype=object)


def synthetic(n: int, ties: bool, seed: int = 20261125) -> pd.DataFrame:
    """``n`` patients in 3 ELN groups, exponential times (whole months when ``ties``)."""
    rng = np.random.default_rng(seed)
    code = rng.integers(0, 3, n)
    months = rng.exponential(np.array([40.0, 25.0, 15.0])[code])
    censor = rng.uniform(0, 60, n)
    time = np.minimum(months, censor)
    return pd.DataFrame({
        "patient_id": np.arange(1, n + 1),
        "rfs_months": np.floor(time) if ties else time,
        "rfs_event": (months <= censor).astype(np.int64),
        "eln2022_risk": pd.array(GROUPS[code], dtype="str"),
        "group_code": code,
        "mrd_pre_status": pd.array(np.where(rng.uniform(size=n) < 0.4, "positive", "negative"),
                                   dtype="str"),
        "sex": pd.array(np.where(rng.uniform(size=n) < 0.5, "M", "F"), dtype="str"),
    })


def numpy_bound(time: np.ndarray, event: np.ndarray, code: np.ndarray, z: float = 1.959964):
    """Plain numpy Kaplan-Meier with Greenwood log-log intervals per integer group code."""
    order = np.lexsort((time, code))
    t, e, g = time[order], event[order], code[order]
    start = np.flatnonzero(np.r_[True, (t[1:] != t[:-1]) | (g[1:] != g[:-1])])
    d = np.add.reduceat(e, start).astype(float)
    exits = np.diff(np.r_[start, t.size]).astype(float)
    group = g[start]
    out = []
    for k in np.unique(group):
        sel = group == k
        dk, ek = d[sel], exits[sel]
        n_risk = np.cumsum(ek[::-1])[::-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            surv = np.cumprod(1 - dk / n_risk)
            var = np.cumsum(dk / (n_risk * (n_risk - dk)))
            log_s = np.log(surv)
            shift = z * np.sqrt(var) / log_s
            lower = np.exp(-np.exp(np.log(-log_s) - shift))
            upper = np.exp(-np.exp(np.log(-log_s) + shift))
        out.append((t[start][sel], surv, lower, upper))
    return out


def best(func, repeats: int = REPEATS) -> float:
    """Best wall time of ``repeats`` runs (seconds)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def sksurv_runs(df: pd.DataFrame):
    from sksurv.compare import compare_survival
    from sksurv.nonparametric import kaplan_meier_estimator

    event = df["rfs_event"].to_numpy(bool)
    t = df["rfs_months"].to_numpy(float)
    g = df["eln2022_risk"].to_numpy(object)

    def km():
        for k in GROUPS:
            m = g == k
            kaplan_meier_estimator(event[m], t[m], conf_type="log-log")

    def lr():
        y = np.empty(len(df), dtype=[("e", bool), ("t", float)])
        y["e"], y["t"] = event, t
        compare_survival(y, g)

    return km, lr


def lifelines_runs(df: pd.DataFrame):
    try:
        from lifelines import KaplanMeierFitter
        from lifelines.statistics import multivariate_logrank_test
    except ImportError:
        return None

    def km():
        for k in GROUPS:
            m = df["eln2022_risk"] == k
            KaplanMeierFitter().fit(df.loc[m, "rfs_months"], df.loc[m, "rfs_event"])

    def lr():
        multivariate_logrank_test(df["rfs_months"], df["eln2022_risk"], df["rfs_event"])

    return km, lr


R_SCRIPT = """
suppressMessages(library(survival))
d <- read.csv(commandArgs(TRUE)[1])
best <- function(f) min(sapply(1:{repeats}, function(i) system.time(f())[["elapsed"]]))
km <- best(function() summary(survfit(Surv(rfs_months, rfs_event) ~ eln2022_risk, data = d,
                                     conf.type = "log-log"), censored = TRUE))
lr <- best(function() survdiff(Surv(rfs_months, rfs_event) ~ eln2022_risk, data = d))
cat(km, lr, "\\n")
"""


def r_runs(df: pd.DataFrame) -> tuple[float, float] | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cohort.csv"
        df[["rfs_months", "rfs_event", "eln2022_risk"]].to_csv(path, index=False)
        script = Path(folder) / "bench.R"
        script.write_text(R_SCRIPT.replace("{repeats}", str(REPEATS)))
        out = subprocess.run(["Rscript", str(script), str(path)], capture_output=True,
                             text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def in_memory(n: int, ties: bool) -> dict:
    df = synthetic(n, ties)
    row = {"rows": n, "times": "integer months" if ties else "continuous"}
    t, e = df["rfs_months"].to_numpy(float), df["rfs_event"].to_numpy(np.int64)
    code = df["group_code"].to_numpy()
    row["numpy KM"] = best(lambda: numpy_bound(t, e, code))
    args = ("rfs_months", "rfs_event", "eln2022_risk")
    row["ours KM"] = best(lambda: kaplan_meier(df, *args))
    row["ours log-rank"] = best(lambda: logrank(df, *args))
    row["ours page"] = best(lambda: survival_report(df, "rfs", "eln2022_risk"))
    if n <= 1_000_000:
        km, lr = sksurv_runs(df)
        row["sksurv KM"], row["sksurv log-rank"] = best(km), best(lr)
        runs = lifelines_runs(df)
        if runs is not None:
            row["lifelines KM"], row["lifelines log-rank"] = best(runs[0]), best(runs[1])
        r = r_runs(df)
        if r is not None:
            row["R KM"], row["R log-rank"] = r
    return row


def engine_child(path: str) -> None:
    """Child process: the page statistics on a Parquet file through DuckDB; prints JSON."""
    from core.cohort import open_cohort
    from core.cox.counts import cox_from_counts

    start = time.perf_counter()
    source = open_cohort(path)
    report = survival_report(source, "rfs", "eln2022_risk")
    first = time.perf_counter() - start
    again = best(lambda: survival_report(open_cohort(path), "rfs", "eln2022_risk"), 2)
    covariates = ["eln2022_risk", "mrd_pre_status", "sex"]
    cox = best(lambda: cox_from_counts(open_cohort(path), "rfs_months", "rfs_event",
                                       covariates), 2)
    # this process's own high-water mark (ru_maxrss would carry the parent's over exec)
    status = Path("/proc/self/status").read_text()
    peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
    print(json.dumps({"first": first, "best": again, "cox": cox, "peak_mb": peak,
                      "count_rows": int(len(report.fit.table))}))


def on_duckdb(n: int, ties: bool, folder: Path) -> dict:
    path = folder / f"cohort_{n}_{int(ties)}.parquet"
    synthetic(n, ties).drop(columns="group_code").to_parquet(path, row_group_size=1_000_000)
    out = subprocess.run([sys.executable, __file__, "--engine-child", str(path)],
                         capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return {"rows": n, "times": "integer months" if ties else "continuous",
            "DuckDB page (cold)": result["first"], "DuckDB page": result["best"],
            "DuckDB Cox (3 categorical)": result["cox"], "count rows": result["count_rows"],
            "peak RSS MB": result["peak_mb"], "file MB": path.stat().st_size / 2**20}


def main(sizes: list[int], engine_sizes: list[int]) -> None:
    import os
    import platform

    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    if sizes:
        in_memory_table(sizes)
    with pd.option_context("display.width", 250, "display.max_columns", 30,
                           "display.float_format", "{:.3f}".format):
        with tempfile.TemporaryDirectory() as folder:
            # continuous times make the count table as long as the data: 10^6 at most
            for ties in (True, False):
                for n in (engine_sizes if ties else sorted({min(n, 1_000_000)
                                                            for n in engine_sizes})):
                    print(pd.DataFrame([on_duckdb(n, ties, Path(folder))]).to_string(index=False),
                          flush=True)


def in_memory_table(sizes: list[int]) -> None:
    rows = [in_memory(n, ties) for ties in (True, False) for n in sizes]
    table = pd.DataFrame(rows)
    table["KM / numpy"] = table["ours KM"] / table["numpy KM"]
    if "sksurv KM" in table:
        table["sksurv KM / ours"] = table["sksurv KM"] / table["ours KM"]
        table["sksurv LR / ours"] = table["sksurv log-rank"] / table["ours log-rank"]
    if "R KM" in table:
        table["R KM / ours"] = table["R KM"] / table["ours KM"]
    with pd.option_context("display.width", 250, "display.max_columns", 30,
                           "display.float_format", "{:.3f}".format):
        print(table.to_string(index=False), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--engine-child"]:
        engine_child(sys.argv[2])
    else:
        engine_only = "--engine" in sys.argv[1:]
        given = [int(a) for a in sys.argv[1:] if a != "--engine"]
        if engine_only:  # python3 bench/bench_engine.py --engine [rows ...]
            main([], given or [10_000_000])
        else:
            main(given or [1_000, 10_000, 100_000, 1_000_000], [] if given else [10_000_000])

"""Benchmark: ``fit_cox`` with 5 numeric covariates against R ``coxph`` and statsmodels alone,
measured side by side in one run, and every step the Cox page runs on the same rows.

Run: ``python3 bench/bench_cox.py [n_patients ...]`` (default 10^4 10^5 10^6). R is timed by
``Rscript`` on the same rows (written once to a temporary CSV; R's time excludes reading it)
and skipped with a note when ``Rscript`` is absent. Not part of the test run: speed goals live
here, never in timed tests.

Goal (issues 15 and 18): ``fit_cox`` no slower than R ``coxph`` at 10^5 rows, and the Cox page
interactive at 10^6. Rows: seeded synthetic cohort, 5 standard-normal covariates, exponential
times rounded up to whole months (ties), about 40% censored.

Measured 2026-11-25 on the shared 2-core development machine while seven other sessions ran
(absolute times inflated about 3-4x; the ratios are side by side in one run), Efron ties:

    n          fit_cox s  R coxph s  statsmodels PHReg s  fit_cox / R  Harrell's C s  PH test s
    10,000       0.023      0.075          0.336             0.31          0.010        0.022
    100,000      0.590      1.672          2.932             0.35          0.277        0.230
    1,000,000   14.375     14.085            -               1.02          3.527        2.520

scikit-survival's quadratic ``concordance_index_censored`` alone took 13.4 s at 10^5 before.
The Cox page's default view (``page_workload``): 0.10 s at 10^4, 1.7 s at 10^5, 2.0 s at 10^6
(fitted on the page's seeded sample of 100,000).
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.cox.concordance import harrell_c  # noqa: E402
from core.cox.fit import fit_cox  # noqa: E402
from core.cox.ph import ph_test  # noqa: E402
from core.cox.predict import predict_survival  # noqa: E402

COVARIATES = ["x1", "x2", "x3", "x4", "x5"]
R_SCRIPT = """
suppressMessages(library(survival))
d <- read.csv(commandArgs(TRUE)[1])
t0 <- proc.time()[["elapsed"]]
fit <- coxph(Surv(time, event) ~ x1 + x2 + x3 + x4 + x5, data = d, ties = "efron")
s <- summary(fit)
cat(proc.time()[["elapsed"]] - t0, "\\n")
cat(coef(fit), "\\n")
t0 <- proc.time()[["elapsed"]]
fit <- coxph(Surv(entry, time, event) ~ x1 + x2 + x3 + x4 + x5 + strata(s), data = d,
             ties = "efron")
s <- summary(fit)
cat(proc.time()[["elapsed"]] - t0, "\\n")
cat(coef(fit), "\\n")
"""


def synthetic(n: int, seed: int = 1) -> pd.DataFrame:
    """Seeded cohort: 5 numeric covariates, whole-month times (ties), about 40% censored."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    rate = np.exp(x @ np.array([0.3, -0.2, 0.1, 0.0, 0.5])) / 20
    event_time = np.ceil(rng.exponential(1 / rate))
    censor = np.ceil(rng.exponential(30, n))
    frame = pd.DataFrame(x, columns=COVARIATES)
    frame["time"] = np.minimum(event_time, censor)
    frame["event"] = (event_time <= censor).astype(int)
    # delayed entry for a third of the rows (whole months before their time), 3 strata
    late = rng.random(n) < 1 / 3
    frame["entry"] = np.where(late, np.floor(frame["time"] * rng.random(n)), 0.0)
    frame["s"] = rng.integers(0, 3, n)
    return frame


def timed(func) -> tuple[float, object]:
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def r_coxph(frame: pd.DataFrame) -> tuple[float, np.ndarray, float, np.ndarray] | None:
    """Seconds R's coxph + summary take on ``frame`` (excluding reading it) and its coef,
    for the plain model and for the one with delayed entry and 3 strata."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        data, script = Path(folder) / "d.csv", Path(folder) / "fit.R"
        frame.to_csv(data, index=False)
        script.write_text(R_SCRIPT)
        out = subprocess.run(["Rscript", str(script), str(data)], capture_output=True,
                             text=True, check=True).stdout.split("\n")
    return (float(out[0]), np.array([float(v) for v in out[1].split()]), float(out[2]),
            np.array([float(v) for v in out[3].split()]))


def statsmodels_alone(frame: pd.DataFrame) -> np.ndarray:
    from statsmodels.duration.hazard_regression import PHReg

    return np.asarray(PHReg(frame["time"], frame[COVARIATES], status=frame["event"],
                            ties="efron").fit().params)


def page_workload(n: int) -> dict:
    """Seconds of every core call the Cox page makes in its default view (RFS ~ MRD + ELN,
    Automatic estimation: Firth is refused above 5,000 patients and the ordinary fit is
    shown; PH test; the RFS and OS models of the profile; two curves of 2,000 times), on the
    seed-like synthetic cohort of ``bench.bench_cohort``, after the page's cap
    (``core.cox.display.model_rows``: a seeded sample of 100,000 above that), plus hashing
    the model's rows once (what ``st.cache_data`` does per cached call)."""
    import pandas as pd

    from bench.bench_cohort import synthetic_cohort
    from core.cox.display import curve_times, hazard_ratio_table, model_rows
    from core.cox.guardrails import guardrail_box
    from core.errors import AnalysisError

    covariates = ["mrd_pre_status", "eln2022_risk"]
    out = {"n": n}
    full = synthetic_cohort(n)
    out["cap (sample) s"], (cohort, _) = timed(lambda: model_rows(
        full, ["patient_id", "rfs_months", "rfs_event", "os_months", "os_event", *covariates]))
    out["hash cohort s"], _ = timed(lambda: pd.util.hash_pandas_object(cohort).sum())
    start = time.perf_counter()
    rfs = fit_cox(cohort, "rfs_months", "rfs_event", covariates)
    try:
        shown = fit_cox(cohort, "rfs_months", "rfs_event", covariates, firth=True)
    except AnalysisError:
        shown = rfs
    ph = ph_test(rfs)
    guardrail_box([("", rfs, shown)], "relapses", ph_results=[ph])
    hazard_ratio_table([shown])
    for time_col, event_col in (("rfs_months", "rfs_event"), ("os_months", "os_event")):
        fit = fit_cox(cohort, time_col, event_col, covariates)
        predict_survival(fit, {"mrd_pre_status": "positive", "eln2022_risk": "adverse"},
                         curve_times(fit))
    out["page statistics s"] = time.perf_counter() - start
    return out


def main(sizes: list[int]) -> None:
    rows = []
    for n in sizes:
        frame = synthetic(n)
        r = r_coxph(frame)
        ours, fit = timed(lambda frame=frame: fit_cox(frame, "time", "event", COVARIATES))
        ours_es, fit_es = timed(lambda frame=frame: fit_cox(frame, "time", "event", COVARIATES,
                                                            entry="entry", strata="s"))
        sm, sm_coef = (timed(lambda frame=frame: statsmodels_alone(frame)) if n <= 10 ** 5
                       else (float("nan"), None))
        conc, _ = timed(lambda fit=fit: harrell_c(fit.status, fit.times,
                                                  fit.design @ fit.params))
        ph, _ = timed(lambda fit=fit: ph_test(fit))
        profile = dict.fromkeys(COVARIATES, 0.0)
        pred, _ = timed(lambda fit=fit, profile=profile: predict_survival(
            fit, profile, np.linspace(0, fit.times.max(), 400)))
        if r is not None:
            assert np.allclose(r[1], fit.params, rtol=1e-6, atol=1e-8), (r[1], fit.params)
            assert np.allclose(r[3], fit_es.params, rtol=1e-6, atol=1e-8), (r[3], fit_es.params)
        if sm_coef is not None:
            assert np.allclose(sm_coef, fit.params, rtol=1e-6, atol=1e-8)
        rows.append({"n": n, "fit_cox s": ours, "R coxph s": r[0] if r else float("nan"),
                     "statsmodels PHReg s": sm,
                     "fit_cox / R": ours / r[0] if r else float("nan"),
                     "entry+strata s": ours_es,
                     "R entry+strata s": r[2] if r else float("nan"),
                     "entry+strata / R": ours_es / r[2] if r else float("nan"),
                     "of which Harrell's C s": conc, "PH test s": ph,
                     "prediction (400 times) s": pred})
        print(pd.DataFrame(rows).tail(1).to_string(index=False, float_format="%.3f"),
              flush=True)
    print()
    print(pd.DataFrame(rows).to_string(index=False, float_format="%.3f"))
    print()
    print("Cox page, default view (seed-like synthetic cohort):")
    page = [page_workload(n) for n in sizes]
    print(pd.DataFrame(page).to_string(index=False, float_format="%.3f"))


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000])

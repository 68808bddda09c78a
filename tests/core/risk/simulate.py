"""Seeded cohorts for the risk tests: age and MRD status drive relapse (cause 1); death
without relapse (cause 2) competes when asked; whole-month times."""

from __future__ import annotations

import numpy as np
import pandas as pd


def simulated(n: int, seed: int, competing: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(55, 12, n).round()
    mrd = rng.choice(["negative", "positive"], n)
    lp = 0.03 * (age - 55) + 0.9 * (mrd == "positive")
    t1 = rng.exponential(1 / (0.03 * np.exp(lp)))
    t2 = rng.exponential(60, n) if competing else np.full(n, np.inf)
    c = rng.exponential(50, n)
    time = np.minimum.reduce([t1, t2, c])
    status = np.where(time == t1, 1, np.where(time == t2, 2, 0))
    return pd.DataFrame({"patient_id": [f"P{i:04d}" for i in range(n)], "age": age,
                         "mrd_pre_status": mrd, "time": np.ceil(time), "status": status})

"""Invariants of the competing-risks estimators (hypothesis, deterministic)."""

from __future__ import annotations

import time as clock

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from core.survival.competing import cumulative_incidence, fine_gray, gray_test
from core.survival.km.estimate import kaplan_meier

ROWS = st.lists(st.tuples(st.integers(0, 12), st.integers(0, 3), st.sampled_from("ab")),
                min_size=4, max_size=40)


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["time", "status", "group"]).astype(
        {"time": float})


@settings(max_examples=60, deadline=None, derandomize=True)
@given(ROWS)
def test_incidences_and_survival_add_up_to_one(rows):
    """Sum over causes of the CIF plus the all-cause Kaplan-Meier survival is 1 at every time."""
    d = _frame(rows)
    d["any"] = (d["status"] > 0).astype(int)
    km = kaplan_meier(d, "time", "any", by="group").table
    total = km[["group", "time", "survival"]].copy()
    for cause in (1, 2, 3):
        cif = cumulative_incidence(d, "time", "status", cause=cause, by="group").table
        assert np.all(np.diff(cif["cif"].to_numpy()[cif["group"] == "a"]) >= -1e-15)
        assert cif["cif"].between(0, 1 + 1e-12).all()
        total["survival"] += cif["cif"].to_numpy()
    np.testing.assert_allclose(total["survival"], 1.0, atol=1e-12)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(ROWS, st.randoms(use_true_random=False))
def test_row_order_does_not_matter(rows, rnd):
    d = _frame(rows)
    shuffled = d.sample(frac=1, random_state=rnd.randint(0, 10 ** 6)).reset_index(drop=True)
    a = cumulative_incidence(d, "time", "status", by="group").table
    b = cumulative_incidence(shuffled, "time", "status", by="group").table
    pd.testing.assert_frame_equal(a, b)
    if d["group"].nunique() == 2 and (d["status"] == 1).any():
        t1 = gray_test(d, "time", "status", "group")
        t2 = gray_test(shuffled, "time", "status", "group")
        np.testing.assert_allclose(t1.statistic, t2.statistic, rtol=1e-9, equal_nan=True)


def test_fine_gray_is_fast_on_a_registry_size_cohort():
    """O(n log n): 20,000 patients, two covariates (a quadratic path would take minutes)."""
    rng = np.random.default_rng(7)
    n = 20_000
    x = rng.normal(size=n)
    t1 = rng.exponential(1 / np.exp(0.5 * x))
    t2 = rng.exponential(2.0, size=n)
    c = rng.exponential(3.0, size=n)
    d = pd.DataFrame({"time": np.round(np.minimum.reduce([t1, t2, c]), 2),
                      "status": np.select([c <= np.minimum(t1, t2), t1 < t2], [0, 1], 2),
                      "x": x, "g": rng.choice(["p", "q"], size=n)})
    start = clock.perf_counter()
    fit = fine_gray(d, "time", "status", ["x", "g"])
    assert clock.perf_counter() - start < 60  # generous: catches O(n^2) only (bench/)
    assert fit.converged
    assert 0.3 < fit.table.loc["x", "coef"] < 0.7

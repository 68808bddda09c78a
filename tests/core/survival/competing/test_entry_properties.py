"""Invariants of delayed entry in the cumulative incidence (hypothesis): entry 0 everywhere is
the ordinary Aalen-Johansen estimate, and the infinitesimal-jackknife variance equals the sum
of squared influences computed patient by patient (its definition)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from core.survival.competing.estimate import _entry_curve, cumulative_incidence
from tests.core.survival.km.test_entry_properties import SETTINGS, cohorts


@SETTINGS
@given(cohorts(zero=True))
def test_entry_zero_everywhere_is_the_ordinary_estimate(df):
    """Entry 0 with time > 0: the same curve and counts (the se differs by definition)."""
    df = df[df["t"] > 0]
    if df.empty:
        return
    cif = cumulative_incidence(df, "t", "status", by="g", entry="entry").table
    plain = cumulative_incidence(df, "t", "status", by="g").table
    pd.testing.assert_frame_equal(cif.drop(columns=["se", "ci_lower", "ci_upper"]),
                                  plain.drop(columns=["se", "ci_lower", "ci_upper"]))


def _influence_variance(entry, time, status, cause):
    """The infinitesimal jackknife by its definition: d F(t) / d w_i by the recursion of the
    Aalen-Johansen estimator, one patient at a time (quadratic; small data only)."""
    times = np.unique(time)
    n = np.array([((entry < u) & (time >= u)).sum() for u in times], float)
    d = np.array([((time == u) & (status > 0)).sum() for u in times], float)
    d1 = np.array([((time == u) & (status == cause)).sum() for u in times], float)
    lam, lam1 = d / n, d1 / n
    variance = np.zeros(times.size)
    for i in range(time.size):
        s_prev, f_prev, ds, df_ = 1.0, 0.0, 0.0, 0.0
        out = []
        for j, u in enumerate(times):
            at_risk = float(entry[i] < u <= time[i])
            jump = float(time[i] == u)
            dlam = (jump * (status[i] > 0) - lam[j] * at_risk) / n[j]
            dlam1 = (jump * (status[i] == cause) - lam1[j] * at_risk) / n[j]
            df_ = df_ + ds * lam1[j] + s_prev * dlam1
            ds = ds * (1 - lam[j]) - s_prev * dlam
            f_prev += s_prev * lam1[j]
            s_prev *= 1 - lam[j]
            out.append(df_)
        variance += np.square(out)
    return variance


@settings(max_examples=40, deadline=None)
@given(cohorts(max_size=15), st.sampled_from([1, 2]))
def test_jackknife_variance_equals_its_definition(df, cause):
    entry, time = df["entry"].to_numpy(float), df["t"].to_numpy(float)
    status = df["status"].to_numpy(np.int64)
    fast = _entry_curve(entry, time, status, cause)["se"].to_numpy() ** 2
    np.testing.assert_allclose(fast, _influence_variance(entry, time, status, cause),
                               rtol=1e-9, atol=1e-12)

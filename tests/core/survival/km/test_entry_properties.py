"""Invariants of delayed entry in Kaplan-Meier (hypothesis): entry 0 everywhere is the ordinary
estimate, the curve stays a non-increasing probability, the risk sets are entry < t <= time
counted one patient at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.survival.km.estimate import at_risk_table, kaplan_meier, medians
from core.survival.km.logrank import logrank
from core.survival.km.rmst import restricted_mean
from tests.core.survival.km.test_survival_properties import assert_probability_curve

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cohorts(draw, max_size=30, zero=False):
    """Whole months (ties everywhere, entries tying event times), two groups, status 0/1/2."""
    n = draw(st.integers(1, max_size))
    entry = np.zeros(n) if zero else np.asarray(
        draw(st.lists(st.integers(0, 12), min_size=n, max_size=n)), float)
    length = np.asarray(draw(st.lists(st.integers(1 if not zero else 0, 20), min_size=n,
                                      max_size=n)), float)
    status = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    group = draw(st.lists(st.sampled_from(["a", "b"]), min_size=n, max_size=n))
    frame = pd.DataFrame({"entry": entry, "t": entry + length, "status": status, "g": group})
    frame["e"] = (frame["status"] > 0).astype(int)
    return frame


@SETTINGS
@given(cohorts(zero=True))
def test_entry_zero_everywhere_is_the_ordinary_estimate(df):
    """Entry 0 with time > 0 is the ordinary estimate (a time 0 is left out with entry, as R
    drops Surv(0, 0, e), so compare on positive times)."""
    df = df[df["t"] > 0]
    if df.empty:
        return
    with_entry = kaplan_meier(df, "t", "e", "g", entry="entry")
    ordinary = kaplan_meier(df, "t", "e", "g")
    pd.testing.assert_frame_equal(with_entry.table, ordinary.table)
    pd.testing.assert_frame_equal(medians(with_entry), medians(ordinary))
    pd.testing.assert_frame_equal(restricted_mean(with_entry, 12).table,
                                  restricted_mean(ordinary, 12).table)
    ticks = [0, 6, 12, 24]
    pd.testing.assert_frame_equal(at_risk_table(df, "t", "e", ticks, "g", entry="entry"),
                                  at_risk_table(df, "t", "e", ticks, "g"))


@SETTINGS
@given(cohorts())
def test_survival_with_entry_is_a_non_increasing_probability(df):
    assert_probability_curve(kaplan_meier(df, "t", "e", "g", entry="entry").table)


@SETTINGS
@given(cohorts())
def test_numbers_at_risk_are_patients_with_entry_before_t_and_end_at_or_after(df):
    fit = kaplan_meier(df, "t", "e", "g", entry="entry")
    for row in fit.table.itertuples():
        mine = df[df["g"] == row.group]
        assert row.n_risk == int(((mine["entry"] < row.time) & (mine["t"] >= row.time)).sum())
        ended = mine[mine["t"] == row.time]
        assert row.n_event == int(ended["e"].sum())
        assert row.n_censor == int((ended["e"] == 0).sum())
    assert sum(fit.n.values()) == len(df)  # lengths >= 1: nobody's entry equals its time
    ticks = np.array([0.0, 3, 7, 12, 20])
    risk = at_risk_table(df, "t", "e", ticks, "g", entry="entry")
    for row in risk.itertuples():
        mine = df[df["g"] == row.group]
        started = mine["entry"] <= 0 if row.time == 0 else mine["entry"] < row.time
        assert row.n_risk == int((started & (mine["t"] >= row.time)).sum())


@SETTINGS
@given(st.lists(st.tuples(st.integers(1, 10**6), st.booleans(), st.sampled_from("abc")),
                min_size=4, max_size=30, unique_by=lambda r: r[0]))
def test_logrank_with_entry_zero_and_distinct_times_is_survdiff(rows):
    """Without tied times the Breslow score test at 0 is the log-rank test (Therneau &
    Grambsch 2000, 3.4): entry 0 everywhere gives survdiff's statistic and df."""
    df = pd.DataFrame(rows, columns=["t", "e", "g"]).assign(entry=0.0, t=lambda d: d["t"] / 7)
    if df["g"].nunique() < 2 or not df["e"].any():
        return
    plain, scored = logrank(df, "t", "e", "g"), logrank(df, "t", "e", "g", entry="entry")
    assert scored.dof == plain.dof
    np.testing.assert_allclose(scored.statistic, plain.statistic, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(scored.expected, plain.expected, rtol=1e-9)

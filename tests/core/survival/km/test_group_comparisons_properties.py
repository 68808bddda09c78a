"""Invariants of the weighted, stratified and pairwise log-rank tests and the contrasts, the
same numbers on DuckDB as in pandas, and every error message (R values are in
``test_group_comparisons_vs_r.py``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cohort import open_cohort
from core.errors import AnalysisError
from core.survival import logrank, pairwise_logrank
from core.survival.km.contrasts import milestone_difference, rmst_comparison
from core.survival.km.pairwise import adjust_p

TOL = dict(rtol=1e-10, atol=1e-12)


def synthetic(n: int, seed: int, groups: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice([f"g{k}" for k in range(groups)], n)
    return pd.DataFrame({
        "patient_id": [f"{i:05d}" for i in range(n)],
        "time": np.floor(rng.exponential(20, n)) + 1,
        "event": (rng.uniform(size=n) < 0.7).astype(int),
        "group": group,
        "centre": rng.choice(["n", "s", "w"], n),
    })


cohorts = st.builds(synthetic, st.integers(12, 80), st.integers(0, 10_000), st.integers(2, 4))


@settings(max_examples=30, deadline=None)
@given(cohorts, st.sampled_from([0.0, 0.5, 1.0]))
def test_row_order_does_not_matter(df, rho):
    shuffled = df.sample(frac=1.0, random_state=1)
    for strata in (None, "centre"):
        a = logrank(df, "time", "event", "group", rho=rho, strata=strata)
        b = logrank(shuffled, "time", "event", "group", rho=rho, strata=strata)
        np.testing.assert_allclose(a.statistic, b.statistic, **TOL)


@settings(max_examples=30, deadline=None)
@given(cohorts, st.sampled_from([0.0, 1.0]))
def test_one_stratum_is_the_unstratified_test(df, rho):
    plain = logrank(df, "time", "event", "group", rho=rho)
    one = logrank(df.assign(centre="all"), "time", "event", "group", rho=rho, strata="centre")
    np.testing.assert_allclose(one.statistic, plain.statistic, **TOL)
    assert one.dof == plain.dof and one.n_strata == 1


@settings(max_examples=30, deadline=None)
@given(cohorts)
def test_strata_are_summed(df):
    """The stratified O - E is the sum of the per-stratum O - E (observed, expected add up)."""
    whole = logrank(df, "time", "event", "group", strata="centre")
    observed = np.zeros(len(whole.groups))
    expected = np.zeros(len(whole.groups))
    for _, part in df.groupby("centre"):
        present = [g for g in whole.groups if (part["group"] == g).any()]
        if len(present) < 2:
            for g in present:  # a stratum with one group: O = E
                k = whole.groups.index(g)
                observed[k] += part.loc[part["group"] == g, "event"].sum()
                expected[k] += part.loc[part["group"] == g, "event"].sum()
            continue
        one = logrank(part, "time", "event", "group")
        for g, o, e in zip(one.groups, one.observed, one.expected, strict=True):
            observed[whole.groups.index(g)] += o
            expected[whole.groups.index(g)] += e
    np.testing.assert_allclose(whole.observed, observed, **TOL)
    np.testing.assert_allclose(whole.expected, expected, **TOL)


@settings(max_examples=30, deadline=None)
@given(cohorts, st.sampled_from([0.0, 1.0]))
def test_a_pair_is_the_two_group_test(df, rho):
    """Every pairwise chi-square equals the log-rank test on that pair's rows alone."""
    table = pairwise_logrank(df, "time", "event", "group", p_adjust="none", rho=rho).table
    for row in table.itertuples():
        pair = df[df["group"].isin([row.group1, row.group2])]
        alone = logrank(pair, "time", "event", "group", rho=rho)
        np.testing.assert_allclose(row.statistic, alone.statistic, **TOL)


@settings(deadline=None)  # 0.2 ms an example, 300 ms on a loaded machine: no timing here
@given(st.lists(st.floats(0, 1), min_size=1, max_size=12))
def test_adjusted_p_is_at_least_p_and_at_most_1(p):
    for method in ("holm", "BH"):
        adjusted = adjust_p(p, method)
        assert (adjusted >= np.asarray(p) - 1e-15).all() and (adjusted <= 1).all()
    np.testing.assert_array_equal(adjust_p(p, "none"), p)


def test_holm_and_bh_by_hand():
    """R: p.adjust(c(0.01, 0.04, 0.03), "holm") = 0.03 0.06 0.06; "BH" = 0.03 0.04 0.04."""
    np.testing.assert_allclose(adjust_p([0.01, 0.04, 0.03], "holm"), [0.03, 0.06, 0.06])
    np.testing.assert_allclose(adjust_p([0.01, 0.04, 0.03], "BH"), [0.03, 0.04, 0.04])


def test_rho_zero_is_the_plain_log_rank_and_weights_shrink_late_events():
    df = synthetic(60, 3)
    assert logrank(df, "time", "event", "group", rho=0).statistic == \
        logrank(df, "time", "event", "group").statistic
    weighted = logrank(df, "time", "event", "group", rho=1)
    plain = logrank(df, "time", "event", "group")
    assert sum(weighted.observed) < sum(plain.observed)  # S(t-) <= 1 weights every event


def test_duckdb_gives_the_pandas_numbers(tmp_path):
    df = synthetic(400, 11)
    df.loc[[3, 9], "centre"] = None
    df.loc[[5], "group"] = None
    df.to_parquet(tmp_path / "c.parquet")
    source = open_cohort(tmp_path / "c.parquet")
    for rho in (0.0, 1.0):
        a = logrank(df, "time", "event", "group", rho=rho, strata="centre")
        b = logrank(source, "time", "event", "group", rho=rho, strata="centre")
        np.testing.assert_allclose(a.statistic, b.statistic, **TOL)
        assert [(e.reason, e.count) for e in a.exclusions] == \
            [(e.reason, e.count) for e in b.exclusions] == \
            [("no recorded `group`, `centre`", 3)]
    pd.testing.assert_frame_equal(pairwise_logrank(df, "time", "event", "group").table,
                                  pairwise_logrank(source, "time", "event", "group").table)
    pd.testing.assert_frame_equal(rmst_comparison(df, "time", "event", "group", 20).table,
                                  rmst_comparison(source, "time", "event", "group", 20).table)


def test_error_messages():
    df = synthetic(30, 5)
    with pytest.raises(AnalysisError, match=r"rho must be a number >= 0, not -1\. Fix: use 0 "
                                            r"for the log-rank test or 1 for the Peto-Peto"):
        logrank(df, "time", "event", "group", rho=-1)
    with pytest.raises(AnalysisError, match=r"Unknown p-value adjustment 'bonferroni'\. Fix: "
                                            r"use one of holm, BH, none"):
        pairwise_logrank(df, "time", "event", "group", p_adjust="bonferroni")
    with pytest.raises(AnalysisError, match=r"Column `site` is not in the cohort"):
        logrank(df, "time", "event", "group", strata="site")
    with pytest.raises(AnalysisError, match=r"Reference group 'g9' is not among the groups of "
                                            r"`group` \(g0, g1, g2\)\. Fix: choose one"):
        milestone_difference(df, "time", "event", "group", 12, reference="g9")
    with pytest.raises(AnalysisError, match=r"A contrast needs two groups with patients; "
                                            r"`group` has 1 here \(g0\)"):
        rmst_comparison(df[df["group"] == "g0"], "time", "event", "group")
    with pytest.raises(AnalysisError, match=r"RMST horizon tau must be a positive number of "
                                            r"months, not -3"):
        rmst_comparison(df, "time", "event", "group", tau=-3)


def test_rmst_tau_after_a_groups_follow_up_is_not_estimable():
    df = synthetic(60, 8)
    last = df.groupby("group")["time"].max().min()
    result = rmst_comparison(df, "time", "event", "group", tau=float(last) + 50)
    assert result.table["estimate"].isna().any()
    assert any("not estimable" in note for note in result.notes)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(4, 60))
def test_one_vocabulary_for_the_chi_square_approximation(seed, n):
    """Never "adequate" next to a caution: which_p and the notes of one report agree."""
    from core.survival.km.summary import survival_report

    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"rfs_months": np.floor(rng.exponential(20, n)) + 1,
                       "rfs_event": (rng.uniform(size=n) < 0.5).astype(int),
                       "mrd_pre_status": rng.choice(["negative", "positive"], n,
                                                    p=[0.9, 0.1])})
    if df["mrd_pre_status"].nunique() < 2:
        return
    report = survival_report(df, "rfs", "mrd_pre_status")
    text = " ".join((report.which_p, *report.notes))
    assert not ("adequate" in report.which_p and "caution" in text)
    if report.permutation is None and report.small_sample:
        assert "caution" in report.which_p

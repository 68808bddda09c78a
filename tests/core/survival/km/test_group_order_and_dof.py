"""Group order of a pandas Categorical (R's factor levels) and survdiff's degrees of freedom.

R orders the strata of ``survfit``/``survdiff`` by the levels of a factor, and counts in
``survdiff``'s df only the groups with expected events > 0. Values per group are pinned to R
in ``tests/core/test_contract_vs_r.py`` (c13 factor levels, c16 a group censored before the
first event); these tests pin the order, labels and df on small cohorts, in memory and on a
DuckDB source, and the trend and permutation tests on the same data.
"""

import numpy as np
import pandas as pd
import pytest

from core.cohort import open_cohort
from core.survival import kaplan_meier, logrank, survival_at
from core.survival.input import group_order, survival_data
from core.survival.km.logrank import logrank_trend, permutation_logrank

LEVELS = ["favorable", "intermediate", "adverse"]
KM_VALUES = ["time", "n_risk", "n_event", "survival", "ci_lower", "ci_upper"]


def eln_cohort() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    group = rng.choice(LEVELS, 30)
    return pd.DataFrame({"patient_id": [f"{i:06d}" for i in range(30)],
                         "time": np.round(rng.exponential(20, 30), 1) + 0.1,
                         "event": rng.integers(0, 2, 30), "risk": group})


def test_a_categorical_orders_groups_by_its_categories():
    """KM rows, ``survival_at``, the log-rank groups and the trend's default order follow the
    categories (an unused category has no rows); the plain text column sorts as before."""
    text = eln_cohort()
    factor = text.assign(risk=pd.Categorical(text["risk"], categories=["none", *LEVELS]))
    km = kaplan_meier(factor, "time", "event", by="risk")
    assert km.groups == tuple(LEVELS)
    assert list(pd.unique(km.table["group"])) == LEVELS
    assert list(pd.unique(survival_at(factor, "time", "event", [5, 10], by="risk")["group"])
                ) == LEVELS
    assert logrank(factor, "time", "event", "risk").groups == tuple(LEVELS)
    assert logrank_trend(factor, "time", "event", "risk").groups == tuple(LEVELS)
    assert kaplan_meier(text, "time", "event", by="risk").groups == tuple(sorted(LEVELS))
    for column in KM_VALUES:  # the same numbers, only the order changes
        np.testing.assert_array_equal(
            km.table.sort_values(["group", "time"])[column].to_numpy(),
            kaplan_meier(text, "time", "event", by="risk").table
            .sort_values(["group", "time"])[column].to_numpy())


def test_numeric_categories_are_labelled_as_r_prints_them():
    """Categories 10.0, 2.0, 1.0 (in that order) give groups "10", "2", "1"; a float column
    gives "1", "2", "10" in numeric order (R's factor of numbers)."""
    df = eln_cohort().assign(arm=np.tile([1.0, 2.0, 10.0], 10))
    assert survival_data(df, "time", "event", "arm").groups == ("1", "2", "10")
    df["arm"] = pd.Categorical(df["arm"], categories=[10.0, 2.0, 1.0])
    data = survival_data(df, "time", "event", "arm")
    assert data.groups == ("10", "2", "1")
    assert set(data.group) == {"1", "2", "10"}
    assert group_order(df["arm"], "arm") == ("10", "2", "1")
    assert group_order(np.array([10.0, 2.0, 1.0]), None) == ("1", "2", "10")


def early_group() -> pd.DataFrame:
    """Groups a and b with events; group c censored at 0.5 and 1, before the first event."""
    return pd.DataFrame({
        "patient_id": [f"{i:06d}" for i in range(1, 13)],
        "time": [2, 3, 5, 7, 8, 11, 4, 6, 9, 12, 0.5, 1],
        "event": [1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0],
        "group": list("aaaaaabbbbcc")})


def test_a_group_censored_before_the_first_event_has_no_degree_of_freedom(tmp_path):
    """R: ``survdiff(Surv(t, e) ~ g)``: expected 3.088889, 3.911111, 0; chisq 0.572840347589
    on 1 df, p 0.449132440346; the same from a DuckDB source (count-table path)."""
    df = early_group()
    df.to_parquet(tmp_path / "early.parquet")
    for cohort in (df, open_cohort(tmp_path / "early.parquet")):
        test = logrank(cohort, "time", "event", "group")
        assert test.dof == 1 and test.groups == ("a", "b", "c")
        np.testing.assert_allclose([test.statistic, test.p_value],
                                   [0.572840347589, 0.449132440346], rtol=1e-9)
        np.testing.assert_allclose(test.expected, [3.088889, 3.911111, 0.0], atol=1e-6)


def test_trend_and_permutation_tests_with_a_group_censored_early():
    """Group c is at risk at no event time: the trend over (a, b, c) equals the trend over
    (a, b) without c's patients, and the permutation p (exact) is a proportion."""
    df = early_group()
    with_c = logrank_trend(df, "time", "event", "group")
    without = logrank_trend(df[df["group"] != "c"], "time", "event", "group")
    np.testing.assert_allclose(with_c.statistic, without.statistic, rtol=1e-12)
    np.testing.assert_allclose(with_c.statistic, 0.572840347589, rtol=1e-9)  # 2 groups: = LR
    permutation = permutation_logrank(df, "time", "event", "group")
    assert permutation.exact and 0 < permutation.p_value <= 1


def test_one_group_with_expected_events_gives_df_0_and_p_1():
    """R: ``survdiff(Surv(t, e) ~ g)`` with t 1-5, e 0 0 1 1 0, g 1 1 2 2 2: chisq 0 on 0
    df, p 1; without any event R's p is NaN (df -1), ours NaN with df 0."""
    df = pd.DataFrame({"time": [1, 2, 3, 4, 5], "event": [0, 0, 1, 1, 0],
                       "group": [1, 1, 2, 2, 2]})
    test = logrank(df, "time", "event", "group")
    assert (test.statistic, test.dof, test.p_value) == (0.0, 0, 1.0)
    none = logrank(df.assign(event=0), "time", "event", "group")
    assert none.dof == 0 and none.statistic == 0 and np.isnan(none.p_value)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_max_logrank_and_fit_cox_accept_a_source(tmp_path, suffix):
    """``max_logrank`` and ``fit_cox`` on ``open_cohort`` give the DataFrame's numbers."""
    from core.cox import fit_cox
    from core.survival.cutpoint.maxstat import max_logrank

    df = eln_cohort().assign(marker=np.round(np.linspace(1, 9, 30) ** 1.3, 2),
                             x=np.random.default_rng(5).normal(50, 10, 30))
    path = tmp_path / f"cohort{suffix}"
    df.to_parquet(path) if suffix == ".parquet" else df.to_csv(path, index=False)
    source = open_cohort(path)
    ours, theirs = (max_logrank(c, "time", "event", "marker") for c in (source, df))
    np.testing.assert_allclose([ours.cutpoint, ours.statistic, ours.p_value],
                               [theirs.cutpoint, theirs.statistic, theirs.p_value], rtol=1e-12)
    ours, theirs = (fit_cox(c, "time", "event", ["x", "risk"]).table for c in (source, df))
    pd.testing.assert_frame_equal(ours, theirs, rtol=1e-10)

"""Issue 25: one cap on groups and covariate levels, for every column, inside the statistics.

A built-in column with thousands of values (``cytogenetics`` as free text in a registry) used
as a stratifier took 251 s on the Survival page and, as a Cox covariate at 300 levels, 38 s
and 1.15 GB; only extra upload columns were capped. Now every estimator refuses more than
:data:`core.cohort.columns.MAX_LEVELS` groups with one sentence, before any work that grows
with the number of groups.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.cohort.baseline import compare_groups
from core.cohort.baseline_groups import baseline_by_group
from core.cohort.columns import MAX_LEVELS, check_levels
from core.cox.fit import fit_cox
from core.errors import AnalysisError
from core.survival import kaplan_meier, logrank, survival_at
from core.survival.competing import cumulative_incidence_at, fine_gray, gray_test
from core.survival.input import survival_data
from core.survival.km.logrank import logrank_trend
from core.survival.km.pairwise import pairwise_logrank

MESSAGE = (r"^Column `cytogenetics` has {n:,} different values; at most 20 groups \(or levels of "
           r"a covariate\) are compared\. Fix: combine its values into fewer groups \(custom "
           r"groups on the Subgroups page\), or choose another column\.$")


def registry(n: int = 100_000, levels: int = 3_000, seed: int = 25) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "rfs_months": rng.exponential(20, n).round(1),
        "rfs_event": rng.integers(0, 2, n),
        "status": rng.integers(0, 3, n),
        "cytogenetics": [f"karyotype {k}" for k in rng.integers(0, levels, n)],
        "age": rng.normal(60, 10, n),
    })


def test_the_cap_is_twenty():
    assert MAX_LEVELS == 20


def test_check_levels_counts_distinct_values_and_ignores_missing():
    values = pd.Series([f"v{i % 20}" for i in range(100)] + [None] * 5)
    check_levels(values, "cytogenetics")  # 20 groups and missing values: allowed
    with pytest.raises(AnalysisError, match=MESSAGE.format(n=21)):
        check_levels(pd.Series([f"v{i}" for i in range(21)]), "cytogenetics")


@pytest.mark.parametrize("call", [
    lambda df: survival_data(df, "rfs_months", "rfs_event", "cytogenetics"),
    lambda df: kaplan_meier(df, "rfs_months", "rfs_event", by="cytogenetics"),
    lambda df: survival_at(df, "rfs_months", "rfs_event", [12], by="cytogenetics"),
    lambda df: logrank(df, "rfs_months", "rfs_event", "cytogenetics"),
    lambda df: cumulative_incidence_at(df, "rfs_months", "status", [12], by="cytogenetics"),
    lambda df: gray_test(df, "rfs_months", "status", "cytogenetics"),
    lambda df: fine_gray(df, "rfs_months", "status", ["cytogenetics", "age"]),
    lambda df: fit_cox(df, "rfs_months", "rfs_event", ["cytogenetics", "age"]),
    lambda df: pairwise_logrank(df, "rfs_months", "rfs_event", "cytogenetics"),
    lambda df: logrank_trend(df, "rfs_months", "rfs_event", "cytogenetics"),
    lambda df: compare_groups(df, "cytogenetics", ["age"]),
    lambda df: baseline_by_group(df, "cytogenetics"),
], ids=["survival_data", "kaplan_meier", "survival_at", "logrank", "cif", "gray", "fine_gray",
        "fit_cox", "pairwise", "trend", "compare_groups", "baseline_by_group"])
def test_every_estimator_refuses_a_3000_level_column(call):
    with pytest.raises(AnalysisError, match=MESSAGE.format(n=3_000)):
        call(registry())


def test_twenty_groups_are_still_estimated():
    df = registry(n=2_000, levels=20)
    table = kaplan_meier(df, "rfs_months", "rfs_event", by="cytogenetics").table
    assert table["group"].nunique() == 20


def test_a_numeric_stratifier_is_capped_too():
    df = registry(n=500)
    with pytest.raises(AnalysisError, match=r"^Column `age` has 500 different values; at most "):
        kaplan_meier(df, "rfs_months", "rfs_event", by="age")


def test_a_characteristic_with_many_values_is_not_tested_across_groups():
    """Fisher's exact test on a 300 x 2 table ran for minutes (Table 1 split by a group, a
    free-text karyotype column); it is reported as not tested instead."""
    df = registry(n=20_000, levels=300).assign(arm=lambda d: np.where(d.index % 2, "A", "B"))
    row = compare_groups(df, "arm", ["cytogenetics"]).loc["cytogenetics"]
    assert np.isnan(row["p_value"]) and row["groups"] == 2
    assert row["note"] == "not tested: 300 different values (at most 20 levels are compared)"


def test_strata_are_capped_per_column_not_as_combinations():
    """A stratified log-rank compares groups within strata: 3 groups in 10 strata (30
    combinations) is allowed; 3,000 strata are refused naming the strata column (the
    combined key's internal name showed before)."""
    df = registry(n=5_000, levels=10).assign(arm=lambda d: d.index % 3)
    result = logrank(df, "rfs_months", "rfs_event", "arm", strata="cytogenetics")
    assert result.n_strata == 10
    with pytest.raises(AnalysisError, match=MESSAGE.format(n=3_000)):
        logrank(registry().assign(arm=lambda d: d.index % 3), "rfs_months", "rfs_event",
                "arm", strata="cytogenetics")

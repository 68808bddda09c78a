"""``core.cohort.baseline.compare_groups`` and ``core.cohort.fisher.fisher_test`` against R.

Golden values and the cohorts: ``tests/core/golden/compare_groups_r_golden.json``, written by
``tests/core/golden/make_compare_groups_golden.R`` (R 4.2): ``fisher.test(table(x, group))``
on 2 x 2 to 5 x 4 tables, ``wilcox.test(x ~ group)`` with R's defaults (exact for two groups of
fewer than 50 without ties; normal approximation with continuity correction with ties or a group
of 50 or more), ``kruskal.test(x ~ group)``; rows with a missing value or group left out.
Tolerance 1e-9 (exact tests) and 1e-12 relative for the rank tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cohort.baseline import (
    FISHER,
    IMBALANCE_NOTE,
    KRUSKAL,
    WILCOXON_EXACT,
    WILCOXON_NORMAL,
    compare_groups,
)
from core.cohort.fisher import fisher_test
from core.errors import AnalysisError

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "compare_groups_r_golden.json"
GOLD = json.loads(GOLDEN.read_text())
TESTS = {"Wilcoxon rank sum exact test": WILCOXON_EXACT,
         "Wilcoxon rank sum test with continuity correction": WILCOXON_NORMAL,
         "Kruskal-Wallis rank sum test": KRUSKAL,
         "Fisher's Exact Test for Count Data": FISHER}


@pytest.mark.parametrize("name", sorted(GOLD["cases"]))
def test_compare_groups_equals_r(name):
    """R: fisher.test(table(x, group)), wilcox.test(x ~ group), kruskal.test(x ~ group)."""
    case = GOLD["cases"][name]
    df = pd.DataFrame(case["data"])
    columns = list(case["tests"])
    result = compare_groups(df, "group", columns)
    assert list(result.index) == columns
    for column, expected in case["tests"].items():
        assert result.at[column, "test"] == TESTS[expected["method"]], (name, column)
        np.testing.assert_allclose(result.at[column, "p_value"], expected["p_value"],
                                   rtol=1e-9, atol=1e-12, err_msg=f"{name}: {column}")


@pytest.mark.parametrize("index", range(len(GOLD["fisher"])))
def test_fisher_test_equals_r(index):
    """R: fisher.test(m) on r x c tables (FEXACT for r x c, hypergeometric for 2 x 2)."""
    case = GOLD["fisher"][index]
    result = fisher_test(np.array(case["table"]))
    assert result.exact
    np.testing.assert_allclose(result.p_value, case["p_value"], rtol=1e-9, atol=1e-13)


def test_compare_groups_counts_missing_values_and_notes_untestable_columns():
    df = pd.DataFrame({"group": ["a", "a", "b", "b", None],
                       "age": [50.0, np.nan, 60.0, 61.0, 70.0],
                       "sex": ["F", "F", "F", "F", "M"],
                       "only_a": ["x", "y", None, None, "z"]})
    result = compare_groups(df, "group", ["age", "sex", "only_a"])
    assert result.at["age", "n"] == 3 and result.at["age", "n_missing"] == 1
    assert np.isnan(result.at["sex", "p_value"])
    assert result.at["sex", "note"] == "not testable: one value only"
    assert result.at["only_a", "note"] == \
        "not testable: fewer than two groups have a recorded value"
    assert "imbalance" in IMBALANCE_NOTE and "cause" in IMBALANCE_NOTE


def test_compare_groups_errors_name_the_column_and_the_fix():
    df = pd.DataFrame({"group": ["a", "b"], "age": [1, 2]})
    with pytest.raises(AnalysisError, match=r"Column\(s\) `bmi` not in the cohort .*Fix: "
                                            r"choose columns of the cohort"):
        compare_groups(df, "group", ["age", "bmi"])
    with pytest.raises(AnalysisError, match=r"`group` is the grouping column and cannot be "
                                            r"tested against itself"):
        compare_groups(df, "group", ["group"])


def test_fisher_of_a_table_too_large_for_enumeration_says_monte_carlo():
    """A 5 x 3 table of 200 patients (R's default workspace stops with FEXACT error 6):
    Monte Carlo p with the number of tables, named in the test column."""
    rng = np.random.default_rng(3)
    table = rng.multinomial(200, rng.dirichlet(np.ones(15))).reshape(5, 3)
    result = fisher_test(table)
    assert not result.exact and result.n_tables == 100_000
    df = pd.DataFrame({"g": np.repeat(np.tile(["a", "b", "c"], 5), table.ravel()),
                       "x": np.repeat(np.repeat(list("pqrst"), 3), table.ravel())})
    assert compare_groups(df, "g", ["x"]).at["x", "test"] == \
        "Fisher's exact test (Monte Carlo p, 100,000 random tables)"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=6, max_size=9), st.sampled_from([(2, 3), (3, 3)]))
def test_fisher_p_is_invariant_to_transposing_and_reordering(cells, shape):
    """The p-value depends on the table only up to transposition and row/column order, lies
    in (0, 1], and equals the sum over all tables for 2 x 3 (checked by enumeration)."""
    r, c = shape
    table = np.array((cells * 2)[: r * c]).reshape(r, c)
    p = fisher_test(table).p_value
    assert 0 < p <= 1
    np.testing.assert_allclose(fisher_test(table.T).p_value, p, rtol=1e-10)
    np.testing.assert_allclose(fisher_test(table[::-1, ::-1]).p_value, p, rtol=1e-10)
    if shape == (2, 3) and (table.sum(axis=1) > 0).all() and (table.sum(axis=0) > 0).all():
        np.testing.assert_allclose(p, _brute_force(table), rtol=1e-10)


def _brute_force(table: np.ndarray) -> float:
    """Sum of the probabilities of every 2 x 3 table with these totals at most as probable."""
    from scipy.special import gammaln

    rows, cols, n = table.sum(axis=1), table.sum(axis=0), table.sum()

    def log_p(t):
        return (gammaln(rows + 1).sum() + gammaln(cols + 1).sum() - gammaln(n + 1)
                - gammaln(t + 1).sum())

    observed, total = log_p(table), 0.0
    for a in range(min(rows[0], cols[0]) + 1):
        for b in range(min(rows[0] - a, cols[1]) + 1):
            c = rows[0] - a - b
            if c > cols[2]:
                continue
            t = np.array([[a, b, c], [cols[0] - a, cols[1] - b, cols[2] - c]])
            if log_p(t) <= observed + 1e-7:
                total += np.exp(log_p(t))
    return total

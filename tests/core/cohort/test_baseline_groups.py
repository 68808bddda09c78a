"""Table 1 by group: Overall column, one column per group, a p per characteristic with its
test (the p-values are compare_groups', pinned to R in test_compare_groups_vs_r.py)."""

from __future__ import annotations

import numpy as np
import pytest

from core.cohort import load_seed_cohort
from core.cohort.baseline import IMBALANCE_NOTE, compare_groups
from core.cohort.baseline_groups import baseline_by_group
from core.errors import AnalysisError


def test_seed_cohort_by_mrd_status():
    """R: fisher.test(table(d$sex, d$mrd_pre_status))$p.value = 1;
    wilcox.test(age ~ mrd_pre_status) (ties: normal approximation) p = 0.3675."""
    split = baseline_by_group(load_seed_cohort(), "mrd_pre_status")
    table = split.table
    assert list(table.columns) == ["Characteristic", "Level", "Overall", "negative (n = 15)",
                                   "positive (n = 4)", "p", "Test"]
    assert "MRD before maintenance" not in set(table["Characteristic"])  # the grouping itself
    sex = table[table["Characteristic"] == "Sex"]
    assert sex["p"].tolist() == ["1.000", ""] and sex["Test"].iloc[0] == "Fisher's exact test"
    age = table[table["Characteristic"] == "Age (years)"].iloc[0]
    assert age["p"] == "0.367" and "normal approximation" in age["Test"]
    fab = table[(table["Characteristic"] == "FAB class") & (table["Level"] == "M1")].iloc[0]
    assert fab["positive (n = 4)"] == "0"  # a level a group lacks reads 0
    expected = compare_groups(load_seed_cohort(), "mrd_pre_status", ["sex", "age"])
    np.testing.assert_allclose(split.tests.loc[["sex", "age"], "p_value"],
                               expected["p_value"], rtol=1e-12)
    assert split.notes[-1] == IMBALANCE_NOTE


def test_patients_without_a_group_are_counted():
    cohort = load_seed_cohort()
    cohort.loc[[0, 1], "mrd_pre_status"] = None
    split = baseline_by_group(cohort, "mrd_pre_status")
    assert split.notes[0] == ("2 patients without a recorded MRD before maintenance are not "
                              "in this table (nor in Overall).")
    assert split.table.iloc[0]["Overall"] == "17"


def test_errors():
    cohort = load_seed_cohort()
    with pytest.raises(AnalysisError, match=r"Column `centre` is not in the cohort"):
        baseline_by_group(cohort, "centre")
    with pytest.raises(AnalysisError, match=r"needs two groups; `mrd_pre_status` has 1 here"):
        baseline_by_group(cohort[cohort["mrd_pre_status"] == "negative"], "mrd_pre_status")

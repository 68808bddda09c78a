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


def test_thousands_of_values_list_overalls_most_frequent_in_every_group():
    """Split by MRD status, a characteristic of about 1,000 values lists the Overall column's 20
    most frequent in every column and one "other values" row; each group's counts add up to
    Overall's on every row, and to the group's size over the characteristic."""
    import pandas as pd

    from core.cohort.baseline import TOP_LEVELS
    from core.cohort.schema import LABELS

    cohort = pd.concat([load_seed_cohort()] * 100, ignore_index=True)
    cohort["cytogenetics"] = [f"k{i % 1500:04d}" if i % 3 else "46,XY"
                              for i in range(len(cohort))]
    result = baseline_by_group(cohort, "mrd_pre_status")
    table = result.table
    rows = table[table["Characteristic"] == LABELS["cytogenetics"]]
    assert len(rows) == TOP_LEVELS + 1
    assert rows["Level"].iloc[0] == "46,XY"
    distinct = cohort.loc[cohort["mrd_pre_status"].notna(), "cytogenetics"].nunique()
    assert distinct > 900
    assert rows["Level"].iloc[-1] == (f"other values ({distinct - TOP_LEVELS:,}; the "
                                      f"{TOP_LEVELS} most frequent are listed)")
    groups = [c for c in table.columns if "(n = " in c]
    counts = rows[[OVERALL_COLUMN, *groups]].apply(
        lambda column: column.str.split(" ").str[0].astype(int))
    assert (counts[groups].sum(axis=1) == counts[OVERALL_COLUMN]).all()
    sizes = [int(g.split("n = ")[1].rstrip(")")) for g in groups]
    assert counts[groups].sum(axis=0).tolist() == sizes


OVERALL_COLUMN = "Overall"

"""Baseline characteristics, checked against the study's printed summary (Results,
'Patient characteristics') and by hand for a filtered subset."""

import pandas as pd

from core.cohort.baseline import baseline_characteristics
from core.cohort.filters import CohortFilter
from core.cohort.read import load_seed_cohort

SEED = load_seed_cohort()


def summary(table: pd.DataFrame, characteristic: str, level: str) -> str:
    row = table[(table["characteristic"] == characteristic) & (table["level"] == level)]
    assert len(row) == 1, (characteristic, level)
    return row["summary"].iloc[0]


def test_seed_table_matches_the_paper():
    """'9 males, 10 females'; 'median age 59 (21-76)'; 'WBC 32.25 (0.7-254)'; 'M1 (n=3, 15.8%),
    M2 (n=7, 36.8%), M4 (n=3, 15.8%), M5 (n=5, 26.3%), M7 (n=1, 5.3%)'; ELN 'favorable 3 (15.8%),
    intermediate 9 (47.4%), adverse 7 (36.8%)'; 'Fourteen patients (73.7%)'; 'median follow-up
    of 50 months (range: 13-133)'."""
    table = baseline_characteristics(SEED)
    expected = {
        ("Patients", ""): "19",
        ("Sex", "Male"): "9 (47.4%)", ("Sex", "Female"): "10 (52.6%)",
        ("Age (years)", "median (range)"): "59 (21–76)",
        ("WBC (×10⁹/L)", "median (range)"): "32.25 (0.7–254)",
        ("FAB class", "M1"): "3 (15.8%)", ("FAB class", "M2"): "7 (36.8%)",
        ("FAB class", "M4"): "3 (15.8%)", ("FAB class", "M5"): "5 (26.3%)",
        ("FAB class", "M7"): "1 (5.3%)",
        ("ELN 2022 risk", "favorable"): "3 (15.8%)",
        ("ELN 2022 risk", "intermediate"): "9 (47.4%)",
        ("ELN 2022 risk", "adverse"): "7 (36.8%)",
        ("Sorafenib timing", "induction"): "14 (73.7%)",
        ("Sorafenib timing", "consolidation"): "5 (26.3%)",
        ("MRD before maintenance", "positive"): "4 (21.1%)",
        ("Relapse type", "molecular"): "3 (15.8%)",
        ("Relapse type", "morphological"): "3 (15.8%)",
        ("Outcome", "dead"): "3 (15.8%)",
        ("Follow-up, OS time (months)", "median (range)"): "50 (13–133)",
    }
    for (characteristic, level), text in expected.items():
        assert summary(table, characteristic, level) == text
    assert list(table.columns) == ["characteristic", "level", "n", "percent", "median",
                                   "minimum", "maximum", "summary"]


def test_filtered_subset_by_hand():
    """MRD-positive patients 7, 9, 13, 17: ages 60, 43, 55, 49 -> median 52 (43-60);
    sexes M, F, F, M; NPM1 in 9, 13, 17 -> 3 (75.0%)."""
    kept = CohortFilter(mrd_pre_status=("positive",)).apply(SEED).cohort
    table = baseline_characteristics(kept)
    assert summary(table, "Patients", "") == "4"
    assert summary(table, "Age (years)", "median (range)") == "52 (43–60)"
    assert summary(table, "Sex", "Male") == "2 (50.0%)"
    assert summary(table, "Co-mutations (other than FLT3-ITD)", "NPM1") == "3 (75.0%)"
    assert summary(table, "ELN 2022 risk", "favorable") == "0 (0.0%)"


def test_missing_values_get_their_own_row():
    cohort = SEED.copy()
    cohort.loc[:1, "eln2022_risk"] = None
    cohort.loc[:2, "age"] = float("nan")
    table = baseline_characteristics(cohort)
    assert summary(table, "ELN 2022 risk", "not recorded") == "2"
    assert summary(table, "ELN 2022 risk", "adverse") == "6 (35.3%)"
    assert summary(table, "Age (years)", "median (range)").endswith("; not recorded for 3")
    by_eln = table[table["characteristic"] == "ELN 2022 risk"]["n"].sum()
    assert by_eln == 19


def test_empty_cohort():
    table = baseline_characteristics(SEED.iloc[0:0])
    assert table["summary"].tolist() == ["0"]


def test_table_1_lists_the_most_frequent_values_and_counts_the_rest():
    """A characteristic with about 1,000 values (a free-text karyotype) fills 20 rows and one row
    "other values" counting the rest, stated in its level; every listed value is at least as
    frequent as any left out, and the counts still add up to the cohort."""
    from core.cohort.baseline import TOP_LEVELS
    from core.cohort.schema import LABELS

    cohort = pd.concat([load_seed_cohort()] * 100, ignore_index=True)  # 1,900 patients
    karyotypes = [f"k{i % 1500:04d}" if i % 3 else "46,XY" for i in range(len(cohort))]
    cohort["cytogenetics"] = karyotypes
    cohort.loc[:9, "cytogenetics"] = None
    table = baseline_characteristics(cohort)
    rows = table[table["characteristic"] == LABELS["cytogenetics"]]
    assert len(rows) == TOP_LEVELS + 2  # 20 values, "other values", "not recorded"
    counts = pd.Series(karyotypes[10:]).value_counts()
    listed, other, missing = rows.iloc[:TOP_LEVELS], rows.iloc[TOP_LEVELS], rows.iloc[-1]
    assert listed["level"].iloc[0] == "46,XY" and listed["n"].iloc[0] == counts["46,XY"]
    assert listed["n"].min() >= counts.drop(listed["level"]).max()
    assert other["level"] == (f"other values ({len(counts) - TOP_LEVELS:,}; the {TOP_LEVELS} "
                              "most frequent are listed)")
    assert other["n"] == counts.drop(listed["level"]).sum()
    assert other["summary"] == f"{other['n']} ({100 * other['n'] / 1890:.1f}%)"
    assert (missing["level"], missing["n"]) == ("not recorded", 10)
    assert listed["n"].sum() + other["n"] + missing["n"] == len(cohort)
    full = baseline_characteristics(cohort, top=None)
    assert (full["characteristic"] == LABELS["cytogenetics"]).sum() == len(counts) + 1


def _many_genes() -> pd.DataFrame:
    """50 patients: patient i holds NPM1, G<i mod 25> and G<i+1 mod 25> (each G in 4
    patients); the first 25 are male."""
    cohort = pd.concat([SEED] * 3, ignore_index=True).iloc[:50].copy()
    cohort["patient_id"] = range(1, 51)
    cohort["sex"] = ["M"] * 25 + ["F"] * 25
    cohort["co_mutations"] = ["; ".join(sorted({"NPM1", f"G{i % 25:02d}",
                                                f"G{(i + 1) % 25:02d}"})) for i in range(50)]
    return cohort


def test_co_mutations_list_the_20_most_frequent_genes_and_count_holders_of_others():
    """NPM1 and G00-G18 are listed (ties by name); G19-G24 (6 genes) are held by the 14
    patients with i mod 25 in 18..24, not by 6 x 4 = 24 (a patient holds several genes)."""
    table = baseline_characteristics(_many_genes())
    rows = table[table["characteristic"] == "Co-mutations (other than FLT3-ITD)"]
    assert rows["level"].tolist() == ["NPM1", *(f"G{i:02d}" for i in range(19)),
                                      "other genes (6): patients with at least one"]
    assert rows["summary"].tolist() == ["50 (100.0%)", *["4 (8.0%)"] * 19, "14 (28.0%)"]
    every = baseline_characteristics(_many_genes(), genes=None)
    assert (every["characteristic"] == "Co-mutations (other than FLT3-ITD)").sum() == 26


def test_table_1_by_group_lists_the_overall_genes_and_each_groups_holders_of_others():
    from core.cohort.baseline_groups import baseline_by_group

    table = baseline_by_group(_many_genes(), "sex").table
    rows = table[table["Characteristic"] == "Co-mutations (other than FLT3-ITD)"]
    assert len(rows) == 21
    other = rows.iloc[-1]
    assert other["Level"] == "other genes (6): patients with at least one"
    assert other.iloc[2:4].tolist() == ["14 (28.0%)", "7 (28.0%)"]
    assert other.iloc[4] == "7 (28.0%)"

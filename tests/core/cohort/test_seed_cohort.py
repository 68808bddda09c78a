"""The transcription of Tables 1-2 checked against every summary figure the study prints.

Source of every number: the seed study's Results section ("Patient characteristics",
"Treatment outcomes"), quoted in each test.
"""

import pandas as pd
import pytest

from core.cohort.read import load_seed_cohort
from core.cohort.schema import REQUIRED


@pytest.fixture(scope="module")
def seed() -> pd.DataFrame:
    return load_seed_cohort()


def test_nineteen_patients_numbered_1_to_19(seed):
    assert seed["patient_id"].tolist() == list(range(1, 20))


def test_contract_columns_and_values(seed):
    """CONTRACT.md: the columns outside checks use, with values exactly as written there."""
    for name in REQUIRED:
        assert name in seed.columns
    assert set(seed["sex"]) == {"M", "F"}
    assert set(seed["eln2022_risk"]) == {"favorable", "intermediate", "adverse"}
    assert set(seed["sorafenib_timing"]) == {"induction", "consolidation"}
    assert set(seed["mrd_pre_status"]) == {"negative", "positive"}
    assert set(seed["rfs_event"]) == {0, 1} and set(seed["os_event"]) == {0, 1}
    assert seed["os_event"].dtype == "int64" and seed["patient_id"].dtype == "int64"


def test_sex(seed):
    """'19 patients (9 males, 10 females)'."""
    assert seed["sex"].value_counts().to_dict() == {"F": 10, "M": 9}


def test_age_median_and_range(seed):
    """'median age at diagnosis of 59 years (range: 21-76)'."""
    assert (seed["age"].median(), seed["age"].min(), seed["age"].max()) == (59, 21, 76)


def test_wbc_median_and_range(seed):
    """'median white blood cell count was 32.25x10^9/L (range: 0.7-254)'."""
    assert (seed["wbc"].median(), seed["wbc"].min(), seed["wbc"].max()) == (32.25, 0.7, 254)


def test_fab_classes(seed):
    """'M1 (n=3), M2 (n=7), M4 (n=3), M5 (n=5), and M7 (n=1)'."""
    assert seed["fab_class"].value_counts().to_dict() == {"M2": 7, "M5": 5, "M1": 3, "M4": 3,
                                                          "M7": 1}


def test_eln_risk(seed):
    """'favorable risk in 3 cases, intermediate risk in 9 cases, and adverse risk in 7'."""
    assert seed["eln2022_risk"].value_counts().to_dict() == {"intermediate": 9, "adverse": 7,
                                                             "favorable": 3}


def test_sorafenib_timing(seed):
    """'Fourteen patients (73.7%) received sorafenib during both induction and consolidation
    phases, while 5 (26.3%) initiated sorafenib during consolidation only'."""
    assert seed["sorafenib_timing"].value_counts().to_dict() == {"induction": 14,
                                                                 "consolidation": 5}


def test_mrd_positive_before_maintenance(seed):
    """'among the four patients who were MRD-positive prior to maintenance therapy' (13, 9 named;
    Table 2 prints 0.06%, 8.85%, 0.10%, 2.53% for patients 7, 9, 13, 17)."""
    positive = seed.loc[seed["mrd_pre_status"] == "positive", "patient_id"].tolist()
    assert positive == [7, 9, 13, 17]
    assert seed.set_index("patient_id").loc[[7, 9, 13, 17], "mrd_pre_flow_pct"].tolist() == [
        0.06, 8.85, 0.10, 2.53]


def test_aml1eto_levels_kept(seed):
    """Table 2: 'negative; AML-ETO/ABL 0.0011%' (5), '0.0062%' (8), '0.056%' (10)."""
    levels = seed.set_index("patient_id")["mrd_pre_aml1eto_abl_pct"].dropna()
    assert levels.to_dict() == {5: 0.0011, 8: 0.0062, 10: 0.056}
    assert (seed.set_index("patient_id").loc[[5, 8, 10], "mrd_pre_status"] == "negative").all()


def test_deaths(seed):
    """'median overall survival (mOS) was not reached (3 deaths, 15.8%)'."""
    assert seed.loc[seed["os_event"] == 1, "patient_id"].tolist() == [6, 9, 17]
    assert (seed["outcome"] == "dead").sum() == 3


def test_relapses(seed):
    """'3 (15.8%) developed molecular relapse and 3 (15.8%) experienced morphological relapse';
    '6 relapses, 31.6%'."""
    assert seed["relapse_type"].value_counts().to_dict() == {"none": 13, "molecular": 3,
                                                             "morphological": 3}
    assert seed["rfs_event"].sum() == 6
    assert (seed["rfs_event"] == (seed["relapse_type"] != "none")).all()


def test_follow_up(seed):
    """'With a median follow-up of 50 months (range: 13-133)' (median of the OS times)."""
    os_months = seed["os_months"]
    assert (os_months.median(), os_months.min(), os_months.max()) == (50, 13, 133)


def test_rfs_never_exceeds_os(seed):
    """RFS starts at maintenance, after diagnosis, so RFS <= OS for every patient."""
    assert (seed["rfs_months"] <= seed["os_months"]).all()


def test_fusion_gene_and_cytogenetics(seed):
    """Table 1: the three AML1-ETO patients (5, 8, 10) are the three with t(8;21)."""
    fusion = seed.loc[seed["fusion_gene"] == "AML1-ETO", "patient_id"].tolist()
    t821 = seed.loc[seed["cytogenetics"] == "t(8;21)(q22;q22)", "patient_id"].tolist()
    assert fusion == t821 == [5, 8, 10]
    assert seed.loc[seed["cytogenetics"] == "Complex karyotype", "patient_id"].tolist() == [2, 17]


def test_co_mutations_as_printed(seed):
    """Table 1, 'Gene mutation (exclude FLT3-ITD)': patient 4 'NPM1, CSF3R, IDH2, TET2';
    patients 5 and 8 '–'."""
    by_id = seed.set_index("patient_id")["co_mutations"]
    assert by_id[4] == "NPM1; CSF3R; IDH2; TET2"
    assert by_id[5] == by_id[8] == "none"

"""Text-versus-table conflicts of the embedded cohort (core.patients.conflicts).

Each conflict states what Table 2 records; these tests check that statement against the
patient's row of data/seed_cohort.csv, so the card can never describe a row that is not there.
"""

import pandas as pd
import pytest

from core.cohort.read import load_seed_cohort
from core.patients.conflicts import SEED_CONFLICTS, seed_conflicts

SEED = load_seed_cohort().set_index(load_seed_cohort()["patient_id"].astype(str))


def test_patient_9_text_says_sustained_negativity_table_says_relapse_and_death():
    (conflict,) = seed_conflicts(9)
    row = SEED.loc["9"]
    assert (row["relapse_type"], row["rfs_months"], row["rfs_event"]) == ("morphological", 16, 1)
    assert (row["os_months"], row["os_event"], row["outcome"]) == (20, 1, "dead")
    assert "sustained negativity for over five months" in conflict.text_says
    assert "morphological relapse 16 months" in conflict.table_says
    assert "death 20 months" in conflict.table_says
    assert conflict.app_uses.startswith("Table 2")
    assert conflict.sentence().startswith(
        "MRD and relapse during maintenance: the study's text says \"Patient 9 exhibited")


def test_patient_17_mrd_positive_before_maintenance_counted_as_sustained_negative():
    (conflict,) = seed_conflicts("17")
    row = SEED.loc["17"]
    assert (row["mrd_pre_status"], row["mrd_pre_flow_pct"]) == ("positive", 2.53)
    assert (row["rfs_months"], row["rfs_event"], row["os_months"], row["os_event"]) == \
        (1, 0, 44, 1)
    # the text's 13 with sustained MRD negativity = every patient without a relapse
    assert int((SEED["rfs_event"] == 0).sum()) == 13 and SEED.loc["17", "rfs_event"] == 0


def test_patient_10_qpcr_ratio_above_threshold_yet_negative():
    (conflict,) = seed_conflicts(10)
    row = SEED.loc["10"]
    assert row["mrd_pre_aml1eto_abl_pct"] == pytest.approx(0.056) and \
        row["mrd_pre_status"] == "negative"
    positives = SEED.index[SEED["mrd_pre_status"] == "positive"].tolist()
    assert positives == ["7", "9", "13", "17"]  # "the four patients who were MRD-positive"
    assert "(patients 7, 9, 13 and 17)" in conflict.text_says


def test_patients_whose_text_and_table_agree_have_no_conflict():
    assert seed_conflicts(13) == () and seed_conflicts("1") == () and seed_conflicts(99) == ()
    assert sorted(c.patient_id for c in SEED_CONFLICTS) == ["10", "17", "9"]
    assert all(isinstance(c.sentence(), str) and c.why.endswith(".") for c in SEED_CONFLICTS)
    assert not pd.Series([c.patient_id for c in SEED_CONFLICTS]).duplicated().any()

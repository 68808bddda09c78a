"""The one line that opens a patient's card (core.patients.card.patient_summary)."""

from __future__ import annotations

import pytest

from core.cohort.read import load_seed_cohort
from core.patients.card import patient_summary


@pytest.mark.parametrize("patient, expected", [
    ("9", "Patient 9: 43 years, female, ELN adverse, MRD positive before maintenance; "
          "morphological relapse at 16 months; died at 20 months."),
    ("1", "Patient 1: 59 years, male, ELN intermediate, MRD negative before maintenance; "
          "no relapse in 72 months of follow-up; alive at 82 months."),
])
def test_summary_reads_the_row_of_tables_1_and_2(patient, expected):
    assert patient_summary(load_seed_cohort(), patient) == expected


def test_a_field_not_recorded_is_left_out_not_guessed():
    cohort = load_seed_cohort()
    cohort["age"] = cohort["age"].astype(float)
    cohort.loc[cohort["patient_id"].astype(str) == "9", ["age", "mrd_pre_status"]] = None
    text = patient_summary(cohort, "9")
    assert text.startswith("Patient 9: female, ELN adverse; morphological relapse")
    assert "None" not in text and "nan" not in text

"""The Cox page's "Enter a profile" starts from a typical profile, not a patient's row."""

import pandas as pd
import pytest

from core.cohort.read import load_seed_cohort
from core.cox.display import typical_profile
from core.errors import AnalysisError


def test_typical_profile_is_median_and_most_frequent_level():
    """Seed cohort (Table 1): median age 46 (19 patients); MRD negative in 15 of 19; ELN
    2022 favorable 3, intermediate 9, adverse 7 -> intermediate."""
    cohort = load_seed_cohort()
    profile = typical_profile(cohort, ["age", "mrd_pre_status", "eln2022_risk"])
    assert profile == {"age": float(round(cohort["age"].median())),
                       "mrd_pre_status": "negative", "eln2022_risk": "intermediate"}
    assert cohort["eln2022_risk"].value_counts().idxmax() == "intermediate"


def test_ties_take_the_first_level_and_it_is_not_a_patients_row():
    cohort = pd.DataFrame({"patient_id": ["1", "2", "3", "4"], "age": [20.0, 30.0, 70.0, 80.0],
                           "sex": ["M", "F", "F", "M"]})
    profile = typical_profile(cohort, ["age", "sex"])
    assert profile == {"age": 50.0, "sex": "M"}  # schema order: M before F
    rows = cohort[["age", "sex"]].itertuples(index=False, name=None)
    assert (profile["age"], profile["sex"]) not in set(rows)


def test_a_covariate_nobody_has_is_refused():
    cohort = pd.DataFrame({"patient_id": ["1", "2"], "age": [None, None], "sex": ["M", "F"]})
    with pytest.raises(AnalysisError, match=r"`age` is not recorded for any filtered patient"):
        typical_profile(cohort, ["age"])

"""Roles of a cohort's columns (issue 11): extra columns as groups or numbers, empty ones not
offered."""

import io

import numpy as np

from core.cohort.columns import MAX_LEVELS, extra_columns, has_values
from core.cohort.read import load_cohort, load_seed_cohort
from core.cox.display import covariate_options
from core.survival.km.summary import stratifier_options


def cohort_with_extras():
    rows = load_seed_cohort()[["patient_id", "os_months", "os_event"]].copy()
    rng = np.random.default_rng(2)
    rows["Transplant"] = rng.choice(["yes", "no"], len(rows))
    rows["LDH (U/L)"] = rng.uniform(100, 900, len(rows)).round()
    rows["Hospital no."] = [f"H{i:04d}" for i in range(len(rows))]  # identifier-like text
    rows["Constant"] = "same"
    return load_cohort(io.BytesIO(rows.to_csv(index=False).encode()))


def test_extra_columns_are_classified():
    extra = extra_columns(cohort_with_extras())
    assert extra.categorical == ("Transplant",)
    assert extra.numeric == ("LDH (U/L)",)
    assert MAX_LEVELS == 20


def test_pages_offer_extra_columns_and_not_empty_schema_columns():
    cohort = cohort_with_extras()
    assert stratifier_options(cohort) == ["Transplant"]  # outcome is never made up from events
    assert covariate_options(cohort) == ["Transplant", "LDH (U/L)"]
    assert not has_values(cohort, "mrd_pre_status") and has_values(cohort, "os_months")


def test_seed_offers_are_unchanged_by_extras():
    seed = load_seed_cohort()
    assert extra_columns(seed).categorical == () and extra_columns(seed).numeric == ()
    assert stratifier_options(seed)[:3] == ["eln2022_risk", "sorafenib_timing", "mrd_pre_status"]

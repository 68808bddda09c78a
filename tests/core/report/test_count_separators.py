"""Counts in the deliverables read with thousands separators (issue 24): "1,140 patients",
"(n=1,140)", as the page headers and :func:`core.cohort.text.plural` print them, never
"1140 patients"."""

from __future__ import annotations

import functools

import pandas as pd

from core.cohort.read import load_seed_cohort
from core.report.competing import competing_section
from core.report.sections import ReportChoices, cox_section, key_numbers
from core.survival.km.summary import survival_report


@functools.cache
def _big() -> pd.DataFrame:
    """The seed cohort 60 times (1,140 patients, 360 relapses), each copy its own ids."""
    seed = load_seed_cohort()
    copies = [seed.assign(patient_id=seed["patient_id"].astype(str) + f"-{i}")
              for i in range(60)]
    return pd.concat(copies, ignore_index=True)


def test_the_cox_section_prints_4_digit_counts_with_separators():
    section = cox_section(_big(), ReportChoices(cox_covariates=("mrd_pre_status",)))
    assert section.paragraphs[0].startswith(
        "Univariable Cox model of relapses: 1,140 patients, 360 relapses; "), section.paragraphs


def test_the_key_numbers_and_the_competing_numbers_print_n_with_separators():
    numbers = dict(key_numbers(survival_report(_big(), "rfs", None, (12.0, 24.0), 24.0)))
    assert any(label.endswith("(n=1,140)") for label in numbers), numbers
    competing = competing_section(_big(), ReportChoices())
    assert competing.metrics[0][0].endswith("(n=1,140): relapse by 12 months"), \
        competing.metrics

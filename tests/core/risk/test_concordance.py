"""Harrell's and Uno's C with standard errors (core.risk.concordance) against R survival.

Golden values: ``tests/core/golden/risk_r_golden.json`` (section "concordance"), written by
``tests/core/golden/make_risk_golden.R`` on the single-cause cohorts of section "score"
(continuous and whole-month times, no and heavy censoring, tied and constant risks, 8 to 2000
patients, the seed cohort)::

    concordance(Surv(time, status) ~ risk, reverse = TRUE)                          # Harrell
    concordance(Surv(time, status) ~ risk, reverse = TRUE, timewt = "n/G2",
                ymax = horizon)                                                     # Uno

C, its variance (infinitesimal jackknife) and the weighted pair counts to 1e-10 (seen 1e-15).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cox.concordance import harrell_c
from core.errors import AnalysisError
from core.risk.concordance import concordance_index

GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "golden"
                     / "risk_r_golden.json").read_text())
CASES = GOLDEN["concordance"]


def nan(value) -> float:
    return math.nan if value is None else float(value)


@pytest.mark.parametrize("kind", ["harrell", "uno"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_equals_survival_concordance(name, kind):
    score = GOLDEN["score"][name]
    df = pd.DataFrame(score["data"])
    got = concordance_index(df.time, df.status, df.risk, kind,
                            score["horizon"] if kind == "uno" else None)
    ref = CASES[name][kind]
    np.testing.assert_allclose(got.c_index, nan(ref["c"]), atol=1e-10, equal_nan=True)
    np.testing.assert_allclose(got.se ** 2, nan(ref["var"]), atol=1e-10, equal_nan=True)
    np.testing.assert_allclose([got.concordant, got.discordant, got.tied_risk],
                               [nan(v) for v in ref["counts"]], rtol=1e-10, equal_nan=True)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.integers(2, 40).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 6), min_size=n, max_size=n),
    st.lists(st.booleans(), min_size=n, max_size=n),
    st.lists(st.integers(-3, 3), min_size=n, max_size=n))))
def test_harrell_counts_equal_the_cox_concordance(cohort):
    """The per-patient counts add up to core.cox.concordance.harrell_c's pair counts."""
    time, event, risk = (np.asarray(v, dtype=float) for v in cohort)
    ours = concordance_index(time, event, risk)
    theirs = harrell_c(event, time, risk)
    assert (ours.concordant, ours.discordant, ours.tied_risk) == (
        theirs.concordant, theirs.discordant, theirs.tied_risk)
    np.testing.assert_allclose(ours.c_index, theirs.c_index, equal_nan=True)


def test_errors():
    with pytest.raises(AnalysisError, match="Uno's C needs a truncation time"):
        concordance_index([1, 2], [1, 0], [0.1, 0.2], kind="uno")
    with pytest.raises(AnalysisError, match="kind must be 'harrell' or 'uno', not 'gonen'"):
        concordance_index([1, 2], [1, 0], [0.1, 0.2], kind="gonen")
    with pytest.raises(AnalysisError, match="one time, event and risk per patient; got 2, 2 "
                                            "and 3"):
        concordance_index([1, 2], [1, 0], [0.1, 0.2, 0.3])

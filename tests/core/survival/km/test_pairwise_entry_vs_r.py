"""Pairwise log-rank tests with delayed entry (core.survival.km.pairwise.pairwise_logrank,
``entry=``) against R: each pair is the score test of the Breslow Cox model on the pair's rows.

Golden: tests/core/golden/make_pairwise_entry_golden.R ->
pairwise_entry_r_golden.json (R 4.2, survival 3.5.3):
``summary(coxph(Surv(entry, time, event) ~ group, data = pair, ties = "breslow"))$sctest``,
then ``p.adjust(p, "holm")`` / ``"BH"``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cohort.read import load_seed_cohort
from core.errors import AnalysisError
from core.survival.km.pairwise import pairwise_logrank

GOLDEN = json.loads((Path(__file__).parents[2] / "golden" / "pairwise_entry_r_golden.json")
                    .read_text())


def _cohorts() -> dict[str, pd.DataFrame]:
    seed = load_seed_cohort()
    study = pd.DataFrame({"entry": seed["os_months"] - seed["rfs_months"],
                          "time": seed["os_months"], "event": seed["os_event"],
                          "eln2022_risk": seed["eln2022_risk"]})  # the app's ELN order
    return {"study": study, "made": pd.DataFrame(GOLDEN["made"]["cohort"])}


BY = {"study": "eln2022_risk", "made": "group"}


@pytest.mark.parametrize("case", ["study", "made"])
@pytest.mark.parametrize("adjust", ["holm", "BH"])
def test_pairwise_tests_with_entry_equal_r(case, adjust):
    golden = GOLDEN[case]
    result = pairwise_logrank(_cohorts()[case], "time", "event", BY[case], p_adjust=adjust,
                              entry="entry")
    expected = pd.DataFrame(golden["pairs"])
    assert result.table[["group1", "group2"]].values.tolist() == \
        expected[["group1", "group2"]].values.tolist()
    np.testing.assert_allclose(result.table["statistic"], expected["statistic"], rtol=0,
                               atol=1e-9)
    np.testing.assert_allclose(result.table["p_value"], expected["p_value"], rtol=1e-9,
                               atol=1e-12)
    np.testing.assert_allclose(result.table["p_adjusted"],
                               golden["holm" if adjust == "holm" else "bh"], rtol=1e-9,
                               atol=1e-12)
    assert result.delayed_entry and "Cox score tests, delayed entry" in result.describe()


def test_with_every_entry_zero_each_pair_is_the_score_test_not_survdiff():
    """Entry 0 for everyone: the same risk sets as without entry; the test stays the Cox
    score test (R sctest), which equals survdiff where no event times are tied."""
    cohort = _cohorts()["made"].assign(entry=0.0, time=lambda d: d["time"] + d["id"] / 1000)
    with_entry = pairwise_logrank(cohort, "time", "event", "group", entry="entry").table
    without = pairwise_logrank(cohort, "time", "event", "group").table
    np.testing.assert_allclose(with_entry["statistic"], without["statistic"], rtol=1e-9)


def test_a_weighted_pairwise_test_with_entry_is_refused():
    with pytest.raises(AnalysisError, match=r"^A weighted log-rank test \(rho = 1\) cannot "
                                            r"take a delayed-entry time \(`entry`\)"):
        pairwise_logrank(_cohorts()["made"], "time", "event", "group", rho=1, entry="entry")

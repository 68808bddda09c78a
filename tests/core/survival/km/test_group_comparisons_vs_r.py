"""Weighted, stratified and pairwise log-rank tests, milestone differences and RMST contrasts
against R on five seeded cohorts (integer-month ties and continuous times; 2, 3 and 4 groups,
numeric labels 1, 2, 10, 20 in R's numeric factor order; missing time, group and stratum; a
group without events; a group absent from a stratum; crossing curves; a milestone after one
group's last follow-up).

Golden values and the cohorts: ``tests/core/golden/group_comparisons_r_golden.json``, written by
``tests/core/golden/make_group_comparisons_golden.R`` (R 4.2, survival 3.5.3, survminer 0.4.9):

- ``survdiff(Surv(time, event) ~ group, rho = r)`` for r in 0, 0.5, 1, 2;
- ``survdiff(Surv(time, event) ~ group + strata(centre), rho = r)`` for r in 0, 1;
- ``survminer::pairwise_survdiff(Surv(time, event) ~ group, data, p.adjust.method, rho)`` for
  holm, BH, none and rho 0, 1 (chi-squares from ``survdiff`` on each pair's rows);
- ``summary(survfit(Surv(time, event) ~ 1), times = t)`` per group, differences as tern's
  ``s_surv_timepoint_diff`` (S_g - S_ref, Greenwood SEs added in quadrature, z test);
- survRM2 1.0-4 ``rmst2`` unadjusted formulas reproduced in the script (per-group RMST and SE
  checked there against ``summary(survfit, rmean = tau)``).

Tolerance 1e-9 relative and absolute (1e-6 is the house minimum; these agree to rounding).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.survival import logrank, pairwise_logrank
from core.survival.km.contrasts import milestone_difference, rmst_comparison

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "group_comparisons_r_golden.json"
CASES = json.loads(GOLDEN.read_text())["cases"]
NAMES = sorted(CASES)
TOL = 1e-9


def cohort(name: str) -> pd.DataFrame:
    return pd.DataFrame(CASES[name]["data"])


def close(ours, theirs, what: str) -> None:
    np.testing.assert_allclose(np.asarray(ours, dtype=float),
                               np.asarray(pd.Series(theirs, dtype=float)),
                               rtol=TOL, atol=TOL, equal_nan=True, err_msg=what)


@pytest.mark.parametrize("name", NAMES)
def test_weighted_logrank_equals_survdiff_rho(name):
    """R: survdiff(Surv(time, event) ~ group, rho = r)."""
    df = cohort(name)
    for expected in CASES[name]["logrank"]:
        result = logrank(df, "time", "event", "group", rho=expected["rho"])
        what = f"{name}, rho {expected['rho']}"
        close(result.statistic, expected["statistic"], what)
        assert result.dof == expected["dof"], what
        close(result.p_value, expected["p_value"], what)
        assert result.rho == expected["rho"]


@pytest.mark.parametrize("name", NAMES)
def test_stratified_logrank_equals_survdiff_strata(name):
    """R: survdiff(Surv(time, event) ~ group + strata(centre), rho = r); rows without a
    centre are left out by R and counted by us."""
    df = cohort(name)
    for expected in CASES[name]["stratified"]:
        result = logrank(df, "time", "event", "group", rho=expected["rho"], strata="centre")
        what = f"{name}: {expected['call']}"
        close(result.statistic, expected["statistic"], what)
        assert result.dof == expected["dof"], what
        close(result.p_value, expected["p_value"], what)
        assert result.strata == "centre"
    missing = int((df["time"].notna() & (df["group"].isna() | df["centre"].isna())).sum())
    counted = sum(e.count for e in result.exclusions if "`centre`" in e.reason)
    assert counted == missing


@pytest.mark.parametrize("name", NAMES)
def test_pairwise_logrank_equals_pairwise_survdiff(name):
    """R: survminer::pairwise_survdiff(Surv(time, event) ~ group, data, p.adjust.method, rho)."""
    df = cohort(name)
    for expected in CASES[name]["pairwise"]:
        result = pairwise_logrank(df, "time", "event", "group", p_adjust=expected["p_adjust"],
                                  rho=expected["rho"])
        ours, theirs = result.table, pd.DataFrame(expected["table"])
        what = f"{name}, {expected['p_adjust']}, rho {expected['rho']}"
        assert list(ours.columns) == ["group1", "group2", "statistic", "p_value", "p_adjusted"]
        assert ours["group1"].tolist() == theirs["group1"].astype(str).tolist(), what
        assert ours["group2"].tolist() == theirs["group2"].astype(str).tolist(), what
        for column in ("statistic", "p_value", "p_adjusted"):
            close(ours[column], theirs[column], f"{what}: {column}")


@pytest.mark.parametrize("name", NAMES)
def test_milestone_difference_equals_summary_survfit(name):
    """R: summary(survfit(Surv(time, event) ~ 1), times = t) per group; tern's difference."""
    df = cohort(name)
    expected = CASES[name]["milestone"]
    result = milestone_difference(df, "time", "event", "group", at=expected["time"])
    theirs = pd.DataFrame(expected["table"])
    ours = result.table
    assert ours["group"].tolist() == theirs["group"].astype(str).tolist()
    assert (ours["reference"] == CASES[name]["levels"][0]).all()
    for column in ("survival", "reference_survival", "difference", "se", "ci_lower",
                   "ci_upper", "p_value"):
        close(ours[column], theirs[column], f"{name}: {column}")
    if theirs["survival"].isna().any():  # a group followed less long than the milestone
        assert any("not estimable" in note for note in result.notes)


@pytest.mark.parametrize("name", NAMES)
def test_rmst_contrasts_equal_rmst2(name):
    """R: survRM2 rmst2(time, status, arm, tau) unadjusted, each group (arm 1) against the
    first (arm 0), one tau for all pairs (the smallest rmst2 default)."""
    df = cohort(name)
    expected = CASES[name]["rmst"]
    result = rmst_comparison(df, "time", "event", "group")
    close(result.tau, expected["tau"], f"{name}: tau")
    groups = pd.DataFrame(expected["groups"])
    assert result.groups["group"].tolist() == groups["group"].astype(str).tolist()
    for column in ("rmst", "se", "rmst_lower", "rmst_upper", "rmtl", "rmtl_lower",
                   "rmtl_upper"):
        close(result.groups[column], groups[column], f"{name}: {column}")
    table = pd.DataFrame(expected["table"])
    assert result.table["contrast"].tolist() == table["contrast"].tolist()
    assert result.table["group"].tolist() == table["group"].astype(str).tolist()
    for column in ("estimate", "ci_lower", "ci_upper", "p_value"):
        close(result.table[column], table[column], f"{name}: {column}")

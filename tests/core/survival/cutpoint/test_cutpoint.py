"""Maximally selected log-rank statistic against R's maxstat 0.7-25.

Golden values: ``tests/core/golden/maxstat_r_golden.json``, written by
``tests/core/golden/make_maxstat_golden.R`` (R 4.2.2, maxstat 0.7-25, mvtnorm 1.1-3). Every
case is ``maxstat.test(Surv(time, event) ~ marker, data, smethod = "LogRank", pmethod =
"Lau92", minprop, maxprop)``; its data (seeded cohorts made in R, and the seed cohort's age,
WBC and blasts on OS and RFS) are stored next to the results.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cohort.read import load_seed_cohort
from core.errors import AnalysisError
from core.survival.cutpoint.maxstat import (
    exact_gauss_p,
    lausen92_critical,
    lausen92_p,
    logrank_scores,
    marker_options,
    max_logrank,
    permutation_max_logrank,
    permutation_resamples,
    split_name,
    with_split,
)

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
R = json.loads((GOLDEN / "maxstat_r_golden.json").read_text())["results"]
TOL = 1e-9
CASES = sorted(R)


def golden_input(key: str) -> pd.DataFrame:
    return pd.DataFrame(R[key]["data"])


@pytest.mark.parametrize("key", CASES)
def test_cutpoint_statistic_and_lau92_p_equal_r(key):
    """R: maxstat.test(Surv(time, event) ~ marker, data, smethod = "LogRank",
    pmethod = "Lau92", minprop, maxprop): estimate, statistic, p.value (call in the JSON)."""
    case = R[key]
    result = max_logrank(golden_input(key), "time", "event", "marker", case["minprop"],
                         case["maxprop"])
    assert result.cutpoint == case["estimate"]
    assert result.estimate == case["estimate"]
    assert result.statistic == pytest.approx(case["statistic"], rel=TOL)
    if case["p_value"] is None:  # R: Inf when minprop = 0 (log of 1/0), written as null
        assert math.isinf(result.p_value)
    else:
        assert result.p_value == pytest.approx(case["p_value"], rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("key", CASES)
def test_whole_curve_equals_r(key):
    """R: the same call's $cuts (x[m]) and $stats (standardized statistic at each cut)."""
    case = R[key]
    result = max_logrank(golden_input(key), "time", "event", "marker", case["minprop"],
                         case["maxprop"])
    np.testing.assert_array_equal(result.curve["cut"].to_numpy(), np.asarray(case["cuts"]))
    np.testing.assert_allclose(result.curve["statistic"].to_numpy(), case["stats"], rtol=TOL)
    assert (result.curve["n_below"] + result.curve["n_above"] == result.n).all()


RELIABLE_R = [k for k in CASES if R[k].get("p_exact_gauss") is not None and k != "wbc_250"]


@pytest.mark.parametrize("key", RELIABLE_R)
def test_exact_gauss_p_within_r_pmvnorm_error(key):
    """R: pexactgauss(statistic, marker, minprop, maxprop, algorithm = GenzBretz(maxpts = 2e6,
    abseps = 1e-6)) (= maxstat.test(..., pmethod = "exactGauss") at higher precision). R's
    pmvnorm is randomized and reports its error; the recursion is deterministic, so the two
    agree within 4 times R's error estimate (plus 2e-6 for R's optimistic estimates)."""
    case = R[key]
    result = max_logrank(golden_input(key), "time", "event", "marker", case["minprop"],
                         case["maxprop"])
    assert result.exact_gauss_p == pytest.approx(
        case["p_exact_gauss"], abs=4 * case["p_exact_gauss_error"] + 2e-6)


def test_exact_gauss_p_checked_by_simulation_where_r_pmvnorm_fails():
    """wbc_250 has 166 cuts: R's pmvnorm gives 7.2e-7 (error 2.7e-7) at the observed 5.28,
    the recursion 4.94e-6 (between R and Lau92's 8.4e-6). The recursion (0.043234 at b = 3)
    is checked at b = 3 against 200,000 seeded simulations of the Gaussian process
    (W(s_k) / sqrt(s_k) for a Brownian motion W), simulation SE 0.00046."""
    case = R["wbc_250"]
    data = golden_input("wbc_250")
    result = max_logrank(data, "time", "event", "marker")
    m = result.curve["n_below"].to_numpy(dtype=float)
    s = m / (result.n - m)
    rng = np.random.default_rng(1)
    hits = 0
    for _ in range(4):
        steps = rng.standard_normal((50_000, m.size)) * np.sqrt(np.diff(np.r_[0, s]))
        hits += int((np.abs(np.cumsum(steps, axis=1) / np.sqrt(s)).max(axis=1) >= 3).sum())
    assert exact_gauss_p(3.0, m, result.n) == pytest.approx(hits / 200_000, abs=4 * 4.6e-4)
    assert case["p_exact_gauss"] < result.exact_gauss_p < case["p_value"]


def test_exact_gauss_p_one_cut_is_the_two_sided_normal_p():
    """R pexactgauss: with one cut, 2 * pnorm(-b)."""
    assert exact_gauss_p(1.96, np.array([5.0]), 10) == pytest.approx(0.0499957902964, rel=1e-9)


def test_exact_gauss_p_declines_when_too_costly():
    assert exact_gauss_p(3.0, np.arange(1.0, 400.0), 400, work_limit=1000) is None


def test_lausen92_formula_and_r_conventions():
    """R: maxstat:::pLausen92(b, minprop, maxprop); pLausen92(0.9) = 1; pLausen92(1.1, 0.01,
    0.99) = 1.17367... (R does not cap at 1); pLausen92(3, 0.1, 0.9) = 0.05784388456919."""
    assert lausen92_p(0.9) == 1.0
    db = math.exp(-1.1 ** 2 / 2) / math.sqrt(2 * math.pi)
    assert lausen92_p(1.1, 0.01, 0.99) == pytest.approx(
        4 * db / 1.1 + db * (1.1 - 1 / 1.1) * math.log(0.99 * 0.99 / (0.01 * 0.01)), rel=1e-12)
    assert lausen92_p(1.1, 0.01, 0.99) > 1
    assert lausen92_p(3.0) == pytest.approx(0.057843884569190325, rel=1e-12)
    assert math.isinf(lausen92_p(2.0, 0.0, 0.9))


def test_logrank_scores_by_hand_with_tied_times():
    """exactRankTests::cscores.Surv: event - cumsum(event / (N - r + 1)), r the largest rank of
    tied times. Times 1, 2, 2, 3 with events 1, 1, 0, 1: the tied pair shares r = 3."""
    scores = logrank_scores(np.array([2.0, 1.0, 2.0, 3.0]), np.array([1, 1, 0, 1]))
    c1 = 1 / 4
    c2 = c1 + 1 / 2  # the tied event at time 2 uses N - 3 + 1 = 2, as maxstat does
    c3 = c2 + 1 / 1
    np.testing.assert_allclose(scores, [1 - c2, 1 - c1, 0 - c2, 1 - c3], rtol=1e-15)


def test_permutation_p_enumerates_small_cohorts_like_brute_force():
    """Five patients: 120 orderings, enumerated; equals re-running max_logrank on each
    permutation of the marker."""
    data = pd.DataFrame({"t": [2, 3, 3, 5, 9], "e": [1, 0, 1, 1, 1], "x": [1.5, 2, 2, 7, 4]})
    result = permutation_max_logrank(data, "t", "e", "x")
    observed = max_logrank(data, "t", "e", "x").statistic
    count = 0
    for order in itertools.permutations(range(5)):
        shuffled = data.assign(x=data["x"].to_numpy()[list(order)])
        count += max_logrank(shuffled, "t", "e", "x").statistic >= observed * (1 - 1e-12)
    assert result.exact and result.n_resamples == 120
    assert result.p_value == pytest.approx(count / 120, abs=1e-12)


def test_permutation_p_is_seeded_and_near_the_gaussian_limit():
    """100 patients: the seeded Monte Carlo p is reproducible and within 4 simulation SE of
    the exact Gaussian p (R exactGauss 0.00128 on this cohort)."""
    data = golden_input("null_100")
    first = permutation_max_logrank(data, "time", "event", "marker")
    again = permutation_max_logrank(data, "time", "event", "marker")
    assert first == again and not first.exact and first.seed is not None
    gauss = max_logrank(data, "time", "event", "marker").exact_gauss_p
    assert abs(first.p_value - gauss) < 4 * first.mc_standard_error + 1 / 2001


def test_rows_without_marker_are_counted_not_dropped():
    seed = load_seed_cohort()
    seed.loc[[0, 3], "wbc"] = np.nan
    result = max_logrank(seed, "rfs_months", "rfs_event", "wbc")
    assert result.n == 17
    assert [e.count for e in result.exclusions] == [2]
    assert result.exclusions[0].patients == ("1", "4")


def test_errors_name_the_rule_and_the_fix():
    seed = load_seed_cohort()
    with pytest.raises(AnalysisError, match="must be numeric to be cut; it holds 'M'"):
        max_logrank(seed, "rfs_months", "rfs_event", "sex")
    with pytest.raises(AnalysisError, match="Column `nope` is not in the cohort"):
        max_logrank(seed, "rfs_months", "rfs_event", "nope")
    with pytest.raises(AnalysisError, match="0 <= minprop < maxprop <= 1"):
        max_logrank(seed, "rfs_months", "rfs_event", "age", 0.6, 0.4)
    with pytest.raises(AnalysisError, match="needs events: 19 patients with 0 events"):
        max_logrank(seed.assign(rfs_event=0), "rfs_months", "rfs_event", "age")
    few = seed.assign(marker=[1] + [2] * 18)
    with pytest.raises(AnalysisError, match="minprop too large"):
        max_logrank(few, "rfs_months", "rfs_event", "marker", 0.3, 0.9)
    with pytest.raises(AnalysisError, match="minprop = 0 and maxprop = 1 need at least 3"):
        max_logrank(few, "rfs_months", "rfs_event", "marker", 0.0, 1.0)
    two = seed.assign(marker=[1] * 16 + [2] * 3)
    with pytest.raises(AnalysisError, match="No cut of the marker leaves between 20% and 80%"):
        max_logrank(two, "rfs_months", "rfs_event", "marker", 0.2, 0.8)
    tied = seed.assign(rfs_event=1, rfs_months=5.0)
    with pytest.raises(AnalysisError, match="Every patient has the same log-rank score"):
        max_logrank(tied, "rfs_months", "rfs_event", "age")


cohorts = st.integers(min_value=0, max_value=10_000).map(
    lambda s: pd.DataFrame(R["wbc_100"]["data"]).sample(40, random_state=s).reset_index(drop=True))


@settings(max_examples=25, deadline=None, derandomize=True)
@given(cohorts, st.sampled_from(["log", "cube", "affine"]))
def test_monotone_transform_gives_the_same_split(data, how):
    """A strictly increasing transform of the marker changes the cut's value, not the split."""
    transform = {"log": np.log1p, "cube": lambda x: x ** 3, "affine": lambda x: 2.5 * x - 7}[how]
    before = max_logrank(data, "time", "event", "marker")
    after = max_logrank(data.assign(marker=transform(data["marker"])), "time", "event", "marker")
    assert after.statistic == pytest.approx(before.statistic, rel=1e-9)
    lower = data["marker"] <= before.cutpoint
    assert ((transform(data["marker"]) <= after.cutpoint) == lower).all()


@settings(max_examples=25, deadline=None, derandomize=True)
@given(cohorts, st.integers(min_value=0, max_value=1000))
def test_row_order_does_not_matter(data, seed):
    shuffled = data.sample(frac=1, random_state=seed)
    a = max_logrank(data, "time", "event", "marker")
    b = max_logrank(shuffled, "time", "event", "marker")
    assert (a.cutpoint, a.n) == (b.cutpoint, b.n)
    assert a.statistic == pytest.approx(b.statistic, rel=1e-12)
    assert a.exact_gauss_p == pytest.approx(b.exact_gauss_p, rel=1e-9)


def test_lausen92_critical_value_equals_r_qlausen92():
    """R: maxstat:::qLausen92(0.05) = 3.05416430542; qLausen92(0.05, 0.2, 0.8) =
    2.90293961104 (R's optimize() stops within about 1e-5; here pLausen92(b) = 0.05 to
    1e-12)."""
    assert lausen92_critical(0.05) == pytest.approx(3.05416430542, abs=1e-4)
    assert lausen92_critical(0.05, 0.2, 0.8) == pytest.approx(2.90293961104, abs=1e-4)
    assert lausen92_p(lausen92_critical(0.05)) == pytest.approx(0.05, abs=1e-12)


def test_cutpoint_figure_draws_curve_cut_and_both_reference_lines():
    from core.survival.figures.cutpoint import NAIVE_CRITICAL, cutpoint_figure
    result = max_logrank(load_seed_cohort(), "rfs_months", "rfs_event", "age")
    figure = cutpoint_figure(result)
    assert list(figure.data[0].x) == result.curve["cut"].tolist()
    vertical = [s.x0 for s in figure.layout.shapes if s.xref == "x"]
    horizontal = [s.y0 for s in figure.layout.shapes if s.yref == "y"]
    assert vertical == [result.cutpoint]
    assert horizontal == [pytest.approx(lausen92_critical(0.05)), NAIVE_CRITICAL]
    assert "misleading after a search" in " ".join(a.text for a in figure.layout.annotations)


def test_permutation_resamples_shrink_only_for_large_cohorts():
    assert permutation_resamples(19) == 2000
    assert permutation_resamples(10_000) == 2000
    assert permutation_resamples(100_000) == 200
    assert permutation_resamples(10**7) == 200


def test_marker_options_and_split_column():
    seed = load_seed_cohort()
    options = marker_options(seed)
    assert options[:3] == ["age", "wbc", "blasts_pct"]
    assert not any(o.endswith(("_months", "_event")) or o == "patient_id" for o in options)
    result = max_logrank(seed, "rfs_months", "rfs_event", "age")
    split = with_split(seed.assign(age=[np.nan] + list(seed["age"][1:])), result)
    assert split_name(result) == "age split at 69"
    assert split["age split at 69"].value_counts().to_dict() == {"<= 69": 14, "> 69": 4}
    assert split["age split at 69"].isna().sum() == 1

"""Competing risks against R cmprsk 2.2.11.

Golden JSON from tests/core/golden/make_competing_golden.R.

Every case's data rows are in the JSON, so Python fits the very rows R fitted.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import AnalysisError
from core.survival.competing import (
    cumulative_incidence,
    cumulative_incidence_at,
    fine_gray,
    gray_test,
)
from core.survival.competing.estimate import VARIANCE
from core.survival.competing.gray import permutation_gray
from core.survival.competing.input import (
    DATED_TEXT,
    DEATH_RULE_TEXT,
    competing_data,
    competing_status,
)

GOLDEN = json.loads((Path(__file__).parents[2] / "golden" / "competing_r_golden.json")
                    .read_text())
CASES = sorted(GOLDEN)
TOL = 1e-6


def frame(name: str) -> pd.DataFrame:
    d = pd.DataFrame(GOLDEN[name]["data"])
    d["patient_id"] = np.arange(1, len(d) + 1)
    return d


@pytest.mark.parametrize("name", CASES)
def test_cumulative_incidence_at_equals_cmprsk_timepoints(name):
    """R: fit <- cuminc(time, status, group); timepoints(fit, times): est, var (se = sqrt(var));
    interval est^exp(-/+ z se / (est log est)) computed in R from est and var."""
    case = GOLDEN[name]
    d = frame(name)
    r = pd.DataFrame(case["at"])
    for cause in sorted(r["cause"].unique()):
        ours = cumulative_incidence_at(d, "time", "status", case["times"], cause=int(cause),
                                       by="group", conf_level=case["conf_level"])
        want = r[r["cause"] == cause].reset_index(drop=True)
        assert list(ours["group"]) == [str(g) for g in want["group"]]
        np.testing.assert_allclose(ours["time"], want["time"])
        for column in ("cif", "se", "ci_lower", "ci_upper"):
            np.testing.assert_allclose(ours[column].to_numpy(float),
                                       want[column].to_numpy(float), atol=TOL, rtol=0,
                                       equal_nan=True, err_msg=f"{name} cause {cause} {column}")
        np.testing.assert_array_equal(ours["n_risk"], want["n_risk"])


@pytest.mark.parametrize("name", CASES)
def test_unstratified_incidence_equals_cmprsk(name):
    """R: timepoints(cuminc(time, status), times) with every patient in one group."""
    case = GOLDEN[name]
    d = frame(name)
    r = pd.DataFrame(case["overall"])
    for cause in sorted(r["cause"].unique()):
        ours = cumulative_incidence_at(d, "time", "status", case["times"], cause=int(cause),
                                       conf_level=case["conf_level"])
        want = r[r["cause"] == cause]
        assert set(ours["group"]) == {"All"}
        for column in ("cif", "se", "ci_lower", "ci_upper"):
            np.testing.assert_allclose(ours[column].to_numpy(float),
                                       want[column].to_numpy(float), atol=TOL, rtol=0,
                                       equal_nan=True)


@pytest.mark.parametrize("name", CASES)
def test_gray_test_equals_cmprsk_tests(name):
    """R: cuminc(time, status, group)$Tests (stat, pv, df), per cause; 3 groups, ties and a group
    without events of cause 1 included."""
    d = frame(name)
    for row in GOLDEN[name]["tests"]:
        ours = gray_test(d, "time", "status", "group", cause=row["cause"])
        assert ours.statistic == pytest.approx(row["statistic"], abs=1e-8, rel=1e-8)
        assert ours.p_value == pytest.approx(row["p_value"], abs=1e-8, rel=1e-8)
        assert ours.dof == row["dof"]


def _fits(name):
    return [(name, i) for i in range(len(GOLDEN[name]["crr"]))]


@pytest.mark.parametrize(("name", "index"), [f for n in CASES for f in _fits(n)])
def test_fine_gray_equals_crr(name, index):
    """R: crr(time, status, model.matrix(~ covariates)[, -1], failcode = cause): coef,
    sqrt(diag(var)), Wald p 2 * pnorm(-|coef / se|), converged."""
    case = GOLDEN[name]
    fit = case["crr"][index]
    d = frame(name)
    d["group"] = d["group"].astype(str)
    events = int((d["status"] == fit["cause"]).sum())
    assert events >= 1  # R crr fits (without converging) from 1 event; 0 is an error there
    covariates, terms = fit["covariates"], fit["terms"]
    if case.get("levels_k"):  # the seed's ELN risk: the schema orders its levels as R did
        d = d.rename(columns={"k": "eln2022_risk"})
        covariates = [c.replace("k", "eln2022_risk") if c == "k" else c for c in covariates]
        terms = [t.replace("k[", "eln2022_risk[") for t in terms]
    ours = fine_gray(d, "time", "status", covariates, cause=fit["cause"])
    assert list(ours.table.index) == terms
    assert ours.converged == fit["converged"]
    if not fit["converged"]:
        assert ours.warnings, "a fit R reports as not converged must carry a warning"
    tol = TOL  # also where R stops without converging: same iterations, same numbers
    np.testing.assert_allclose(ours.table["coef"], fit["coef"], atol=tol, rtol=tol)
    np.testing.assert_allclose(ours.table["se"], fit["se"], atol=tol, rtol=tol)
    np.testing.assert_allclose(ours.table["p_value"], fit["p_value"], atol=tol, rtol=tol)
    assert ours.loglik == pytest.approx(fit["loglik"], abs=tol)
    z = 1.959963984540054
    np.testing.assert_allclose(ours.table["hr_lower"],
                               np.exp(np.array(fit["coef"]) - z * np.array(fit["se"])),
                               rtol=10 * tol)


def test_group_without_events_is_flagged_never_a_narrow_hr():
    """R crr on group B (no relapse) returns ~ -11 with converged = FALSE; we must warn."""
    d = frame("no_events_group")
    fit = fine_gray(d, "time", "status", "group")
    assert any("No event of cause 1 among patients with group = B" in w for w in fit.warnings)
    assert any("did not converge" in w for w in fit.warnings)


def test_se_names_gray_variance():
    d = frame("ties")
    fit = cumulative_incidence(d, "time", "status", by="group")
    assert fit.variance == VARIANCE and "cmprsk::cuminc" in fit.variance


def test_against_scikit_survival_aalen_johansen():
    """scikit-survival's cumulative_incidence_competing_risks gives the same point estimate."""
    from sksurv.nonparametric import cumulative_incidence_competing_risks

    d = frame("random80")
    times, cif = cumulative_incidence_competing_risks(d["status"].to_numpy(),
                                                      d["time"].to_numpy())
    for cause in (1, 2, 3):
        ours = cumulative_incidence(d, "time", "status", cause=cause).table
        np.testing.assert_allclose(ours["cif"], cif[cause], atol=1e-12)
        np.testing.assert_allclose(ours["time"], times)


def test_seed_rule_keeps_patient_17_censored_and_says_so():
    from core.cohort import load_seed_cohort

    seed = load_seed_cohort()
    rule = competing_status(seed)
    assert rule.unplaced == ("17",) and rule.placed == ()
    assert rule.status[seed["patient_id"] == 17].item() == 0
    assert "patient 17" in rule.describe()
    sensitivity = competing_status(seed, "end_of_rfs")
    assert sensitivity.placed == ("17",)
    assert sensitivity.status[seed["patient_id"] == 17].item() == 2


def test_rule_lists_at_most_eight_ids_and_counts_the_rest():
    """A registry's 88,178 deaths without relapse once filled the info box (700,000
    characters): the sentence names eight patients and counts the others."""
    n = 30
    d = pd.DataFrame({"patient_id": [f"P{i}" for i in range(n)], "rfs_event": 0, "os_event": 1})
    text = competing_status(d).describe()
    assert "patients P0, P1, P2, P3, P4, P5, P6, P7 and 22 more (died without relapse" in text
    assert "P8" not in text
    placed = competing_status(d.head(8), "end_of_rfs").describe()
    assert placed.endswith("patients P0, P1, P2, P3, P4, P5, P6, P7.")


def test_recorded_status_column_wins():
    d = pd.DataFrame({"patient_id": [1, 2, 3], "rfs_event": [0, 1, 0], "os_event": [1, 0, 0],
                      "rfs_status": [2, np.nan, 0]})
    assert competing_status(d).status.tolist() == [2.0, 1.0, 0.0]
    assert competing_status(d).explanation == DEATH_RULE_TEXT["censor"]  # one not recorded
    d["rfs_status"] = [2, 1, 0]  # every cause recorded (an upload built from dates)
    assert competing_status(d).explanation == DATED_TEXT


def test_bad_inputs_are_named():
    d = pd.DataFrame({"patient_id": [1, 2, 3], "t": [1.0, 2.0, 3.0], "s": [0, 1, 1.5],
                      "g": ["a", "b", "a"]})
    with pytest.raises(AnalysisError, match=r"Column `s`: 1 value\(s\) are not a status code: "
                                            r"patient 3 \(1.5\)"):
        cumulative_incidence_at(d, "t", "s", [1])
    with pytest.raises(AnalysisError, match="Column `nope` is not in the cohort"):
        cumulative_incidence_at(d, "t", "nope", [1])
    d["s"] = [0, 1, 2]
    with pytest.raises(AnalysisError, match="cause must be a status code 1, 2"):
        cumulative_incidence_at(d, "t", "s", [1], cause=0)
    with pytest.raises(AnalysisError, match="conf_level must be between 0 and 1"):
        cumulative_incidence_at(d, "t", "s", [1], conf_level=1.5)
    with pytest.raises(AnalysisError, match=r"Times must be months >= 0"):
        cumulative_incidence_at(d, "t", "s", [-1])
    with pytest.raises(AnalysisError, match="only 1 group has patients"):
        gray_test(d.assign(g="a"), "t", "s", "g")
    with pytest.raises(AnalysisError, match="No patient has an event of cause 3"):
        gray_test(d, "t", "s", "g", cause=3)
    with pytest.raises(AnalysisError, match="death_rule must be one of"):
        competing_status(d.assign(rfs_event=0), "guess")
    with pytest.raises(AnalysisError, match="has no `rfs_event` column"):
        competing_status(d)
    with pytest.raises(AnalysisError, match="Choose at least one covariate"):
        fine_gray(d, "t", "s", [])
    with pytest.raises(AnalysisError, match="has no column `w`"):
        fine_gray(d, "t", "s", ["w"])
    with pytest.raises(AnalysisError, match=r"needs at least 1 event of cause 1; there are "
                                            r"none among the 3 patients"):
        fine_gray(d.assign(s=[0, 2, 2]), "t", "s", ["g"])
    d2 = pd.DataFrame({"t": [1.0, 2, 3, 4], "s": [1, 1, 0, 2], "g": ["a"] * 4})
    with pytest.raises(AnalysisError, match="take one value for every patient"):
        fine_gray(d2, "t", "s", ["g"])


def test_permutation_gray_is_exact_for_small_groups():
    d = frame("seed_end_of_rfs")
    result = permutation_gray(d, "time", "status", "group")
    assert result.exact and result.n_resamples == 3876
    assert 0 < result.p_value <= 1
    with pytest.raises(AnalysisError, match="at least 2 patients in every group"):
        permutation_gray(d.assign(group=["a"] + ["b"] * 18), "time", "status", "group")


def test_missing_rows_are_counted():
    d = frame("ties")
    d.loc[[0, 1], "status"] = np.nan
    data = competing_data(d, "time", "status", "group")
    assert data.survival.n_excluded == 2
    assert data.status.size == len(d) - 2


def test_at_table_names_its_variance_and_interval():
    d = frame("ties")
    table = cumulative_incidence_at(d, "time", "status", [1, 2], by="group")
    assert table.attrs["se"] == VARIANCE and "log(-log)" in table.attrs["ci"]


def test_categorical_dtype_orders_levels_as_r_factor():
    """R: factor(k, levels = c("c", "a", "b")) makes "c" the reference."""
    d = frame("random80")
    d["k"] = pd.Categorical(d["k"], categories=["c", "a", "b"])
    fit = fine_gray(d, "time", "status", ["k"])
    assert list(fit.table.index) == ["k[a]", "k[b]"]


def test_gray_test_refuses_an_oversized_problem(monkeypatch):
    import core.survival.competing.gray as gray

    monkeypatch.setattr(gray, "MAX_CELLS", 10)
    with pytest.raises(AnalysisError, match="exceeds this app's limit of 10 cells"):
        gray.gray_test(frame("ties"), "time", "status", "group")


def test_engine_source_gives_the_same_numbers(tmp_path):
    """A DuckDB cohort source (core.cohort.open_cohort) is accepted like a DataFrame."""
    from core.cohort import open_cohort

    d = frame("three_groups")
    d["group"] = d["group"].astype(str)
    path = tmp_path / "cohort.csv"
    d.to_csv(path, index=False)
    source = open_cohort(path)
    a = cumulative_incidence_at(d, "time", "status", [3, 12], by="group")
    b = cumulative_incidence_at(source, "time", "status", [3, 12], by="group")
    pd.testing.assert_frame_equal(a, b)
    assert gray_test(source, "time", "status", "group").statistic == pytest.approx(
        gray_test(d, "time", "status", "group").statistic, rel=1e-12)
    np.testing.assert_allclose(fine_gray(source, "time", "status", ["x", "k"]).table["coef"],
                               fine_gray(d, "time", "status", ["x", "k"]).table["coef"],
                               rtol=1e-10)


def test_fine_gray_warnings_are_empty_for_a_sound_fit_and_epv_is_a_note():
    """``warnings`` is for estimates that must not be read (divergence, no event in a level):
    a sound fit on 400 seeded patients has none; with 3 coefficients for 12 events of the
    cause the fit is sound too, and the few-events caveat is a note."""
    rng = np.random.default_rng(20261125)
    n = 400
    big = pd.DataFrame({"t": rng.exponential(20, n).round(1), "s": rng.integers(0, 3, n),
                        "g": rng.choice(["a", "b"], n), "x": rng.normal(size=n)})
    fit = fine_gray(big, "t", "s", ["g", "x"])
    assert fit.warnings == () and fit.notes == ()
    small = big.iloc[:40].copy()
    small["s"] = np.where(np.arange(40) < 12, 1, 0)
    small["h"] = rng.choice(["u", "v"], 40)
    fit = fine_gray(small, "t", "s", ["g", "x", "h"])
    assert fit.warnings == ()
    assert len(fit.notes) == 1 and fit.notes[0].startswith(
        "Only 12 events of cause 1 for 3 coefficients (4.0 per coefficient")


def test_cause_specific_messages_name_the_event_not_an_internal_column():
    """Seen: '`_cause_event` has 1 event' on the Competing risks page."""
    from core.cohort.read import load_seed_cohort
    from core.cox.cause_specific import cause_specific_cox

    few = load_seed_cohort().query("mrd_pre_status == 'positive'")
    with pytest.raises(AnalysisError, match=r"`death without relapse \(cause-specific event\)` "
                                            r"has \d+ among") as error:
        cause_specific_cox(few, ["sex"], cause=2)
    assert "_cause_event" not in str(error.value)


def test_competing_data_leaves_the_cohort_unchanged():
    """The status column is set on a shallow copy (no copy of the other columns: 10^6 rows);
    the caller's frame keeps its own codes."""
    from core.survival.competing.input import competing_data

    cohort = pd.DataFrame({"patient_id": [1, 2, 3, 4], "time": [1.0, 2.0, 3.0, 4.0],
                           "status": [0, 1, 2, 1], "group": ["a", "b", "a", "b"]})
    before = cohort.copy()
    data = competing_data(cohort, "time", "status", "group")
    pd.testing.assert_frame_equal(cohort, before)
    assert data.status.tolist() == [0, 1, 2, 1]
    assert data.survival.event.tolist() == [False, True, True, True]

"""Cox regression of categorical covariates from event counts, pinned to R ``coxph`` on the
expanded rows (tests/core/golden/make_cox_counts_golden.R -> cox_counts_r_golden.json).

Each golden case stores its rows; R fitted ``coxph(Surv(time, event) ~ <factors>, ties = ...)``
on them, one row per patient. The counts-based fit must agree to 1e-9 (it is exact, not an
approximation), in memory and on DuckDB.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cohort import open_cohort
from core.cox.counts import cox_from_counts
from core.errors import AnalysisError

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "cox_counts_r_golden.json")
                    .read_text())
CASES = [(case, ties) for case in ("ties_eln_mrd", "continuous_eln_mrd", "ties_eln_mrd_site")
         for ties in ("efron", "breslow")]


def _rows(case: str) -> pd.DataFrame:
    return pd.DataFrame(GOLDEN[f"{case}.data"])


def _check(fit, golden) -> None:
    assert list(fit.table.index) == golden["terms"]
    for column, key in (("coef", "coef"), ("se", "se"), ("hr_lower", "hr_lower"),
                        ("hr_upper", "hr_upper"), ("p_value", "p_value")):
        np.testing.assert_allclose(fit.table[column], golden[key], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.loglik, golden["loglik"], rtol=1e-12)
    assert (fit.n, fit.events) == (golden["n"], golden["events"])
    assert fit.converged


@pytest.mark.parametrize(("case", "ties"), CASES)
def test_counts_cox_equals_r_coxph_on_the_rows(case, ties):
    """R: coxph(Surv(time, event) ~ eln2022_risk + mrd_pre_status [+ site], ties = ties)
    on the stored rows; coef, se, Wald 95% CI of the HR, Wald p and loglik."""
    golden = GOLDEN[f"{case}.{ties}"]
    fit = cox_from_counts(_rows(case), "time", "event", golden["covariates"], ties=ties)
    _check(fit, golden)
    assert fit.table["hr"].to_numpy() == pytest.approx(np.exp(golden["coef"]), rel=1e-9)
    assert ties.capitalize() in fit.method and "exact" in fit.method


@pytest.mark.parametrize("case", ["ties_eln_mrd", "ties_eln_mrd_site"])
def test_counts_cox_on_duckdb_is_the_same(case, tmp_path):
    """The same R values with the count table from a DuckDB GROUP BY over a Parquet file."""
    golden = GOLDEN[f"{case}.efron"]
    rows = _rows(case)
    rows.to_parquet(tmp_path / "c.parquet")
    fit = cox_from_counts(open_cohort(tmp_path / "c.parquet"), "time", "event",
                          golden["covariates"])
    _check(fit, golden)
    assert fit.patterns == len(rows[golden["covariates"]].drop_duplicates())


@pytest.mark.parametrize("engine", [False, True], ids=["pandas", "duckdb"])
def test_patients_with_a_missing_covariate_are_counted_out(engine, tmp_path):
    rows = _rows("ties_eln_mrd")
    rows.loc[[0, 5], "mrd_pre_status"] = None
    rows.loc[[7], "time"] = None
    if engine:
        rows.to_parquet(tmp_path / "m.parquet")
    cohort = open_cohort(tmp_path / "m.parquet") if engine else rows
    fit = cox_from_counts(cohort, "time", "event", ["eln2022_risk", "mrd_pre_status"])
    assert [e.describe() for e in fit.exclusions] == [
        "1 patient left out (no recorded `time`): 8.",
        "2 patients left out (no recorded `eln2022_risk`, `mrd_pre_status`): 1, 6."]
    assert fit.n == 397


def test_a_single_covariate_name_is_accepted():
    rows = _rows("ties_eln_mrd")
    assert list(cox_from_counts(rows, "time", "event", "mrd_pre_status").table.index) == [
        "mrd_pre_status[positive]"]


def test_wrong_ties_is_refused():
    with pytest.raises(AnalysisError, match=r"ties must be 'efron' or 'breslow', not 'exact'"):
        cox_from_counts(_rows("ties_eln_mrd"), "time", "event", ["site"], ties="exact")


def test_no_covariate_is_refused():
    with pytest.raises(AnalysisError, match=r"No covariate given\. Fix: name at least one"):
        cox_from_counts(_rows("ties_eln_mrd"), "time", "event", [])


def test_an_absent_covariate_is_named():
    with pytest.raises(AnalysisError, match=r"Column `stage` is not in the cohort"):
        cox_from_counts(_rows("ties_eln_mrd"), "time", "event", ["stage"])


def test_a_constant_covariate_is_refused():
    rows = _rows("ties_eln_mrd").assign(site="A")
    with pytest.raises(AnalysisError, match=r"Covariate `site` is constant \('A' for every "
                                            r"patient in the model\)"):
        cox_from_counts(rows, "time", "event", ["site"])


def test_no_events_is_refused():
    rows = _rows("ties_eln_mrd").assign(event=0)
    with pytest.raises(AnalysisError, match=r"No events among the patients in the model"):
        cox_from_counts(rows, "time", "event", ["site"])


def test_duplicated_covariates_are_refused():
    rows = _rows("ties_eln_mrd")
    rows["mrd_copy"] = rows["mrd_pre_status"]
    with pytest.raises(AnalysisError, match=r"The information matrix is singular for terms "
                                            r"\['mrd_pre_status\[positive\]', 'mrd_copy"):
        cox_from_counts(rows, "time", "event", ["mrd_pre_status", "mrd_copy"])


@pytest.mark.parametrize(("case", "ties"), CASES)
def test_closed_form_tie_sums_give_the_same_r_values(case, ties, monkeypatch):
    """Every tie set summed in closed form (log-gamma, digamma, trigamma) instead of event
    by event, as on a registry with thousands of events per month: still R's coxph."""
    import core.likelihood.ties as ties_module

    monkeypatch.setattr(ties_module, "EXPLICIT_TIES", 0)
    golden = GOLDEN[f"{case}.{ties}"]
    _check(cox_from_counts(_rows(case), "time", "event", golden["covariates"], ties=ties),
           golden)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("engine", [False, True], ids=["pandas", "duckdb"])
def test_stratified_counts_cox_equals_r_coxph_strata(ties, engine, tmp_path):
    """R: coxph(Surv(time, event) ~ eln2022_risk + mrd_pre_status + strata(site), ties = ties)
    on the stored rows (registry mode's stratified model): one baseline hazard per site."""
    golden = GOLDEN[f"ties_eln_mrd_strata_site.{ties}"]
    rows = _rows("ties_eln_mrd_strata_site")
    if engine:
        rows.to_parquet(tmp_path / "s.parquet")
    cohort = open_cohort(tmp_path / "s.parquet") if engine else rows
    fit = cox_from_counts(cohort, "time", "event", golden["covariates"], ties=ties,
                          strata="site")
    _check(fit, golden)
    assert fit.strata == "site" and "stratified by `site` (4 strata" in fit.method
    unstratified = cox_from_counts(rows, "time", "event", golden["covariates"], ties=ties)
    assert not np.allclose(unstratified.table["coef"], golden["coef"], atol=1e-3)


def test_patients_without_a_stratum_are_counted_out():
    rows = _rows("ties_eln_mrd_strata_site")
    rows.loc[[2, 4], "site"] = None
    fit = cox_from_counts(rows, "time", "event", ["eln2022_risk", "mrd_pre_status"],
                          strata="site")
    assert [e.describe() for e in fit.exclusions] == [
        "2 patients left out (no recorded `eln2022_risk`, `mrd_pre_status`, `site`): 3, 5."]
    assert fit.n == 498

""""Reproduce this" (core.report.reproduce): the zip's scripts recompute the app's numbers.

The Python script runs everywhere (pandas, numpy, scipy); the R script runs where ``Rscript``
with survival and jsonlite is installed (CI has no R: those tests skip with the reason).
Both must agree with the numbers the app showed within 1e-6.

Every case's zip is built once per module (:func:`unzipped`) and all cases' scripts run in one
Python interpreter and one R process (:mod:`tests.core.report.script_runs`: each script as a
user runs it, with its own printout and exit status); the zips of a few tests of their own
(:data:`PYTHON_ONLY`) run in that interpreter too, and one test still runs
``python3 reproduce.py`` alone, in a folder of its own.
"""

from __future__ import annotations

import io
import json
import math
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.cohort.filters import CohortFilter
from core.cohort.read import load_seed_cohort
from core.report.reproduce import _survival_report, analysis_spec, app_numbers, reproduce_zip
from core.report.sections import ReportChoices
from core.survival.endpoint import EndpointRecipe, endpoint_to_dict, resolve_endpoint, user_endpoint
from core.survival.km.estimate import survival_at
from tests.core.report.script_runs import check_each, run_python_scripts, run_r_scripts

SEED = load_seed_cohort()


def _with_own_endpoint(cohort: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """``cohort`` with times of death, last contact and maintenance start on the diagnosis
    clock, and a user endpoint from them: OS with delayed entry at maintenance start, as a
    user defines it on the Your data page (months, not dates)."""
    cohort = cohort.assign(death_m=cohort["os_months"].where(cohort["os_event"] == 1),
                           last_m=cohort["os_months"],
                           maint_m=cohort["os_months"] - cohort["rfs_months"])
    own = user_endpoint("OS counted from maintenance entry", "OSE", EndpointRecipe(
        None, ("death_m",), "last_m", entry="maint_m", unit="months"))
    return cohort, (json.dumps(endpoint_to_dict(own), sort_keys=True),)


OWN, OWN_ENDPOINTS = _with_own_endpoint(SEED)
BRESLOW = ("EFS Cox on MRD (reference positive) + age per year with Breslow ties, as chosen on "
           "the Cox page (its Efron coefficients differ by 0.06)")
CASES = {
    "rfs by MRD, OS Cox on MRD + age (converges)": (
        SEED, ReportChoices(endpoint="rfs", by="mrd_pre_status", cox_endpoint="os",
                            cox_covariates=("mrd_pre_status", "age"))),
    "os by ELN, induction only, four landmarks": (
        CohortFilter(sorafenib_timing=("induction",)).apply(SEED).cohort,
        ReportChoices(endpoint="os", by="eln2022_risk", landmark_months=(6.0, 12.0, 24.0, 60.0),
                      cox_endpoint="os", cox_covariates=("age",))),
    "rfs whole cohort, default Cox (separation, Firth shown)": (SEED, ReportChoices()),
    "rfs by MRD, RFS Cox on MRD + age stratified by sorafenib timing (coxph + strata)": (
        SEED, ReportChoices(endpoint="rfs", by="mrd_pre_status", cox_endpoint="rfs",
                            cox_covariates=("mrd_pre_status", "age"),
                            cox_strata="sorafenib_timing")),
    "rfs by ELN (trend test), RMST to 12 months": (
        SEED, ReportChoices(endpoint="rfs", by="eln2022_risk", horizon=12.0,
                            cox_covariates=())),
    "OS with delayed entry at maintenance start by MRD, Cox on it (Surv(entry, time, event))": (
        SEED, ReportChoices(endpoint="os_entry", by="mrd_pre_status", cox_endpoint="os_entry",
                            cox_covariates=("mrd_pre_status", "age"))),
    "EFS (ELN 2022 RFS) by ELN with its trend test, EFS Cox on age": (
        SEED, ReportChoices(endpoint="efs", by="eln2022_risk", cox_endpoint="efs",
                            cox_covariates=("age",))),
    BRESLOW: (
        SEED, ReportChoices(endpoint="rfs", by="mrd_pre_status", cox_endpoint="efs",
                            cox_covariates=("mrd_pre_status", "age"), cox_ties="breslow",
                            cox_age_scale="year",
                            cox_reference=(("mrd_pre_status", "positive"),))),
    "a user endpoint with delayed entry by sorafenib timing, Cox on it, EFS curves second": (
        OWN, ReportChoices(endpoint="u.ose", by="sorafenib_timing", cox_endpoint="u.ose",
                           cox_covariates=("age",), user_endpoints=OWN_ENDPOINTS)),
}


def _unzip(cohort, choices, where: Path) -> dict:
    data = reproduce_zip(cohort, choices, source="Embedded study cohort",
                         filters=("Sorafenib timing: induction",))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(where)
        names = sorted(archive.namelist())
    assert names == ["README.txt", "app_numbers.json", "cohort_filtered.csv", "reproduce.R",
                     "reproduce.py"]
    return json.loads((where / "app_numbers.json").read_text())


def _largest_difference(mine, theirs) -> float:
    if isinstance(mine, dict):
        assert set(mine) <= set(theirs)
        return max([_largest_difference(mine[k], theirs[k]) for k in mine] or [0.0])
    if isinstance(mine, list):
        assert len(mine) == len(theirs)
        return max([_largest_difference(a, b) for a, b in zip(mine, theirs, strict=True)]
                   or [0.0])
    if isinstance(mine, bool) or isinstance(mine, str) or mine is None:
        assert mine == theirs
        return 0.0
    return abs(float(mine) - float(theirs))


def _check(numbers: dict, shown: dict) -> None:
    for block in ("n", "landmarks", "medians", "rmst", "logrank", "trend"):
        assert _largest_difference(numbers[block], shown[block]) <= 1e-6, block
    assert _largest_difference(numbers["contrasts"], shown["contrasts"]) <= 1e-6
    if shown["cox"] is not None and numbers["cox"]["converged"]:
        assert _largest_difference(numbers["cox"], {**shown["cox"], "converged": True}) <= 1e-6
    if shown["table2"] is not None and numbers["table2"]["converged"]:  # Table 2's LR tests
        assert _largest_difference(shown["table2"], numbers["table2"]) <= 1e-6


@pytest.fixture(scope="module")
def unzipped(tmp_path_factory) -> dict[str, tuple[Path, dict]]:
    """Every case's zip unpacked once into a folder of its own, with the numbers it holds.
    Tests read these folders; the script runs below add only their own output files."""
    return _unzip_each(CASES, tmp_path_factory, "case")


def _unzip_each(cases: dict, tmp_path_factory, stem: str) -> dict[str, tuple[Path, dict]]:
    folders = {}
    for number, (case, (cohort, choices)) in enumerate(cases.items()):
        folder = tmp_path_factory.mktemp(f"{stem}{number}")
        folders[case] = (folder, _unzip(cohort, choices, folder))
    return folders


def _not_converging() -> tuple[pd.DataFrame, ReportChoices]:
    """Issue 25: WBC rising with the time to relapse and every patient relapsing (monotone
    likelihood: the coefficient runs to minus infinity; R's coxph warns and stops)."""
    cohort = SEED.sort_values("rfs_months").reset_index(drop=True)
    cohort["rfs_months"] = np.arange(len(cohort)) + 1.0
    cohort["rfs_event"] = 1
    cohort["wbc"] = 100.0 + np.arange(len(cohort))
    return cohort, ReportChoices(cox_endpoint="rfs", cox_covariates=("wbc",))


NOT_CONVERGING = "a Cox model that does not converge (WBC with every patient relapsing)"
FIRTH = "the BRESLOW case with Firth's fit chosen on the Cox page"
PYTHON_ONLY = {NOT_CONVERGING: _not_converging(),
               FIRTH: (CASES[BRESLOW][0], replace(CASES[BRESLOW][1], cox_firth="firth"))}
"""Zips whose Python script runs with the cases' (in the same interpreter), for tests of
their own; the R script is not run on them."""


@pytest.fixture(scope="module")
def python_only(tmp_path_factory) -> dict[str, tuple[Path, dict]]:
    """:data:`PYTHON_ONLY`'s zips unpacked, as :func:`unzipped`."""
    return _unzip_each(PYTHON_ONLY, tmp_path_factory, "python_only")


@pytest.fixture(scope="module")
def python_runs(unzipped, python_only):
    """Every case's reproduce.py (and :data:`PYTHON_ONLY`'s) run as ``__main__`` in one fresh
    interpreter: starting Python with numpy, pandas and scipy costs more than a script."""
    cases = {**unzipped, **python_only}
    runs = run_python_scripts([folder for folder, _ in cases.values()])
    return {case: runs[folder] for case, (folder, _) in cases.items()}


def _every_case_reproduces(unzipped, runs, numbers_file: str) -> None:
    """Each case's script exits 0, ends in REPRODUCED and its numbers equal the app's."""

    def check(case, folder, shown):
        run = runs[case]
        assert run.returncode == 0, run.stdout
        assert run.stdout.strip().endswith("REPRODUCED"), run.stdout
        _check(json.loads((folder / numbers_file).read_text()), shown)

    check_each(unzipped, check)


def test_python_script_reproduces_the_pages_numbers(unzipped, python_runs):
    _every_case_reproduces(unzipped, python_runs, "python_numbers.json")


def test_scripts_compare_rmst_and_the_trend_test(unzipped, python_runs):
    """The Survival page's RMST (R print(fit, rmean = 12)) and log-rank trend p across ELN
    groups are in app_numbers.json and recomputed by the script.

    R 4.2, survival 3.5.3 (the zip's reproduce.R on the seed cohort): rmean 10, 12, 10.4285714
    (se 1.63299316, 0, 1.45486016) for favorable, intermediate, adverse; trend
    (w'(O-E))^2/(w'Vw) from survdiff = 0.961309051010664, p 0.326857283568769."""
    case = "rfs by ELN (trend test), RMST to 12 months"
    shown = unzipped[case][1]
    assert [r["group"] for r in shown["rmst"]] == ["favorable", "intermediate", "adverse"]
    assert [r["rmst"] for r in shown["rmst"]] == pytest.approx([10, 12, 10.4285714285714],
                                                                abs=1e-9)
    assert [r["se"] for r in shown["rmst"]] == pytest.approx(
        [1.63299316185545, 0, 1.45486015678544], abs=1e-9)
    assert shown["trend"]["statistic"] == pytest.approx(0.961309051010664, abs=1e-9)
    assert shown["trend"]["p_value"] == pytest.approx(0.326857283568769, abs=1e-9)
    run = python_runs[case]
    assert "rmst: largest absolute difference" in run.stdout
    assert "trend: largest absolute difference" in run.stdout
    assert run.stdout.strip().endswith("REPRODUCED")
    without = unzipped["rfs by MRD, OS Cox on MRD + age (converges)"][1]
    assert without["trend"] is None  # two groups: no trend test on the page


def test_r_script_reproduces_the_pages_numbers(unzipped):
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript not installed (apt-get install r-base-core r-cran-survival "
                    "r-cran-jsonlite); the R script is checked where R is present")
    runs = run_r_scripts([folder for folder, _ in unzipped.values()])
    _every_case_reproduces(unzipped, {case: runs[folder] for case, (folder, _)
                                      in unzipped.items()}, "r_numbers.json")


def test_app_numbers_are_the_contract_functions_numbers():
    """R: summary(survfit(Surv(rfs_months, rfs_event) ~ mrd_pre_status, conf.type = "log-log"),
    times = c(12, 24)); the JSON holds core.survival.survival_at's unrounded values."""
    cohort, choices = CASES["rfs by MRD, OS Cox on MRD + age (converges)"]
    shown = app_numbers(cohort, choices)
    expected = survival_at(cohort, "rfs_months", "rfs_event", [12, 24], by="mrd_pre_status")
    got = pd.DataFrame(shown["landmarks"])
    assert got["survival"].tolist() == pytest.approx(expected["survival"].tolist(), abs=1e-12)
    assert got["n_risk"].tolist() == expected["n_risk"].tolist()
    assert shown["cox"]["converged"] and [t["term"] for t in shown["cox"]["terms"]] == \
        ["mrd_pre_status[positive]", "age (per 10 years)"]
    assert shown["cox"] == {**shown["cox_shown"]}  # no separation: the page shows this fit


def test_script_notices_a_number_that_differs(unzipped, tmp_path):
    """Run alone (``python3 reproduce.py`` in the unpacked zip, exit status 1)."""
    folder, shown = unzipped["rfs by MRD, OS Cox on MRD + age (converges)"]
    for name in ("cohort_filtered.csv", "reproduce.py"):
        shutil.copy(folder / name, tmp_path / name)
    shown = json.loads(json.dumps(shown))
    shown["landmarks"][0]["survival"] += 1e-4
    (tmp_path / "app_numbers.json").write_text(json.dumps(shown))
    run = subprocess.run([sys.executable, "reproduce.py"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 1 and run.stdout.strip().endswith("DIFFERENT")
    assert "landmarks: largest absolute difference 0.0001" in run.stdout


def test_firth_fit_is_kept_and_explained(unzipped):
    case = "rfs whole cohort, default Cox (separation, Firth shown)"
    cohort, choices = CASES[case]
    folder, shown = unzipped[case]
    assert shown["cox_shown"]["method"].startswith("Firth")
    assert all(math.isfinite(t["hr"]) for t in shown["cox_shown"]["terms"])
    readme = (folder / "README.txt").read_text()
    assert "Firth's penalized Cox model" in readme and "cox_shown" in readme
    assert "Filters: Sorafenib timing: induction" in readme
    spec = analysis_spec(cohort, choices)
    assert spec["groups"] == ["All"] and spec["by"] is None
    assert [e["levels"] for e in spec["cox"]["encodings"]] == [
        ["negative", "positive"], ["favorable", "intermediate", "adverse"]]


def test_rows_in_the_zip_are_the_filtered_rows(unzipped):
    case = "os by ELN, induction only, four landmarks"
    cohort = CASES[case][0]
    folder = unzipped[case][0]
    rows = pd.read_csv(folder / "cohort_filtered.csv")
    assert rows["patient_id"].tolist() == cohort["patient_id"].tolist()


def test_nothing_to_reproduce_without_patients():
    with pytest.raises(ValueError, match="Nothing to reproduce: no patient matches the filters"):
        reproduce_zip(SEED.iloc[0:0], ReportChoices(), source="x")


def _script_namespace(spec: dict) -> dict:
    """The zip's Python script loaded in this process (not run as __main__)."""
    from core.report.reproduce import python_script

    namespace = {"__name__": "reproduce_script", "__file__": "reproduce.py"}
    exec(compile(python_script(spec), "reproduce.py", "exec"), namespace)  # noqa: S102
    return namespace


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=6, max_value=40), st.integers(min_value=0, max_value=10_000),
       st.sampled_from(["mrd_pre_status", "eln2022_risk", None]))
def test_script_agrees_with_the_app_on_unseen_cohorts(n, seed, by):
    """Random cohorts with tied times: the standalone script's KM, medians, log-rank, the
    milestone and RMST contrasts (rmst2's tau limit included) and Cox equal the app's (core)
    numbers within 1e-8 (the same method, written twice)."""
    rng = np.random.default_rng(seed)
    cohort = SEED.sample(n, replace=True, random_state=seed).reset_index(drop=True)
    cohort["patient_id"] = [str(i + 1) for i in range(n)]
    cohort["rfs_months"] = rng.integers(1, 30, n).astype(float)
    cohort["rfs_event"] = rng.integers(0, 2, n)
    cohort["age"] = rng.integers(20, 80, n).astype(float)
    if cohort["rfs_event"].sum() < 2:
        cohort.loc[:1, "rfs_event"] = 1
    choices = ReportChoices(endpoint="rfs", by=by, landmark_months=(6.0, 12.0, 24.0),
                            cox_endpoint="rfs", cox_covariates=("age",))
    report = _survival_report(cohort, choices)  # one report for both, as reproduce_zip does
    spec = analysis_spec(cohort, choices, report)
    shown = app_numbers(cohort, choices, report)
    script = _script_namespace(spec)
    landmarks, medians = script["kaplan_meier"](cohort)
    mine = script["clean"]({"landmarks": landmarks, "medians": medians,
                            "rmst": script["restricted_means"](cohort),
                            "logrank": script["logrank"](cohort), "trend": script["trend"](cohort),
                            "cox": script["cox"](cohort),
                            "contrasts": script["contrasts"](cohort)})
    for block in ("landmarks", "medians", "rmst", "logrank", "trend", "contrasts"):
        assert _largest_difference(mine[block], shown[block]) <= 1e-8, block
    if mine["cox"]["converged"]:
        assert _largest_difference(mine["cox"], {**shown["cox"], "converged": True}) <= 1e-8


@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=8, max_value=40), st.integers(min_value=0, max_value=10_000),
       st.sampled_from(["mrd_pre_status", "eln2022_risk", None]))
def test_script_takes_delayed_entry_as_the_app_does(n, seed, by):
    """Random cohorts with tied times and entry times (some at the end: left out):
    with a user endpoint's delayed entry the script's KM, medians, RMST, the Cox score test,
    the contrasts and Cox equal the app's numbers within 1e-8 (risk set entry < t <= time)."""
    rng = np.random.default_rng(seed)
    cohort = SEED.sample(n, replace=True, random_state=seed).reset_index(drop=True)
    cohort["patient_id"] = [str(i + 1) for i in range(n)]
    cohort["os_months"] = rng.integers(2, 40, n).astype(float)
    cohort["os_event"] = rng.integers(0, 2, n)
    entry = np.minimum(rng.integers(0, 12, n), cohort["os_months"])  # at the end: left out
    cohort["rfs_months"] = cohort["os_months"] - entry  # the user endpoint's entry
    cohort["age"] = rng.integers(20, 80, n).astype(float)
    if cohort["os_event"].sum() < 2:
        cohort.loc[:1, "os_event"] = 1
    cohort, own = _with_own_endpoint(cohort)
    choices = ReportChoices(endpoint="u.ose", by=by, landmark_months=(3.0, 12.0, 24.0),
                            cox_endpoint="u.ose", cox_covariates=("age",), user_endpoints=own)
    report = _survival_report(cohort, choices)  # one report for both, as reproduce_zip does
    spec = analysis_spec(cohort, choices, report)
    assert spec["entry"] == "u_ose_entry_months"
    assert spec["cox"] is None or spec["cox"]["entry"] == "u_ose_entry_months"
    shown = app_numbers(cohort, choices, report)
    rows = resolve_endpoint(cohort, choices.find("u.ose")).frame.rename(columns={
        "endpoint_months": "u_ose_months", "endpoint_event": "u_ose_event",
        "endpoint_entry_months": "u_ose_entry_months"})
    script = _script_namespace(spec)
    analysed = rows[rows["u_ose_entry_months"] < rows["u_ose_months"]]
    if by:
        analysed = analysed[analysed[by].notna()]
    landmarks, medians = script["kaplan_meier"](analysed)
    mine = script["clean"]({"landmarks": landmarks, "medians": medians,
                            "rmst": script["restricted_means"](analysed),
                            "logrank": script["logrank"](analysed),
                            "contrasts": script["contrasts"](analysed)})
    assert shown["n"] == len(analysed)
    for block in ("landmarks", "medians", "rmst", "logrank", "contrasts"):
        assert _largest_difference(mine[block], shown[block]) <= 1e-8, block
    if spec["cox"] is not None and (cox := script["clean"](script["cox"](rows)))["converged"]:
        # two Newton-Raphson stops on a handful of events: the zip's tolerance
        assert _largest_difference(cox, {**shown["cox"], "converged": True}) <= 1e-6


def test_the_zip_carries_the_chosen_endpoint_with_its_entry(unzipped):
    """The rows carry the endpoint's derived columns named for it, the spec names them, and
    the README names the endpoint (no fallback to OS or RFS)."""
    case = ("OS with delayed entry at maintenance start by MRD, Cox on it "
            "(Surv(entry, time, event))")
    cohort, choices = CASES[case]
    folder = unzipped[case][0]
    rows = pd.read_csv(folder / "cohort_filtered.csv")
    spec = analysis_spec(cohort, choices)
    assert (spec["time"], spec["event"], spec["entry"]) == (
        "os_months", "os_event", "os_entry_entry_months")
    assert rows["os_entry_entry_months"].tolist() == pytest.approx(
        (SEED["os_months"] - SEED["rfs_months"]).tolist())
    assert "delayed entry at maintenance start" in (folder / "README.txt").read_text()
    script = (folder / "reproduce.R").read_text()
    assert "Surv(.entry, .time, .event)" in script and "sctest" in script


def test_scripts_end_in_a_sentence_on_a_cox_model_that_does_not_converge(python_only,
                                                                         python_runs):
    """Issue 25 (:func:`_not_converging`): the Python script took exp() of ever larger
    linear predictors until a risk set summed to 0 and ended in 'math domain error'."""
    assert not python_only[NOT_CONVERGING][1]["cox"]["converged"]  # the app's numbers
    run = python_runs[NOT_CONVERGING]
    assert run.returncode == 0, run.stdout
    assert "cox: a model does not converge" in run.stdout
    assert run.stdout.strip().endswith("REPRODUCED")


def test_r_script_reads_a_group_value_that_closes_its_raw_string(tmp_path):
    """Issue 25: the spec sits in an R raw string r"---(...)---"; a group value ending in
    ')---' closed it early and the script did not parse. R: fromJSON() of the literal gives
    the value back as written."""
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript not installed; the R script is checked where R is present")
    from core.report.reproduce import r_script

    hostile = 'arm)---", "x": 1)---'
    spec = {"groups": [hostile, "b)----", ")--"], "by": "arm"}
    (tmp_path / "spec.R").write_text(r_script(spec))
    probe = ('suppressPackageStartupMessages(library(jsonlite)); for (e in parse("spec.R")) '
             'if (identical(e[[1]], as.name("<-")) && identical(e[[2]], as.name("spec"))) '
             '{ eval(e); cat(unlist(spec$groups), sep = "\\n") }')
    run = subprocess.run(["Rscript", "-e", probe], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [hostile, "b)----", ")--"]


def test_the_zip_fits_the_cox_pages_ties_and_reference_levels(unzipped):
    """The Cox page's Breslow ties, reference level and age unit reach the app's numbers, the
    spec both scripts fit and the README (the scripts' agreement: the BRESLOW case above)."""
    cohort, choices = CASES[BRESLOW]
    folder, shown = unzipped[BRESLOW]
    efron = app_numbers(cohort, replace(choices, cox_ties="efron"))
    assert shown["cox"]["method"] == shown["cox_shown"]["method"]
    assert "Breslow ties" in shown["cox"]["method"]
    assert [t["term"] for t in shown["cox"]["terms"]] == ["mrd_pre_status[negative]", "age"]
    assert abs(shown["cox"]["terms"][0]["coef"] - efron["cox"]["terms"][0]["coef"]) > 1e-3
    spec = analysis_spec(cohort, choices)["cox"]
    assert spec["ties"] == "breslow"
    assert spec["encodings"][0]["levels"] == ["positive", "negative"]
    assert ("mrd_pre_status, age (ordinary Cox, Breslow ties, Wald intervals; reference levels "
            "mrd_pre_status = positive)") in (folder / "README.txt").read_text()


def test_firth_estimates_are_named_as_not_recomputed(python_only, python_runs):
    """When the deck's Cox model is Firth's (chosen on the Cox page), the README and the deck's
    methods slide say the zip does not recompute those estimates; the zip still recomputes
    the ordinary fit, which converges here."""
    from core.report.sections import analysis_sections

    choices = CASES[BRESLOW][1]
    cohort, firth = PYTHON_ONLY[FIRTH]
    sentence = ("The \"Reproduce this\" zip does not recompute the Firth-penalized Cox "
                "estimates (their hazard ratios, profile-likelihood intervals and penalized "
                "likelihood-ratio p-values); it recomputes the ordinary Cox model, with the same "
                "ties and reference levels, where that model is estimable.")
    folder, shown = python_only[FIRTH]
    assert shown["cox_shown"]["method"].startswith("Firth") and shown["cox"]["converged"]
    readme = " ".join((folder / "README.txt").read_text().split())
    assert sentence in readme
    assert "(terms mrd_pre_status[negative], age)" in readme
    assert python_runs[FIRTH].stdout.strip().endswith("REPRODUCED")  # the ordinary fit
    methods = {c: " ".join(analysis_sections(cohort, c)[-1].paragraphs) for c in (firth, choices)}
    assert ("recomputed with the \"Reproduce this\" zip (filtered rows, standalone R and "
            "Python scripts), except the Firth-penalized Cox estimates. " + sentence
            in methods[firth])
    assert "Firth-penalized Cox estimates" not in methods[choices]

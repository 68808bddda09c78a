""""Reproduce this" recomputes the further tests the deck shows (core.report.reproduce_tests):
weighted, stratified and pairwise log-rank tests, Table 1's p-values and the Fine-Gray hazard
ratios, against the page's chosen reference.

The zip's scripts run here: R (survival 3.5.3, cmprsk 2.2.11) recomputes every block with
``survdiff(rho =)``, ``survdiff(... + strata(s))``, ``survdiff`` per pair with ``p.adjust``,
``fisher.test``, ``wilcox.test``, ``kruskal.test`` and ``cmprsk::crr``; Python (numpy, scipy)
the log-rank blocks, the rank tests and 2 x 2 Fisher tests. Both must agree with the numbers
the app showed within 1e-6 (the scripts print REPRODUCED). R values on the seed cohort, RFS by
ELN risk (``survdiff(Surv(rfs_months, rfs_event) ~ eln2022_risk, rho = 1)``): chi-square
12.21131637; ``+ strata(mrd_pre_status)``: 12.56609506; ``pairwise_survdiff(...,
p.adjust.method = "BH")``: 0.004540284284, 0.761269810714, 0.001348772279.

Each choice's zip is built once per module and the three scripts of a language run in one
process (:mod:`tests.core.report.script_runs`), each with its own printout and exit status.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile

import pytest

from core.cohort.read import load_seed_cohort
from core.report.reproduce import reproduce_zip
from core.report.sections import ReportChoices
from tests.core.report.script_runs import check_each, run_python_scripts, run_r_scripts

SEED = load_seed_cohort()
THREE = ReportChoices(by="eln2022_risk", baseline_by="eln2022_risk", rho=1.0,
                      logrank_strata="mrd_pre_status", pairwise_adjust="BH",
                      reference="adverse", competing_by="mrd_pre_status",
                      competing_reference="positive", cox_covariates=())
TWO = ReportChoices(by="mrd_pre_status", baseline_by="mrd_pre_status", rho=0.5,
                    logrank_strata="sorafenib_timing", reference="positive",
                    competing_by="eln2022_risk", cox_covariates=("age",))
ENTRY = ReportChoices(endpoint="os_entry", by="eln2022_risk", rho=1.0,
                      logrank_strata="mrd_pre_status", baseline_by="eln2022_risk",
                      competing_by="mrd_pre_status", cox_covariates=())
"""Delayed entry: stratified and pairwise Breslow Cox score tests (R summary(coxph(Surv(entry,
time, event) ~ ...))$sctest), no weighted test."""
BLOCKS = ("weighted", "stratified", "pairwise", "table1", "fine_gray")
CHOICES = {"three groups": THREE, "two groups": TWO, "delayed entry": ENTRY}


def _unzip(choices: ReportChoices, where) -> dict:
    data = reproduce_zip(SEED, choices, source="Embedded study cohort")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(where)
    return json.loads((where / "app_numbers.json").read_text())


@pytest.fixture(scope="module")
def unzipped(tmp_path_factory) -> dict[str, tuple]:
    """Each of CHOICES' zips unpacked once into a folder of its own, with its numbers."""
    folders = {}
    for name, choices in CHOICES.items():
        folder = tmp_path_factory.mktemp(name.replace(" ", "_"))
        folders[name] = (folder, _unzip(choices, folder))
    return folders


def test_the_app_numbers_carry_the_blocks_the_deck_shows(unzipped):
    folder, shown = unzipped["three groups"]
    assert shown["weighted"]["statistic"] == pytest.approx(12.21131637, abs=1e-8)
    assert shown["stratified"]["statistic"] == pytest.approx(12.56609506, abs=1e-8)
    assert [r["p_adjusted"] for r in shown["pairwise"]] == pytest.approx(
        [0.004540284284, 0.761269810714, 0.001348772279], abs=1e-11)
    sex = next(r for r in shown["table1"] if r["column"] == "sex")
    assert (sex["test"], sex["p_value"]) == ("Fisher's exact test",
                                             pytest.approx(0.2266340471, abs=1e-10))
    assert [t["group"] for t in shown["fine_gray"]["terms"]] == ["negative"]  # vs positive
    assert {r["reference"] for r in shown["contrasts"]["rmst"]} == {"adverse"}
    spec = (folder / "reproduce.py").read_text()
    assert '"reference": "adverse"' in spec


def test_delayed_entry_gives_score_tests_and_no_weighted_test(unzipped):
    shown = unzipped["delayed entry"][1]
    assert shown["weighted"] is None
    assert shown["stratified"]["dof"] == 2 and len(shown["pairwise"]) == 3
    assert shown["pairwise"][0]["statistic"] == 0.0  # no death in the pair: R gives 0, p 1


def test_nothing_chosen_no_blocks(tmp_path):
    shown = _unzip(ReportChoices(cox_covariates=()), tmp_path)
    assert all(shown[block] is None for block in BLOCKS)


def test_python_script_recomputes_the_tests(unzipped):
    runs = run_python_scripts([folder for folder, _ in unzipped.values()])

    def check(name, folder, shown):
        run = runs[folder]
        assert run.returncode == 0, run.stdout
        for block in ("weighted", "stratified", "pairwise", "table1"):
            assert f"{block}: largest absolute difference" in run.stdout
        assert "recomputed by reproduce.R" in run.stdout  # the Fine-Gray model (and r x c Fisher)
        assert run.stdout.strip().endswith("REPRODUCED")
        mine = json.loads((folder / "python_numbers.json").read_text())
        tests = {r["test"] for r in mine["table1"].values()}
        assert tests >= ({"Kruskal-Wallis test"} if name != "two groups" else
                         {"Fisher's exact test",
                          "Wilcoxon rank-sum test (normal approximation, continuity correction)"})

    check_each(unzipped, check)


def test_r_script_recomputes_every_block(unzipped):
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript not installed (apt-get install r-base-core r-cran-survival "
                    "r-cran-cmprsk r-cran-jsonlite)")
    runs = run_r_scripts([folder for folder, _ in unzipped.values()])

    def check(name, folder, shown):
        run = runs[folder]
        assert run.returncode == 0, run.stdout
        for block in BLOCKS:
            if shown[block] is not None and block != "fine_gray" or (
                    block == "fine_gray" and shown[block]["estimable"]):
                assert f"{block}: largest absolute difference" in run.stdout, block
        assert run.stdout.strip().endswith("REPRODUCED")
        mine = json.loads((folder / "r_numbers.json").read_text())
        assert len(mine["table1"]) == len(shown["table1"])

    check_each(unzipped, check)

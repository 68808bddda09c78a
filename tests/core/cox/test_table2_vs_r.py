""""Table 2" (core.cox.table2) against R coxph and drop1.

Golden values: ``tests/core/golden/table2_r_golden.json``, written by
``tests/core/golden/make_table2_golden.R`` (R 4.2, survival 3.5.3) on seeded cohorts with tied
times, missing covariates (so the univariable and multivariable rows differ) and a level
without events, each also stratified by centre:

- univariable: ``coxph(Surv(time, event) ~ x [+ strata(centre)], ties = "efron")`` per
  covariate on its complete cases; LR p ``drop1(fit, test = "Chisq")`` (= ``summary()$logtest``);
- multivariable: ``coxph(Surv(time, event) ~ grp + sex + I(age / 10) [+ strata(centre)])`` on
  the complete cases of all three; Wald ``summary()$coefficients``/``$conf.int``; LR p per
  covariate ``drop1(fit, test = "Chisq")``;
- N and events per level: ``table()`` of the model's rows.

Tolerance 1e-6 relative (coxph stops Newton-Raphson at a 1e-9 relative loglik change); a level
R reports with a diverging coefficient (no event) is "not estimable" here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cohort import load_seed_cohort
from core.cox.table2 import DISPLAY_COLUMNS, NOT_ESTIMABLE, REFERENCE, fit_table2
from core.errors import AnalysisError

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "table2_r_golden.json"
CASES = json.loads(GOLDEN.read_text())["cases"]
COVARIATES = ["grp", "sex", "age"]


def _fit(case):
    return fit_table2(pd.DataFrame(case["data"]), "time", "event", COVARIATES,
                      scale={"age": 10.0}, reference={"grp": "A", "sex": "F"},
                      strata="centre" if case["strata"] else None)


def _terms(result, side):
    rows = result.table[result.table["term"].notna()]
    return rows[[f"{side}_hr", f"{side}_hr_lower", f"{side}_hr_upper", f"{side}_p_value"]]


@pytest.mark.parametrize("name", sorted(CASES))
def test_hazard_ratios_wald_and_likelihood_ratio_p_equal_coxph_and_drop1(name):
    """R: coxph per covariate and of all three (Efron); drop1(fit, test = "Chisq")."""
    case = CASES[name]
    result = _fit(case)
    for side, block in (("uni", None), ("multi", case["multivariable"])):
        if block is None:  # one R fit per covariate, stacked in the table's order
            expected = {k: sum((list(np.atleast_1d(case["univariable"][c][k]))
                                for c in COVARIATES), []) for k in
                        ("hr", "hr_lower", "hr_upper", "p_value")}
            converged = all(case["univariable"][c]["converged"] for c in COVARIATES)
        else:
            expected, converged = block, block["converged"]
        shown = _terms(result, side)
        diverged = shown[f"{side}_hr"].isna().to_numpy()
        assert diverged.any() == (not converged), f"{name} {side}"
        for key in ("hr", "hr_lower", "hr_upper", "p_value"):
            np.testing.assert_allclose(shown[f"{side}_{key}"].to_numpy()[~diverged],
                                       np.asarray(expected[key], float)[~diverged],
                                       rtol=1e-6, err_msg=f"{name}: {side} {key}")
    lr = result.table.groupby("covariate", sort=False).first()
    for c in COVARIATES:
        np.testing.assert_allclose(lr.at[c, "uni_lr_statistic"],
                                   case["univariable"][c]["lr_statistic"], rtol=1e-6)
        assert lr.at[c, "uni_lr_df"] == case["univariable"][c]["lr_df"]
    np.testing.assert_allclose(lr.loc[COVARIATES, "multi_lr_statistic"],
                               case["multivariable"]["lr_statistic"], rtol=1e-6)
    np.testing.assert_allclose(lr.loc[COVARIATES, "multi_lr_p_value"],
                               case["multivariable"]["lr_p_value"], rtol=1e-6)
    assert lr.loc[COVARIATES, "multi_lr_df"].tolist() == case["multivariable"]["lr_df"]
    assert result.multivariable.n == case["multivariable"]["n"]
    assert result.multivariable.events == case["multivariable"]["events"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_patients_and_events_per_level_equal_r(name):
    """R: table(rows$grp), tapply(rows$event, rows$grp, sum) on each model's rows."""
    case = CASES[name]
    table = _fit(case).table.set_index(["covariate", "level"])
    for side, counts in (("uni", {c: case["univariable"][c]["counts"][c] for c in COVARIATES}),
                         ("multi", case["multivariable"]["counts"])):
        for c in ("grp", "sex"):
            part = table.loc[c]
            assert part[f"{side}_n"].tolist() == counts[c]["n"], f"{name} {side} {c}"
            assert part[f"{side}_events"].tolist() == counts[c]["events"]
        age = table.loc[("age", "per 10 years")]
        assert (age[f"{side}_n"], age[f"{side}_events"]) == (counts["age"]["n"],
                                                             counts["age"]["events"])


def test_display_has_a_row_per_covariate_and_level_and_says_not_estimable():
    """no_event_level: group C has no event: R's HR 6.4e-09 is shown as not estimable, with
    the reason; the covariate's LR p (R drop1: 5.338e-05) is still shown."""
    result = _fit(CASES["no_event_level"])
    shown = result.display()
    assert list(shown.columns) == DISPLAY_COLUMNS
    assert shown["Characteristic"].tolist() == ["grp", "    A", "    B", "    C", "sex", "    F",
                                                "    M", "age, per 10 years"]
    rows = shown.set_index("Characteristic")
    assert rows.at["    A", "Multivariable HR (95% CI)"] == REFERENCE
    assert rows.at["    C", "Univariable HR (95% CI)"] == NOT_ESTIMABLE
    assert rows.at["    C", "Multivariable HR (95% CI)"] == NOT_ESTIMABLE
    assert rows.at["grp", "Multivariable LR p"] == "< 0.001"
    assert rows.at["    C", "N"] == "14" and rows.at["    C", "Events"] == "0"
    assert any("C has no event" in note for note in result.notes)
    small = result.display(small_cells=True).set_index("Characteristic")
    assert small.at["    C", "Events"] == "0" and small.at["    C", "N"] == "14"  # 0 stays


def test_small_cells_show_counts_1_to_4_as_less_than_5():
    """small: group C has 4 patients and 4 events (R table(rows$grp)): "<5" both."""
    result = _fit(CASES["small"])
    shown = result.display(small_cells=True).set_index("Characteristic")
    assert (shown.at["    C", "N"], shown.at["    C", "Events"]) == ("<5", "<5")
    assert result.display().set_index("Characteristic").at["    C", "N"] == "4"


def test_multivariable_rows_note_names_the_patients_left_out():
    result = _fit(CASES["ties_with_missing"])
    assert any("uses the 109 patients with every covariate recorded" in n for n in result.notes)


def test_seed_cohort_mrd_and_eln_equal_r():
    """R: f <- coxph(Surv(rfs_months, rfs_event) ~ mrd_pre_status + eln2022_risk) (Efron):
    MRD positive HR 3.225213 (0.2888316-36.01405); adverse 0.3871312 (0.03398707-4.409634);
    intermediate has no relapse (coefficient may be infinite): not estimable here.
    drop1(f, test = "Chisq"): MRD LRT 0.9759, p 0.3232228; ELN LRT 15.1994, 2 df, p 0.0005006.
    coxph(Surv(rfs_months, rfs_event) ~ mrd_pre_status): HR 2.589351 (0.4705989-14.24724),
    logtest 1.0514067, p 0.3051833."""
    result = fit_table2(load_seed_cohort(), "rfs_months", "rfs_event",
                        ["mrd_pre_status", "eln2022_risk"])
    table = result.table.set_index("level")
    np.testing.assert_allclose(table.loc["positive", ["multi_hr", "multi_hr_lower",
                                                      "multi_hr_upper"]].astype(float),
                               [3.225213, 0.2888316, 36.01405], rtol=1e-5)
    np.testing.assert_allclose(table.loc["adverse", ["multi_hr", "multi_hr_lower",
                                                     "multi_hr_upper"]].astype(float),
                               [0.3871312, 0.03398707, 4.409634], rtol=1e-5)
    np.testing.assert_allclose(table.loc[["positive", "adverse"], "multi_lr_statistic"],
                               [0.9759, 15.1994], rtol=1e-4)
    np.testing.assert_allclose(table.loc[["positive", "adverse"], "multi_lr_p_value"],
                               [0.3232228, 0.0005006], rtol=1e-4)
    np.testing.assert_allclose(table.loc["positive", ["uni_hr", "uni_hr_lower",
                                                      "uni_hr_upper"]].astype(float),
                               [2.589351, 0.4705989, 14.24724], rtol=1e-5)
    np.testing.assert_allclose(table.at["positive", "uni_lr_p_value"], 0.3051833, rtol=1e-5)
    assert np.isnan(table.at["intermediate", "multi_hr"])
    assert table.at["negative", "uni_hr"] == 1.0


def test_each_distinct_model_is_fitted_once_and_a_page_fit_is_used(monkeypatch):
    """Two covariates recorded for every patient: the models without MRD and without ELN
    are the univariable ones (3 fits, not 5), each asked of the page's ``fit_model``; with a
    missing covariate the reduced models are fitted on the complete rows, not taken from
    it. The table equals the one fitted without ``fit_model`` (R's, test above)."""
    from core.cox.fit import fit_cox

    asked = []

    def fit_model(frame, columns):
        asked.append(columns)
        return fit_cox(frame, "rfs_months", "rfs_event", list(columns))

    own = []  # fits made inside fit_table2
    monkeypatch.setattr("core.cox.table2.fit_cox",
                        lambda *args, **kwargs: own.append(args[3]) or fit_cox(*args, **kwargs))
    seed = load_seed_cohort()
    covariates = ["mrd_pre_status", "eln2022_risk"]
    shared = fit_table2(seed, "rfs_months", "rfs_event", covariates, fit_model=fit_model)
    assert sorted(asked) == sorted([("mrd_pre_status",), ("eln2022_risk",), tuple(covariates)])
    assert own == []
    alone = fit_table2(seed, "rfs_months", "rfs_event", covariates)
    pd.testing.assert_frame_equal(shared.table, alone.table)
    asked.clear()
    own.clear()
    gap = seed.assign(eln2022_risk=seed["eln2022_risk"].where(seed.index != 0))
    shared = fit_table2(gap, "rfs_months", "rfs_event", covariates, fit_model=fit_model)
    assert len(asked) == 3 and len(own) == 2  # reduced models' rows differ: fitted there
    pd.testing.assert_frame_equal(
        shared.table, fit_table2(gap, "rfs_months", "rfs_event", covariates).table)


def test_errors_name_the_model():
    with pytest.raises(AnalysisError, match="Table 2 needs at least one covariate"):
        fit_table2(load_seed_cohort(), "rfs_months", "rfs_event", [])
    cohort = load_seed_cohort().assign(rfs_event=0)
    with pytest.raises(AnalysisError, match=r"Table 2, univariable model of sex: A Cox model "
                                            "needs at least 2 events"):
        fit_table2(cohort, "rfs_months", "rfs_event", ["sex"])


def test_delayed_entry_table2_equals_coxph_and_drop1_with_entry():
    """OS with delayed entry at maintenance start on the seed cohort (entry = os_months -
    rfs_months), R tests/core/golden/make_cox_entry_golden.R:
    coxph(Surv(entry, os_months, os_event) ~ mrd_pre_status + I(age / 10)) and each covariate
    alone; drop1(fit, test = "Chisq") for the multivariable LR p."""
    from core.survival.endpoint import OS_ENTRY, resolve_endpoint

    golden = json.loads((Path(__file__).resolve().parents[1] / "golden"
                         / "cox_entry_r_golden.json").read_text())
    resolved = resolve_endpoint(load_seed_cohort(), OS_ENTRY)
    result = fit_table2(resolved.frame, resolved.time, resolved.event,
                        ["mrd_pre_status", "age"], scale={"age": 10.0}, entry=resolved.entry)
    table = result.table.set_index("level")
    multi, rows = golden["mrd_age.efron"], ["positive", "per 10 years"]
    np.testing.assert_allclose(table.loc[rows, "multi_hr"].astype(float), multi["hr"],
                               rtol=1e-6)
    np.testing.assert_allclose(table.loc[rows, "multi_hr_lower"].astype(float),
                               multi["lower"], rtol=1e-6)
    np.testing.assert_allclose(table.loc[rows, "multi_lr_statistic"], multi["drop1_lrt"],
                               rtol=1e-6)
    np.testing.assert_allclose(table.loc[rows, "multi_lr_p_value"], multi["drop1_p"],
                               rtol=1e-6)
    for row, name in zip(rows, ["mrd.efron", "age.efron"], strict=True):
        np.testing.assert_allclose(table.at[row, "uni_hr"], golden[name]["hr"], rtol=1e-6)
        np.testing.assert_allclose(table.at[row, "uni_lr_p_value"], golden[name]["lr_p"],
                                   rtol=1e-6)
    assert "delayed entry" in result.method

"""AppTest tests of the Cox page's stratified model and its Table 2 (pages/2_Cox.py).

R references (R 4.2.2, survival 3.5.3) on the embedded seed cohort, quoted where used:

- ``f <- coxph(Surv(rfs_months, rfs_event) ~ mrd_pre_status + strata(sorafenib_timing))``
  (Efron): MRD positive HR 2.238573 (0.3209655-15.61292), Wald p 0.4161127; ``summary(f)$logtest``
  p 0.4287916; ``cox.zph(f)$table``: chisq 0.5128027, p 0.4739281.
- ``f <- coxph(Surv(rfs_months, rfs_event) ~ mrd_pre_status + eln2022_risk)`` (Efron; R warns
  the intermediate coefficient may be infinite: no relapse there): MRD positive HR 3.225213
  (0.2888316-36.01405); ``drop1(f, test = "Chisq")``: MRD p 0.3232228, ELN p 0.0005006;
  ``coxph(Surv(rfs_months, rfs_event) ~ mrd_pre_status)``: HR 2.589351 (0.4705989-14.24724),
  logtest p 0.3051833; ``coxph(Surv(rfs_months, rfs_event) ~ eln2022_risk)``: logtest p
  0.0004820536. The Table 2 engine itself is tested against R on seeded cohorts in
  tests/core/cox/test_table2_vs_r.py.
"""

from __future__ import annotations

from core.style.numbers import format_hr, format_p
from tests.pages.helpers import run_page

PAGE = "pages/2_Cox.py"
TIMEOUT = 120
STRATIFIED = {"cox.covariates": "mrd_pre_status", "cox.firth": "ordinary",
              "cox.strata": "sorafenib_timing"}


def open_page(query: dict[str, str] | None = None):
    at = run_page(PAGE, query, timeout=TIMEOUT)
    assert not at.exception, at.exception
    return at


def frame(at, column: str):
    """The dataframe that has ``column`` (AppTest does not expose dataframe keys)."""
    for shown in at.dataframe:
        if column in shown.value.columns:
            return shown.value
    raise AssertionError(f"no table with a {column!r} column on the page")


def table2(at):
    """Table 2 indexed by its characteristic (levels without their indent)."""
    shown = frame(at, "Characteristic")
    return shown.set_index(shown["Characteristic"].str.strip())


def hr_ci(hr: float, low: float, high: float) -> str:
    return f"{format_hr(hr)} ({format_hr(low)}–{format_hr(high)})"


def test_stratified_model_equals_r_and_says_what_strata_mean():
    """R coxph(... + strata(sorafenib_timing)): HR 2.238573 (0.3209655-15.61292), p 0.4161127,
    LR p 0.4287916; cox.zph chisq 0.5128027, p 0.4739281."""
    at = open_page(STRATIFIED)
    row = frame(at, "Term").iloc[0]
    assert row["Term"] == "MRD before maintenance: positive vs negative"
    assert (row["HR"], row["95% CI"], row["p"]) == ("2.24", "0.321–15.6", "0.416")
    assert frame(at, "Patients used").iloc[0]["Likelihood-ratio p"] == "0.429"
    ph = frame(at, "Chi-square").iloc[0]
    assert (ph["Chi-square"], ph["p"]) == ("0.51", "0.474")
    assert any("Stratified by Sorafenib timing: each level of Sorafenib timing has its own "
               "baseline hazard" in c.value for c in at.caption)
    assert at.query_params["cox.strata"] == "sorafenib_timing"
    assert table2(at).at["positive", "Multivariable HR (95% CI)"] == hr_ci(2.238573, 0.3209655,
                                                                        15.61292)
    assert any("stratified by Sorafenib timing" in c.value for c in at.caption)
    assert any("Sorafenib timing: " in m.value for m in at.markdown
               if m.value.startswith("**Profile:**"))  # the stratum picks the baseline hazard


def test_strata_offer_categories_but_not_the_covariates_or_the_outcome():
    at = open_page(STRATIFIED)
    options = at.selectbox(key="cox.strata").options
    assert options[:2] == ["No stratification", "Sorafenib timing"]
    assert "MRD before maintenance" not in options  # a covariate
    assert "Relapse type" not in options and "Outcome" not in options  # the outcome itself
    at.selectbox(key="cox.strata").set_value("none").run()
    assert "cox.strata" not in at.query_params or at.query_params["cox.strata"] == "none"
    assert not any("Stratified by" in c.value for c in at.caption)


def test_stratum_without_events_says_so_instead_of_a_flat_curve():
    """OS stratified by sorafenib timing: the consolidation stratum has no death, so its
    baseline hazard is 0 (R survfit would draw S = 1): the page says so."""
    at = open_page({**STRATIFIED, "cox.endpoint": "os", "cox.profile": "custom",
                    "cox.profile.sorafenib_timing": "consolidation"})
    assert any("the model's patients in the stratum consolidation have no deaths" in i.value
               for i in at.info)
    assert not at.error


def test_table2_default_view_equals_r():
    """Defaults (RFS ~ MRD + ELN 2022): univariable and multivariable columns as R coxph and
    drop1; intermediate (no relapse) is not estimable, with the reason."""
    at = open_page()
    shown = table2(at)
    assert list(shown.index) == ["MRD before maintenance", "negative", "positive",
                                 "ELN 2022 risk", "favorable", "intermediate", "adverse"]
    assert shown.at["positive", "Multivariable HR (95% CI)"] == hr_ci(3.225213, 0.2888316,
                                                                        36.01405)
    assert shown.at["positive", "Univariable HR (95% CI)"] == hr_ci(2.589351, 0.4705989,
                                                                      14.24724)
    assert shown.at["MRD before maintenance", "Multivariable LR p"] == format_p(0.3232228)
    assert shown.at["MRD before maintenance", "Univariable LR p"] == format_p(0.3051833)
    assert shown.at["ELN 2022 risk", "Multivariable LR p"] == format_p(0.0005006)
    assert shown.at["ELN 2022 risk", "Univariable LR p"] == format_p(0.0004820536)
    assert shown.at["intermediate", "Multivariable HR (95% CI)"] == "not estimable"
    assert (shown.at["positive", "N"], shown.at["positive", "Events"]) == ("4", "2")
    assert any("intermediate has no event" in c.value for c in at.caption)
    labels = {d.proto.label for d in at.get("download_button")}
    assert {"Table 2 (CSV)", "Table 2 (XLSX)", "Table 2 (Word)"} <= labels


def test_table2_small_cells_show_counts_1_to_4_as_less_than_5():
    at = open_page()
    at.toggle(key="small_cells").set_value(True).run()
    shown = table2(at)
    assert (shown.at["positive", "N"], shown.at["positive", "Events"]) == ("<5", "<5")
    assert shown.at["negative", "N"] == "15"
    assert shown.at["intermediate", "Events"] == "0"  # a zero is not a small cell
    assert at.query_params["small_cells"] == "True"

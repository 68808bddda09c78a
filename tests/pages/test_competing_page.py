"""AppTest tests of the Competing risks page (pages/4_Competing_risks.py).

Numbers come from R cmprsk 2.2.11 on the seed cohort (tests/core/golden/competing_r_golden.json,
cases seed_censor and seed_end_of_rfs: cuminc(rfs_months, status, mrd_pre_status)).
"""

from __future__ import annotations

import json

import pytest

from tests.pages.helpers import header_text, run_page

PAGE = "pages/4_Competing_risks.py"


def frame(at, column: str):
    """The dataframe that has ``column`` (AppTest does not expose dataframe keys)."""
    for shown in at.dataframe:
        if column in shown.value.columns:
            return shown.value
    raise AssertionError(f"no table with a {column!r} column on the page")


def figures(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_answers_two_year_relapse_incidence_for_mrd_positive():
    """R: timepoints(cuminc(rfs_months, status, mrd_pre_status), 24): positive 1 est 0.625
    (seed_censor; patient 17 censored), Gray p 0.2817 (stat 1.1587)."""
    at = run_page(PAGE, {"competing.by": "mrd_pre_status"})
    assert not at.exception
    landmarks = frame(at, "CIR (95% CI)").set_index(["Group", "Months"])
    assert landmarks.loc[("positive", "24"), "CIR (95% CI)"] == "62.5% (0.1–96.7)"
    assert landmarks.loc[("negative", "24"), "CIR (95% CI)"] == "26.7% (5.7–54.4)"
    assert landmarks.loc[("positive", "24"), "NRM (95% CI)"] == "0.0%"
    tests = frame(at, "Gray p").set_index("Cause")
    assert tests.loc["Relapse (CIR)", "Gray chi-square"] == "1.16"
    assert tests.loc["Relapse (CIR)", "Gray p"] == "0.282"
    assert tests.loc["Relapse (CIR)", "Permutation"].startswith("exact, all 3,876")
    assert any("patient 17" in i.value for i in at.info)
    assert any("no event of this cause" in w.value for w in at.warning)
    cir = {t["name"]: t for t in figures(at)[0]["data"]}
    assert cir["positive (n=4)"]["y"] == pytest.approx([0.0, 0.25, 0.625, 0.625])
    assert cir["positive at risk"]["text"][:3] == ["4", "2", "1"]
    assert at.query_params["competing.by"] == "mrd_pre_status"
    # the answer in words first, under the n line (issue 24)
    assert at.markdown[1].value == (
        "**Relapse by 24 months: negative 26.7%, positive 62.5%; Gray's p 0.282 (permutation "
        "0.328): not conclusive with 4 patients in the smallest group.**")


def test_fine_gray_hazard_ratios_under_the_figures_equal_crr():
    """R: crr(rfs_months, status, mrd_pre_status == "positive", failcode = 1) on seed_censor:
    SHR 2.490762 (0.5087703-12.193901), p 0.2601224; against positive: 1 / 2.490762 = 0.40.
    No death without relapse: the NRM figure says why it has no hazard ratios."""
    at = run_page(PAGE, {"competing.by": "mrd_pre_status"})
    assert not at.exception
    shown = frame(at, "SHR (95% CI)").set_index("Group")
    assert shown.at["positive", "SHR (95% CI)"] == "2.49 (0.509–12.2)"
    assert (shown.at["positive", "p"], shown.at["positive", "Relapses"]) == ("0.260", 2)
    assert shown.at["negative", "SHR (95% CI)"] == "1 (reference)"
    assert any(c.value.startswith("No hazard ratios: A Fine-Gray model needs at least 1 event "
                                  "of cause 2") for c in at.caption)
    at.selectbox(key="competing.reference").set_value("positive").run()
    shown = frame(at, "SHR (95% CI)").set_index("Group")
    assert shown.at["negative", "SHR (95% CI)"] == "0.401 (0.0820–1.97)"
    assert shown.at["positive", "SHR (95% CI)"] == "1 (reference)"


def test_no_grouping_no_hazard_ratios():
    at = run_page(PAGE)
    assert not at.exception
    assert not any("SHR (95% CI)" in f.value.columns for f in at.dataframe)


def test_sensitivity_rule_counts_patient_17_as_competing_death():
    """R seed_end_of_rfs: positive CIR at 24 months 0.5, NRM 0.25; Gray NRM stat 3.75."""
    at = run_page(PAGE, {"competing.by": "mrd_pre_status", "competing.rule": "end_of_rfs"})
    assert not at.exception
    landmarks = frame(at, "CIR (95% CI)").set_index(["Group", "Months"])
    assert landmarks.loc[("positive", "24"), "CIR (95% CI)"].startswith("50.0%")
    assert landmarks.loc[("positive", "24"), "NRM (95% CI)"].startswith("25.0%")
    tests = frame(at, "Gray p").set_index("Cause")
    assert tests.loc["Non-relapse mortality (NRM)", "Gray chi-square"] == "3.75"
    assert any("Counted as death without relapse: patient 17" in i.value for i in at.info)


def test_group_without_relapse_is_flagged_not_a_narrow_hazard_ratio():
    at = run_page(PAGE, {"competing.by": "eln2022_risk"})
    assert not at.exception
    assert any("intermediate: no relapse among 9 patients" in w.value for w in at.warning)
    models = at.dataframe[-1].value.set_index("Term")
    assert models.loc["ELN 2022 risk: intermediate", "SHR (Fine-Gray)"] == "not estimable"
    assert models.loc["ELN 2022 risk: intermediate", "CSHR (cause-specific Cox)"] == \
        "not estimable"
    assert any("did not converge" in w.value for w in at.warning)
    forest = figures(at)[-1]["data"][0]
    assert forest["x"][0] is None  # no marker drawn for the flagged term


def test_km_contrast_is_drawn_and_explained():
    at = run_page(PAGE)
    at.toggle(key="competing.km").set_value(True).run()
    assert not at.exception
    names = [t["name"] for t in figures(at)[0]["data"]]
    assert "All: 1 − Kaplan-Meier" in names
    assert any("runs at or above the cumulative incidence" in c.value for c in at.caption)


def test_multivariable_model_and_no_covariate():
    at = run_page(PAGE, {"competing.by": "mrd_pre_status"})
    at.multiselect(key="competing.covariates").set_value(["mrd_pre_status", "age"]).run()
    at.radio(key="competing.model").set_value("multivariable").run()
    assert not at.exception
    models = at.dataframe[-1].value
    assert list(models["Term"]) == ["MRD before maintenance: positive", "Age (years)"]
    assert at.query_params["competing.model"] == "multivariable"
    at.multiselect(key="competing.covariates").set_value([]).run()
    assert any("Choose at least one covariate" in i.value for i in at.info)


def test_empty_filter_shows_the_friendly_message():
    at = run_page(PAGE, {"eln2022_risk": "favorable", "mrd_pre_status": "positive"})
    assert not at.exception
    assert "0 of 19 patients" in header_text(at)
    assert any("No patient matches the current filters" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_nrm_models_from_the_link():
    """Sensitivity rule gives one NRM event: too few for the cause-specific Cox beside the
    Fine-Gray model, said as an error."""
    at = run_page(PAGE, {"competing.rule": "end_of_rfs", "competing.cause": "nrm"})
    assert not at.exception
    assert at.radio(key="competing.cause").value == "nrm"
    assert any("A Cox model needs at least 2 events" in e.value for e in at.error)


def test_group_values_with_markup_drawn_as_typed_and_risk_in_its_palette():
    """Issues 17 and 18: a category value ``<a href=...>`` is drawn as typed in both incidence
    figures (legend, hover, 1 - KM contrast); grouped by ELN risk, each risk level has its
    colour of the one palette (adverse never green)."""
    from streamlit.testing.v1 import AppTest

    from core.cohort.read import load_seed_cohort
    from core.style.plot import RISK_COLORS
    from tests.core.figure_text import LINK, assert_drawn_as_typed
    from tests.pages.helpers import ROOT

    cohort = load_seed_cohort()
    cohort["mrd_pre_status"] = cohort["mrd_pre_status"].replace({"positive": LINK})
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["cohort.data"] = cohort
    at.session_state["cohort.source"] = "Uploaded file markup.csv"
    at.query_params["competing.by"] = "mrd_pre_status"
    at.run()
    at = at.switch_page(PAGE).run()
    at = at.toggle(key="competing.km").set_value(True).run()
    assert not at.exception, at.exception
    drawn = figures(at)
    assert len(drawn) >= 2
    for figure in drawn[:2]:
        assert_drawn_as_typed(figure, LINK)
    assert any(t.get("name", "").endswith("1 − Kaplan-Meier") for t in drawn[0]["data"])

    by_risk = figures(run_page(PAGE, {"competing.by": "eln2022_risk"}))[0]
    colors = {t["legendgroup"]: t["line"]["color"] for t in by_risk["data"]
              if t.get("legendgroup") in RISK_COLORS and t.get("line", {}).get("color")}
    assert colors == RISK_COLORS


def test_a_large_cohort_fits_its_hazard_ratios_on_a_named_sample(monkeypatch):
    """Issue 24: the page fitted Fine-Gray on every one of 10^6 rows (no cap, unlike Cox).
    Above MAX_MODEL_ROWS its hazard ratios use the Cox page's seeded sample, named on the
    page; the curves keep every patient (the cap lowered to 12 for the 19 seed patients)."""
    from ui import competing

    monkeypatch.setattr(competing, "MAX_MODEL_ROWS", 12)
    at = run_page(PAGE, {"competing.by": "mrd_pre_status"})
    assert not at.exception
    assert any(i.value.startswith("This cohort has 19 patients: the hazard ratios on this page "
                                  "(Fine-Gray and cause-specific Cox) are fitted on a random "
                                  "sample of 12 of them") and "Gray's test use every patient"
               in i.value for i in at.info)
    assert frame(at, "Patients")["Patients"].sum() == 19  # the curves' counts: everyone

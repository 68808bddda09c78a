"""AppTest tests of the Cox regression page (pages/2_Cox.py).

Golden numbers come from R 4.2.2 / survival 3.5.3 (tests/core/golden/cox_r_golden.json, made by
tests/core/golden/make_cox_golden.R) where the page's model matches one there; the default
model (RFS ~ MRD + three-level ELN 2022 risk) has no R golden, since R's coxph reports an
infinite coefficient for it, so the page is checked against core.cox.fit.fit_cox, itself tested
against R in tests/core/cox/test_cox.py.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from core.cohort.read import load_seed_cohort
from core.cox.display import category_levels, covariate_options, format_hr
from core.cox.fit import fit_cox
from tests.pages.helpers import run_page

PAGE = "pages/2_Cox.py"
GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "core" / "golden"
                     / "cox_r_golden.json").read_text())
TIMEOUT = 90


def open_page(query: dict[str, str] | None = None):
    at = run_page(PAGE, query, timeout=TIMEOUT)
    assert not at.exception, at.exception
    return at


COLUMN_OF = {"cox.table": "Term", "cox.models": "Patients used",
             "cox.prediction": "Endpoint"}


def table(at, key: str = "cox.table"):
    """The dataframe drawn with ``key`` (AppTest does not expose dataframe keys, so it is
    found by a column only that table has)."""
    for frame in at.dataframe:
        if COLUMN_OF[key] in frame.value.columns:
            return frame.value
    raise AssertionError(f"no {key} table on the page")


def forest(at) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def warnings_text(at) -> str:
    return "\n".join(w.value for w in at.warning)


def test_default_view_answers_mrd_adjusted_for_risk_group():
    """Defaults: RFS ~ mrd_pre_status + eln2022_risk. The intermediate group has no relapse
    (monotone likelihood), so 'Automatic' uses Firth's penalized fit (Breslow ties)."""
    at = open_page()
    assert at.radio(key="cox.endpoint").value == "rfs"
    assert at.multiselect(key="cox.covariates").value == ["mrd_pre_status", "eln2022_risk"]
    expected = fit_cox(load_seed_cohort(), "rfs_months", "rfs_event",
                       ["mrd_pre_status", "eln2022_risk"], firth=True).table
    shown = table(at).set_index("Term")
    assert list(shown.index) == ["MRD before maintenance: positive vs negative",
                                 "ELN 2022 risk: intermediate vs favorable",
                                 "ELN 2022 risk: adverse vs favorable"]
    assert list(shown["HR"]) == [format_hr(v) for v in expected["hr"]]
    assert shown.loc["MRD before maintenance: positive vs negative", "HR"] == "2.4"
    assert set(shown["p method"]) == {"penalized likelihood ratio (Firth)"}
    models = table(at, "cox.models").iloc[0]
    assert (models["Patients used"], models["Events used"]) == (19, 6)
    text = warnings_text(at)
    assert "Monotone likelihood (separation)" in text
    assert "ELN 2022 risk: intermediate vs favorable" in text
    assert "estimates shown are from Firth's penalized Cox model" in text
    assert "events per coefficient" in text
    assert any("Tied event times: Breslow" in c.value for c in at.caption)


def test_ordinary_fit_matches_core_and_r_for_mrd():
    """coxph(Surv(rfs_months, rfs_event) ~ mrd_pos, ties = 'efron'): HR 2.5894 (0.4706-14.247),
    Wald p 0.2741, LR p 0.3052, concordance 0.6269, n 19, events 6."""
    golden = GOLDEN["cox.rfs.mrd_pos.efron"]
    at = open_page({"cox.covariates": "mrd_pre_status", "cox.firth": "ordinary"})
    row = table(at).iloc[0]
    assert row["Term"] == "MRD before maintenance: positive vs negative"
    assert float(row["HR"]) == pytest.approx(golden["hr"][0], rel=5e-3)
    low, high = (float(v) for v in row["95% CI"].split("–"))
    assert low == pytest.approx(golden["hr_lower"][0], rel=5e-3)
    assert high == pytest.approx(golden["hr_upper"][0], rel=5e-3)
    assert float(row["p"]) == pytest.approx(golden["p_value"][0], abs=5e-4)
    assert row["p method"] == "Wald"
    models = table(at, "cox.models").iloc[0]
    assert float(models["Likelihood-ratio p"]) == pytest.approx(golden["lr_p_value"], abs=5e-4)
    assert float(models["Harrell's C"]) == pytest.approx(golden["concordance"], abs=5e-4)
    assert (models["Patients used"], models["Events used"]) == (golden["n"], golden["events"])
    assert any("Tied event times: Efron" in c.value for c in at.caption)


def test_breslow_and_age_per_year_match_r():
    """coxph(Surv(rfs_months, rfs_event) ~ age, ties = 'breslow'): HR 0.97154 per year."""
    at = open_page({"cox.covariates": "age", "cox.firth": "ordinary", "cox.ties": "breslow",
                    "cox.age_scale": "year"})
    row = table(at).iloc[0]
    assert row["Term"] == "Age (years), per 1 years"
    assert float(row["HR"]) == pytest.approx(GOLDEN["cox.rfs.age.breslow"]["hr"][0], rel=5e-3)
    at.radio(key="cox.age_scale").set_value("decade").run()
    row = table(at).iloc[0]
    assert row["Term"] == "Age (years), per 10 years"
    assert float(row["HR"]) == pytest.approx(
        GOLDEN["cox.rfs.age.breslow"]["hr"][0] ** 10, rel=5e-3)


def test_ordinary_multivariable_matches_core():
    expected = fit_cox(load_seed_cohort(), "rfs_months", "rfs_event",
                       ["mrd_pre_status", "eln2022_risk"], reference={"eln2022_risk": "adverse"}
                       ).table
    at = open_page({"cox.firth": "ordinary", "cox.ref.eln2022_risk": "adverse"})
    shown = table(at)
    assert list(shown["Term"]) == ["MRD before maintenance: positive vs negative",
                                   "ELN 2022 risk: favorable vs adverse",
                                   "ELN 2022 risk: intermediate vs adverse"]
    assert list(shown["HR"]) == [format_hr(v) for v in expected["hr"]]
    assert "Wald" in set(shown["p method"])


def test_forest_plot_has_one_row_per_term():
    at = open_page()
    data = forest(at)["data"][0]
    assert len(data["y"]) == len(table(at)) == 3
    assert data["y"][0] == "MRD before maintenance: positive vs negative (n=4, events=2)"
    fig = forest(at)
    assert fig["layout"]["xaxis"]["type"] == "log"
    assert any(s.get("x0") == 1 for s in fig["layout"]["shapes"])


def test_separation_warning_for_os_by_eln():
    """R: coxph(Surv(os_months, os_event) ~ eln2022_risk) warns 'coefficient may be infinite'
    (all 3 deaths in the adverse group; none in favorable or intermediate)."""
    at = open_page({"cox.endpoint": "os", "cox.covariates": "eln2022_risk",
                    "cox.firth": "ordinary"})
    text = warnings_text(at)
    assert "Monotone likelihood (separation)" in text
    assert "ELN 2022 risk: adverse vs favorable" in text
    assert "did not converge" in text
    assert "Choose **Firth-penalized Cox**" in " ".join(w.proto.body for w in at.warning)
    assert table(at).set_index("Term").loc["ELN 2022 risk: adverse vs favorable", "HR"] == "∞"


def test_firth_gives_finite_hazard_ratios():
    at = open_page({"cox.endpoint": "os", "cox.covariates": "eln2022_risk",
                    "cox.firth": "firth"})
    shown = table(at)
    hrs = [float(v) for v in shown["HR"]]
    assert all(math.isfinite(v) and v > 0 for v in hrs)
    bounds = [float(v) for ci in shown["95% CI"] for v in ci.split("–")]
    assert all(math.isfinite(v) for v in bounds)
    assert set(shown["p method"]) == {"penalized likelihood ratio (Firth)"}
    assert table(at, "cox.models").iloc[0]["Likelihood-ratio p"] == "–"


def test_univariable_models_one_row_each():
    at = open_page({"cox.model": "univariable", "cox.firth": "ordinary",
                    "cox.covariates": "mrd_pre_status,sorafenib_timing,age",
                    "cox.age_scale": "year"})
    models = table(at, "cox.models")
    assert list(models["Model"]) == ["MRD before maintenance", "Sorafenib timing",
                                     "Age (years)"]
    shown = table(at).set_index("Term")
    for term, key in [("MRD before maintenance: positive vs negative", "mrd_pos"),
                      ("Sorafenib timing: consolidation vs induction", "consolidation"),
                      ("Age (years), per 1 years", "age")]:
        golden = GOLDEN[f"cox.rfs.{key}.efron"]
        assert float(shown.loc[term, "HR"]) == pytest.approx(golden["hr"][0], rel=5e-3)
    assert len(forest(at)["data"][0]["y"]) == 3


def test_filter_without_events_shows_friendly_message():
    at = open_page({"eln2022_risk": "favorable", "cox.endpoint": "os"})
    assert not at.error
    assert any("0 deaths" in i.value and "at least two" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_filter_with_one_patient_shows_friendly_message():
    at = open_page({"age_max": "21"})
    assert not at.error
    assert any("Only one patient" in i.value for i in at.info)


def test_no_covariate_shows_friendly_message():
    at = open_page()
    at.multiselect(key="cox.covariates").set_value([]).run()
    assert not at.exception and not at.error
    assert any("Choose at least one covariate" in i.value for i in at.info)


def test_prediction_shows_12_and_24_month_probabilities():
    at = open_page({"cox.firth": "ordinary"})
    prediction = table(at, "cox.prediction").set_index("Endpoint")
    assert list(prediction.index) == ["Relapse-free survival", "Overall survival"]
    for column in ("12 months: % (95% CI)", "24 months: % (95% CI)"):
        assert prediction.loc["Relapse-free survival", column].endswith(")")
        assert "%" in prediction.loc["Relapse-free survival", column]
    assert any(c.value.startswith("Based on 6 relapses among 19 patients") for c in at.caption)
    assert any("intervals are wide" in c.value for c in at.caption)
    assert at.selectbox(key="cox.patient").value == "2"  # the first patient with a relapse
    names = [json.loads(c.proto.spec)["layout"]["title"]["text"]
             for c in at.get("plotly_chart")[1:] if "title" in json.loads(c.proto.spec)["layout"]]
    assert "Predicted relapse-free survival" in names and "Predicted overall survival" in names


def test_prediction_never_extrapolates():
    """Favorable-risk patients: last RFS follow-up 16 months, no deaths."""
    at = open_page({"eln2022_risk": "favorable", "cox.covariates": "age"})
    prediction = table(at, "cox.prediction").set_index("Endpoint")
    assert prediction.loc["Relapse-free survival", "24 months: % (95% CI)"] == (
        "beyond follow-up (last 16 months)")
    assert any("No overall survival prediction" in i.value for i in at.info)


def test_custom_profile():
    at = open_page({"cox.firth": "ordinary"})
    at.radio(key="cox.profile").set_value("custom").run()
    at.selectbox(key="cox.profile.mrd_pre_status").set_value("positive").run()
    at.selectbox(key="cox.profile.eln2022_risk").set_value("adverse").run()
    assert not at.exception
    assert any(m.value == "**Profile:** MRD before maintenance: positive; ELN 2022 risk: adverse"
               for m in at.markdown)
    assert len(table(at, "cox.prediction")) == 2


def test_every_widget_option_renders():
    cohort = load_seed_cohort()
    at = open_page()
    for key, values in [("cox.endpoint", ["os", "rfs"]),
                        ("cox.model", ["univariable", "multivariable"]),
                        ("cox.firth", ["ordinary", "firth", "auto"]),
                        ("cox.ties", ["breslow", "efron"])]:
        for value in values:
            at.radio(key=key).set_value(value).run()
            assert not at.exception, (key, value)
            assert at.query_params[key] in (value, [value])
    for column in ("mrd_pre_status", "eln2022_risk"):
        for level in category_levels(cohort, column):
            at.selectbox(key=f"cox.ref.{column}").set_value(level).run()
            assert not at.exception, (column, level)
    at.radio(key="cox.firth").set_value("ordinary").run()
    for patient in [str(i) for i in cohort["patient_id"]]:
        at.selectbox(key="cox.patient").set_value(patient).run()
        assert not at.exception, patient
    at.radio(key="cox.model").set_value("univariable").run()
    at.multiselect(key="cox.covariates").set_value(covariate_options(cohort)).run()
    assert not at.exception
    for value in ("year", "decade"):
        at.radio(key="cox.age_scale").set_value(value).run()
        assert not at.exception, value


@pytest.mark.parametrize("covariate", covariate_options(load_seed_cohort()))
@pytest.mark.parametrize("endpoint", ["rfs", "os"])
def test_every_covariate_alone_renders(covariate, endpoint):
    at = open_page({"cox.covariates": covariate, "cox.endpoint": endpoint})
    assert len(table(at)) >= 1
    assert len(forest(at)["data"][0]["y"]) == len(table(at))

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
import re
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


def details_text(at) -> str:
    """The technical caveats in the guardrail box's details expander."""
    for expander in at.expander:
        if expander.label.startswith("Guardrail details"):
            return "\n".join(m.value for m in expander.markdown)
    raise AssertionError("no guardrail details on the page")


def test_default_view_answers_mrd_adjusted_for_risk_group():
    """Defaults: RFS ~ mrd_pre_status + eln2022_risk. The intermediate group has no relapse
    (monotone likelihood), so 'Automatic' uses Firth's penalized fit (Breslow ties)."""
    at = open_page()
    assert at.selectbox(key="cox.endpoint").value == "rfs"
    assert at.multiselect(key="cox.covariates").value == ["mrd_pre_status", "eln2022_risk"]
    expected = fit_cox(load_seed_cohort(), "rfs_months", "rfs_event",
                       ["mrd_pre_status", "eln2022_risk"], firth=True).table
    shown = table(at).set_index("Term")
    assert list(shown.index) == ["MRD before maintenance: positive vs negative",
                                 "ELN 2022 risk: intermediate vs favorable",
                                 "ELN 2022 risk: adverse vs favorable"]
    assert list(shown["HR"]) == [format_hr(v) for v in expected["hr"]]
    assert shown.loc["MRD before maintenance: positive vs negative", "HR"] == "2.40"
    assert set(shown["p method"]) == {"penalized likelihood ratio (Firth)"}
    models = table(at, "cox.models").iloc[0]
    assert (models["Patients used"], models["Events used"]) == (19, 6)
    text = warnings_text(at)
    assert "ELN 2022 risk: intermediate vs favorable: a group with none of the relapses" in text
    assert "The hazard ratios shown come from Firth's penalized model" in text
    assert "Only 6 relapses for 3 hazard ratios: too few for a firm answer" in text
    details = details_text(at)
    assert "Monotone likelihood (separation)" in details
    assert "estimates shown are from Firth's penalized Cox model" in details
    assert "events per coefficient" in details
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
    assert data["y"][0] == "MRD before maintenance: positive vs negative<br>(n=4, events=2)"
    fig = forest(at)
    assert fig["layout"]["xaxis"]["type"] == "log"
    assert any(s.get("x0") == 1 for s in fig["layout"]["shapes"])


def test_separation_warning_for_os_by_eln():
    """R: coxph(Surv(os_months, os_event) ~ eln2022_risk) warns 'coefficient may be infinite'
    (all 3 deaths in the adverse group; none in favorable or intermediate)."""
    at = open_page({"cox.endpoint": "os", "cox.covariates": "eln2022_risk",
                    "cox.firth": "ordinary"})
    text = warnings_text(at)
    assert "ELN 2022 risk: adverse vs favorable" in text and "cannot be read" in text
    assert "Choose Firth-penalized Cox under Estimation" in text
    details = details_text(at)
    assert "Monotone likelihood (separation)" in details and "did not converge" in details
    assert "Choose **Firth-penalized Cox**" in details
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
    """Every option of every widget is drawn once. Widgets that do not depend on each other
    change together, one option each per run (the i-th option of every widget in the i-th
    run), so the page runs as often as the longest option list, not their sum."""
    cohort = load_seed_cohort()
    at = open_page()
    options = {("selectbox", "cox.endpoint"): ["os", "rfs"],
               ("radio", "cox.model"): ["univariable", "multivariable"],
               ("radio", "cox.firth"): ["ordinary", "firth", "auto"],
               ("radio", "cox.ties"): ["breslow", "efron"],
               **{("selectbox", f"cox.ref.{column}"): category_levels(cohort, column)
                  for column in ("mrd_pre_status", "eln2022_risk")}}
    for i in range(max(map(len, options.values()))):
        chosen = {(kind, key): values[i] for (kind, key), values in options.items()
                  if i < len(values)}
        for (kind, key), value in chosen.items():
            getattr(at, kind)(key=key).set_value(value)
        at.run()
        assert not at.exception, chosen
        for (_, key), value in chosen.items():
            if not key.startswith("cox.ref."):
                assert at.query_params[key] in (value, [value]), (key, value)
    at.radio(key="cox.firth").set_value("ordinary")
    # one patient per profile of the default model's covariates (patients with the same
    # profile get the same prediction and draw the same page)
    profiles = cohort.drop_duplicates(["mrd_pre_status", "eln2022_risk"], keep="first")
    for patient in [str(i) for i in profiles["patient_id"]]:
        at.selectbox(key="cox.patient").set_value(patient).run()
        assert not at.exception, patient
    at.radio(key="cox.model").set_value("univariable")
    at.multiselect(key="cox.covariates").set_value(covariate_options(cohort)).run()
    assert not at.exception
    assert at.radio(key="cox.age_scale").value == "decade"  # drawn above; the other one now
    at.radio(key="cox.age_scale").set_value("year").run()
    assert not at.exception


@pytest.mark.parametrize("covariate", covariate_options(load_seed_cohort()))
@pytest.mark.parametrize("endpoint", ["rfs", "os"])
def test_every_covariate_alone_renders(covariate, endpoint):
    at = open_page({"cox.covariates": covariate, "cox.endpoint": endpoint})
    assert len(table(at)) >= 1
    assert len(forest(at)["data"][0]["y"]) == len(table(at))


# --------------------------------------------------------------------------------------------
# Issue 17: what a hematologist stumbled on
# --------------------------------------------------------------------------------------------

def test_guardrails_are_one_box_in_plain_words_with_details_on_demand():
    """The default view used to open with five yellow warnings; now one box, without jargon,
    the technical wording in an expander."""
    at = open_page()
    assert len(at.warning) == 1
    box = at.warning[0].value
    assert box.startswith("**Read these hazard ratios with care**")
    for jargon in ("Monotone likelihood", "monotone", "profile penalized", "Wald"):
        assert jargon not in box
    assert "The predicted relapse-free survival and overall survival curves below" in box
    assert "Guardrail details (technical wording)" in [e.label for e in at.expander]


def test_firth_and_ordinary_disagreeing_on_1_is_said_in_one_sentence():
    """Default model: the Firth interval of 'intermediate vs favorable' excludes 1, the
    ordinary one (0 to infinity) includes it; MRD agrees (both include 1) and is not named."""
    at = open_page()
    box = at.warning[0].value
    sentences = [line for line in box.split("\n") if "depends on the method" in line]
    assert len(sentences) == 1
    assert sentences[0].startswith("- For ELN 2022 risk: intermediate vs favorable, the Firth "
                                   "interval (")
    assert "excludes 1 while the ordinary Cox interval (0–∞) includes it" in sentences[0]


def test_firth_rfs_by_mrd_is_not_a_false_alarm_and_has_its_p():
    """Issue 17: Firth on RFS ~ MRD: coef 1.0172 (HR 2.77), profile CI 0.479-12.585,
    penalized LR p 0.2285; no 'did not converge' anywhere; agreeing intervals give no
    disagreement sentence."""
    at = open_page({"cox.covariates": "mrd_pre_status", "cox.firth": "firth"})
    row = table(at).iloc[0]
    assert (row["HR"], row["95% CI"], row["p"]) == ("2.77", "0.479–12.6", "0.228")
    everything = warnings_text(at) + details_text(at)
    assert "did not converge" not in everything and "numerical problem" not in everything
    assert "depends on the method" not in everything


def test_ph_check_says_not_computable_and_why_never_nan():
    at = open_page()
    ph = next(f.value for f in at.dataframe if "Chi-square" in f.value.columns)
    assert list(ph["p"]) == ["0.626", "not computable", "not computable"]
    assert not re.search(r"\bnan\b", ph.to_string().lower())
    assert any(c.value.startswith("The proportional-hazards test cannot be computed for "
                                  "*ELN 2022 risk* and the global test: a coefficient of the "
                                  "fit runs to infinity (separation)") for c in at.caption)
    residual_plot = json.loads(at.get("plotly_chart")[1].proto.spec)
    titles = [a["text"] for a in residual_plot["layout"]["annotations"]]
    assert titles[0].endswith("(p = 0.626)")
    assert not [t for t in titles if re.search(r"\bnan\b", t.lower())]
    assert any(t.endswith("(p not computable)") for t in titles)


def test_one_covariate_model_is_not_called_multivariable():
    at = open_page({"cox.covariates": "mrd_pre_status", "cox.firth": "ordinary"})
    assert table(at, "cox.models").iloc[0]["Model"] == "Univariable"
    assert forest(at)["layout"]["title"]["text"] == "Univariable Cox model, RFS"
    at.multiselect(key="cox.covariates").set_value(["mrd_pre_status", "age"]).run()
    assert table(at, "cox.models").iloc[0]["Model"] == "Multivariable"


def test_no_p_equals_less_than_anywhere():
    """'p = < 0.001' never appears: forest hover text, box, captions, residual titles."""
    at = open_page({"cox.endpoint": "os", "cox.covariates": "eln2022_risk",
                    "cox.firth": "firth"})
    texts = ([w.value for w in at.warning] + [c.value for c in at.caption]
             + [m.value for m in at.markdown] + forest(at)["data"][0]["hovertext"])
    assert not [t for t in texts if "p = <" in t or "p = \\<" in t]
    assert all(", p" in h for h in forest(at)["data"][0]["hovertext"])


def test_forest_axis_labels_only_1_2_5_steps():
    at = open_page()
    axis = forest(at)["layout"]["xaxis"]
    assert axis["tickmode"] == "array"
    assert set(axis["ticktext"]) <= {"0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1",
                                     "0.2", "0.5", "1", "2", "5", "10", "20", "50", "100",
                                     "200", "500", "1000"}
    assert "1" in axis["ticktext"]
    low, high = (10 ** v for v in axis["range"])
    assert all(low <= v <= high for v in axis["tickvals"])


def test_clear_all_filters_brings_back_covariates_removed_by_a_filter():
    """MRD-negative only: MRD is constant, so the model keeps ELN alone; Clear all filters
    brings MRD back into the model."""
    at = open_page({"mrd_pre_status": "negative"})
    assert at.multiselect(key="cox.covariates").value == ["eln2022_risk"]
    assert any("They come back when the filters are widened" in c.value for c in at.caption)
    at.button(key="filter.clear").click().run()
    assert not at.exception
    assert at.multiselect(key="cox.covariates").value == ["mrd_pre_status", "eln2022_risk"]
    assert len(table(at)) == 3


def test_every_cox_choice_survives_a_link():
    """Endpoint, covariates, model, estimation, ties, age scale, reference level and the
    custom profile are written into the link, and the link reopens them."""
    at = open_page()
    # the choices one run at a time only where a choice opens the next widget
    at.selectbox(key="cox.endpoint").set_value("os")
    at.multiselect(key="cox.covariates").set_value(["mrd_pre_status", "age"])
    at.radio(key="cox.model").set_value("univariable")
    at.radio(key="cox.firth").set_value("ordinary")
    at.radio(key="cox.ties").set_value("breslow").run()
    at.radio(key="cox.age_scale").set_value("year")
    at.selectbox(key="cox.ref.mrd_pre_status").set_value("positive")
    at.radio(key="cox.profile").set_value("custom").run()
    at.number_input(key="cox.profile.age").set_value(61.0)
    at.selectbox(key="cox.profile.mrd_pre_status").set_value("positive").run()
    assert not at.exception
    link = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert link["cox.covariates"] == "mrd_pre_status,age"
    again = open_page(link)
    assert again.selectbox(key="cox.endpoint").value == "os"
    for key, value in [("cox.model", "univariable"), ("cox.firth", "ordinary"),
                       ("cox.ties", "breslow"),
                       ("cox.age_scale", "year"), ("cox.profile", "custom")]:
        assert again.radio(key=key).value == value, key
    assert again.multiselect(key="cox.covariates").value == ["mrd_pre_status", "age"]
    assert again.selectbox(key="cox.ref.mrd_pre_status").value == "positive"
    assert again.number_input(key="cox.profile.age").value == 61.0
    assert again.selectbox(key="cox.profile.mrd_pre_status").value == "positive"


def test_intervention_time_is_refused_as_a_covariate_with_the_reason():
    """Issue 13: a link naming hsct_months as a covariate: refused with the reason, pointing
    to the Transplant & events during follow-up page; the rest of the model is fitted."""
    at = open_page({"cox.covariates": "mrd_pre_status,hsct_months", "cox.firth": "ordinary"})
    assert len(at.error) == 1
    assert "`hsct_months` holds the time of an intervention during follow-up" in (
        at.error[0].proto.body.replace("\\", ""))
    assert '"Transplant & events during follow-up" page' in at.error[0].value.replace("\\", "")
    assert list(table(at)["Term"]) == ["MRD before maintenance: positive vs negative"]


def test_category_values_with_markup_are_shown_as_typed():
    """Issue 18: a category value from an uploaded file (``<a href=...>``) is drawn as typed in
    the forest plot, the residual panels and every Markdown text of the page."""
    from streamlit.testing.v1 import AppTest

    from tests.core.figure_text import assert_drawn_as_typed
    from tests.pages.helpers import ROOT

    link = '<a href="https://example.org">x</a>'
    cohort = load_seed_cohort()
    cohort["mrd_pre_status"] = cohort["mrd_pre_status"].replace({"positive": link})
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["cohort.data"] = cohort
    at.session_state["cohort.source"] = "Uploaded file markup.csv"
    at.query_params["cox.covariates"] = "mrd_pre_status"
    at.run()
    at = at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    texts = [e.value for kind in ("markdown", "caption", "info", "warning", "error")
             for e in at.get(kind)]
    # a tag is shown only escaped (markdown_safe's "\\<a": drawn as typed), never live
    assert not [t for t in texts if re.search(r"(?<!\\)<a ", t)]
    assert any("\\<a href" in t for t in texts)  # the answer line names the level as typed
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(figures) >= 2  # forest, residuals (and predictions)
    for figure in figures[:2]:
        assert_drawn_as_typed(figure, link)
    for figure in figures[2:]:
        assert_drawn_as_typed(figure)


def test_the_answer_comes_first_in_one_line():
    """Issue 24: under the n line, before the controls' details, the result in words; the
    separated ELN level gets no number (the guardrail box explains it below)."""
    from core.cox.answer import cox_answer
    from core.cox.view import CoxChoices, cox_view

    at = open_page()
    texts = [m.value for m in at.markdown]
    expected = cox_answer(cox_view(load_seed_cohort(), CoxChoices(
        "rfs", ("mrd_pre_status", "eln2022_risk"))))
    assert texts[1] == f"**{expected}**", texts[:3]
    assert "intermediate vs favorable not estimable" in texts[1]
    assert texts[1].endswith("not conclusive with 6 relapses.**")

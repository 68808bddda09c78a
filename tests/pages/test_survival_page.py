"""AppTest tests of the Survival page (pages/1_Survival.py).

Golden numbers of the figure come from R (tests/core/golden/survival_r_golden.json,
survfit(Surv(rfs_months, rfs_event) ~ mrd_pre_status, conf.type = "log-log")) and from
counting the 19 rows of Tables 1-2 by hand (numbers at risk).
"""

from __future__ import annotations

import json

import pytest

from core.cohort.read import load_seed_cohort
from core.cohort.text import markdown_safe
from core.survival.km.summary import stratifier_options
from tests.pages.helpers import header_text, run_page

PAGE = "pages/1_Survival.py"


def figure(at) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def traces(at) -> dict[str, dict]:
    return {t["name"]: t for t in figure(at)["data"]}


def per_group(at):
    """The per-group table (the hazard-ratio table under the figure comes first)."""
    return next(d.value for d in at.dataframe if "Patients" in d.value.columns)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_answers_do_mrd_positive_patients_relapse_sooner():
    """RFS by MRD: R survdiff chisq 1.2212, p 0.2691; exact permutation over 3876 splits."""
    at = run_page(PAGE, {"survival.endpoint": "rfs", "survival.by": "mrd_pre_status"})
    assert not at.exception
    assert metrics(at) == {"Log-rank chi-square": "1.22", "Degrees of freedom": "1",
                           "Log-rank p": "0.269", "Permutation p": "0.326"}
    assert any("read the permutation p" in m.value for m in at.markdown)
    assert any("exact, all 3,876 group assignments enumerated" in c.value for c in at.caption)
    curves = traces(at)
    positive = curves["positive (n=4)"]
    assert positive["x"] == [0.0, 1.0, 16.0, 63.0]
    assert positive["y"] == pytest.approx([1.0, 0.75, 0.375, 0.375], abs=1e-12)
    assert curves["negative (n=15)"]["y"][-1] == pytest.approx(0.628571428571429, abs=1e-9)
    at_risk = curves["positive at risk"]
    assert at_risk["x"][:3] == [0.0, 12.0, 24.0] and at_risk["text"][:3] == ["4", "2", "1"]
    table = per_group(at).set_index("Group")
    assert table.loc["positive", "Median, months (95% CI)"] == "16.0 (1.0–NR)"
    assert table.loc["negative", "Median, months (95% CI)"] == "not reached (13.0–NR)"
    assert table.loc["positive", "12 months: % (95% CI)"] == "75.0% (12.8–96.1)"
    assert table.loc["negative", "24 months: at risk"] == "8"
    # at 1366 px the RMST column sits beside the median, not past the table's right edge
    order = list(next(d for d in at.dataframe if "Patients" in d.value.columns)
                 .proto.column_order)
    assert order[3:5] == ["Median, months (95% CI)", "RMST to 24 months (95% CI)"], order
    # the answer in words comes first, under the n line, before the controls (issue 24)
    texts = [m.value for m in at.markdown]
    assert texts[1] == (
        "**RFS at 24 months: negative 73.3%, positive 37.5%; log-rank p 0.269 (permutation "
        "0.326): not conclusive with 4 patients in the smallest group.**"), texts[:3]


@pytest.mark.parametrize("endpoint", ["os", "rfs"])
@pytest.mark.parametrize("by", ["none", "eln2022_risk", "sorafenib_timing", "mrd_pre_status"])
def test_every_endpoint_and_study_stratifier_renders(endpoint, by):
    at = run_page(PAGE, {"survival.endpoint": endpoint, "survival.by": by})
    assert not at.exception
    assert len(at.get("plotly_chart")) == 1
    n_groups = 1 if by == "none" else load_seed_cohort()[by].nunique()
    assert len(per_group(at)) == n_groups
    assert ("Log-rank p" in metrics(at)) == (by != "none")
    assert any(c.value.startswith("Overall survival" if endpoint == "os" else "Relapse-free")
               for c in at.caption)


def test_every_categorical_stratifier_renders():
    at = run_page(PAGE)
    for by in stratifier_options(load_seed_cohort()):
        at.selectbox(key="survival.by").set_value(by).run()
        assert not at.exception, by
        assert at.query_params["survival.by"] == by


def test_eln_shows_trend_test():
    """OS by ELN: R survdiff chisq 7.6569 (p 0.0217); trend chisq 5.4251 (p 0.0198)."""
    at = run_page(PAGE, {"survival.endpoint": "os", "survival.by": "eln2022_risk"})
    assert metrics(at)["Log-rank p"] == "0.022"
    trend = [m.value for m in at.markdown if m.value.startswith("**Trend across ELN")]
    assert trend and "chi-square 5.43, 1 df, p = 0.020" in trend[0]


def test_group_without_events_is_shown_with_a_note():
    """OS by ELN: the favorable group (3 patients) has no deaths."""
    at = run_page(PAGE, {"survival.endpoint": "os", "survival.by": "eln2022_risk"})
    assert "favorable (n=3)" in traces(at)
    assert any("ELN 2022 risk = favorable: no deaths among 3 patients" in w.value
               for w in at.warning)


def test_one_patient_filter():
    """Age 21-21 leaves patient 1 alone: a one-point curve and an honest note, no crash."""
    at = run_page(PAGE, {"age_max": "21", "survival.by": "none"})
    assert header_text(at).startswith("**1 of 19 patients**")
    assert not at.exception
    assert any("only 1 patient, too few for a curve" in w.value for w in at.warning)


def test_empty_filter_shows_friendly_message():
    at = run_page(PAGE, {"eln2022_risk": "favorable", "mrd_pre_status": "positive"})
    assert not at.exception
    assert header_text(at).startswith("**0 of 19 patients**")
    assert at.info[0].value.startswith("No patient matches the current filters")
    assert not at.get("plotly_chart")


def test_single_group_after_filter_says_no_test():
    at = run_page(PAGE, {"mrd_pre_status": "positive", "survival.by": "mrd_pre_status"})
    assert not at.exception
    assert any("nothing to compare: no log-rank test" in w.value for w in at.warning)


def test_filter_change_updates_curves():
    at = run_page(PAGE, {"survival.by": "none"})
    assert "All (n=19)" in traces(at)
    at.sidebar.multiselect(key="filter.sorafenib_timing").select("consolidation").run()
    assert "All (n=5)" in traces(at)


def test_headline_rates_shown_for_the_unfiltered_study_cohort():
    at = run_page(PAGE)
    table = at.dataframe[1].value
    assert table["Printed in the study"].tolist() == ["100.0% (19/19)", "94.7% (18/19)",
                                                      "73.7% (14/19)", "57.9% (11/19)"]
    assert table["Kaplan-Meier (95% CI)"].iloc[1] == "94.4% (66.6–99.2)"


def test_link_with_unknown_stratifier_is_ignored_with_notice():
    at = run_page(PAGE, {"survival.by": "<script>"})
    assert not at.exception
    assert any("is not offered on this page and was ignored" in w.value for w in at.warning)
    assert at.selectbox(key="survival.by").value == "none"


def test_link_reproduces_bands_landmarks_and_horizon():
    """Issue 17: a link keeps the CI-band toggle, any typed landmark months and the horizon."""
    at = run_page(PAGE, {"survival.by": "mrd_pre_status", "survival.ci": "False",
                         "survival.landmarks": "6, 30", "survival.horizon": "36"})
    assert not at.exception
    assert not any(name.endswith("95% CI") for name in traces(at))
    columns = list(per_group(at).columns)
    assert "6 months: % (95% CI)" in columns and "30 months: % (95% CI)" in columns
    assert "12 months: % (95% CI)" not in columns
    assert "RMST to 36 months (95% CI)" in columns
    at.text_input(key="survival.landmarks").set_value("12, 24, 30").run()
    assert at.query_params["survival.landmarks"] in ("12, 24, 30", ["12, 24, 30"])
    assert "30 months: at risk" in per_group(at).columns
    for key, value in (("survival.ci", "False"), ("survival.horizon", "36.0")):
        assert at.query_params[key] in (value, [value])


def test_bad_landmarks_are_named_and_the_page_still_draws():
    at = run_page(PAGE, {"survival.landmarks": "12, soon"})
    assert not at.exception
    assert any("ignored: Landmarks: 'soon' is not a time in months" in w.value
               for w in at.warning)
    at.text_input(key="survival.landmarks").set_value("12, never").run()
    assert at.error[0].value.startswith("Landmarks: 'never' is not a time in months")
    assert len(at.get("plotly_chart")) == 1
    at = run_page(PAGE, {"survival.horizon": "-4"})
    assert any("RMST horizon: '-4' is not a number of months" in w.value for w in at.warning)


def test_printed_rates_stay_reachable_under_a_filter():
    """Issue 17: the printed-vs-KM comparison vanished under any filter."""
    at = run_page(PAGE, {"mrd_pre_status": "positive"})
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Printed in the study" in d.value.columns)
    assert table["Printed in the study"].tolist() == [
        "100.0% (19/19)", "94.7% (18/19)", "73.7% (14/19)", "57.9% (11/19)"]
    assert any("uses all 19 rows, not the filtered patients" in i.value for i in at.info)


def test_a_page_choice_notice_from_the_link_stays_after_a_click():
    """Issue 18: notices vanished on the next interaction."""
    at = run_page(PAGE, {"survival.by": "shoe_size"})
    message = markdown_safe("The link's value 'shoe_size' for `survival.by` is not offered "
                            "on this page")  # drawn as plain text (issue 25)
    assert sum(message in w.value for w in at.warning) == 1
    at.selectbox(key="survival.endpoint").set_value("rfs").run()
    assert sum(message in w.value for w in at.warning) == 1


def test_effect_sizes_under_the_curves_and_further_tests():
    """HR of MRD positive vs negative: R coxph(Surv(rfs_months, rfs_event) ~ mrd_pre_status)
    HR 2.59 (0.47-14.25), p 0.274; the weighted and stratified tests with their sentences;
    the KMunicate rows (events, censored) under the curves by default."""
    at = run_page(PAGE, {"survival.endpoint": "rfs", "survival.by": "mrd_pre_status"})
    assert not at.exception
    effects = next(d.value for d in at.dataframe if "HR (95% CI)" in d.value.columns)
    shown = effects.set_index("Group")
    assert shown.at["positive", "HR (95% CI)"] == "2.59 (0.471–14.2)"  # 3 significant digits
    assert shown.at["negative", "HR (95% CI)"] == "1 (reference)"
    assert any(m.value.startswith("Weighted test: Fleming-Harrington (rho = 1)")
               for m in at.markdown)
    assert any(m.value.startswith("Stratified by") for m in at.markdown)
    names = {t["name"] for t in figure(at)["data"]}
    assert "positive: events at risk" in names and "positive: censored at risk" in names


def test_pairwise_tests_for_three_groups():
    at = run_page(PAGE, {"survival.endpoint": "os", "survival.by": "eln2022_risk"})
    assert not at.exception
    pairs = next(d.value for d in at.dataframe if "p_adjusted" in d.value.columns)
    assert len(pairs) == 3
    assert any("adjust" in m.value for m in at.markdown)

"""AppTest tests of the During follow-up page (pages/6_During_follow_up.py).

The seed cohort has no transplant times (the study does not say who was transplanted): the
page explains and shows no number. The synthetic example data/examples/hsct_example.csv has
HSCT times: every number on the page equals core.survival.timedep.models*, whose values are
golden-tested against R in tests/core/survival/timedep/test_timedep.py.
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from core.cohort.read import load_cohort
from core.style.numbers import format_hr, format_p
from core.survival.timedep.km import intervention_sensitivity
from core.survival.timedep.models import landmark_logrank, mantel_byar, time_dependent_cox
from tests.pages.helpers import ROOT, header_text, run_page

PAGE = "pages/6_During_follow_up.py"
EXAMPLE = ROOT / "data" / "examples" / "hsct_example.csv"


def run_example(query: dict[str, str] | None = None) -> AppTest:
    """The page with the example cohort loaded, as the sidebar's uploader leaves it."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["cohort.data"] = load_cohort(EXAMPLE)
    at.session_state["cohort.source"] = "Uploaded file hsct_example.csv"
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.switch_page(PAGE).run()  # the session opens on the page, as a link to it does


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_seed_cohort_explains_and_invents_no_number():
    at = run_page(PAGE)
    assert not at.exception
    assert at.info[0].value.startswith("**The embedded study cohort has no transplant times.**")
    assert "3 of the 19 patients" in at.info[0].value
    assert not at.metric and not at.get("plotly_chart") and not at.dataframe
    assert any("immortal time" in m.value for m in at.markdown)
    assert any(m.value.startswith("**Which method answers what.**") for m in at.markdown)


def test_example_numbers_equal_core():
    """RFS clock, L = 6: landmark log-rank, Mantel-Byar, time-dependent Cox and the
    sensitivity table as core computes them."""
    at = run_example({"timedep.landmark": "6"})
    assert not at.exception
    cohort = load_cohort(EXAMPLE)
    args = (cohort, "rfs_months", "rfs_event", "hsct_months")
    lm = landmark_logrank(*args, 6)
    mb = mantel_byar(*args)
    cox = time_dependent_cox(*args).table.iloc[0]
    shown = metrics(at)
    assert shown["Log-rank chi-square (landmark)"] == f"{lm.statistic:.2f}"
    assert shown["Log-rank p (landmark)"] == format_p(lm.p_value)
    assert shown["Mantel-Byar chi-square"] == f"{mb.statistic:.2f}"
    assert shown["Mantel-Byar p"] == format_p(mb.p_value)
    assert any(c.value.startswith("Landmark analysis: patients still in follow-up") and
               f"{lm.n_excluded} patients left out: follow-up ended at or before the "
               "landmark of 6 months" in c.value for c in at.caption)
    table = at.dataframe[0].value.iloc[0]
    assert table["HR (95% CI)"] == (f"{format_hr(cox['hr'])} ({format_hr(cox['hr_lower'])}–"
                                    f"{format_hr(cox['hr_upper'])})")
    assert table["Wald p"] == format_p(cox["p_value"])
    sens = intervention_sensitivity(*args, landmark_times=(12, 24), name="HSCT")
    side = at.dataframe[1].value.set_index("Analysis")
    assert list(side.index) == ["as observed", "censored at HSCT"]
    assert side.loc["censored at HSCT", "Events"] == sens.fit.events["censored at HSCT"]
    assert len(at.get("plotly_chart")) == 3
    assert [w.value for w in at.warning][:1] == [
        "1 patient had the HSCT at or before time 0: they count as \"after\" from the start "
        "(R tmerge does the same); for them it is a baseline fact."]


def test_simon_makuch_figure_moves_patients_between_statuses():
    at = run_example()
    spec = json.loads(at.get("plotly_chart")[1].proto.spec)
    names = [t["name"] for t in spec["data"]]
    assert "no HSCT yet" in names and "after HSCT" in names
    at_risk = {t["name"]: t["text"] for t in spec["data"] if t["name"].endswith("at risk")}
    assert at_risk["no HSCT yet at risk"][0] == "39" and at_risk["after HSCT at risk"][0] == "1"


def test_choices_are_kept_in_the_link():
    at = run_example({"timedep.clock": "os", "timedep.landmark": "12"})
    assert not at.exception
    assert at.number_input(key="timedep.landmark").value == 12.0
    assert at.selectbox(key="timedep.clock").value == "os"
    assert at.query_params["timedep.landmark"] == "12.0"
    assert any(s.value.startswith("1 · Landmark analysis from 12 months") for s in at.subheader)


@pytest.mark.parametrize("landmark", ["-3", "soon"])
def test_a_bad_landmark_in_the_link_is_ignored_with_a_notice(landmark):
    at = run_example({"timedep.landmark": landmark})
    assert not at.exception
    assert at.number_input(key="timedep.landmark").value == 6.0
    assert any("timedep.landmark" in w.value and "was ignored" in w.value for w in at.warning)


def test_landmark_with_nobody_treated_says_why():
    """At 48 months the one patient still followed had the HSCT: no comparison there."""
    at = run_example({"timedep.landmark": "48"})
    assert not at.exception
    assert any("a comparison needs both" in e.value for e in at.error)
    assert "Mantel-Byar p" in metrics(at)  # the other analyses still show


def test_column_without_values_explains():
    """An uploaded cohort whose chosen column is empty: nothing to analyse, no numbers."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    cohort = load_cohort(EXAMPLE)
    cohort["hsct_months"] = float("nan")
    at.session_state["cohort.data"] = cohort
    at.session_state["cohort.source"] = "Uploaded file empty.csv"
    at.run()
    at = at.switch_page(PAGE).run()
    assert not at.exception
    assert any("No patient here has a value in `hsct\\_months`" in i.value for i in at.info)
    assert not at.metric


def test_empty_filter():
    at = run_page(PAGE, {"eln2022_risk": "favorable", "sorafenib_timing": "consolidation",
                         "mrd_pre_status": "positive"})
    assert not at.exception
    assert header_text(at).startswith("**0 of 19 patients**")
    assert at.info[0].value.startswith("No patient matches the current filters")


def test_an_intervention_column_named_with_markup_is_shown_as_typed():
    """Issue 18: a column name from an uploaded file never becomes Markdown (bold, a link) in
    the page's headings and sentences, nor in its figures' legends."""
    from tests.core.figure_text import assert_drawn_as_typed

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    cohort = load_cohort(EXAMPLE).rename(columns={"hsct_months": "<b>bold</b>"})
    at.session_state["cohort.data"] = cohort
    at.session_state["cohort.source"] = "Uploaded file markup.csv"
    at.run()
    at = at.switch_page(PAGE).run()
    at = at.selectbox(key="timedep.switch").select("<b>bold</b>").run()
    assert not at.exception
    shown = [s.value for s in at.subheader] + [m.value for m in at.markdown]
    assert not [s for s in shown if "<b>bold" in s]
    assert any("\\<b\\>bold\\</b\\>" in s.value for s in at.subheader)
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(figures) == 3  # landmark, Simon-Makuch, sensitivity
    for figure in figures:
        assert_drawn_as_typed(figure, "<b>bold</b>")


def test_the_answer_comes_first_in_one_line():
    """Issue 24: under the n line, before the sections, the time-dependent HR and the
    Mantel-Byar p in words; the seed cohort says there is nothing to compare."""
    from core.cox.answer import during_follow_up_answer
    from core.survival.timedep.summary import during_follow_up_report

    at = run_example({"timedep.landmark": "6"})
    report = during_follow_up_report(load_cohort(EXAMPLE), "rfs", "hsct_months", 6.0)
    texts = [m.value for m in at.markdown]
    assert texts[1] == f"**{during_follow_up_answer(report, 'relapses')}**", texts[:3]
    assert texts[1].startswith("**After HSCT vs before or without (time-dependent Cox, ")
    seed = [m.value for m in run_page(PAGE).markdown]
    assert seed[1] == "**No patient here has a recorded HSCT time: there is nothing to compare.**"

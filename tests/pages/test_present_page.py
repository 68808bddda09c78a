"""AppTest tests of the projector mode (pages/8_Present.py)."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import astuple

from core.cohort.filters import CohortFilter
from core.cohort.read import load_seed_cohort
from core.report.html import report_sections
from core.report.screens import projector_screens
from core.report.sections import ReportChoices
from core.survival.flow import analysis_flow
from tests.pages.helpers import header_text, run_page

PAGE = "pages/8_Present.py"


def _expected_titles(cohort=None, **choices) -> list[str]:
    """The projector's screen titles: the deck's sections (the flow diagram first) cut into
    screens, as the page builds them (for the seed cohort computed once per choices)."""
    if cohort is None:
        return list(_seed_titles(**choices))
    return _titles(cohort, **choices)


@functools.cache
def _seed_titles(**choices) -> tuple[str, ...]:
    return tuple(_titles(load_seed_cohort(), **choices))


def _titles(cohort, **choices) -> list[str]:
    report = ReportChoices(**choices)
    flow = analysis_flow(cohort, CohortFilter(), report.endpoint, report.by)
    return [s.title for s in projector_screens(report_sections(cohort, choices=report,
                                                                flow=flow))]


def title(at) -> str:
    """The screen's title (a '## ' heading in the screen's container)."""
    return next(m.value[3:] for m in at.markdown if m.value.startswith("## "))


def numbers(at) -> dict[str, str]:
    """The key numbers, drawn as '<label>: **<value>**' lines (they wrap, never truncate)."""
    found = (re.fullmatch(r"(.+): \*\*(.+)\*\*", m.value) for m in at.markdown)
    return {m.group(1): m.group(2) for m in found if m}


def test_first_screen_with_its_key_numbers_and_present_in_the_link():
    at = run_page(PAGE)
    assert not at.exception
    titles = _expected_titles()
    assert title(at) == titles[0] == "Who is in the analysis (RFS)"  # the flow diagram first
    assert at.selectbox(key="present.slide").options[0] == f"1/{len(titles)} · {titles[0]}"
    assert numbers(at) == {"Rows in the file": "19", "Analysed": "19"}
    assert at.query_params["present"] == "1"
    assert at.button(key="present.previous").disabled
    assert "19 of 19 patients" in header_text(at)


def test_next_and_previous_step_through_the_screens():
    at = run_page(PAGE)
    titles = _expected_titles()
    at.button(key="present.next").click().run()
    assert title(at) == titles[1] == "Baseline characteristics · 1/3"  # a long table, paged
    at.button(key="present.next").click().run()
    assert title(at) == "Baseline characteristics · 2/3"
    assert at.query_params["present.slide"] == "3"
    at.selectbox(key="present.slide").set_value(str(titles.index(
        "Relapse-free survival (RFS; study: relapse only)") + 1)).run()
    assert len(at.get("plotly_chart")) == 1
    assert "Log-rank p" not in numbers(at)  # no grouping: no test
    at.button(key="present.previous").click().run()
    assert title(at) == "Baseline characteristics · 3/3"


def test_a_survival_screen_shows_one_line_per_group_and_the_tests():
    """?survival.by=mrd_pre_status: RFS by MRD with its log-rank p (R: survdiff 0.269)."""
    at = run_page("pages/1_Survival.py", {"survival.by": "mrd_pre_status",
                                          "survival.endpoint": "rfs"})
    at.switch_page(PAGE).run()
    # the competing-risk section and Table 1's split follow the Survival grouping (pages not
    # visited): the Fine-Gray hazard ratios get a screen of their own; the Survival page's
    # weighted and stratified tests (its defaults: rho = 1, the first other grouping) follow
    # the contrasts
    titles = _expected_titles(by="mrd_pre_status", competing_by="mrd_pre_status",
                              baseline_by="mrd_pre_status", rho=1.0,
                              logrank_strata="eln2022_risk", reference="negative")
    assert "Relapse with death as a competing risk · hazard ratios" in titles
    assert "Baseline characteristics by MRD before maintenance · 1/6" in titles  # legend on each
    assert "Does the difference hold? RFS" in titles
    at.selectbox(key="present.slide").set_value(
        str(titles.index("Relapse-free survival (RFS; study: relapse only)") + 1)).run()
    shown = numbers(at)
    assert shown["Log-rank p"] == "0.269"
    assert shown["positive (n=4)"] == "median 16.0 months; 75.0% at 12 months"
    assert shown["negative (n=15)"] == "median not reached; 91.7% at 12 months"
    assert any(m.value.startswith("n = 19 patients, 6 relapses") for m in at.markdown)
    # the small-sample advice is a caveat on the screen, in the one wording
    assert any("read the permutation p" in w.value for w in at.warning)
    at.selectbox(key="present.slide").set_value(str(len(titles))).run()
    assert at.button(key="present.next").disabled
    assert title(at).startswith("Patients")


def test_cox_screen_headlines_no_separated_level_and_says_why_in_plain_words():
    """Seen: 'ELN intermediate: HR 0.0164, p 0.003' headlined for a level with no relapse,
    and five technical warnings below the fold."""
    titles = _expected_titles()
    at = run_page(PAGE, {"present.slide": str(titles.index(
        "Cox regression: relapse-free survival (RFS)") + 1)})
    assert title(at) == "Cox regression: relapse-free survival (RFS)"
    shown = numbers(at)
    assert shown["ELN 2022 risk: intermediate vs favorable"] == "not estimable: see the caveat"
    assert shown["MRD before maintenance: positive vs negative"].startswith("HR 2.40 (")
    assert len(at.warning) == 1  # one plain box, as on the Cox page
    box = at.warning[0].value
    assert "ELN 2022 risk: intermediate" in box and "none of the relapses" in box
    assert "Monotone likelihood" not in box and "eln2022_risk[" not in box


def test_empty_filter_says_so():
    at = run_page(PAGE, {"mrd_pre_status": "positive", "eln2022_risk": "favorable"})
    assert not at.exception
    assert any("nothing to present" in i.value for i in at.info)
    assert not any(m.value.startswith("## ") for m in at.markdown)


def test_deliverables_build_only_when_asked_then_offer_the_download():
    """The shared component on the Survival page: Prepare buttons, no bytes before a click;
    after "Prepare Reproduce this (zip)" its download button replaces it."""
    at = run_page("pages/1_Survival.py", {"survival.by": "mrd_pre_status"})
    assert not at.exception
    labels = [b.label for b in at.button]
    assert {"Prepare slides (PPTX)", "Prepare report (HTML)", "Prepare Reproduce this (zip)",
            "Prepare figure (PNG)"} <= set(labels)
    assert "deliver.survival.zip.bytes" not in at.session_state
    at.button(key="deliver.survival.zip.prepare").click().run()
    assert not at.exception
    assert at.session_state["deliver.survival.zip.bytes"][1][:2] == b"PK"
    assert "Prepare Reproduce this (zip)" not in [b.label for b in at.button]
    at.selectbox(key="survival.by").set_value("eln2022_risk").run()  # new choices
    assert "Prepare Reproduce this (zip)" in [b.label for b in at.button]


def test_a_section_opens_with_its_pages_answer_line():
    """Issue 24: the projector says the result as the page does, first, in the same words
    (here the Survival page's line for RFS, the whole cohort)."""
    from core.survival.km.summary import answer_sentence, survival_report

    titles = _expected_titles()
    at = run_page(PAGE, {"present.slide": str(titles.index(
        "Relapse-free survival (RFS; study: relapse only)") + 1)})
    texts = [m.value for m in at.markdown]
    heading = texts.index("## Relapse-free survival (RFS; study: relapse only)")
    line = answer_sentence(survival_report(load_seed_cohort(), "rfs", None, (12, 24), 24))
    assert texts[heading + 1] == f"**{line}**"
    assert line.startswith("RFS of 19 patients at 24 months: 66.0%")


def test_every_screen_figure_comes_back_from_the_cache_as_it_was_built():
    """ui.present keeps each screen's figure as plotly's dict (its cache returns a copy on
    every run, and a Figure validates everything again when unpickled); the screen shown is
    rebuilt from the dict without validation. Every figure of the deck (three groups: the
    flow, survival, competing-risk, Cox and swimmer figures) must come back as built."""
    import plotly.io as pio

    from core.access.deidentify import IDENTIFIED
    from ui.present import _screens, figure_of

    cohort, report = load_seed_cohort(), ReportChoices(by="eln2022_risk")
    flow = analysis_flow(cohort, CohortFilter(), report.endpoint, report.by)
    built = [s for s in projector_screens(report_sections(cohort, choices=report, flow=flow))
             if s.figure is not None]
    kept = [s for s in _screens(cohort, astuple(report), IDENTIFIED, flow)
            if s.figure is not None]
    assert len(kept) == len(built) >= 6 and all(isinstance(s.figure, dict) for s in kept)
    for original, cached in zip(built, kept, strict=True):
        assert cached.key == original.key
        # the same figure JSON (keys may come in another order, which plotly.js ignores)
        assert json.loads(pio.to_json(figure_of(cached), validate=False)) == \
            json.loads(pio.to_json(original.figure, validate=False)), original.key

"""The deck, the HTML report and projector mode say what the Cox and Competing risks pages
said (issue 24): the Cox page's estimation, ties, reference levels and age unit and the
Competing risks page's landmarks reach :func:`ui.deliverables.report_choices`, so each
section's answer line is the page's line, word for word, after the user changed them.

Each test sets the page's widgets in an AppTest session, reads the page's answer line, then
builds the deliverables' sections from what that session kept when the user left the page
(its ``saved.<key>`` values, as the deck built on another page or in projector mode reads
them)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.pages.helpers import run_page


def _answers_script():
    import streamlit as st

    from core.cohort.read import load_seed_cohort
    from core.report.competing import competing_section
    from core.report.sections import cox_section
    from ui.deliverables import report_choices

    cohort = load_seed_cohort()
    choices = report_choices(cohort)
    st.text(cox_section(cohort, choices).answer)
    st.text(competing_section(cohort, choices).answer)


def _deliverables_answers(page: AppTest, keys: list[str]) -> tuple[str, str]:
    """(Cox, Competing) answer lines of the deliverables built from ``page``'s saved keys."""
    at = AppTest.from_function(_answers_script, default_timeout=60)
    for key in (f"saved.{k}" for k in keys):
        assert key in page.session_state, key
        at.session_state[key] = page.session_state[key]
    at.run()
    assert not at.exception
    return at.text[0].value, at.text[1].value


def _answer(at: AppTest, start: str) -> str:
    return next(m.value[2:-2] for m in at.markdown if m.value.startswith(f"**{start}"))


def test_the_cox_section_says_what_the_cox_page_says_with_firth_breslow_and_a_reference():
    at = run_page("pages/2_Cox.py", timeout=60)
    at.radio(key="cox.firth").set_value("firth").run()
    at.radio(key="cox.ties").set_value("breslow").run()
    at.selectbox(key="cox.ref.eln2022_risk").set_value("adverse").run()
    assert not at.exception
    page = _answer(at, "RFS, multivariable Cox model")
    assert "ELN 2022 risk: favorable vs adverse HR" in page  # the reference took effect
    cox, _ = _deliverables_answers(at, ["cox.covariates", "cox.firth", "cox.ties",
                                        "cox.ref.eln2022_risk", "cox.ref.mrd_pre_status"])
    assert cox == page
    # the defaults' line differs: the test can fail
    from core.cohort.read import load_seed_cohort
    from core.report.sections import ReportChoices, cox_section

    assert cox_section(load_seed_cohort(), ReportChoices()).answer != page


def test_a_univariable_cox_page_is_named_in_the_multivariable_section():
    """The deck's Cox section is the multivariable model: when the page shows univariable
    models, the section says so first among its caveats instead of differing silently."""
    from core.report.sections import UNIVARIABLE_ON_PAGE

    at = run_page("pages/2_Cox.py", timeout=60)
    at.radio(key="cox.model").set_value("univariable").run()
    assert not at.exception
    at2 = AppTest.from_function(_univariable_script, default_timeout=60)
    at2.session_state["saved.cox.model"] = at.session_state["saved.cox.model"]
    at2.run()
    assert not at2.exception
    assert at2.text[0].value == UNIVARIABLE_ON_PAGE


def _univariable_script():
    import streamlit as st

    from core.cohort.read import load_seed_cohort
    from core.report.sections import cox_section
    from ui.deliverables import report_choices

    cohort = load_seed_cohort()
    st.text(cox_section(cohort, report_choices(cohort)).warnings[0])


def test_the_competing_section_says_what_the_page_says_with_other_landmarks():
    at = run_page("pages/4_Competing_risks.py", timeout=60)
    at.selectbox(key="competing.by").set_value("mrd_pre_status").run()
    at.multiselect(key="competing.landmarks").set_value([6, 12]).run()
    assert not at.exception
    page = _answer(at, "Relapse by")
    assert page.startswith("Relapse by 12 months: ")  # not the default 24
    _, competing = _deliverables_answers(at, ["competing.by", "competing.landmarks"])
    assert competing == page


def test_the_competing_landmarks_survive_leaving_the_page_and_a_link():
    at = run_page("pages/4_Competing_risks.py", {"competing.landmarks": "6,18"}, timeout=60)
    assert at.multiselect(key="competing.landmarks").value == [6, 18]
    bad = run_page("pages/4_Competing_risks.py", {"competing.landmarks": "7"}, timeout=60)
    assert bad.multiselect(key="competing.landmarks").value == [12, 24]
    assert any("ignored: each landmark is one of 6, 12, 18, 24, 36, 48, 60 months." in w.value
               for w in bad.warning), [w.value for w in bad.warning]

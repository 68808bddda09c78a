"""AppTest tests of the About & definitions page."""

from tests.pages.helpers import header_text, run_page


def test_renders_definitions_and_provenance():
    at = run_page("pages/9_About.py")
    assert not at.exception
    assert header_text(at) == "**19 of 19 patients** · no filters"
    text = "\n".join(m.value for m in at.markdown)
    assert "months from diagnosis to death" in text
    assert "months from the start of sorafenib + ITI maintenance to relapse" in text
    assert "Affiliated Cancer Hospital of Zhengzhou University" in text


def test_deep_link_with_filters_opens_this_page_filtered():
    at = run_page("pages/9_About.py", query={"mrd_pre_status": "positive"})
    assert header_text(at).startswith("**4 of 19 patients**")


def test_empty_filter():
    at = run_page("pages/9_About.py", query={"eln2022_risk": "favorable",
                                             "outcome": "dead"})
    assert not at.exception
    assert header_text(at).startswith("**0 of 19 patients**")


def test_methods_are_readable_in_the_app():
    at = run_page("pages/9_About.py")
    assert [e.label for e in at.expander if e.label.startswith(("Kaplan", "Cox"))] == [
        "Kaplan-Meier curves, landmarks, medians, RMST, log-rank, permutation and trend tests",
        "Cox and Firth regression, guardrails, predictions"]
    text = "\n".join(m.value for m in at.markdown)
    assert "Greenwood variance; pointwise intervals on the" in text


def test_text_versus_table_conflicts_are_listed():
    at = run_page("pages/9_About.py")
    text = "\n".join(m.value for m in at.markdown)
    assert "**Patient 9**, MRD and relapse during maintenance" in text
    assert "**Patient 17**" in text and "**Patient 10**" in text


def test_no_workspace_path_is_shown():
    """Seen: '../shared/seed/ of the project workspace' on the About page: a reader of the
    app has no such folder."""
    import re

    at = run_page("pages/9_About.py")
    text = "\n".join(m.value for m in at.markdown)
    # (R's "workspace" of fisher.test, named in the methods, is not a path)
    assert not re.search(r"\.\./|/work/|project workspace", text)

"""AppTest tests of the Paper check page (pages/5_Paper_check.py)."""

from __future__ import annotations

from tests.pages.helpers import header_text, run_page

PAGE = "pages/5_Paper_check.py"


def test_every_printed_figure_is_marked():
    at = run_page(PAGE)
    assert not at.exception
    # the answer first: the first text under the title (issue 24)
    texts = [m.value for m in at.markdown]
    first = next(i for i, t in enumerate(texts) if t.startswith("**19 of 19 patients**"))
    assert texts[first + 1] == (
        "**25 of 29 checkable figures agree with the paper (1 under an assumption); 4 differ "
        "(24-month OS; 12-month RFS; 24-month RFS; median follow-up, reverse Kaplan-Meier). "
        "3 more cannot be checked from the rows.**")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Agree": "24", "Agree under an assumption": "1", "Differ": "4",
                       "Not checkable from the rows": "3"}
    table = at.table[0].value.set_index("Figure")  # a static table: reasons wrap
    assert table.loc["24-month OS", "Printed"] == "94.7% (18/19)"
    assert table.loc["24-month OS", "Recomputed from the rows"] == "94.4%"
    assert table.loc["24-month OS", "Mark"] == "differs"
    assert table.loc["median follow-up (range)", "Mark"] == "agrees"
    assert len(table) == 32
    assert any("probably the transplanted ones" in m.value for m in at.markdown)
    # the figures that differ first, then what cannot be checked (issue 24)
    assert list(table["Mark"])[:8] == (["differs"] * 4 + ["agrees under an assumption"]
                                       + ["not checkable"] * 3)
    subheads = [h.value for h in at.subheader]
    assert subheads[0] == "Where they differ" and subheads[-1] == "Every printed figure"


def test_empty_filter_still_checks_the_whole_study():
    at = run_page(PAGE, {"eln2022_risk": "favorable", "mrd_pre_status": "positive"})
    assert not at.exception
    assert header_text(at).startswith("**0 of 19 patients**")
    assert any("filters do not apply here" in i.value for i in at.info)
    assert len(at.table[0].value) == 32

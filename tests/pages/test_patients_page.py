"""AppTest tests of the Patients page (pages/3_Patients.py)."""

import json

from core.patients.timelines import COLOR_CHOICES, SORTS
from tests.pages.helpers import header_text, run_page

PAGE = "pages/3_Patients.py"


def swimmer_spec(at) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def lanes(at) -> list[str]:
    """Patient ids of the drawn lanes, top lane first (bars' customdata ordered by lane)."""
    bars = [t for t in swimmer_spec(at)["data"] if t["type"] == "bar"]
    return [pid for _, pid in sorted((y, c[0]) for t in bars
                                     for y, c in zip(t["y"], t["customdata"], strict=True))]


def end_markers(at) -> dict[str, str]:
    """Patient id -> lane end marker name."""
    data = swimmer_spec(at)["data"]
    return {c[0]: t["name"] for t in data if t.get("legendgroup") == "ends"
            and not t["name"].startswith("maintenance start") for c in t["customdata"]}


def card_text(at) -> str:
    return "\n".join(md.value for md in at.markdown
                     if md.value.startswith("| Field | Recorded value |"))


def test_renders_one_lane_per_patient_with_the_right_end():
    at = run_page(PAGE)
    assert not at.exception
    assert header_text(at) == "**19 of 19 patients** · no filters"
    assert sorted(lanes(at), key=int) == [str(i) for i in range(1, 20)]
    ends = end_markers(at)
    assert ends["5"] == "molecular relapse" and ends["7"] == "morphological relapse"
    assert ends["11"] == "censored"
    at.radio(key="patients.mode").set_value("os").run()
    assert not at.exception
    ends = end_markers(at)
    assert (ends["9"], ends["5"], ends["1"]) == ("death", "lost to follow-up",
                                                  "alive at last follow-up")
    assert at.query_params["patients.mode"] == "os"


def test_every_colour_and_sort_option_in_both_modes():
    """Every colour in both modes; the lane orders change in the same runs (the i-th order
    with the i-th colour), since colour and order do not depend on each other."""
    at = run_page(PAGE)
    for mode in ("rfs", "os"):
        at.radio(key="patients.mode").set_value(mode)
        for i, color in enumerate(("none", *COLOR_CHOICES)):
            if i < len(SORTS):
                at.selectbox(key="patients.sort").set_value(SORTS[i])
            at.selectbox(key="patients.color_by").set_value(color).run()
            chosen = (mode, color, at.selectbox(key="patients.sort").value)
            assert not at.exception, chosen
            assert at.radio(key="patients.mode").value == mode, chosen
            assert len(lanes(at)) == 19, chosen
    assert lanes(at) == [str(i) for i in range(1, 20)]  # last: by patient number


def test_patient_in_the_link_opens_the_card():
    at = run_page(PAGE, {"patient": "9"})
    assert not at.exception
    assert at.selectbox(key="patient").value == "9"
    card = card_text(at)
    for fact in ("| **Patient** | 9 |", "| **Sex** | female |", "43 years", "0.86 ×10⁹/L",
                 "M7", "NPM1, ASXL1", "positive (8.85% by flow cytometry)",
                 "CHAG ×2 (low-dose cytarabine, homoharringtonine, aclarubicin and G-CSF)",
                 "16 months from maintenance start, ended by morphological relapse",
                 "20 months from diagnosis to death", "not derivable from the data"):
        assert fact in card, fact
    assert any("Patient 9: relapse at 16 months" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 3  # swimmer, timeline, KM
    # the card opens with one line, before the fields and the conflict notes (issue 24)
    texts = [m.value for m in at.markdown]
    line = ("**Patient 9: 43 years, female, ELN adverse, MRD positive before maintenance; "
            "morphological relapse at 16 months; died at 20 months.**")
    assert line in texts
    assert texts.index(line) < next(i for i, t in enumerate(texts) if "| **Patient** |" in t)
    # the link opens at the card, as a lane click does (ui.scroll.scroll_to), once (issue 24)
    assert scrolls(at) == 1
    at.selectbox(key="patient").set_value("10").run()
    assert scrolls(at) == 0


def scrolls(at) -> int:
    """Scripts of this run that bring the patient card into view."""
    return sum('getElementById("patient-card")' in h.proto.body for h in at.get("html"))


def test_selectbox_and_previous_next_buttons():
    at = run_page(PAGE)
    assert at.selectbox(key="patient").value == "1"
    assert scrolls(at) == 0  # no link to a patient: the page opens at its top
    assert at.button(key="patients.previous").disabled
    at.selectbox(key="patient").set_value("9").run()
    assert "| **Patient** | 9 |" in card_text(at)
    assert at.query_params["patient"] == "9"
    at.button(key="patients.next").click().run()
    assert at.selectbox(key="patient").value == "10"
    assert "| **Patient** | 10 |" in card_text(at)
    assert "TKI+CAG (tyrosine kinase inhibitor" in card_text(at)
    at.button(key="patients.previous").click().run()
    at.button(key="patients.previous").click().run()
    assert at.selectbox(key="patient").value == "8"


def test_mrd_positive_filter_gives_four_lanes():
    at = run_page(PAGE, {"mrd_pre_status": "positive"})
    assert not at.exception
    assert header_text(at).startswith("**4 of 19 patients**")
    assert sorted(lanes(at), key=int) == ["7", "9", "13", "17"]
    assert end_markers(at) == {"7": "morphological relapse", "9": "morphological relapse",
                               "13": "censored", "17": "censored"}
    assert at.selectbox(key="patient").options == ["Patient 7", "Patient 9", "Patient 13",
                                                   "Patient 17"]


def test_linked_patient_outside_the_filter_falls_back_with_a_notice():
    at = run_page(PAGE, {"mrd_pre_status": "positive", "patient": "1"})
    assert not at.exception
    assert any("`patient`" in w.value for w in at.warning)
    assert at.selectbox(key="patient").value == "7"


def test_empty_filter_shows_a_friendly_message():
    at = run_page(PAGE, {"eln2022_risk": "favorable", "mrd_pre_status": "positive"})
    assert not at.exception
    assert header_text(at).startswith("**0 of 19 patients**")
    assert at.info[0].value.startswith("No patient matches the current filters")
    assert len(at.get("plotly_chart")) == 0


def test_derivation_rule_is_explained_on_the_page():
    at = run_page(PAGE)
    rule = " ".join(md.value for md in at.markdown)
    assert "began **OS − RFS** months after diagnosis" in rule
    assert "**not derivable from the data**" in rule
    assert any("▲ molecular relapse" in c.value for c in at.caption)


def test_user_text_is_never_a_link_or_markup():
    """Issue 18: a category ``<a href=...>`` was a clickable legend entry; a bare URL a link
    on the card. The cohort is put into the session as an upload would be."""
    from streamlit.testing.v1 import AppTest

    from core.cohort.read import load_seed_cohort
    from tests.pages.helpers import ROOT

    cohort = load_seed_cohort()
    for column in ("fab_class", "cytogenetics"):
        cohort[column] = cohort[column].astype(object)
    cohort.loc[0, "fab_class"] = '<a href="https://example.org">x</a>'
    cohort.loc[0, "cytogenetics"] = "https://evil.example <b>bold</b>"
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["cohort.data"] = cohort
    at.session_state["cohort.source"] = "Uploaded file hostile.csv"
    at.query_params["patients.color_by"] = "fab_class"
    at.query_params["patient"] = "1"
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        for trace in spec["data"]:
            trace.pop("customdata", None)  # never drawn; carries the raw id back on a click
        text = json.dumps(spec)
        assert "<a " not in text and "<b>bold" not in text
    names = [t.get("name") for t in swimmer_spec(at)["data"]]
    assert '&lt;a href="https://example.org"&gt;x&lt;/a&gt; (n=1)' in names
    card = card_text(at)
    assert "https&#58;\u2060//evil.example \\<b\\>bold\\</b\\>" in card and "https://" not in card


def test_card_carries_the_text_versus_table_conflict_of_patient_9():
    """Issue 17: patient 9's card must say the text reports sustained MRD negativity while
    Table 2 records a morphological relapse at 16 months and death at 20, and which is used."""
    at = run_page(PAGE, {"patient": "9"})
    warnings = [w.value for w in at.warning if "disagree" in w.value]
    assert len(warnings) == 1
    assert "sustained negativity for over five months" in warnings[0]
    assert "morphological relapse 16 months" in warnings[0]
    assert "The app uses Table 2" in warnings[0]
    at = run_page(PAGE, {"patient": "1"})
    assert not [w for w in at.warning if "disagree" in w.value]

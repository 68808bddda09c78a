"""User text in patient figures and cards is shown as typed (issue 18).

plotly renders ``<a href>`` (a clickable link) and ``<b>`` in names, tick labels and hover
text; the patient card is Markdown, which autolinks bare URLs.
"""

import json

from core.cohort.read import load_seed_cohort
from core.cohort.text import markdown_safe
from core.patients.card import find_patient, patient_card, patient_timeline
from core.patients.figures import patient_km_figure, patient_timeline_figure, swimmer_figure
from core.patients.place import patient_on_km
from core.patients.timelines import (
    swimmer_lanes,
)

LINK = '<a href="https://example.org">x</a>'


def hostile_cohort():
    cohort = load_seed_cohort()
    cohort["fab_class"] = cohort["fab_class"].astype(object)
    cohort.loc[0, "fab_class"] = LINK
    cohort.loc[1, "fab_class"] = "<b>bold</b>"
    cohort["patient_id"] = cohort["patient_id"].astype(str)
    cohort.loc[2, "patient_id"] = "<i>3</i>"
    return cohort


def strings(figure) -> str:
    """Every text plotly may render (customdata is never drawn: it carries the raw id back
    to the page on a click)."""
    data = figure.to_plotly_json()
    for trace in data["data"]:
        trace.pop("customdata", None)
    return json.dumps(data)


def test_swimmer_legend_hover_and_ticks_draw_user_text_as_typed():
    cohort = hostile_cohort()
    for mode in ("rfs", "os"):
        text = strings(swimmer_figure(swimmer_lanes(cohort, mode=mode, color_by="fab_class")))
        assert "<a " not in text and "<b>bold" not in text and "<i>" not in text
        assert "&lt;a href=\\\"https://example.org\\\"&gt;x&lt;/a&gt; (n=1)" in text
        assert "&lt;b&gt;bold&lt;/b&gt;" in text and "&lt;i&gt;3&lt;/i&gt;" in text


def test_timeline_and_km_figures_draw_the_patient_id_as_typed():
    cohort = hostile_cohort()
    row = find_patient(cohort, "<i>3</i>")
    assert "<i>" not in strings(patient_timeline_figure(patient_timeline(row), "<i>3</i>"))
    assert "<i>" not in strings(patient_km_figure(patient_on_km(cohort, "<i>3</i>", "os")))


def test_patient_card_values_cannot_become_links_in_markdown():
    cohort = load_seed_cohort()
    cohort["cytogenetics"] = cohort["cytogenetics"].astype(object)
    cohort.loc[0, "cytogenetics"] = "see https://evil.example and www.evil.example"
    card = dict(patient_card(cohort, 1))
    shown = markdown_safe(card["Cytogenetics"])
    assert "https://" not in shown and "www." not in shown
    assert shown == "see https&#58;\u2060//evil.example and www\u2060.evil.example"

"""Projector mode: one section of the tumor-board deck per screen, large type, no sidebar.

The page (``pages/8_Present.py``) steps through the same sections as the slide deck
(:func:`core.report.html.report_sections` with the pages' choices), so what is projected is
what the deck and the HTML report contain. The position is kept in the link
(``?present=1&present.slide=3``); Previous/Next buttons step, and the left/right arrow keys
press them (a few lines of inline script in a one-pixel ``st.iframe``; nothing is loaded from
another host).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.access.deidentify import IDENTIFIED, Privacy
from core.access.roles import Permission
from core.report.html import Section, report_sections
from core.report.images import publication_style
from core.report.sections import ReportChoices
from ui import access, exports

CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="collapsedControl"] {display: none !important;}
.block-container {max-width: 100% !important; padding-top: 1.2rem !important;}
html, body, [data-testid="stMarkdownContainer"] p {font-size: 22px !important;}
[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p
  {font-size: 2.0rem !important; font-weight: 600;}
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"] p
  {font-size: 1.1rem !important;}
[data-testid="stMain"] h1 {display: none !important;}
h2 {font-size: 2.2rem !important;}
</style>
"""

ARROW_KEYS = """
<script>
const doc = window.parent.document;
if (!doc.__presentKeys) {
  doc.__presentKeys = true;
  doc.addEventListener("keydown", (event) => {
    const tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA") return;
    const label = event.key === "ArrowRight" ? "Next" : event.key === "ArrowLeft" ? "Previous"
      : null;
    if (!label) return;
    const button = Array.from(doc.querySelectorAll("button")).find(
      (b) => b.innerText.trim().endsWith(label));
    if (button && !button.disabled) button.click();
  });
}
</script>
"""


def sections(cohort: pd.DataFrame, choices: tuple, flow=None) -> list[Section]:
    """:func:`report_sections` for the deliverables' choices and the flow diagram, as the
    session's role may see them (a viewer: no patient list, no swimmer plot, small counts as
    "<5")."""
    return _sections(cohort, choices, exports.privacy() if not access.may(
        Permission.VIEW_ROWS) else IDENTIFIED, flow)


@st.cache_data(show_spinner="Preparing the sections…", max_entries=8)
def _sections(cohort: pd.DataFrame, choices: tuple, privacy: Privacy, flow) -> list[Section]:
    return report_sections(cohort, choices=ReportChoices(*choices), privacy=privacy, flow=flow)


def projector_style() -> None:
    """Large type, no sidebar, and arrow keys that press Previous/Next."""
    st.markdown(CSS, unsafe_allow_html=True)
    st.iframe(ARROW_KEYS, height=1)


def show_section(section: Section, number: int, total: int) -> None:
    """One section on one screen: title, key numbers, figure, caveats, then its table."""
    st.header(f"{section.title}  ·  {number}/{total}")
    if section.metrics:
        columns = st.columns(min(len(section.metrics), 4))
        for i, (label, value) in enumerate(section.metrics):
            columns[i % len(columns)].metric(label, value)
    if section.figure is not None:
        figure = publication_style(section.figure, "slide_full")  # a copy with large type
        figure.update_layout(autosize=True, width=None, height=600)
        st.plotly_chart(figure, key=f"present.figure.{section.key}",
                        config={"displaylogo": False})
    if section.figure_table is not None:
        st.dataframe(section.figure_table, hide_index=True,
                     key=f"present.figure_table.{section.key}")
    for paragraph in section.paragraphs:
        if paragraph:
            st.markdown(paragraph.replace("*", "\\*"))
    for warning in section.warnings:
        st.warning(warning, icon=":material/warning:")
    if section.table is not None:
        st.dataframe(section.table, hide_index=True, key=f"present.table.{section.key}")
    for note in section.notes:
        if note not in section.paragraphs:
            st.caption(note)

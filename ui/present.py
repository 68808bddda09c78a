"""Projector mode: the tumor-board sections one screen at a time, large type, no sidebar.

The page (``pages/8_Present.py``) steps through the screens of
:func:`core.report.screens.projector_screens`, cut from the slide deck's sections
(:func:`core.report.html.report_sections` with the pages' choices), so what is projected is
what the deck and the HTML report contain. Every screen fits the browser window at 1366 x 768
and 1920 x 1080 without scrolling (``tests/e2e/test_projector_fit.py`` measures it): the main
area is exactly one window tall (CSS below), the figure takes the height the n line,
navigation, title, caption and caveats leave (``height="stretch"``), and long tables are paged.
The position is kept in the link (``?present=1&present.slide=3``); Previous/Next buttons step,
and the left/right arrow keys press them (a few lines of inline script in a one-pixel
``st.iframe``; nothing is loaded from another host).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.access.deidentify import IDENTIFIED, Privacy
from core.access.roles import Permission
from core.report.html import report_sections
from core.report.screens import Screen, projector_figure, projector_screens
from core.report.sections import ReportChoices
from core.style.plot import trusted_figure
from ui import access, exports
from ui.session_cache import session_cached
from ui.shell import plain

CAVEATS_BESIDE = 320
"""Characters of caveats that still fit beside a figure, under its key numbers, on a 1366 x
768 window; longer ones go under the figure at full width (fewer lines)."""

CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="collapsedControl"] {display: none !important;}
/* One window tall, below Streamlit's header (3.75rem): nothing scrolls, the screen stretches */
[data-testid="stMain"] {overflow: hidden !important;}
[data-testid="stMainBlockContainer"] {max-width: 100% !important; height: 100vh;
  padding: 3.9rem 1.5rem 0.5rem 1.5rem !important; box-sizing: border-box;
  display: flex; flex-direction: column;}
[data-testid="stMainBlockContainer"] > div {flex: 1 1 auto; min-height: 0;
  display: flex; flex-direction: column;}
[data-testid="stMainBlockContainer"] > div > [data-testid="stVerticalBlock"]
  {flex: 1 1 auto; min-height: 0; gap: 0.5rem;}
/* the sign-in line and the de-identify switch (exports only) are not for the room */
.st-key-projector-frame [data-testid="stLayoutWrapper"]:has(> [data-testid="stHorizontalBlock"]),
.st-key-projector-frame [data-testid="stElementContainer"]:has(h1),
.st-key-projector-frame [data-testid="stElementContainer"]:has([data-testid="stCaptionContainer"]),
[data-testid="stLayoutWrapper"]:has(> .st-key-projector-hidden) {display: none !important;}
.st-key-projector-frame {gap: 0.2rem; flex: 1 1 0; min-width: 18rem;}
.st-key-projector-nav {gap: 0.6rem; flex-wrap: nowrap;}
.st-key-projector-nav [data-testid="stSelectbox"] {width: 26rem;}
html, body, [data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li
  {font-size: 20px !important;}
.st-key-projector-screen h2 {font-size: 1.8rem !important; padding: 0 0 0.3rem 0 !important;}
/* only the figure gives way to a small window: titles, texts and caveats keep their height */
.st-key-projector-screen > * {flex-shrink: 0;}
/* Streamlit pulls a text's last line into the next element (margin-bottom: -1rem): here a
   text's box is its text, so the layout knows its true height */
.st-key-projector-screen [data-testid="stMarkdownContainer"],
.st-key-projector-frame [data-testid="stMarkdownContainer"] {margin-bottom: 0 !important;}
.st-key-projector-screen [data-testid="stMarkdownContainer"] > :last-child
  {margin-bottom: 0 !important;}
.st-key-projector-numbers p {font-size: 19px !important; margin-bottom: 0.4rem !important;}
.st-key-projector-answer p {font-size: 15px !important; margin: 0 !important;}
.st-key-projector-text p, .st-key-projector-caption p {font-size: 15px !important; color: #444;
  margin: 0 0 0.2rem 0 !important;}
.st-key-projector-screen [data-testid="stAlert"] > div {padding: 0.45rem 0.8rem !important;}
.st-key-projector-screen table {font-size: 19px !important;}
.st-key-projector-screen [data-testid="stAlert"] p,
.st-key-projector-screen [data-testid="stAlert"] li {font-size: 16px !important;}
/* the columns of a figure screen take the height left; the figure fills its column */
.st-key-projector-screen > [data-testid="stLayoutWrapper"]:has(> [data-testid="stHorizontalBlock"])
  {flex: 1 1 0; min-height: 0;}
.st-key-projector-screen [data-testid="stHorizontalBlock"] {height: 100%;}
.st-key-projector-screen [data-testid="stColumn"] {height: 100%; min-height: 0;}
.st-key-projector-screen [data-testid="stColumn"] > [data-testid="stVerticalBlock"]
  {height: 100%; min-height: 0;}
.st-key-projector-screen [data-testid="stLayoutWrapper"]:has(> .st-key-projector-figure)
  {flex: 1 1 0; min-height: 0;}
.st-key-projector-figure {height: 100%; min-height: 0;}
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


def screens(cohort: pd.DataFrame, choices: tuple, flow=None) -> list[Screen]:
    """:func:`projector_screens` of :func:`report_sections` for the deliverables' choices and
    the flow diagram, as the session's role may see them (a viewer: no patient list, no
    swimmer plot, small counts as "<5"). Each screen's ``figure`` is plotly's plain dict (see
    :func:`_screens`): draw it with :func:`figure_of`."""
    return _screens(cohort, choices, exports.privacy() if not access.may(
        Permission.VIEW_ROWS) else IDENTIFIED, flow)


@session_cached(show_spinner="Preparing the sections…", max_entries=8)
def _screens(cohort: pd.DataFrame, choices: tuple, privacy: Privacy, flow) -> list[Screen]:
    """The screens, each figure kept as plotly's plain dict (``Figure.to_dict``). The cache
    returns a fresh copy on every run (it unpickles), and unpickling a ``Figure`` validates
    every property of it again: each step through the screens rebuilt all the deck's figures
    (about 40 on the seed cohort, most of a step's server time) to show one. The screen shown
    is rebuilt from its dict by :func:`show_screen`."""
    screens = projector_screens(report_sections(cohort, choices=ReportChoices(*choices),
                                                privacy=privacy, flow=flow))
    return [replace(screen, figure=screen.figure.to_dict()) if screen.figure is not None
            else screen for screen in screens]


def figure_of(screen: Screen) -> go.Figure:
    """The screen's figure, rebuilt from the dict :func:`screens` keeps. The dict is what a
    validated figure holds, so it is not validated again (``trusted_figure``)."""
    return trusted_figure(screen.figure["data"], screen.figure["layout"])


def projector_style() -> None:
    """One window tall, large type, no sidebar, and arrow keys that press Previous/Next
    (drawn in a container that takes no room)."""
    with st.container(key="projector-hidden"):
        st.markdown(CSS, unsafe_allow_html=True)
        st.iframe(ARROW_KEYS, height=1)


def show_screen(screen: Screen) -> None:
    """One screen: title, the section's answer line, then the figure with its key numbers and
    their caveats beside it (or the table, or the text), then who is drawn and the statistics
    in words (who is drawn beside the figure when an answer line took its room); it fills the
    rest of the window, and only the figure gives way to a small one."""
    with st.container(key="projector-screen", height="stretch", gap="small"):
        st.markdown(f"## {plain(screen.title)}", anchors=False)
        if screen.answer:  # the page's result in one line, as the page opens with it
            with st.container(key="projector-answer"):
                st.markdown(f"**{plain(screen.answer)}**")
        side = bool(screen.metrics)
        beside = side and sum(len(w) for w in screen.warnings) <= CAVEATS_BESIDE
        # with an answer line, who the figure shows goes beside it, under the numbers: the
        # figure keeps the height a 1366 x 768 window has for it
        caption_beside = bool(screen.answer and screen.figure is not None and side)
        if screen.figure is not None:
            left, right = st.columns([2.0, 1.3] if caption_beside else [2.3, 1],
                                     gap="medium") if side else (st, None)
            with left.container(key="projector-figure", height="stretch"):
                st.plotly_chart(projector_figure(figure_of(screen)),
                                key=f"present.figure.{screen.key}", height="stretch",
                                config={"displaylogo": False, "displayModeBar": False})
            if right is not None:  # the numbers, then short caveats, beside the figure
                with right.container(key="projector-numbers"):
                    _numbers(screen)
                if caption_beside and screen.caption:
                    with right.container(key="projector-caption"):
                        st.markdown(plain(screen.caption))
                if beside:
                    _caveats(screen, right)
        elif screen.tables:
            if side:
                with st.container(key="projector-numbers"):
                    _numbers(screen)
            with st.container(key="projector-tables"):  # tables keep their height
                for column, table in zip(st.columns(len(screen.tables)), screen.tables,
                                         strict=True):
                    column.table(_shown(table, screen.blank_repeats), hide_index=True)
        else:
            st.markdown("\n".join(f"- {plain(p)}" for p in screen.paragraphs))
        text = [*screen.paragraphs, "" if caption_beside else screen.caption] \
            if screen.figure is not None or screen.tables else [screen.caption]
        if any(text):  # the statistics in words and who the figure shows, full width
            with st.container(key="projector-text"):
                st.markdown("\n\n".join(plain(p) for p in text if p))
        if screen.figure is None or not beside:
            _caveats(screen, st)


def _caveats(screen: Screen, where) -> None:
    """The screen's plain-language caveats in one box."""
    if screen.warnings:
        where.warning("\n".join(f"- {plain(w)}" for w in screen.warnings),
                      icon=":material/warning:")


def _numbers(screen: Screen) -> None:
    """Key numbers as '<label>: **<value>**' lines (they wrap, never truncate)."""
    for label, value in screen.metrics:
        st.markdown(f"{plain(label)}: **{plain(value)}**")


def _shown(table: pd.DataFrame, blank_repeats: bool) -> pd.DataFrame:
    """A table page as text: '–' for a missing value, a repeated first cell left empty, a
    level's indent kept (non-breaking spaces)."""
    shown = table.astype(object).where(table.notna(), "–").astype(str)
    # an indented level ("    positive") keeps its indent without becoming a code block
    shown = shown.map(lambda text: "\u00a0" * (len(text) - len(text.lstrip(" ")))
                      + text.lstrip(" "))
    if blank_repeats and len(shown.columns):
        first = shown.iloc[:, 0]
        shown.iloc[:, 0] = first.where(first != first.shift(), "")
    return shown

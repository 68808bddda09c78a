"""Projector mode: the tumor-board sections one screen at a time, large type, no sidebar."""

from dataclasses import astuple

import streamlit as st

from core.errors import AnalysisError
from ui import present
from ui.comparisons import current_flow
from ui.deliverables import report_choices
from ui.shell import explain, page_setup, stop_if_empty
from ui.state import keep_in_url, url_choice

top = st.container(key="projector-top", horizontal=True, vertical_alignment="center")
with top.container(key="projector-frame"):  # the n and filters line stays; title, source go
    view = page_setup("Projector mode", ":material/slideshow:")
present.projector_style()
stop_if_empty(view, ", so there is nothing to present")
if st.query_params.get("present") != "1":
    st.query_params["present"] = "1"  # kept in the link, so a copied link reopens this mode

try:
    choices = report_choices(view.cohort)
    screens = present.screens(view.cohort, astuple(choices),
                              current_flow(view, choices.find(choices.endpoint), choices.by))
except AnalysisError as error:
    st.error(explain(view, error), icon=":material/error:")
    st.stop()

numbers = [str(i) for i in range(1, len(screens) + 1)]
url_choice("present.slide", numbers, "1")


def step(by: int) -> None:
    current = int(st.session_state["present.slide"])
    st.session_state["present.slide"] = str(min(max(current + by, 1), len(screens)))


with top.container(key="projector-nav", horizontal=True, vertical_alignment="center",
                   width="content"):
    st.button("Previous", key="present.previous", icon=":material/arrow_back:",
              on_click=step, args=(-1,), disabled=st.session_state["present.slide"] == "1")
    st.selectbox("Screen", numbers, key="present.slide", label_visibility="collapsed",
                 format_func=lambda n: f"{n}/{len(screens)} · {screens[int(n) - 1].title}")
    st.button("Next", key="present.next", icon=":material/arrow_forward:", on_click=step,
              args=(1,), disabled=st.session_state["present.slide"] == numbers[-1])
    st.page_link("app.py", label="Leave", icon=":material/close:",
                 query_params=view.cohort_filter.to_query_params())
keep_in_url("present.slide")

present.show_screen(screens[int(st.session_state["present.slide"]) - 1])

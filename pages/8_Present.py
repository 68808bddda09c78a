"""Projector mode: the tumor-board sections one per screen, large type, no sidebar."""

from dataclasses import astuple

import streamlit as st

from core.errors import AnalysisError
from ui import present
from ui.comparisons import current_flow
from ui.deliverables import report_choices
from ui.shell import explain, page_setup, stop_if_empty
from ui.state import keep_in_url, url_choice

view = page_setup("Projector mode", ":material/slideshow:")
present.projector_style()
stop_if_empty(view, ", so there is nothing to present")
if st.query_params.get("present") != "1":
    st.query_params["present"] = "1"  # kept in the link, so a copied link reopens this mode

try:
    choices = report_choices(view.cohort)
    sections = present.sections(view.cohort, astuple(choices),
                                current_flow(view, choices.endpoint, choices.by))
except AnalysisError as error:
    st.error(explain(view, error), icon=":material/error:")
    st.stop()

numbers = [str(i) for i in range(1, len(sections) + 1)]
url_choice("present.slide", numbers, "1")


def step(by: int) -> None:
    current = int(st.session_state["present.slide"])
    st.session_state["present.slide"] = str(min(max(current + by, 1), len(sections)))


back, where, forward = st.columns([1, 4, 1])
back.button("Previous", key="present.previous", icon=":material/arrow_back:",
            on_click=step, args=(-1,), disabled=st.session_state["present.slide"] == "1",
            use_container_width=True)
where.selectbox("Section", numbers, key="present.slide", label_visibility="collapsed",
                format_func=lambda n: f"{n}/{len(sections)} · {sections[int(n) - 1].title}")
forward.button("Next", key="present.next", icon=":material/arrow_forward:", on_click=step,
               args=(1,), disabled=st.session_state["present.slide"] == numbers[-1],
               use_container_width=True)
keep_in_url("present.slide")

number = int(st.session_state["present.slide"])
present.show_section(sections[number - 1], number, len(sections))
st.caption("Arrow keys ← → step through the sections: the same sections as the slide deck.")
st.page_link("app.py", label="Leave projector mode", icon=":material/close:",
             query_params=view.cohort_filter.to_query_params())

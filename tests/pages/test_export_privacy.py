"""A download follows the "De-identify exports" switch as it is when the file is asked for.

Streamlit builds a download's bytes when its button is pressed, on a server thread, from the
builder the page's last run drew. A user who flips the switch and presses a download at once
may press the button drawn before the flip; the builder must read the switch then, not carry
the choice of its drawing (before the fix it did: an identified file after "De-identify").
"""

from __future__ import annotations

import threading

from streamlit.testing.v1 import AppTest


def _page_with_a_download():
    """The header (with the switch) and one row-level download's builder, kept per run."""
    import streamlit as st

    from ui import access, exports

    access.gate("app.py", "Cohort")
    st.session_state.setdefault("test.builders", []).append(
        exports.guarded("cohort.patients", lambda export: export.privacy.level.encode()))


def _press(builder) -> bytes:
    """Run a builder as Streamlit does on a click: on another thread, outside any run (a
    button drawn with bytes serves them as they are)."""
    if isinstance(builder, bytes):
        return builder
    out = []
    thread = threading.Thread(target=lambda: out.append(builder()))
    thread.start()
    thread.join(30)
    return out[0]


def test_a_download_drawn_before_the_switch_follows_the_switch():
    at = AppTest.from_function(_page_with_a_download, default_timeout=60)
    at.run()
    switch = at.toggle(key="access.deidentify")
    assert switch.value is False  # open mode: identified by default
    drawn_identified = at.session_state["test.builders"][-1]
    assert _press(drawn_identified) == b"identified"

    switch.set_value(True).run()
    assert _press(drawn_identified) == b"deidentified"  # the button drawn before the flip
    assert _press(at.session_state["test.builders"][-1]) == b"deidentified"

    at.toggle(key="access.deidentify").set_value(False).run()
    assert _press(drawn_identified) == b"identified"


def _page_with_a_prepared_file():
    """The header and one Deliverables-panel file (Prepare, then Download), whose builder
    writes the privacy it ran under; what each drawn download button serves is kept."""
    import streamlit as st

    from ui import access, deliverables
    from ui.exports import privacy

    class Where:  # draws as ``st`` does and keeps each download button's data
        button = staticmethod(st.button)
        error = staticmethod(st.error)

        @staticmethod
        def download_button(label, data, *args, **kwargs):
            st.session_state.setdefault("test.served", []).append(data)
            return st.download_button(label, data, *args, **kwargs)

    access.gate("app.py", "Cohort")
    deliverables._prepared("report", deliverables._signature("report", privacy()), "report",
                           lambda export: export.privacy.level.encode(), "report.txt",
                           "text/plain", "test.report", Where(), "deliver.report")


def test_a_prepared_file_pressed_after_the_switch_follows_the_switch():
    at = AppTest.from_function(_page_with_a_prepared_file, default_timeout=60)
    at.run()
    at.button(key="test.report.prepare").click().run()
    assert at.session_state["test.report.bytes"][1] == b"identified"
    drawn_identified = at.session_state["test.served"][-1]
    assert _press(drawn_identified) == b"identified"  # the prepared bytes, as built

    at.toggle(key="access.deidentify").set_value(True).run()
    assert [b.label for b in at.button] == ["Prepare report"]  # discarded on the next run
    # before the fix: the identified bytes, fixed when the file was prepared
    assert _press(drawn_identified) == b"deidentified"

    at.toggle(key="access.deidentify").set_value(False).run()
    assert _press(drawn_identified) == b"identified"


def test_a_prepared_file_is_refused_to_another_role():
    """A file prepared by an analyst, pressed once the session holds a viewer (signed in
    again), is not served: the viewer presses Prepare under their own role."""
    from dataclasses import replace

    from core.access.roles import AccessDenied, Role
    from ui.access import STATE_SESSION

    at = AppTest.from_function(_page_with_a_prepared_file, default_timeout=60)
    at.run()
    at.button(key="test.report.prepare").click().run()
    drawn = at.session_state["test.served"][-1]
    session = at.session_state[STATE_SESSION]
    assert session.role != Role.VIEWER
    at.session_state[STATE_SESSION] = replace(session, role=Role.VIEWER)
    errors = []

    def press():
        try:
            drawn()
        except AccessDenied as error:
            errors.append(str(error))

    thread = threading.Thread(target=press)
    thread.start()
    thread.join(30)
    assert errors and errors[0].startswith("This file was prepared for the role ")
    assert errors[0].endswith("your role is now viewer: press Prepare again.")

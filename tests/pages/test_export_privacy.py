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
    """Run a builder as Streamlit does on a click: on another thread, outside any run."""
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

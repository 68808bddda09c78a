"""Bring a part of the page into view after a rerun (a click on a figure that opens a card
further down: the swimmer lane -> the patient card).

The script is a constant of this module (no user text goes into it) and runs in the page
itself (``st.html(..., unsafe_allow_javascript=True)``): no iframe, no request, allowed by the
deployment's Content-Security-Policy (``script-src 'self' 'unsafe-inline'``).
"""

from __future__ import annotations

import re

import streamlit as st

_SCRIPT = """<script>
/* {counter} */
(() => {{
  let tries = 0;
  const go = () => {{
    const target = window.document.getElementById("{anchor}");
    if (target) {{ target.scrollIntoView({{block: "start", behavior: "instant"}}); return; }}
    if (++tries < 40) setTimeout(go, 50);
  }};
  setTimeout(go, 0);
}})();
</script>"""


def scroll_to(anchor: str) -> None:
    """Scroll the page so that the element with id ``anchor`` (a heading's ``anchor=``) is at
    the top of the window, once, on this run.

    Parameters
    ----------
    anchor : str
        Letters, digits and hyphens only (an id chosen by the page, never user text).
    """
    if not re.fullmatch(r"[A-Za-z0-9-]+", anchor):
        raise ValueError(f"anchor {anchor!r}: use letters, digits and hyphens")
    counter = st.session_state.get("scroll.counter", 0) + 1  # a new element every time
    st.session_state["scroll.counter"] = counter
    st.html(_SCRIPT.format(counter=counter, anchor=anchor), unsafe_allow_javascript=True)

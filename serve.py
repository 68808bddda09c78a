"""Start the app for a hospital network: ``streamlit run serve.py`` (same flags as app.py).

It runs the same pages as ``streamlit run app.py`` and adds :class:`ui.server_guard.SignedInOnly`
in front of Streamlit's server, so that ``/_stcore/metrics`` answers only signed-in users. With
sign-in configured (``docs/access.md``) the pages refuse to show data unless started this way.
"""

import streamlit as st
from starlette.middleware import Middleware

from ui.server_guard import SignedInOnly

app = st.App("app.py", middleware=[Middleware(SignedInOnly)])

"""The server's own door: HTTP endpoints outside the pages that must not answer strangers.

Streamlit answers ``/_stcore/metrics`` (sessions, cache sizes) to anyone who reaches its port.
:class:`SignedInOnly`, an ASGI middleware installed by ``serve.py`` (``streamlit run
serve.py``), answers it only to a request that carries a signed-in user with a role: Streamlit's
signed sign-in cookie in ``oidc`` mode (checked with the server's cookie secret, the role from
the configured claim, the sign-in younger than ``max_session_seconds``), the trusted header from
a trusted proxy address in ``proxy`` mode; in ``open`` mode nobody signs in, so nobody gets it.
Everything else passes through unchanged (the pages check sign-in themselves, see
:mod:`ui.access`). With sign-in configured, :func:`ui.access.gate` refuses to show data when
the app was started without this middleware (``streamlit run app.py``).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse

from core.access.config import AccessConfig, AccessConfigError, load_access_config
from core.access.roles import role_from_groups

ROOT = Path(__file__).resolve().parents[1]
PROTECTED = ("/_stcore/metrics",)
"""Paths (after any base URL) answered only to signed-in users."""
_INSTALLED = threading.Event()


def installed() -> bool:
    """Whether this server process runs with :class:`SignedInOnly` (started by serve.py)."""
    return _INSTALLED.is_set()


def _settings() -> AccessConfig | None:
    import streamlit as st

    try:
        secrets = st.secrets.to_dict() if st.secrets.load_if_toml_exists() else {}
        return load_access_config(secrets, ROOT)
    except (AccessConfigError, FileNotFoundError):
        return None  # settings that cannot work: nobody is signed in


def _cookie_user(request: Request) -> dict | None:
    """The identity in Streamlit's signed sign-in cookie, or None when absent or forged."""
    from streamlit.auth_util import get_cookie_with_chunks
    from streamlit.web.server.server_util import get_cookie_secret
    from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value
    from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME

    def single(name: str) -> bytes | None:
        value = request.cookies.get(name)
        return None if value is None else decode_signed_value(
            get_cookie_secret(), name, value.encode("latin-1"))

    raw = get_cookie_with_chunks(single, USER_COOKIE_NAME)
    try:
        return json.loads(raw) if raw else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def signed_in(request: Request, config: AccessConfig | None) -> bool:
    """Whether ``request`` comes from a signed-in user with a role (see the module docstring)."""
    if config is None or config.mode == "open":
        return False
    if config.mode == "proxy":
        peer = request.client.host if request.client else None
        who = request.headers.get(config.trusted_user_header or "")
        groups = request.headers.get(config.trusted_groups_header or "", "")
        return bool(config.is_trusted_proxy(peer) and who
                    and role_from_groups(groups, config.roles))
    user = _cookie_user(request)
    if not user or not user.get("is_logged_in"):
        return False
    issued = user.get("iat")
    if issued is not None and time.time() - float(issued) > config.max_session_seconds:
        return False
    return role_from_groups(user.get(config.roles_claim), config.roles) is not None


class SignedInOnly:
    """ASGI middleware: :data:`PROTECTED` paths only for signed-in users (403 otherwise)."""

    def __init__(self, app) -> None:
        self.app = app
        _INSTALLED.set()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/").endswith(PROTECTED):
            if not signed_in(Request(scope), _settings()):
                answer = PlainTextResponse("Sign in to see this.", status_code=403)
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)

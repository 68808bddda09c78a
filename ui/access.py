"""Sign-in, roles and the audit trail in the app: the glue between Streamlit and
:mod:`core.access`.

:func:`gate` runs first on every page (from :func:`ui.shell.page_setup`), before anything that
shows data:

- settings from ``.streamlit/secrets.toml`` (:func:`core.access.config.load_access_config`);
  settings that cannot work stop the page with their problems (never an open fallback);
- ``oidc`` mode: a user who has not signed in sees only the sign-in screen (deep links
  included); a sign-in older than ``max_session_seconds`` must be repeated; a user whose groups
  give no role is told so; ``proxy`` mode: the user header is believed only from a trusted
  proxy address; ``open`` mode: the header says once that sign-in is not configured;
- the page's own rule (:data:`core.access.roles.PAGES`) is checked with the session's role;
- the header line: who is signed in, with which role, the de-identification switch and
  *Sign out*.

:func:`track` (also from ``page_setup``) writes the audit events of the page's view and of the
cohort opened; :mod:`ui.exports` guards every download.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import streamlit as st

from core.access.audit import Agent, AuditLog, content_digest, query_digest
from core.access.config import AccessConfig, AccessConfigError, load_access_config
from core.access.deidentify import deidentify_rows
from core.access.roles import (
    AccessDenied,
    Permission,
    Role,
    can,
    page_permission,
    require,
    role_from_groups,
)
from ui import server_guard, session_cache

ROOT = Path(__file__).resolve().parents[1]
STATE_SESSION = "access.session"
STATE_VIEW = "access.view"
STATE_COHORT = "access.cohort"
DEIDENTIFY = "access.deidentify"
OPEN_NOTICE = ("Sign-in is not configured: anyone who reaches this server sees all data, so it "
               "listens on this computer only (127.0.0.1). To serve colleagues, configure "
               "sign-in (docs/access.md).")


@dataclass(frozen=True)
class Session:
    """Who is using this browser session.

    Attributes
    ----------
    config : AccessConfig
    role : Role
    agent : core.access.audit.Agent
        Identity, role, address and session id as the audit log records them.
    """

    config: AccessConfig
    role: Role
    agent: Agent


def settings() -> AccessConfig:
    """The access settings of this server (raises AccessConfigError)."""
    return load_access_config(_secrets(), ROOT)


def _secrets() -> dict:
    try:
        return st.secrets.to_dict() if st.secrets.load_if_toml_exists() else {}
    except FileNotFoundError:
        return {}


@st.cache_resource(show_spinner=False)
def _audit_log(path: str, max_bytes: int, retention_days: float) -> AuditLog:
    return AuditLog(Path(path), max_bytes=max_bytes, retention_days=retention_days)


@st.cache_resource(show_spinner=False)
def _process_key() -> str:
    """The pseudonym key of an open (demo) server without one: random per server process."""
    return secrets.token_urlsafe(48)


@st.cache_resource(show_spinner=False)
def _seen_sign_ins() -> set:
    """(user, ID-token iat) pairs whose sign-in this process has recorded."""
    return set()


def audit(session: Session, category: str, code: str, **fields) -> None:
    """Append one event for ``session`` to the audit log (when there is one).

    A log that cannot be written stops the page: with sign-in on, nothing is shown that is not
    recorded.
    """
    path = session.config.audit_log
    if path is None:
        return
    log = _audit_log(str(path), session.config.audit_max_bytes,
                     session.config.audit_retention_days)
    try:
        log.record(category, code, session.agent, **fields)
    except OSError as error:
        st.error(f"The audit log {path.name} cannot be written ({error.strerror}): the app shows "
                 "and exports nothing it cannot record. Tell the app's administrator.",
                 icon=":material/error:")
        st.stop()


def pseudonym_key(session: Session) -> str:
    """The key of the pseudonyms: the configured one, else a random one for this process."""
    return session.config.pseudonym_key or _process_key()


def current() -> Session:
    """The session :func:`gate` established on this run."""
    return st.session_state[STATE_SESSION]


def may(permission: Permission) -> bool:
    """Whether this session's role holds ``permission`` (False before :func:`gate`)."""
    session = st.session_state.get(STATE_SESSION)
    return session is not None and can(session.role, permission)


def may_open(script: str) -> bool:
    """Whether this session may open the page script ``script`` (``"pages/3_Patients.py"``)."""
    return may(page_permission(Path(script).name))


def record(category: str, code: str, **fields) -> None:
    """:func:`audit` for this run's session (nothing before :func:`gate`)."""
    session = st.session_state.get(STATE_SESSION)
    if session is not None:
        audit(session, category, code, **fields)


def require_here(permission: Permission, what: str) -> None:
    """:func:`core.access.roles.require` for this run's session; a refusal is recorded and
    raised (:class:`core.access.roles.AccessDenied`)."""
    session = st.session_state.get(STATE_SESSION)
    try:
        require(session.role if session else None, permission, what)
    except AccessDenied:
        record("denied", what, outcome="denied")
        raise


def visible(selection):
    """The filtered patients as this role may see them: a role without patient rows (viewer)
    gets pseudonyms instead of ids and no dates or free text (statistics unchanged)."""
    session = st.session_state.get(STATE_SESSION)
    if session is None or can(session.role, Permission.VIEW_ROWS):
        return selection
    secret = pseudonym_key(session)
    key = session_cache.derived_key(  # kept between runs, known by a derived key
        "pseudonymised", session_cache.frame_key(selection.cohort), secret, selection.n_total,
        selection.missing)
    return session_cache.kept("visible", key, lambda: replace(
        selection, cohort=session_cache.remember(
            deidentify_rows(selection.cohort, secret).table, key)))


def gate(script: str, title: str) -> Session:
    """Stop the page unless its user is signed in and their role may open it.

    Parameters
    ----------
    script : str
        The running page's script file (its name is looked up in
        :data:`core.access.roles.PAGES`).
    title : str
        The page's title, for messages and the audit log.
    """
    try:
        config = settings()
    except AccessConfigError as error:
        st.error(str(error), icon=":material/lock:")
        st.stop()
    if config.signs_in and _unguarded():
        st.error("Sign-in is configured, but the app was started with `streamlit run app.py`, "
                 "which leaves Streamlit's metrics endpoint open to anyone. Start it with "
                 "`streamlit run serve.py` (docs/access.md).", icon=":material/lock:")
        st.stop()
    session = _identify(config)
    st.session_state[STATE_SESSION] = session
    _header(session)
    try:
        require(session.role, page_permission(Path(script).name), f"the {title} page")
    except AccessDenied as error:
        audit(session, "denied", f"page:{title}", action="R", outcome="denied")
        st.title(title)
        st.error(str(error), icon=":material/lock:")
        st.page_link("app.py", label="Back to the Cohort page", icon=":material/groups:")
        st.stop()
    return session


def _unguarded() -> bool:
    """Whether a Streamlit server runs this page without :mod:`ui.server_guard` (started by
    ``streamlit run app.py``; AppTest runs no server)."""
    from streamlit import config

    return getattr(config, "_server_mode", None) is not None and not server_guard.installed()


def _session_id() -> str:
    return st.session_state.setdefault("access.session_id", uuid.uuid4().hex)


def _peer() -> str:
    """The address the connection comes from (Streamlit reports loopback as None)."""
    peer = st.context.ip_address
    return peer if isinstance(peer, str) and peer else "127.0.0.1"


def _request_header(name: str | None) -> str | None:
    """A header of the browser session's request (None when absent or unknown)."""
    value = st.context.headers.get(name) if name else None
    return value if isinstance(value, str) else None


def _address(config: AccessConfig) -> str:
    peer = _peer()
    if config.mode == "proxy" and config.is_trusted_proxy(peer):
        return _request_header(config.client_address_header) or peer
    return peer


def _identify(config: AccessConfig) -> Session:
    """Who is here, or stop with the sign-in screen (never returns without a role)."""
    if config.mode == "open":
        agent = Agent("anonymous", "anonymous", Role.DATA_MANAGER.value, _address(config),
                      _session_id())
        return Session(config, Role.DATA_MANAGER, agent)
    if config.mode == "proxy":
        who = _request_header(config.trusted_user_header) \
            if config.is_trusted_proxy(_peer()) else None
        if not who:
            _sign_in_screen(config, "This app is reached through the hospital's sign-in proxy; "
                            "this request did not come through it. Open the app's address "
                            "given by your department.")
        groups = _request_header(config.trusted_groups_header) or ""
        claims = {"email": who, "name": who, config.roles_claim: groups}
    else:
        if not st.user.is_logged_in:
            _sign_in_screen(config, "Sign in with your hospital account to see the data.")
        claims = st.user.to_dict()
    who = str(claims.get("email") or claims.get("sub") or "unknown")
    role = role_from_groups(claims.get(config.roles_claim), config.roles)
    agent = Agent(who, str(claims.get("name") or who), role.value if role else None,
                  _address(config), _session_id())
    session = Session(config, role or Role.VIEWER, agent)
    if config.mode == "oidc":
        _check_age(session, claims)
    elif not st.session_state.get("access.proxy_login"):  # signed in at the proxy
        st.session_state["access.proxy_login"] = True
        audit(session, "login", "login.proxy")
    if role is None:
        audit(session, "denied", "no-role", outcome="denied")
        st.title("Relapse Risk Explorer")
        st.error(f"You are signed in as {who}, but none of your groups gives a role in this "
                 "app. Ask the app's data manager to add one of your groups to a role.",
                 icon=":material/lock:")
        _sign_out_button(session, st)
        st.stop()
    return session


def _check_age(session: Session, claims: dict) -> None:
    """Record a new sign-in once; stop a sign-in older than the configured lifetime."""
    issued = claims.get("iat")
    if issued is None:
        return
    key = (session.agent.who, issued)
    if time.time() - float(issued) > session.config.max_session_seconds:
        if st.session_state.get("access.expired") != key:
            st.session_state["access.expired"] = key
            audit(session, "session-expired", "session-expired", outcome="denied")
        hours = session.config.max_session_seconds / 3600
        _sign_in_screen(session.config, f"Your session has expired (sign-ins last {hours:g} "
                        "hours). Sign in again to go on.")
    seen = _seen_sign_ins()
    if key not in seen:
        seen.add(key)
        audit(session, "login", "login", action="E",
              detail={"provider": session.config.provider or "default"})


def _sign_in_screen(config: AccessConfig, message: str) -> None:
    """The only thing a visitor who has not signed in sees; stops the page."""
    st.title("Relapse Risk Explorer")
    st.info(message, icon=":material/lock:")
    if config.mode == "oidc":
        st.button("Sign in", key="access.sign_in", type="primary", icon=":material/login:",
                  on_click=st.login, args=(config.provider,) if config.provider else ())
    st.stop()


def _sign_out(session: Session) -> None:
    audit(session, "logout", "logout")
    st.logout()


def _sign_out_button(session: Session, where) -> None:
    if session.config.mode == "oidc":
        where.button("Sign out", key="access.sign_out", icon=":material/logout:",
                     on_click=_sign_out, args=(session,))


def _header(session: Session) -> None:
    """One line at the top of every page: who, with which role, de-identification, sign-out."""
    who, switch, out = st.columns([6, 3, 1.3], vertical_alignment="center")
    if session.config.mode == "open":
        who.caption(OPEN_NOTICE)
    else:
        who.caption(f"Signed in as **{_plain(session.agent.name)}** "
                    f"({_plain(session.agent.who)}) · {session.role.label}")
    if can(session.role, Permission.EXPORT_IDENTIFIED):
        st.session_state.setdefault(DEIDENTIFY, session.config.signs_in
                                    and session.role is not Role.DATA_MANAGER)
        st.session_state[DEIDENTIFY] = st.session_state[DEIDENTIFY]  # kept across pages
        switch.toggle("De-identify exports", key=DEIDENTIFY,
                      help="Pseudonyms instead of patient ids, no dates, no free text, counts "
                           "of 1-4 as \"<5\" in the files you download.")
    else:
        switch.caption("Exports: aggregate and de-identified")
    _sign_out_button(session, out)


def _plain(text: str) -> str:
    from core.cohort.text import markdown_safe

    return markdown_safe(text)


def track(page: str, source: str, cohort: pd.DataFrame, params: dict) -> None:
    """Record the cohort opened (when it changed) and the view (page and link) in the audit
    log; neither holds a patient value (kinds, counts and digests only)."""
    session = st.session_state.get(STATE_SESSION)
    if session is None or session.config.audit_log is None:
        return
    opened = (source, len(cohort), tuple(map(str, cohort.columns)))
    if st.session_state.get(STATE_COHORT) != opened:
        st.session_state[STATE_COHORT] = opened
        rows = pd.util.hash_pandas_object(cohort, index=False).to_numpy()
        audit(session, "cohort", "cohort.opened", action="R", what=source_kind(source),
              detail={"n_rows": len(cohort), "n_columns": cohort.shape[1],
                      "content_sha256": content_digest([rows.tobytes()])})
    view = (page, query_digest(params))
    if st.session_state.get(STATE_VIEW) != view:
        st.session_state[STATE_VIEW] = view
        audit(session, "view", f"page:{page}", action="R", query=view[1],
              detail={"link_keys": sorted(params)})


def source_kind(source: str) -> str:
    """What kind of cohort a header source line names (never its file name)."""
    lowered = source.lower()
    if lowered.startswith("uploaded"):
        return "upload"
    if lowered.startswith("registry"):
        return "registry"
    return "embedded"

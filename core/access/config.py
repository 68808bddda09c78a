"""The access settings: how users sign in, which groups give which role, the audit log and the
pseudonym key, read from the ``[auth]`` and ``[access]`` sections of
``.streamlit/secrets.toml`` (every key is documented in ``docs/access.md``).

Three ways to run, decided here once (:attr:`AccessConfig.mode`):

- ``"oidc"``: ``[auth]`` is configured, users sign in with Streamlit's ``st.login`` at the
  hospital's OpenID Connect provider; roles come from a claim of the ID token.
- ``"proxy"``: a reverse proxy signs users in and forwards who they are in a header; the app
  believes that header only when ``trusted_user_header`` names it *and* ``trusted_proxies``
  names the address the request comes from.
- ``"open"``: neither (the embedded-cohort demo on a laptop): no sign-in, every feature, the
  header says so, and the server listens on 127.0.0.1 only.

Settings that cannot work are refused with every problem listed (:class:`AccessConfigError`),
so a half-configured sign-in never falls back to an open app.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from core.access.roles import Role

DEFAULT_AUDIT_LOG = "logs/audit.jsonl"
"""Where the audit log goes when sign-in is on and ``audit_log`` is not set (relative paths are
under the app's folder)."""
DEFAULT_AUDIT_MAX_BYTES = 10_000_000
DEFAULT_RETENTION_DAYS = 3650
DEFAULT_SESSION_SECONDS = 8 * 3600
MIN_KEY_LENGTH = 32
"""Shortest accepted pseudonym key (characters): a short key can be guessed from pseudonyms."""


class AccessConfigError(ValueError):
    """The access settings are incomplete or contradictory.

    Attributes
    ----------
    problems : list of str
        Every problem found, each naming the key, the value and the fix.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("The sign-in settings in .streamlit/secrets.toml cannot be used:\n"
                         + "\n".join(f"- {p}" for p in self.problems))


@dataclass(frozen=True)
class AccessConfig:
    """The access settings of one server (see the module docstring and ``docs/access.md``).

    Attributes
    ----------
    mode : {"oidc", "proxy", "open"}
    provider : str or None
        The ``[auth.<name>]`` provider to sign in with; None for a single ``[auth]`` provider.
    roles_claim : str
        The ID-token claim (or, in proxy mode, the header) holding the user's groups.
    roles : dict
        Role -> group names that give it.
    max_session_seconds : float
        A sign-in older than this (from the ID token's ``iat``) must be repeated.
    pseudonym_key : str or None
        The secret behind the pseudonyms of de-identified exports.
    audit_log : pathlib.Path or None
        The audit log's path; None when there is no audit log (open mode without a path).
    audit_max_bytes : int
        Size at which the log is rotated (the chain goes on in the new file).
    audit_retention_days : float
        Rotated files older than this are deleted.
    trusted_user_header, trusted_groups_header, client_address_header : str or None
        Proxy mode: the headers naming the user, their groups and the browser's address.
    trusted_proxies : tuple of str
        Proxy mode: the addresses the proxy connects from.
    """

    mode: str = "open"
    provider: str | None = None
    roles_claim: str = "groups"
    roles: dict[Role, tuple[str, ...]] = field(default_factory=dict)
    max_session_seconds: float = DEFAULT_SESSION_SECONDS
    pseudonym_key: str | None = None
    audit_log: Path | None = None
    audit_max_bytes: int = DEFAULT_AUDIT_MAX_BYTES
    audit_retention_days: float = DEFAULT_RETENTION_DAYS
    trusted_user_header: str | None = None
    trusted_groups_header: str | None = None
    client_address_header: str | None = None
    trusted_proxies: tuple[str, ...] = ()

    @property
    def signs_in(self) -> bool:
        """Whether users must sign in (OIDC or a trusted proxy)."""
        return self.mode != "open"

    def is_trusted_proxy(self, address: str | None) -> bool:
        """Whether a request from ``address`` comes from a configured proxy."""
        if not address:
            return False
        try:
            peer = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(peer in ipaddress.ip_network(p, strict=False) for p in self.trusted_proxies)


def _strings(value, key: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    problems.append(f"[access] {key} = {value!r}: give a list of group names, e.g. "
                    f'{key} = ["hematology-staff"].')
    return ()


def _number(section: Mapping, key: str, default: float, problems: list[str]) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        problems.append(f"[access] {key} = {value!r}: must be a positive number.")
        return default
    return value


def _auth_provider(auth: Mapping) -> tuple[str | None, list[str]]:
    """The ``[auth.<name>]`` provider (None for a single ``[auth]`` one) and what is missing."""
    problems = [f"[auth] {key} is missing: Streamlit's sign-in needs it (see docs/access.md)."
                for key in ("redirect_uri", "cookie_secret") if not auth.get(key)]
    providers = [name for name, value in auth.items() if isinstance(value, Mapping)]
    provider = None
    if not auth.get("client_id"):
        if not providers:
            problems.append("[auth] names no provider: give client_id, client_secret and "
                            "server_metadata_url in [auth] (or in one [auth.<name>] section).")
        else:
            provider = providers[0]
    return provider, problems


def load_access_config(secrets: Mapping, root: Path) -> AccessConfig:
    """The :class:`AccessConfig` of ``secrets`` (the parsed secrets.toml).

    Parameters
    ----------
    secrets : mapping
        The secrets as a nested mapping (``st.secrets`` or ``tomllib.load``); may be empty.
    root : pathlib.Path
        The app's folder; a relative ``audit_log`` is under it.

    Raises
    ------
    AccessConfigError
        Listing every problem (a missing key, a wrong type, two sign-in modes at once).
    """
    auth = secrets.get("auth") or {}
    section = secrets.get("access") or {}
    problems: list[str] = []
    provider = None
    mode = "open"
    if auth:
        provider, auth_problems = _auth_provider(auth)
        problems += auth_problems
        mode = "oidc"
        provider = section.get("provider", provider)
    header = section.get("trusted_user_header")
    proxies = _strings(section.get("trusted_proxies"), "trusted_proxies", problems)
    if header or proxies:
        if mode == "oidc":
            problems.append("Both [auth] (sign-in in the app) and [access] trusted_user_header "
                            "(sign-in at a proxy) are set: keep one.")
        elif not (header and proxies):
            problems.append("[access] trusted_user_header and trusted_proxies go together: the "
                            "header is believed only from the proxy's address. Set both, e.g. "
                            'trusted_user_header = "X-Forwarded-User" and trusted_proxies = '
                            '["127.0.0.1"].')
        else:
            mode = "proxy"
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            problems.append(f"[access] trusted_proxies has {proxy!r}: not an IP address or "
                            "network (e.g. 127.0.0.1 or 10.0.0.0/24).")
    roles = {role: _strings(section.get(role.value), role.value, problems) for role in Role}
    if mode != "open" and not any(roles.values()):
        problems.append("[access] maps no group to a role: set viewer, analyst and/or "
                        'data_manager to lists of the provider\'s group names (e.g. analyst = '
                        '["hematology-physicians"]); until then nobody could use the app.')
    key = section.get("pseudonym_key")
    if key is not None and (not isinstance(key, str) or len(key) < MIN_KEY_LENGTH):
        problems.append(f"[access] pseudonym_key is shorter than {MIN_KEY_LENGTH} characters: "
                        "use a long random secret (python3 -c 'import secrets; "
                        "print(secrets.token_urlsafe(48))').")
    if mode != "open" and key is None:
        problems.append("[access] pseudonym_key is missing: de-identified exports need a "
                        "secret key for their pseudonyms (see docs/access.md).")
    audit = section.get("audit_log", DEFAULT_AUDIT_LOG if mode != "open" else None)
    audit_path = None
    if audit is not None:
        audit_path = Path(str(audit)).expanduser()
        audit_path = audit_path if audit_path.is_absolute() else root / audit_path
    config = AccessConfig(
        mode=mode, provider=provider, roles_claim=str(section.get("roles_claim", "groups")),
        roles=roles,
        max_session_seconds=_number(section, "max_session_seconds", DEFAULT_SESSION_SECONDS,
                                    problems),
        pseudonym_key=key if isinstance(key, str) else None, audit_log=audit_path,
        audit_max_bytes=int(_number(section, "audit_max_bytes", DEFAULT_AUDIT_MAX_BYTES,
                                    problems)),
        audit_retention_days=_number(section, "audit_retention_days", DEFAULT_RETENTION_DAYS,
                                     problems),
        trusted_user_header=header if mode == "proxy" else None,
        trusted_groups_header=section.get("trusted_groups_header") if mode == "proxy" else None,
        client_address_header=section.get("client_address_header") if mode == "proxy"
        else None,
        trusted_proxies=proxies if mode == "proxy" else (),
    )
    if problems:
        raise AccessConfigError(problems)
    return config

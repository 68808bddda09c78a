"""Access settings: the three modes, and every refusal pinned."""

from pathlib import Path

import pytest

from core.access.config import AccessConfigError, load_access_config
from core.access.roles import Role

ROOT = Path("/srv/app")
AUTH = {"redirect_uri": "https://app.example/oauth2callback", "cookie_secret": "c" * 40,
        "client_id": "rre", "client_secret": "s",
        "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}
KEY = "k" * 48
ACCESS = {"analyst": ["hem-physicians"], "viewer": ["hem-staff"], "pseudonym_key": KEY}


def test_no_secrets_is_the_open_demo():
    config = load_access_config({}, ROOT)
    assert config.mode == "open" and not config.signs_in
    assert config.audit_log is None


def test_oidc_with_roles_and_defaults():
    config = load_access_config({"auth": AUTH, "access": ACCESS}, ROOT)
    assert config.mode == "oidc" and config.provider is None
    assert config.roles[Role.ANALYST] == ("hem-physicians",)
    assert config.roles[Role.DATA_MANAGER] == ()
    assert config.audit_log == ROOT / "logs" / "audit.jsonl"
    assert config.max_session_seconds == 8 * 3600


def test_named_provider_section():
    auth = {"redirect_uri": AUTH["redirect_uri"], "cookie_secret": "c" * 40,
            "hospital": {"client_id": "x", "client_secret": "y", "server_metadata_url": "z"}}
    assert load_access_config({"auth": auth, "access": ACCESS}, ROOT).provider == "hospital"


def test_proxy_mode_needs_header_and_address():
    config = load_access_config({"access": {**ACCESS, "trusted_user_header": "X-Forwarded-User",
                                            "trusted_proxies": ["127.0.0.1", "10.0.0.0/24"]}},
                                ROOT)
    assert config.mode == "proxy"
    assert config.is_trusted_proxy("127.0.0.1") and config.is_trusted_proxy("10.0.0.7")
    assert not config.is_trusted_proxy("10.0.1.7") and not config.is_trusted_proxy(None)
    assert not config.is_trusted_proxy("not-an-address")


def test_header_without_proxy_address_is_refused():
    with pytest.raises(AccessConfigError, match="trusted_user_header and trusted_proxies go "
                       "together"):
        load_access_config({"access": {**ACCESS, "trusted_user_header": "X-User"}}, ROOT)


def test_every_problem_is_listed():
    with pytest.raises(AccessConfigError) as caught:
        load_access_config({"auth": {"client_id": "x"},
                            "access": {"pseudonym_key": "short", "trusted_proxies": ["nowhere"],
                                       "max_session_seconds": -1}}, ROOT)
    text = "\n".join(caught.value.problems)
    for part in ("[auth] redirect_uri is missing", "[auth] cookie_secret is missing",
                 "Both [auth]", "'nowhere': not an IP address", "maps no group to a role",
                 "pseudonym_key is shorter than 32", "max_session_seconds = -1: must be"):
        assert part in text


def test_sign_in_without_pseudonym_key_is_refused():
    with pytest.raises(AccessConfigError, match="pseudonym_key is missing"):
        load_access_config({"auth": AUTH, "access": {"analyst": ["a"]}}, ROOT)


def test_group_list_must_be_strings():
    with pytest.raises(AccessConfigError, match=r"\[access\] analyst = 3: give a list"):
        load_access_config({"auth": AUTH, "access": {**ACCESS, "analyst": 3}}, ROOT)


def test_absolute_audit_path_is_kept():
    config = load_access_config({"auth": AUTH, "access": {**ACCESS, "audit_log": "/var/a.jsonl"}},
                                ROOT)
    assert config.audit_log == Path("/var/a.jsonl")

"""Every URL that accepts POST refuses one without a CSRF token (403), and writes nothing upstream.

The methods a URL accepts come from the view itself (``OPTIONS`` answers its ``Allow``), so a new
POST URL is covered the day it is added; the only exception is the back-channel logout
endpoint, which Auth0 calls server to server with a signed logout token instead of a cookie.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from selfservice.emulator import Emulator
from tests.conftest import ALICE
from tests.security.attack_support import patterns, upstream_writes

NOT_COOKIE_AUTHENTICATED = {"backchannel-logout"}  # a signed logout token is its authentication
SAMPLE = {"method_id": "totp|dev_alice", "session_id": "sample-session", "provider": "google-oauth2", "user_id": "bob"}
BODIES = {"enroll": {"factor": "otp"}, "link-identity": {"connection": "google-oauth2"}, "preferences": {"language": "es"},
          "general": {"name": "Mallory"}, "delete-account": {"confirmation": "alice@example.com"}}


def url_for(name: str, params: list[str]) -> str:
    return reverse(f"selfservice:{name}", kwargs={param: SAMPLE[param] for param in params})


def post_urls() -> list[str]:
    """Names of the URLs whose view accepts POST (by the Allow header of an OPTIONS request)."""
    return sorted(patterns())


@pytest.mark.parametrize("name", post_urls())
def test_a_post_without_the_csrf_token_is_refused_before_anything_happens(
    client: Client, tenant: Emulator, auth0_user: object, name: str
) -> None:
    params = patterns()[name]
    url = url_for(name, params)
    alice = auth0_user(ALICE)  # type: ignore[operator]
    plain = Client()
    plain.force_login(alice)
    allowed = plain.options(url).get("Allow", "")
    if "POST" not in allowed.upper().split(", ") and allowed:
        pytest.skip(f"{name} accepts no POST ({allowed})")
    attacker = Client(enforce_csrf_checks=True)
    attacker.force_login(alice)
    tenant.clear_requests()

    response = attacker.post(url, BODIES.get(name, {"confirm": "1"}))

    if name in NOT_COOKIE_AUTHENTICATED:
        assert response.status_code in (400, 401), (name, response.status_code)  # no valid logout token
    else:
        assert response.status_code == 403, (name, response.status_code)
    assert upstream_writes(tenant) == []


def test_the_csrf_refusals_cover_the_mutations_this_app_has() -> None:
    # A sanity check that the enumeration sees the app's POST URLs at all.
    assert {"general", "preferences", "remove-method", "revoke-session", "revoke-other-sessions", "enroll",
            "regenerate-recovery-code", "export", "delete-account", "link-identity", "unlink-identity",
            "resend-verification", "logout"} <= set(post_urls())

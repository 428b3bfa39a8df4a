"""Callers of the JSON API: bearer tokens the emulated tenant issues, and signed-in sessions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from django.test import Client

from selfservice.emulator import Emulator

AUDIENCE = "https://api.site.example/"
ALL_SCOPES = "openid read:me update:me delete:me"
BASE = "/account/api/v1"
PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"


@pytest.fixture
def api_tenant(tenant: Emulator, settings: Any) -> Emulator:
    """The demo tenant knowing the site's API; the site accepting its tokens."""
    tenant.add_api(AUDIENCE, ["read:me", "update:me", "delete:me"])
    settings.SELFSERVICE = {**settings.SELFSERVICE, "API_AUDIENCE": AUDIENCE}
    return tenant


@pytest.fixture
def token_for(api_tenant: Emulator) -> Callable[..., str]:
    """``token_for("alice@example.com", scope=..., audience=...)``: an access token from the tenant."""

    def issue(email: str, *, scope: str = ALL_SCOPES, audience: str = AUDIENCE, password: str = "demo-password") -> str:
        with httpx.Client(transport=api_tenant.transport(), base_url="https://tenant.emulator.test") as http:
            answer = http.post("/oauth/token", data={
                "grant_type": PASSWORD_REALM, "client_id": "selfservice-web", "client_secret": "selfservice-web-secret",
                "username": email, "password": password, "realm": "Username-Password-Authentication",
                "audience": audience, "scope": scope,
            })
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])

    return issue


@pytest.fixture
def bearer(token_for: Callable[..., str], db: None) -> Callable[..., Client]:
    """``bearer("alice@example.com", **token options)``: a test client that sends that token."""

    def make(email: str, **options: Any) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(email, **options)}")

    return make


def problem(response: Any) -> dict[str, Any]:
    assert response["Content-Type"] == "application/problem+json", response.content
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code and body["title"]
    return body

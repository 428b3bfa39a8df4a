"""Fixtures for the gateway tests: the real SDK against the emulator, in-process or over a socket."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from auth0.management.core import http_client as sdk_http_client
from django.core.cache import caches

from selfservice.gateway import get_gateway
from selfservice.gateway.auth0 import Auth0Gateway

ALICE = "auth0|alice"
BOB = "google-oauth2|bob"


@pytest.fixture(autouse=True)
def sdk_never_sleeps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test in which auth0-python decides to wait before a retry.

    The SDK only computes a retry delay when it is about to sleep and try again, which must
    never happen on the request path (``max_retries=0`` on every call).
    """

    def refuse(*args: Any, **kwargs: Any) -> float:
        raise AssertionError("auth0-python tried to sleep before a retry")

    monkeypatch.setattr(sdk_http_client, "_retry_timeout", refuse)
    monkeypatch.setattr(sdk_http_client, "_retry_timeout_from_retries", refuse)


@pytest.fixture
def gateway(selfservice_emulator: Any) -> Auth0Gateway:
    """A fresh gateway wired to the in-process emulator (WSGITransport)."""
    instance = get_gateway()
    assert isinstance(instance, Auth0Gateway)
    return instance


@pytest.fixture
def socket_emulator(emulator: Any, settings: Any) -> Iterator[Any]:
    """The emulator over a real socket: ``AUTH0_BASE_URL`` + the host:port as tenant domain."""
    host_port = emulator.url.split("://", 1)[1]
    settings.SELFSERVICE = {
        **settings.SELFSERVICE,
        "AUTH0_DOMAIN": host_port,
        "AUTH0_CLIENT_ID": "selfservice-m2m",
        "AUTH0_CLIENT_SECRET": "selfservice-m2m-secret",
        "AUTH0_BASE_URL": emulator.url,
        "AUTH0_TRANSPORT": None,
    }
    for cache in caches.all():
        cache.clear()
    yield emulator
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def configure(settings: Any) -> Any:
    """``configure(TIMEOUT=0.2, ...)`` changes some ``SELFSERVICE`` keys for this test."""

    def change(**options: Any) -> None:
        settings.SELFSERVICE = {**settings.SELFSERVICE, **options}

    return change


@pytest.fixture
def alice(emulator: Any) -> dict[str, Any]:
    """A database user with metadata, two sessions and two authentication methods."""
    return emulator.add_user(
        {
            "user_id": ALICE,
            "email": "alice@example.com",
            "email_verified": True,
            "name": "Alice Liddell",
            "given_name": "Alice",
            "family_name": "Liddell",
            "nickname": "alice",
            "user_metadata": {"theme": "dark", "language": "en"},
            "app_metadata": {"plan": "gold"},
            "password": "demo-password",
            "sessions": [
                {"device": {"initial_user_agent": "Firefox", "last_user_agent": "Firefox", "last_ip": "10.0.0.1"}},
                {"device": {"initial_user_agent": "Safari", "last_user_agent": "Safari", "last_ip": "10.0.0.2"}},
            ],
            "authentication_methods": [
                {"type": "totp", "name": "Authenticator app"},
                {"type": "phone", "phone_number": "+15555555044", "name": "Phone"},
            ],
        }
    )


@pytest.fixture
def bob(emulator: Any) -> dict[str, Any]:
    """A Google user: the provider owns his name and picture."""
    return emulator.add_user(
        {
            "user_id": BOB,
            "email": "bob@example.com",
            "name": "Bob Builder",
            "picture": "https://example.com/bob.png",
        }
    )

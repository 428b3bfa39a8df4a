"""Shared fixtures: clean caches, demo tenant, Django users linked to Auth0 users, clients."""

from __future__ import annotations

import time
import types
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from django.core.cache import caches
from django.test import Client

from selfservice.core.adapter import _adapter_for
from selfservice.emulator import Emulator
from selfservice.login.pipeline import AUTH_TIME_KEY

from .factories import UserSocialAuthFactory

ALICE = "auth0|alice"
BOB = "google-oauth2|bob"
CAROL = "auth0|carol"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _fresh_process_state() -> Iterator[None]:
    """Rate-limit counters, tokens and memoised classes never leak from one test to the next."""
    for cache in caches.all():
        cache.clear()
    _adapter_for.cache_clear()
    yield
    for cache in caches.all():
        cache.clear()
    _adapter_for.cache_clear()


@pytest.fixture
def one_minute_window() -> None:
    """Start a test that counts against a per-minute limit at least 5 s before the minute turns:
    the account's counters (``core.window_counters``: request limits and named change limits)
    have whole minutes as windows, and a test whose requests straddle two windows would see its
    counts start again."""
    left = 60 - time.time() % 60
    if left < 5:
        time.sleep(left + 0.05)


@pytest.fixture
def still_ratelimit_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """django-ratelimit's clock stands still for the test (the login limits count with it).

    Its windows end at an offset of the clock that depends on the key, so a test cannot start
    well inside one as ``one_minute_window`` does; with its clock held, every request of the
    test falls into one window.
    """
    import django_ratelimit.core

    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", types.SimpleNamespace(time=lambda: now))


@pytest.fixture
def ten_minutes_into_the_hour(monkeypatch: pytest.MonkeyPatch) -> float:
    """The account's counters (``core.window_counters``) see a clock held 10 minutes into the
    current hour: an hourly limit then always has 50 minutes (3,000 s) left, and no test's
    requests straddle two of its windows. Returns the held time."""
    import selfservice.core.window_counters

    now = time.time() // 3600 * 3600 + 600
    monkeypatch.setattr(selfservice.core.window_counters, "time", types.SimpleNamespace(time=lambda: now))
    return now


@pytest.fixture
def tenant(selfservice_emulator: Emulator) -> Emulator:
    """The emulated tenant with the demo users (alice, bob, carol), wired into Django."""
    selfservice_emulator.seed("demo")
    return selfservice_emulator


@pytest.fixture
def auth0_user(db: None) -> Callable[..., Any]:
    """``auth0_user("auth0|alice")`` -> a Django user linked to that Auth0 user id."""

    def make(uid: str = ALICE, **user_fields: Any) -> Any:
        fields = {f"user__{key}": value for key, value in user_fields.items()}
        return UserSocialAuthFactory(provider="auth0", uid=uid, **fields).user

    return make


@pytest.fixture
def alice(auth0_user: Callable[..., Any]) -> Any:
    return auth0_user(ALICE, username="alice")


def signed_in_at(client: Client, seconds_ago: float = 0) -> None:
    """What the login pipeline keeps: the sign-in's ``auth_time`` (step-up compares it with now)."""
    session = client.session
    session[AUTH_TIME_KEY] = int(time.time() - seconds_ago)
    session.save()


@pytest.fixture
def logged_in_client(client: Client, tenant: Emulator, alice: Any) -> Client:
    """A test client signed in as the Django user linked to ``auth0|alice``, just now."""
    client.force_login(alice)
    signed_in_at(client)
    return client


@pytest.fixture
def client_for(client: Client, tenant: Emulator, auth0_user: Callable[..., Any]) -> Callable[[str], Client]:
    """``client_for("google-oauth2|bob")`` -> the test client signed in as that Auth0 user, just now."""

    def sign_in(uid: str) -> Client:
        client.force_login(auth0_user(uid))
        signed_in_at(client)
        return client

    return sign_in


class RecordingTransport(httpx.BaseTransport):
    """Passes requests to the emulator and keeps what went over the wire (JSON bodies)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.sent: list[tuple[str, str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        is_json = request.headers.get("content-type", "").startswith("application/json")
        payload = httpx.Response(200, content=body).json() if body and is_json else None
        self.sent.append((request.method, request.url.path, payload))
        return self.inner.handle_request(request)

    def bodies(self, method: str) -> list[Any]:
        return [payload for sent_method, _path, payload in self.sent if sent_method == method]


@pytest.fixture
def wire(tenant: Emulator, settings: Any) -> RecordingTransport:
    """Record the JSON bodies the gateway sends to the tenant (the emulator logs no bodies)."""
    recorder = RecordingTransport(tenant.transport())
    settings.SELFSERVICE = {**settings.SELFSERVICE, "AUTH0_TRANSPORT": recorder}
    return recorder


@pytest.fixture
def socket_tenant(tenant: Emulator, settings: Any) -> Emulator:
    """The demo tenant reached over a socket: only a socket can time out."""
    host_port = tenant.url.split("://", 1)[1]
    settings.SELFSERVICE = {
        **settings.SELFSERVICE,
        "AUTH0_DOMAIN": host_port,
        "AUTH0_BASE_URL": tenant.url,
        "AUTH0_TRANSPORT": None,
        "TIMEOUT": 0.3,
    }
    return tenant

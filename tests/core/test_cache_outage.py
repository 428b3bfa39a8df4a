"""The shared cache cannot be reached: the account pages still work, reading Auth0 directly.

The cache here is a Redis on a port nothing listens on (connection refused at once), through
Django's own ``RedisCache`` and through django-redis when it is installed. Sessions are in the
database (``db``) or in the app's ``cached_db`` store (``selfservice.login.session_store``),
which reads the database alone meanwhile; Django's own ``cached_db`` fails on the first
request whose session is not in the cache. Before, every account page, the JSON API and the
login start were a 500 while Redis was down.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from selfservice.emulator import Emulator
from tests.profile.test_general import ALICE_FORM

pytestmark = pytest.mark.django_db

DEAD = "redis://127.0.0.1:1/0"
BACKENDS = ["django.core.cache.backends.redis.RedisCache", "django_redis.cache.RedisCache"]
TABS = ("general", "preferences", "security", "sessions", "privacy")


ENGINES = ["django.contrib.sessions.backends.db", "selfservice.login.session_store"]


@pytest.fixture(params=[(b, e) for b in BACKENDS for e in ENGINES],
                ids=[f"{b}-{e}" for b in ("django", "django-redis") for e in ("db", "store")])
def cache_down(request: pytest.FixtureRequest, settings: Any) -> None:
    """Every alias the app uses (``CACHE_ALIAS``, ``RATELIMIT_USE_CACHE``) points at the dead Redis."""
    backend, engine = request.param
    if backend.startswith("django_redis"):
        pytest.importorskip("django_redis")
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": DEAD}}
    settings.SESSION_ENGINE = engine


def management_calls(tenant: Emulator) -> int:
    return sum(1 for r in tenant.requests() if r["path"].startswith("/api/v2/"))


def test_every_tab_answers_from_auth0_with_one_warning_and_one_token(
    logged_in_client: Client, tenant: Emulator, cache_down: None, caplog: pytest.LogCaptureFixture
) -> None:
    tenant.clear_requests()
    with caplog.at_level(logging.WARNING, logger="selfservice.cache"):
        answers = {tab: logged_in_client.get(reverse(f"selfservice:{tab}")) for tab in TABS}
        calls = management_calls(tenant)
        again = logged_in_client.get(reverse("selfservice:general"))

    assert {tab: answer.status_code for tab, answer in answers.items()} == dict.fromkeys(TABS, 200)
    assert "Alice Liddell" in again.content.decode() and again.status_code == 200
    warnings = [r.getMessage() for r in caplog.records if r.name == "selfservice.cache"]
    assert len(warnings) == 1 and "cannot be reached" in warnings[0]
    # Nothing is kept between views: the second visit reads Auth0 again. The Management token
    # is this process's own copy, fetched at most once for all of them.
    assert calls >= 3 and management_calls(tenant) > calls  # General, Security, Sessions (no schema: no read)
    assert tenant.count("POST", "^/oauth/token$") <= 1


def test_the_tenants_factors_are_read_once_per_process_meanwhile(
    logged_in_client: Client, tenant: Emulator, cache_down: None
) -> None:
    tenant.clear_requests()

    visits = [logged_in_client.get(reverse("selfservice:security")).status_code for _ in range(3)]

    assert visits == [200, 200, 200]
    assert tenant.count("GET", "^/api/v2/users/auth0\\|alice/authentication-methods$") == 3  # the user's own: each visit
    assert tenant.count("GET", "^/api/v2/guardian/factors$") <= 1  # tenant-wide: this process's copy


def test_a_save_is_one_write_and_limits_are_not_counted(
    logged_in_client: Client, tenant: Emulator, cache_down: None, settings: Any
) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {**settings.SELFSERVICE.get("RATELIMIT", {}),
                                                                  "write.user": "1/m", "write.ip": "1/m"}}
    tenant.clear_requests()

    saves = [logged_in_client.post(reverse("selfservice:general"), {**ALICE_FORM, "nickname": name})
             for name in ("One", "Two", "Three")]

    assert [save.status_code for save in saves] == [302, 302, 302]  # no counter to go over
    assert tenant.count("PATCH") == 3 and tenant.user("auth0|alice")["nickname"] == "Three"


def test_the_json_api_and_the_login_start_answer(
    logged_in_client: Client, tenant: Emulator, cache_down: None
) -> None:
    me = logged_in_client.get("/account/api/v1/me")
    start = Client().get(reverse("selfservice:login"))
    begin = Client().post(reverse("social:begin", args=["auth0"]))

    assert me.status_code == 200 and me.json()["email"] == "alice@example.com"
    assert start.status_code == 200
    assert begin.status_code == 302 and begin["Location"].startswith("https://")


def test_signing_out_ends_the_session_in_the_database(
    logged_in_client: Client, tenant: Emulator, cache_down: None
) -> None:
    assert logged_in_client.post(reverse("selfservice:logout")).status_code == 302

    assert logged_in_client.get(reverse("selfservice:general")).status_code == 302  # to the login page


@pytest.fixture
def refusing_cache(settings: Any) -> list[str]:
    """A cache that refuses every call and counts them (what a Redis timing out would cost each)."""
    from tests.core import refusing_cache

    settings.CACHES = {"default": {"BACKEND": "tests.core.refusing_cache.RefusingCache"}}
    refusing_cache.CALLS.clear()
    return refusing_cache.CALLS


@pytest.mark.parametrize(("engine", "calls"), [
    ("django.contrib.sessions.backends.db", ["incr"]),  # the first request counter found it down
    ("selfservice.login.session_store", ["get", "set"]),  # the session's read, then the copy's write
])
def test_after_a_failed_call_the_process_leaves_the_cache_alone_for_a_while(
    logged_in_client: Client, tenant: Emulator, refusing_cache: list[str], settings: Any, engine: str, calls: list[str]
) -> None:
    settings.SESSION_ENGINE = engine

    pages = [logged_in_client.get(reverse(f"selfservice:{tab}")).status_code for tab in ("general", "security")]

    assert pages == [200, 200]
    assert refusing_cache == calls  # and nothing asked it again, for either page


def test_without_the_pause_every_call_would_ask_the_cache(
    logged_in_client: Client, tenant: Emulator, refusing_cache: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("selfservice.core.shared_cache.OUTAGE_RETRY_INTERVAL", 0.0)

    pages = [logged_in_client.get(reverse(f"selfservice:{tab}")).status_code for tab in ("general", "security")]

    assert pages == [200, 200]
    assert len(refusing_cache) > 5  # each of the two pages' cache calls paid for the outage

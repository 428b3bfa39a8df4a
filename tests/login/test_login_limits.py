"""Starting and completing an Auth0 login are limited per client IP: 429, Retry-After, no Auth0 call."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from django.test import Client

from selfservice.conf import DEFAULTS
from selfservice.emulator import Emulator
from selfservice.models import AuditEvent
from tests.login.test_login_errors import COMPLETE, assert_login_page, sign_in_at_tenant, start

pytestmark = pytest.mark.usefixtures("still_ratelimit_clock")

TOO_MANY = re.compile(r"Too many sign-in attempts from your network\. Try again in (\d+) seconds?\.")


def _client(ip: str = "127.0.0.1") -> Client:
    return Client(raise_request_exception=False, headers={"host": "127.0.0.1:8000"}, REMOTE_ADDR=ip)


def limits(settings: Any, **rates: str | None) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {key.replace("_", "."): rate for key, rate in rates.items()}}


def assert_too_many(response: Any) -> int:
    html = assert_login_page(response, 429)
    match = TOO_MANY.search(html)
    assert match, html
    assert "Location" not in response  # nothing sent to Auth0: no redirect to /authorize
    assert response["Retry-After"] == match.group(1) and 1 <= int(match.group(1)) <= 60
    return int(match.group(1))


@pytest.fixture
def tenant(emulator: Emulator, settings: Any) -> Emulator:
    emulator.seed("demo")
    settings.SOCIAL_AUTH_AUTH0_BASE_URL = emulator.url
    settings.SOCIAL_AUTH_AUTH0_DOMAIN = emulator.url.split("//", 1)[1]
    return emulator


def test_the_defaults_allow_twenty_a_minute() -> None:
    assert DEFAULTS["RATELIMIT"]["login.start"] == "20/m" and DEFAULTS["RATELIMIT"]["login.complete"] == "20/m"


@pytest.mark.django_db
def test_the_twenty_first_start_in_a_minute_gets_429_and_no_redirect(tenant: Emulator) -> None:
    client = _client()
    for _ in range(20):
        assert client.post("/login/auth0/", {"next": "/account/sessions/"}).status_code == 302
    response = client.post("/login/auth0/", {"next": "/account/sessions/"})

    assert_too_many(response)
    assert 'name="next" value="/account/sessions/"' in response.content.decode()
    assert _client("192.0.2.7").post("/login/auth0/").status_code == 302  # another network is not held up


@pytest.mark.django_db
def test_refused_starts_keep_counting_and_are_audited_once_per_window(tenant: Emulator, settings: Any) -> None:
    limits(settings, login_start="2/m")
    client = _client()
    assert [client.post("/login/auth0/").status_code for _ in range(5)] == [302, 302, 429, 429, 429]

    [event] = AuditEvent.objects.filter(action="login.failed")
    assert event.details == {"reason": "rate_limited", "limit": "login.start"} and event.ip == "127.0.0.1"


@pytest.mark.django_db
def test_only_posts_to_the_begin_view_count(tenant: Emulator, settings: Any) -> None:
    limits(settings, login_start="1/m")
    client = _client()
    assert client.get("/login/auth0/").status_code == 405  # social-auth needs a POST (login CSRF)
    assert client.get("/account/login/").status_code == 200
    assert client.post("/login/auth0/").status_code == 302
    assert_too_many(client.post("/login/auth0/"))


@pytest.mark.django_db
def test_the_callback_is_limited_before_the_code_is_exchanged(tenant: Emulator, settings: Any) -> None:
    limits(settings, login_complete="3/m")
    client = _client()
    with httpx.Client(base_url=tenant.url) as browser:
        callback = sign_in_at_tenant(browser, start(client))
    for _ in range(3):
        assert client.get(COMPLETE).status_code == 400  # no parameters
    response = client.get(callback)

    assert_too_many(response)
    assert tenant.count("POST", "/oauth/token") == 0
    assert "_auth_user_id" not in client.session
    assert urlsplit(callback).path == COMPLETE


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_client_counts_on_its_own(tenant: Emulator, settings: Any) -> None:
    limits(settings, login_start="1/m")
    settings.SELFSERVICE = {**settings.SELFSERVICE, "TRUSTED_PROXIES": 1}
    proxy = "10.0.0.1"  # every request arrives from the proxy; it appends the client's address
    first = Client(headers={"host": "127.0.0.1:8000"}, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.1")
    second = Client(headers={"host": "127.0.0.1:8000"}, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert first.post("/login/auth0/").status_code == 302
    assert second.post("/login/auth0/").status_code == 302
    assert first.post("/login/auth0/").status_code == 429


@pytest.mark.django_db
def test_a_limit_set_to_none_is_off(tenant: Emulator, settings: Any) -> None:
    limits(settings, login_start=None)
    client = _client()
    assert all(client.post("/login/auth0/").status_code == 302 for _ in range(25))


@pytest.mark.django_db
def test_the_limits_leave_other_pages_alone(tenant: Emulator, settings: Any) -> None:
    limits(settings, login_start="1/m", login_complete="1/m")
    client = _client()
    assert all(client.get("/account/login/").status_code == 200 for _ in range(3))

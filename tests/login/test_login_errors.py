"""A login that goes wrong comes back to the login page with a 4xx and a plain message, never a 500.

Each case drives social-auth's real callback (``/complete/auth0/``) after a real start at
``/login/auth0/`` against the emulated tenant, the way a browser would: the user cancels,
the callback is forged, stale or empty, the token endpoint fails or hands back an ID token the
backend must refuse.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
import requests
from django.test import Client
from social_core.exceptions import AuthAssociationError, AuthPolicyError

from selfservice.emulator import Emulator
from selfservice.login.errors import classify
from selfservice.models import AuditEvent

COMPLETE = "/complete/auth0/"
RETRY = "Signing in did not work. Please try again."


def _client() -> Client:
    """A browser at the site: a 500 comes back as a response to assert on, not an exception."""
    return Client(raise_request_exception=False, headers={"host": "127.0.0.1:8000"})


def start(client: Client) -> str:
    """POST the login button; return the authorize URL the site redirects to."""
    response = client.post("/login/auth0/", {"next": "/account/sessions/"})
    assert response.status_code == 302
    return str(response["Location"])


def state_of(authorize_url: str) -> str:
    return parse_qs(urlsplit(authorize_url).query)["state"][0]


def sign_in_at_tenant(browser: httpx.Client, authorize_url: str) -> str:
    """Sign in at the tenant; return the callback's path and query (code and state)."""
    answer = browser.post(authorize_url, data={"email": "alice@example.com", "password": "demo-password"})
    assert answer.status_code == 302, answer.text
    callback = urlsplit(answer.headers["location"])
    return f"{callback.path}?{callback.query}"


def assert_login_page(response: Any, status: int, *messages: str) -> str:
    html: str = response.content.decode()
    assert response.status_code == status, html[:2000]
    assert response.templates and "selfservice/login.html" in [t.name for t in response.templates]
    for message in messages:
        assert message in html
    assert 'action="/login/auth0/"' in html and 'method="post"' in html and "csrfmiddlewaretoken" in html
    assert "Try again" in html
    assert "no-store" in response["Cache-Control"]
    return html


def failed_logins() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="login.failed").order_by("pk"))


@pytest.fixture
def tenant(emulator: Emulator, settings: Any) -> Emulator:
    emulator.seed("demo")
    settings.SOCIAL_AUTH_AUTH0_BASE_URL = emulator.url
    settings.SOCIAL_AUTH_AUTH0_DOMAIN = emulator.url.split("//", 1)[1]
    return emulator


@pytest.fixture
def browser(tenant: Emulator) -> Any:
    with httpx.Client(base_url=tenant.url) as client:
        yield client


@pytest.mark.django_db
def test_cancelling_at_auth0_shows_you_cancelled(tenant: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    client = _client()
    state = state_of(start(client))
    query = urlencode({"error": "access_denied", "error_description": "<script>alert(1)</script>", "state": state})
    with caplog.at_level(logging.WARNING, logger="selfservice.login"):
        response = client.get(f"{COMPLETE}?{query}")

    html = assert_login_page(response, 403, "You cancelled signing in.")
    assert "<script>alert(1)</script>" not in html and "alert(1)" not in html  # our words, not theirs
    assert 'name="next" value="/account/sessions/"' in html  # the retry keeps where the user was going
    [event] = failed_logins()
    assert event.details == {"reason": "cancelled", "provider_error": "access_denied"} and event.target == "auth0" and event.user is None
    assert event.ip == "127.0.0.1"
    [record] = [r for r in caplog.records if r.name.startswith("selfservice.login")]
    assert record.levelno == logging.WARNING and "cancelled" in record.getMessage()
    assert state not in caplog.text and "alert(1)" not in caplog.text


@pytest.mark.django_db
def test_a_forged_state_is_refused(tenant: Emulator, browser: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    client = _client()
    callback = sign_in_at_tenant(browser, start(client))
    code = parse_qs(urlsplit(callback).query)["code"][0]
    with caplog.at_level(logging.WARNING, logger="selfservice.login"):
        response = client.get(f"{COMPLETE}?{urlencode({'code': code, 'state': 'forged-state-value'})}")

    assert_login_page(response, 400, RETRY)
    assert failed_logins()[0].details["reason"] in ("session_expired", "state_mismatch")
    assert code not in caplog.text and "forged-state-value" not in caplog.text
    assert "_auth_user_id" not in client.session
    assert tenant.count("POST", "/oauth/token") == 0  # refused before the code was spent


@pytest.mark.django_db
def test_a_callback_without_a_login_started_in_this_browser_is_refused(tenant: Emulator, browser: httpx.Client) -> None:
    callback = sign_in_at_tenant(browser, start(_client()))
    response = _client().get(callback)  # another browser: no state in its session

    html = assert_login_page(response, 400, RETRY)
    assert "another browser" in html or "took too long" in html
    assert failed_logins()[0].details == {"reason": "session_expired"}


@pytest.mark.django_db
def test_a_callback_used_twice_is_refused_the_second_time(tenant: Emulator, browser: httpx.Client) -> None:
    client = _client()
    callback = sign_in_at_tenant(browser, start(client))
    assert client.get(callback).status_code == 302  # signed in
    response = client.get(callback)

    assert_login_page(response, 400, RETRY)


@pytest.mark.django_db
def test_a_callback_with_no_parameters_is_refused(tenant: Emulator) -> None:
    response = _client().get(COMPLETE)

    html = assert_login_page(response, 400, RETRY)
    assert "incomplete" in html
    assert failed_logins()[0].details == {"reason": "missing_parameters"}


@pytest.mark.django_db
def test_a_state_too_long_to_be_ours_is_refused(tenant: Emulator) -> None:
    client = _client()
    start(client)
    response = client.get(f"{COMPLETE}?{urlencode({'code': 'c', 'state': 'x' * 500})}")

    assert_login_page(response, 400, RETRY)
    assert failed_logins()[0].details == {"reason": "state_mismatch"}


@pytest.mark.django_db
def test_another_error_from_the_tenant_is_shown_in_our_words(tenant: Emulator) -> None:
    client = _client()
    state = state_of(start(client))
    query = urlencode({"error": "login_required", "error_description": "Login required", "state": state})
    response = client.get(f"{COMPLETE}?{query}")

    assert_login_page(response, 400, RETRY, "The sign-in service could not complete the sign-in.")
    assert failed_logins()[0].details == {"reason": "provider_error", "provider_error": "login_required"}


@pytest.mark.django_db
def test_a_misconfigured_client_says_so_without_details(tenant: Emulator) -> None:
    client = _client()
    state = state_of(start(client))
    response = client.get(f"{COMPLETE}?{urlencode({'error': 'unauthorized_client', 'state': state})}")

    assert_login_page(response, 400, RETRY, "not set up correctly")
    assert failed_logins()[0].details == {"reason": "configuration", "provider_error": "unauthorized_client"}


@pytest.mark.django_db
def test_a_failing_token_endpoint_is_a_try_again(tenant: Emulator, browser: httpx.Client) -> None:
    client = _client()
    callback = sign_in_at_tenant(browser, start(client))
    tenant.add_fault("/oauth/token", status=503, times=1)
    response = client.get(callback)

    assert_login_page(response, 400, RETRY, "The sign-in service did not answer")
    assert failed_logins()[0].details == {"reason": "provider_unavailable"}
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_unreachable_token_endpoint_is_a_try_again(tenant: Emulator, browser: httpx.Client, settings: Any) -> None:
    client = _client()
    callback = sign_in_at_tenant(browser, start(client))
    settings.SOCIAL_AUTH_AUTH0_BASE_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    response = client.get(callback)

    assert_login_page(response, 400, RETRY, "The sign-in service did not answer")
    assert failed_logins()[0].details == {"reason": "provider_unavailable"}


@pytest.mark.django_db
def test_a_code_the_token_endpoint_refuses(tenant: Emulator, browser: httpx.Client) -> None:
    client = _client()
    callback = sign_in_at_tenant(browser, start(client))
    tenant.add_fault("/oauth/token", status=403, times=1,
                     body={"error": "invalid_grant", "error_description": "Invalid authorization code"})
    response = client.get(callback)

    html = assert_login_page(response, 400, RETRY)
    assert "Invalid authorization code" not in html
    assert failed_logins()[0].details == {"reason": "code_rejected", "provider_error": "invalid_grant"}


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["audience", "expired", "garbage"])
def test_an_id_token_the_backend_refuses(tenant: Emulator, browser: httpx.Client, change: str) -> None:
    client = _client()
    callback = sign_in_at_tenant(browser, start(client))
    now = int(time.time())
    claims = {"iss": f"{tenant.url}/", "sub": "auth0|alice", "aud": "selfservice-web", "iat": now, "exp": now + 600}
    if change == "audience":
        claims["aud"] = "another-client"
    elif change == "expired":
        claims.update(iat=now - 7200, exp=now - 3600)
    id_token = "not-a-jwt" if change == "garbage" else tenant.tenant.key.sign(claims)
    tenant.add_fault("/oauth/token", status=200, times=1,
                     body={"access_token": "at", "token_type": "Bearer", "id_token": id_token})
    response = client.get(callback)

    assert_login_page(response, 400, RETRY, "could not be verified")
    assert failed_logins()[0].details == {"reason": "invalid_response"}
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_errors_render_the_page_in_debug_too(tenant: Emulator, settings: Any) -> None:
    settings.DEBUG = True
    response = _client().get(COMPLETE)

    assert_login_page(response, 400, RETRY)


@pytest.mark.django_db
def test_a_failed_login_keeps_only_a_safe_next(tenant: Emulator) -> None:
    client = _client()
    response = client.post("/login/auth0/", {"next": "https://evil.example/"})
    assert response.status_code == 302
    html = client.get(f"{COMPLETE}?{urlencode({'error': 'access_denied', 'state': 'x'})}").content.decode()

    assert "evil.example" not in html and 'name="next" value="/account/"' in html


@pytest.mark.django_db
def test_the_login_page_itself_shows_no_error(client: Client) -> None:
    html = client.get("/account/login/").content.decode()

    assert "Continue to sign in" in html and "Try again" not in html and 'role="alert"' not in html


@pytest.mark.django_db
def test_the_messages_are_translated(tenant: Emulator, settings: Any) -> None:
    settings.LANGUAGE_CODE = "es"
    client = _client()
    cancelled = client.get(f"{COMPLETE}?{urlencode({'error': 'access_denied', 'state': 'x'})}").content.decode()
    bare = client.get(COMPLETE).content.decode()

    assert "Has cancelado el inicio de sesión." in cancelled and "Intentar de nuevo" in cancelled
    assert "No se pudo iniciar sesión. Inténtalo de nuevo." in bare


@pytest.mark.parametrize(
    ("error", "reason", "status"),
    [
        (AuthPolicyError(None, code="user_mismatch", stage="callback"), "other_account", 403),
        (AuthPolicyError(None, stage="pipeline"), "not_allowed", 400),
        (AuthAssociationError(None, stage="pipeline"), "account_conflict", 400),
        (requests.ConnectionError("refused"), "provider_unavailable", 400),
        (jwt.DecodeError("bad"), "invalid_response", 400),
    ],
)
def test_failures_without_an_emulator_scenario_are_classified(error: Exception, reason: str, status: int) -> None:
    failure = classify(error)
    assert (failure.reason, failure.status) == (reason, status) and failure.detail

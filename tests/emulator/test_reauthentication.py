"""The emulated ``/authorize`` for step-up: ``max_age=0``, ``prompt=login``, ``login_hint``, ``auth_time``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from selfservice.emulator import Emulator
from selfservice.emulator.records import iso

ALICE = "auth0|alice"
CALLBACK = "http://127.0.0.1:8000/complete/auth0/"
PARAMS = {"client_id": "selfservice-web", "redirect_uri": CALLBACK, "response_type": "code",
          "scope": "openid profile email", "state": "s-1"}
PASSWORD = {"email": "alice@example.com", "password": "demo-password"}


@pytest.fixture
def browser(emulator: Emulator) -> Iterator[httpx.Client]:
    """A browser at the tenant (keeps its SSO cookie), with the demo users."""
    emulator.seed("demo")
    with httpx.Client(transport=emulator.transport(), base_url="http://127.0.0.1:8001") as client:
        yield client


def code_of(response: httpx.Response) -> str:
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["location"]).query)["code"][0]


def id_token(emulator: Emulator, browser: httpx.Client, code: str) -> dict[str, Any]:
    tokens = browser.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
        "client_id": "selfservice-web", "client_secret": "selfservice-web-secret",
    })
    assert tokens.status_code == 200, tokens.text
    claims: dict[str, Any] = emulator.tenant.key.verify(tokens.json()["id_token"], audience="selfservice-web")
    return claims


def signed_in_long_ago(emulator: Emulator, browser: httpx.Client) -> tuple[str, int]:
    """Sign Alice in, then pretend it was two hours ago; the session id and that time."""
    code_of(browser.post("/authorize", params=PARAMS, data=PASSWORD))
    sid = next(iter(emulator.tenant.sso.values()))
    then = datetime.now(UTC) - timedelta(hours=2)
    emulator.tenant.sessions[sid]["authenticated_at"] = iso(then)
    return sid, int(then.timestamp())


@pytest.mark.parametrize("extra", [{"max_age": "0"}, {"prompt": "login"}, {"max_age": "0", "prompt": "login"}])
def test_a_fresh_sso_session_still_gets_the_form(emulator: Emulator, browser: httpx.Client, extra: dict[str, str]) -> None:
    code_of(browser.post("/authorize", params=PARAMS, data=PASSWORD))  # signed in this very second

    assert browser.get("/authorize", params=PARAMS).status_code == 302  # SSO
    form = browser.get("/authorize", params={**PARAMS, **extra})

    assert form.status_code == 200 and 'name="password"' in form.text


def test_sso_answers_with_the_original_auth_time(emulator: Emulator, browser: httpx.Client) -> None:
    sid, then = signed_in_long_ago(emulator, browser)

    claims = id_token(emulator, browser, code_of(browser.get("/authorize", params=PARAMS)))

    assert claims["sid"] == sid and claims["auth_time"] == then


def test_signing_in_again_re_authenticates_the_same_session_and_auth_time_is_now(
    emulator: Emulator, browser: httpx.Client
) -> None:
    sid, then = signed_in_long_ago(emulator, browser)
    params = {**PARAMS, "max_age": "0", "prompt": "login"}
    assert browser.get("/authorize", params=params).status_code == 200

    before = int(time.time())
    claims = id_token(emulator, browser, code_of(browser.post("/authorize", params=params, data=PASSWORD)))

    assert claims["sub"] == ALICE and claims["sid"] == sid  # the same Auth0 session, re-authenticated
    assert before <= claims["auth_time"] <= int(time.time()) and claims["auth_time"] > then
    assert len(emulator.tenant.user_sessions(ALICE)) == 4  # the demo's three and this browser's
    methods = emulator.tenant.sessions[sid]["authentication"]["methods"]
    assert [m["name"] for m in methods] == ["pwd", "pwd"]


def test_another_user_at_the_form_gets_a_session_of_their_own(emulator: Emulator, browser: httpx.Client) -> None:
    sid, _ = signed_in_long_ago(emulator, browser)
    params = {**PARAMS, "max_age": "0", "prompt": "login", "login_hint": "alice@example.com"}

    claims = id_token(emulator, browser, code_of(browser.post(
        "/authorize", params=params, data={"email": "carol@example.com", "password": "demo-password"},
    )))

    assert claims["sub"] == "auth0|carol" and claims["sid"] != sid
    assert emulator.tenant.sessions[sid]["user_id"] == ALICE


def test_the_auth_time_is_the_one_when_the_code_was_issued(emulator: Emulator, browser: httpx.Client) -> None:
    sid, then = signed_in_long_ago(emulator, browser)
    code = code_of(browser.get("/authorize", params=PARAMS))
    emulator.tenant.sessions[sid]["authenticated_at"] = iso()  # signed in again elsewhere meanwhile

    assert id_token(emulator, browser, code)["auth_time"] == then


def test_login_hint_fills_in_the_email_field(emulator: Emulator, browser: httpx.Client) -> None:
    form = browser.get("/authorize", params={**PARAMS, "prompt": "login", "login_hint": 'alice@example.com"><b>'})

    assert 'name="email" type="email" autocomplete="username" required value="alice@example.com&quot;&gt;&lt;b&gt;"' in form.text
    assert "<b>" not in form.text

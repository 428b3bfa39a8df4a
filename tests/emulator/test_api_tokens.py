"""Access tokens for the site's own API: the authorization-code flow with ``audience`` and the
password-realm grant, scopes limited to what the API defines, ``auth_time`` from the Action."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from selfservice.emulator import Emulator

from .test_reauthentication import CALLBACK, PARAMS, PASSWORD, browser, code_of  # noqa: F401 - the fixture

API = "https://api.site.example/"
WEB = {"client_id": "selfservice-web", "client_secret": "selfservice-web-secret"}


def tokens_for(browser: httpx.Client, **params: str) -> dict[str, Any]:  # noqa: F811
    code = code_of(browser.post("/authorize", params={**PARAMS, **params}, data=PASSWORD))
    answer = browser.post("/oauth/token", data={"grant_type": "authorization_code", "code": code,
                                                "redirect_uri": CALLBACK, **WEB})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_a_login_for_the_api_audience_gets_a_token_for_it(emulator: Emulator, browser: httpx.Client) -> None:  # noqa: F811
    emulator.add_api(API, ["read:me", "update:me"])

    body = tokens_for(browser, audience=API, scope="openid profile read:me delete:me")

    claims = emulator.tenant.key.verify(body["access_token"], audience=API)
    assert claims["aud"] == [API, "http://127.0.0.1:8001/userinfo"] and claims["sub"] == "auth0|alice"
    assert claims["scope"] == "openid profile read:me" == body["scope"]  # delete:me is not the API's
    assert abs(claims["auth_time"] - time.time()) < 5 and claims["sid"]


def test_without_the_action_there_is_no_auth_time(emulator: Emulator, browser: httpx.Client) -> None:  # noqa: F811
    emulator.add_api(API, ["read:me"], auth_time_claim=False)
    claims = emulator.tenant.key.verify(tokens_for(browser, audience=API)["access_token"], audience=API)
    assert "auth_time" not in claims


def test_an_unknown_audience_gets_a_userinfo_token_only(emulator: Emulator, browser: httpx.Client) -> None:  # noqa: F811
    body = tokens_for(browser, audience="https://unknown.example/", scope="openid read:me")
    claims = emulator.tenant.key.verify(body["access_token"], audience="http://127.0.0.1:8001/userinfo")
    assert claims["aud"] == ["http://127.0.0.1:8001/userinfo"] and claims["scope"] == "openid"


@pytest.mark.parametrize(("password", "status"), [("demo-password", 200), ("wrong", 403)])
def test_the_password_realm_grant(emulator: Emulator, browser: httpx.Client, password: str, status: int) -> None:  # noqa: F811
    emulator.add_api(API, ["read:me"])
    answer = browser.post("/oauth/token", data={
        "grant_type": "http://auth0.com/oauth/grant-type/password-realm", "username": "alice@example.com",
        "password": password, "realm": "Username-Password-Authentication", "audience": API, "scope": "read:me", **WEB,
    })
    assert answer.status_code == status
    if status == 200:
        assert emulator.tenant.key.verify(answer.json()["access_token"], audience=API)["scope"] == "read:me"
    else:
        assert answer.json()["error"] == "invalid_grant"


def test_apis_over_the_control_api(emulator: Emulator, browser: httpx.Client) -> None:  # noqa: F811
    created = browser.post("/__emulator__/apis", json={"identifier": API, "scopes": ["read:me"]})
    assert created.status_code == 201 and created.json()["auth_time_claim"] is True
    assert browser.post("/__emulator__/apis", json={"scopes": []}).status_code == 400

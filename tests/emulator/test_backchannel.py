"""Ending a session sends each of its clients an OIDC back-channel logout token."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx
import jwt
import pytest

from selfservice.emulator import Emulator
from selfservice.emulator.backchannel import EVENT

from .conftest import AUDIENCE, DOMAIN, M2M


@pytest.fixture
def received(emulator: Emulator) -> list[tuple[str, dict]]:
    inbox: list[tuple[str, dict]] = []

    def sender(url: str, body: bytes) -> int:
        token = parse_qs(body.decode())["logout_token"][0]
        inbox.append((url, emulator.tenant.key.verify(token, audience="selfservice-web")))
        return 200

    emulator.seed("demo")
    emulator.configure_client("selfservice-web", backchannel_logout_urls=["http://127.0.0.1:8000/account/backchannel-logout/"])
    emulator.set_backchannel_sender(sender)
    return inbox


def _token(http: httpx.Client) -> str:
    data = {"grant_type": "client_credentials", "audience": AUDIENCE, **M2M}
    return str(http.post(f"https://{DOMAIN}/oauth/token", data=data).json()["access_token"])


@pytest.mark.parametrize("how", ["revoke", "delete"])
def test_ending_a_session_through_the_management_api_sends_a_logout_token(
    emulator: Emulator, received: list, http: httpx.Client, how: str
) -> None:
    session = emulator.tenant.user_sessions("auth0|alice")[0]
    headers = {"Authorization": f"Bearer {_token(http)}"}
    if how == "revoke":
        http.post(f"/api/v2/sessions/{session['id']}/revoke", headers=headers)
    else:
        http.delete(f"/api/v2/sessions/{session['id']}", headers=headers)
    [(url, claims)] = received
    assert url == "http://127.0.0.1:8000/account/backchannel-logout/"
    assert claims["sid"] == session["id"] and claims["sub"] == "auth0|alice"
    assert claims["events"] == {EVENT: {}} and "nonce" not in claims and claims["jti"]
    assert claims["exp"] - claims["iat"] <= 120
    assert emulator.backchannel_deliveries() == [{"url": url, "status": 200, "sid": session["id"]}]


def test_deleting_all_sessions_notifies_once_per_session(emulator: Emulator, received: list, http: httpx.Client) -> None:
    alices = sorted(s["id"] for s in emulator.tenant.user_sessions("auth0|alice"))
    http.delete("/api/v2/users/auth0|alice/sessions", headers={"Authorization": f"Bearer {_token(http)}"})
    assert sorted(claims["sid"] for _, claims in received) == alices
    assert len(alices) == 3


def test_the_logout_token_header_is_typed_and_signed_with_the_tenant_key(emulator: Emulator, received: list,
                                                                        http: httpx.Client) -> None:
    tokens: list[str] = []
    emulator.set_backchannel_sender(lambda url, body: tokens.append(parse_qs(body.decode())["logout_token"][0]) or 200)
    sid = emulator.tenant.user_sessions("auth0|carol")[0]["id"]
    http.delete(f"/api/v2/sessions/{sid}", headers={"Authorization": f"Bearer {_token(http)}"})
    header = jwt.get_unverified_header(tokens[0])
    assert header["typ"] == "logout+jwt" and header["alg"] == "RS256" and header["kid"] == emulator.tenant.key.kid


def test_clients_without_a_backchannel_url_get_nothing(emulator: Emulator, http: httpx.Client) -> None:
    emulator.seed("demo")
    sent: list = []
    emulator.set_backchannel_sender(lambda url, body: sent.append(url) or 200)
    sid = emulator.tenant.user_sessions("auth0|alice")[0]["id"]
    http.delete(f"/api/v2/sessions/{sid}", headers={"Authorization": f"Bearer {_token(http)}"})
    assert sent == []

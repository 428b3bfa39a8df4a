"""Both ways in, and every way a bearer token is refused (401 invalid_token, 403 insufficient_scope)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from selfservice.emulator import Emulator

from .conftest import AUDIENCE, BASE, problem


def test_a_bearer_token_reads_its_own_profile(bearer: Callable[..., Client], api_tenant: Emulator) -> None:
    response = bearer("alice@example.com").get(f"{BASE}/me")

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["user_id"] == "auth0|alice" and body["email"] == "alice@example.com"
    assert body["editable"] == ["name", "given_name", "family_name", "nickname", "picture"]
    assert response["ETag"].startswith('"')


def test_the_session_cookie_reads_it_too(logged_in_client: Client, api_tenant: Emulator) -> None:
    response = logged_in_client.get(f"{BASE}/me")

    assert response.status_code == 200 and response.json()["user_id"] == "auth0|alice"


def test_nobody_gets_401_with_a_bearer_challenge(db: None, api_tenant: Emulator) -> None:
    response = Client().get(f"{BASE}/me")

    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert problem(response)["code"] == "not_authenticated"


def _forge(claims: dict[str, Any], *, key: Any = None, alg: str = "RS256", kid: str | None = None) -> str:
    if alg == "none":
        return jwt.encode(claims, None, algorithm="none")
    if alg == "HS256":
        return jwt.encode(claims, "a-shared-secret-that-is-32-bytes!", algorithm="HS256")
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid} if kid else None)


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": "https://tenant.emulator.test/", "sub": "auth0|alice", "aud": [AUDIENCE], "iat": now,
              "exp": now + 600, "scope": "read:me"}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _signed(api_tenant: Emulator, **changes: Any) -> str:
    """Signed by the tenant's real key: only the claims are wrong."""
    return api_tenant.tenant.key.sign(_claims(**changes))


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda t: _forge(_claims(), alg="none"), id="alg-none"),
        pytest.param(lambda t: _forge(_claims(), alg="HS256"), id="hs256"),
        pytest.param(lambda t: _forge(_claims(), kid=t.tenant.key.kid), id="another-key-same-kid"),
        pytest.param(lambda t: _forge(_claims(), kid="unknown"), id="unknown-kid"),
        pytest.param(lambda t: _signed(t, exp=int(time.time()) - 120), id="expired"),
        pytest.param(lambda t: _signed(t, nbf=int(time.time()) + 600), id="not-yet-valid"),
        pytest.param(lambda t: _signed(t, aud=["https://other.example/"]), id="wrong-audience"),
        pytest.param(lambda t: _signed(t, iss="https://evil.example/"), id="wrong-issuer"),
        pytest.param(lambda t: _signed(t, exp=None), id="no-exp"),
        pytest.param(lambda t: _signed(t, iat=int(time.time()) + 3600, exp=int(time.time()) + 7200), id="iat-in-future"),
        pytest.param(lambda t: _signed(t, sub="selfservice-m2m@clients", gty="client-credentials"), id="m2m"),
        pytest.param(lambda t: "not-a-jwt", id="garbage"),
        pytest.param(lambda t: _signed(t)[:-4] + "AAAA", id="bad-signature"),
    ],
)
def test_forged_expired_and_misaddressed_tokens_are_refused(
    api_tenant: Emulator, db: None, make: Callable[[Emulator], str]
) -> None:
    api_tenant.clear_requests()

    response = Client(HTTP_AUTHORIZATION=f"Bearer {make(api_tenant)}").get(f"{BASE}/me")

    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert problem(response)["code"] == "invalid_token"
    assert api_tenant.count("GET", r"^/api/v2/users/") == 0


def test_a_token_of_the_tenant_for_another_audience_is_refused(token_for: Callable[..., str], db: None) -> None:
    token = token_for("alice@example.com", audience="https://tenant.emulator.test/api/v2/")  # not our API: userinfo only
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(f"{BASE}/me")
    assert response.status_code == 401


def test_without_api_audience_no_bearer_token_gets_in(bearer: Callable[..., Client], settings: Any) -> None:
    client = bearer("alice@example.com")
    settings.SELFSERVICE = {**settings.SELFSERVICE, "API_AUDIENCE": None}
    assert client.get(f"{BASE}/me").status_code == 401


def test_a_missing_scope_is_403_insufficient_scope(bearer: Callable[..., Client]) -> None:
    client = bearer("alice@example.com", scope="openid read:me")

    response = client.patch(f"{BASE}/me", {"name": "A"}, content_type="application/json")

    assert response.status_code == 403
    assert 'error="insufficient_scope", scope="update:me"' in response["WWW-Authenticate"]
    assert problem(response)["code"] == "insufficient_scope"


def test_cookie_writes_need_the_csrf_token(logged_in_client: Client, api_tenant: Emulator) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = logged_in_client.cookies
    api_tenant.clear_requests()

    refused = strict.patch(f"{BASE}/me", {"name": "Mallory"}, content_type="application/json")

    assert refused.status_code == 403 and problem(refused)["code"] == "csrf_failed"
    assert api_tenant.count("PATCH", r"^/api/v2/users/") == 0
    strict.get("/account/general/")  # the page sets the CSRF cookie
    token = strict.cookies["csrftoken"].value
    ok = strict.patch(f"{BASE}/me", {"name": "Alice L."}, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert ok.status_code == 200 and ok.json()["name"] == "Alice L."


def test_a_bearer_caller_acts_only_for_its_subject(bearer: Callable[..., Client], api_tenant: Emulator) -> None:
    bob = bearer("carol@example.com")
    assert bob.get(f"{BASE}/me").json()["user_id"] == "auth0|carol"

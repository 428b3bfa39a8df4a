"""Bearer/scope checks, token endpoint errors and PATCH refusals, as raw HTTP (status + body)."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from selfservice.emulator import Emulator

from .conftest import AUDIENCE, DOMAIN, M2M, fetch_token

ALICE = "/api/v2/users/auth0|alice"


@pytest.fixture(autouse=True)
def _demo(emulator: Emulator) -> None:
    emulator.seed("demo")


def test_client_credentials_token_has_auth0s_claims(http: httpx.Client, emulator: Emulator) -> None:
    response = http.post("/oauth/token", json={"grant_type": "client_credentials", "audience": AUDIENCE, **M2M})
    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "Bearer" and body["expires_in"] == 86400
    assert "read:users" in body["scope"].split() and "delete:refresh_tokens" in body["scope"].split()
    claims = emulator.tenant.key.verify(body["access_token"], audience=AUDIENCE)
    assert claims["iss"] == f"https://{DOMAIN}/"
    assert claims["sub"] == "selfservice-m2m@clients"
    assert claims["gty"] == "client-credentials" and claims["azp"] == "selfservice-m2m"
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "RS256"
    assert header["kid"] in {k["kid"] for k in http.get("/.well-known/jwks.json").json()["keys"]}


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "nobody"}, 401, "invalid_client"),
        ({"audience": "https://elsewhere.example/api/"}, 403, "access_denied"),
        ({"audience": ""}, 403, "access_denied"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"client_id": "selfservice-web", "client_secret": "selfservice-web-secret"}, 403, "access_denied"),
    ],
)
def test_token_endpoint_errors_use_the_oauth_shape(http: httpx.Client, form: dict[str, str], status: int, error: str) -> None:
    data = {"grant_type": "client_credentials", "audience": AUDIENCE, **M2M, **form}
    response = http.post("/oauth/token", data=data)
    assert response.status_code == status
    assert response.json()["error"] == error and response.json()["error_description"]


def test_management_calls_without_a_token_are_401(http: httpx.Client) -> None:
    response = http.get(ALICE)
    assert response.status_code == 401
    assert response.json() == {
        "statusCode": 401, "error": "Unauthorized", "message": "Missing authentication",
        "attributes": {"error": "Missing authentication"},
    }


def test_a_forged_token_is_invalid(http: httpx.Client) -> None:
    response = http.get(ALICE, headers={"Authorization": "Bearer not.a.jwt"})
    assert (response.status_code, response.json()["message"]) == (401, "Invalid token")


def test_an_expired_token_is_refused_with_auth0s_message(http: httpx.Client, emulator: Emulator) -> None:
    stale = emulator.tenant.key.sign({"iss": f"https://{DOMAIN}/", "aud": AUDIENCE, "iat": 1, "exp": int(time.time()) - 5,
                                      "scope": "read:users"})
    response = http.get(ALICE, headers={"Authorization": f"Bearer {stale}"})
    assert response.status_code == 401
    assert response.json()["message"] == "Expired token received for JSON Web Token validation"


def test_a_token_for_another_tenant_is_a_bad_audience(http: httpx.Client, emulator: Emulator) -> None:
    other = emulator.tenant.key.sign({"aud": "https://other.example/api/v2/", "exp": int(time.time()) + 60, "scope": "read:users"})
    response = http.get(ALICE, headers={"Authorization": f"Bearer {other}"})
    assert response.status_code == 401 and response.json()["message"].startswith("Bad audience")


def test_missing_scope_is_403_insufficient_scope_listing_the_alternatives(http: httpx.Client) -> None:
    token = fetch_token(http, scope="read:sessions")
    response = http.get(ALICE, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.json() == {
        "statusCode": 403, "error": "Forbidden",
        "message": "Insufficient scope, expected any of: read:users,read:current_user,read:user_idp_tokens",
        "errorCode": "insufficient_scope",
    }


def test_session_revoke_needs_both_session_and_refresh_token_scopes(http: httpx.Client, emulator: Emulator) -> None:
    sid = emulator.tenant.user_sessions("auth0|alice")[0]["id"]
    token = fetch_token(http, scope="delete:sessions")
    response = http.post(f"/api/v2/sessions/{sid}/revoke", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and response.json()["errorCode"] == "insufficient_scope"
    assert sid in emulator.tenant.sessions


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"favourite_color": "blue"}, "Additional properties not allowed: favourite_color"),
        ({"user_metadata": {"a.b": 1}}, "a.b"),
        ({"user_metadata": {"nested": {"$set": 1}}}, "$set"),
        ({"user_metadata": "text"}, "Expected type object"),
        ({"name": 5}, "Expected type string but found type integer"),
        ({"connection": ""}, "String is too short (0 chars), minimum 1"),
        ({"app_metadata": {"email": "x"}}, "Reserved keys"),
        ({"email": "not-an-email"}, "format email"),
    ],
)
def test_invalid_patches_are_400_invalid_body_and_change_nothing(
    http: httpx.Client, auth: dict[str, str], emulator: Emulator, body: dict, fragment: str
) -> None:
    before = dict(emulator.user("auth0|alice"))
    response = http.patch(ALICE, json=body, headers=auth)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "invalid_body"
    assert fragment in response.json()["message"]
    assert emulator.user("auth0|alice") == before


def test_a_body_that_is_not_json_is_400(http: httpx.Client, auth: dict[str, str]) -> None:
    response = http.patch(ALICE, content=b"{nope", headers={**auth, "content-type": "application/json"})
    assert response.status_code == 400 and response.json()["errorCode"] == "invalid_body"


def test_a_profile_over_the_size_limit_is_refused(http: httpx.Client, auth: dict[str, str], emulator: Emulator) -> None:
    emulator.configure(profile_limit_bytes=10 * 1024)
    response = http.patch(ALICE, json={"user_metadata": {"bio": "x" * 11000}}, headers=auth)
    assert response.status_code == 400 and "too large" in response.json()["message"]
    assert "bio" not in emulator.user("auth0|alice")["user_metadata"]
    assert http.patch(ALICE, json={"user_metadata": {"bio": "x" * 9000}}, headers=auth).status_code == 200


def test_password_and_email_changes_are_refused_for_social_users(http: httpx.Client, auth: dict[str, str]) -> None:
    for body in ({"password": "Another-pass-1"}, {"email": "bob@elsewhere.example"}):
        response = http.patch("/api/v2/users/google-oauth2|bob", json=body, headers=auth)
        assert response.status_code == 400 and response.json()["errorCode"] == "operation_not_supported"


def test_a_database_users_password_change_records_the_reset(http: httpx.Client, auth: dict[str, str], emulator: Emulator) -> None:
    response = http.patch(ALICE, json={"password": "Another-pass-1", "connection": "Username-Password-Authentication"}, headers=auth)
    assert response.status_code == 200 and "last_password_reset" in response.json()
    assert emulator.tenant.passwords["auth0|alice"] == "Another-pass-1"
    assert "password" not in emulator.user("auth0|alice") and "connection" not in emulator.user("auth0|alice")


def test_changing_email_unverifies_it(http: httpx.Client, auth: dict[str, str]) -> None:
    response = http.patch(ALICE, json={"email": "alice@new.example"}, headers=auth)
    assert response.json()["email"] == "alice@new.example" and response.json()["email_verified"] is False


def test_wrong_method_is_405_and_unknown_path_404(http: httpx.Client, auth: dict[str, str]) -> None:
    assert http.put(ALICE, json={}, headers=auth).status_code == 405
    assert http.get("/api/v2/nothing-here", headers=auth).status_code == 404


def test_sessions_take_above_the_maximum_is_refused(http: httpx.Client, auth: dict[str, str]) -> None:
    response = http.get("/api/v2/users/auth0|carol/sessions", params={"take": 51}, headers=auth)
    assert response.status_code == 400 and response.json()["errorCode"] == "invalid_query_string"


def test_authentication_methods_without_totals_are_a_bare_array(http: httpx.Client, auth: dict[str, str]) -> None:
    response = http.get("/api/v2/users/auth0|alice/authentication-methods", params={"include_totals": "false"}, headers=auth)
    assert isinstance(response.json(), list) and response.json()[0]["type"] == "totp"

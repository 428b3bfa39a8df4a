"""``link_identity`` through auth0-python against the emulator's ``POST /users/{id}/identities``.

Both ways Auth0 takes the secondary (its ID token as ``link_with``, or provider + user_id), the
answer parsed by the SDK's own ``List[UserIdentity]``, and the refusals as the gateway's errors.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from selfservice.core.read_cache import ReadCache
from selfservice.emulator import Emulator
from selfservice.gateway import Identity, NotFound, Rejected

ALICE = "auth0|alice"
GOOGLE = "google-oauth2|alice"


@pytest.fixture
def demo(selfservice_emulator: Emulator) -> Emulator:
    selfservice_emulator.seed("demo")
    return selfservice_emulator


def id_token(emulator: Emulator, sub: str, aud: str = "selfservice-m2m", **claims: Any) -> str:
    now = int(time.time())
    return emulator.tenant.key.sign({"iss": "https://tenant.emulator.test/", "sub": sub, "aud": aud, "iat": now,
                                     "exp": now + 600, **claims})


def test_link_by_provider_and_id_returns_the_identities_primary_first(gateway: Any, demo: Emulator) -> None:
    identities = gateway.link_identity(ALICE, provider="google-oauth2", secondary_user_id="alice")

    assert [(i.provider, i.user_id) for i in identities] == [("auth0", "alice"), ("google-oauth2", "alice")]
    assert identities[1] == Identity(provider="google-oauth2", user_id="alice", connection="google-oauth2", is_social=True,
                                     profile_data=identities[1].profile_data)
    assert identities[1].profile_data["email"] == "alice@example.com"
    assert demo.user(GOOGLE) is None and demo.requests()[-1]["status"] == 201


def test_link_with_an_id_token_issued_to_the_calling_client(gateway: Any, demo: Emulator) -> None:
    identities = gateway.link_identity(ALICE, id_token=id_token(demo, "github|alice"))

    assert [i.provider for i in identities] == ["auth0", "github"]


@pytest.mark.parametrize(
    "token",
    [
        lambda e: id_token(e, GOOGLE, aud="selfservice-web"),  # aud is not the caller's azp
        lambda e: id_token(e, GOOGLE, exp=int(time.time()) - 5),
        lambda e: "not-a-jwt",
    ],
    ids=["other-client", "expired", "garbage"],
)
def test_a_bad_link_with_token_is_refused_with_400(gateway: Any, demo: Emulator, token: Any) -> None:
    with pytest.raises(Rejected) as refused:
        gateway.link_identity(ALICE, id_token=token(demo))
    assert refused.value.status == 400 and demo.user(GOOGLE) is not None
    assert len(demo.user(ALICE)["identities"]) == 1


def test_an_identity_linked_already_is_a_409_conflict_and_the_sdk_does_not_retry_it(gateway: Any, demo: Emulator) -> None:
    gateway.link_identity("auth0|carol", provider="google-oauth2", secondary_user_id="alice")
    demo.clear_requests()

    with pytest.raises(Rejected) as refused:
        gateway.link_identity(ALICE, provider="google-oauth2", secondary_user_id="alice")

    assert refused.value.status == 409 and demo.count("POST") == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"provider": "google-oauth2", "user_id": "nobody"}, 400),
        ({"provider": "auth0", "user_id": "alice"}, 400),  # itself
        ({"link_with": "x", "provider": "google-oauth2"}, 400),
        ({"provider": "google-oauth2"}, 400),
        ({"unknown": 1}, 400),
    ],
)
def test_the_emulator_refuses_bad_bodies_with_auth0_error_shapes(demo: Emulator, body: dict[str, Any], status: int) -> None:
    with httpx.Client(transport=demo.transport(), base_url="https://tenant.emulator.test") as client:
        token = client.post("/oauth/token", data={
            "grant_type": "client_credentials", "client_id": "selfservice-m2m", "client_secret": "selfservice-m2m-secret",
            "audience": "https://tenant.emulator.test/api/v2/"}).json()["access_token"]
        answer = client.post("/api/v2/users/auth0%7Calice/identities", json=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == status
    assert set(answer.json()) >= {"statusCode", "error", "message", "errorCode"}


def test_linking_to_an_unknown_primary_is_not_found(gateway: Any, demo: Emulator) -> None:
    with pytest.raises(NotFound):
        gateway.link_identity("auth0|nobody", provider="google-oauth2", secondary_user_id="alice")


def test_link_identity_takes_a_token_or_an_id_never_both_nor_neither(gateway: Any, demo: Emulator) -> None:
    for arguments in ({}, {"id_token": "t", "provider": "github", "secondary_user_id": "alice"}, {"provider": "github"}):
        with pytest.raises(ValueError):
            gateway.link_identity(ALICE, **arguments)
    assert demo.count() == 0


def test_the_read_cache_writes_the_answer_through_to_the_cached_user(gateway: Any, demo: Emulator) -> None:
    cache = ReadCache(gateway, ALICE)
    cache.get_user(ALICE)
    cache.link_identity(ALICE, provider="google-oauth2", secondary_user_id="alice")
    demo.clear_requests()

    again = ReadCache(type(gateway)(), ALICE)

    assert [i.provider for i in again.get_user(ALICE).identities] == ["auth0", "google-oauth2"]
    again.unlink_identity(ALICE, "google-oauth2", "alice")
    assert [i.provider for i in ReadCache(type(gateway)(), ALICE).get_user(ALICE).identities] == ["auth0"]
    assert demo.count("GET") == 0 and demo.count("DELETE") == 1


def test_a_linked_identity_signs_in_as_the_primary_user(demo: Emulator) -> None:
    demo.tenant.users[ALICE]["identities"].append(
        {"connection": "google-oauth2", "provider": "google-oauth2", "user_id": "alice", "isSocial": True,
         "profileData": {"email": "alice@example.com"}})
    del demo.tenant.users[GOOGLE]
    demo.start()
    query = {"client_id": "selfservice-web", "redirect_uri": "http://127.0.0.1:9/cb", "response_type": "code",
             "connection": "google-oauth2", "prompt": "login", "scope": "openid"}
    with httpx.Client(base_url=demo.url) as browser:
        form = browser.get("/authorize", params=query)
        answer = browser.post("/authorize", params=query, data={"email": "alice@example.com", "password": "demo-password"})
    assert "With <strong>google-oauth2</strong>" in form.text and answer.status_code == 302
    code = answer.headers["location"].split("code=", 1)[1].split("&", 1)[0]
    assert demo.tenant.codes[code]["user_id"] == ALICE
    newest = max(demo.tenant.user_sessions(ALICE), key=lambda s: s["created_at"])
    assert newest["authentication"]["methods"][0]["name"] == "federated"

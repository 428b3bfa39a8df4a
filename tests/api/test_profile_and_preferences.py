"""``me`` and ``me/preferences``: merge patches validated like the forms, ETags, 304 and 412."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from selfservice.emulator import Emulator
from selfservice.models import AuditEvent, PreferenceSchema
from tests.preferences.test_applied import SCHEMA

from .conftest import BASE, problem


def patch(client: Client, path: str, body: Any, **headers: Any) -> Any:
    return client.patch(f"{BASE}{path}", body, content_type="application/json", **headers)


def test_patch_me_changes_only_what_is_sent_and_clears_with_null(bearer: Callable[..., Client], api_tenant: Emulator) -> None:
    client = bearer("alice@example.com")
    client.get(f"{BASE}/me")
    api_tenant.clear_requests()

    response = patch(client, "/me", {"nickname": "al", "given_name": None})

    assert response.status_code == 200
    assert response.json()["nickname"] == "al" and response.json()["given_name"] is None
    assert api_tenant.user("auth0|alice")["nickname"] == "al" and "given_name" not in api_tenant.user("auth0|alice")
    assert api_tenant.count("GET", r"^/api/v2/users/") == 0 and api_tenant.count("PATCH", r"^/api/v2/users/") == 1
    event = AuditEvent.objects.get(action="profile.update", auth0_user_id="auth0|alice")
    assert sorted(event.details["fields"]) == ["given_name", "nickname"] and event.details["via"] == "api"


@pytest.mark.parametrize(
    ("body", "pointer", "detail"),
    [
        ({"picture": "http://example.com/a.png"}, "/picture", "Enter an https:// address."),
        ({"name": "x" * 151}, "/name", "Ensure this value has at most 150 characters"),
        ({"email": "a@b.example"}, "/email", "Extra inputs are not permitted"),
        ({"name": 5}, "/name", "Input should be a valid string"),
    ],
    ids=["http-picture", "too-long", "not-editable-here", "wrong-type"],
)
def test_patch_me_refusals_name_their_pointer_and_send_nothing(
    bearer: Callable[..., Client], api_tenant: Emulator, body: dict[str, Any], pointer: str, detail: str
) -> None:
    client = bearer("alice@example.com")
    api_tenant.clear_requests()

    response = patch(client, "/me", body)

    assert response.status_code == 422
    errors = problem(response)["errors"]
    assert errors[0]["pointer"] == pointer and detail in errors[0]["detail"]
    assert api_tenant.count("PATCH", r"^/api/v2/users/") == 0


def test_a_social_user_cannot_patch_provider_owned_attributes(bearer: Callable[..., Client], api_tenant: Emulator, auth0_user: Any) -> None:
    api_tenant.tenant.passwords["google-oauth2|bob"] = "demo-password"  # the emulator's form stands in for Google
    api_tenant.user("google-oauth2|bob")["identities"][0]["provider"] = "auth0"  # password-realm needs a database user
    client = bearer("bob@example.com")
    api_tenant.user("google-oauth2|bob")["identities"][0]["provider"] = "google-oauth2"

    response = patch(client, "/me", {"name": "Bobby"})

    assert response.status_code == 422 and problem(response)["errors"][0]["detail"].startswith("Managed by Google")


def test_get_me_answers_304_to_its_own_etag_and_says_how_old_the_data_is(bearer: Callable[..., Client]) -> None:
    client = bearer("alice@example.com")
    first = client.get(f"{BASE}/me")

    again = client.get(f"{BASE}/me", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304 and again["ETag"] == first["ETag"] and not again.content
    assert int(again["Age"]) >= 0


def test_stale_data_says_so(bearer: Callable[..., Client], api_tenant: Emulator, settings: Any) -> None:
    client = bearer("alice@example.com")
    client.get(f"{BASE}/me")
    settings.SELFSERVICE = {**settings.SELFSERVICE, "READ_CACHE_TTL": {"user": 0}}
    api_tenant.add_fault(path=r"^/api/v2/users/auth0\|alice$", method="GET", status=503)

    response = client.get(f"{BASE}/me")

    assert response.status_code == 200 and response["Selfservice-Stale"] == "true"


@pytest.fixture
def schema(db: None) -> PreferenceSchema:
    return PreferenceSchema.objects.create(name="api", version=1, schema=copy.deepcopy(SCHEMA), is_active=True)


def test_preferences_are_the_values_and_the_schema(bearer: Callable[..., Client], api_tenant: Emulator, schema: PreferenceSchema) -> None:
    api_tenant.user("auth0|alice")["user_metadata"] = {"language": "es", "undeclared": 1}

    body = bearer("alice@example.com").get(f"{BASE}/me/preferences").json()

    assert body["values"] == {"language": "es"} and list(body["schema"]["properties"]) == list(SCHEMA["properties"])


def test_patch_preferences_validates_like_the_form_and_protects_against_lost_updates(
    bearer: Callable[..., Client], api_tenant: Emulator, schema: PreferenceSchema
) -> None:
    client = bearer("alice@example.com")
    read = client.get(f"{BASE}/me/preferences")
    api_tenant.clear_requests()

    bad = patch(client, "/me/preferences", {"language": "klingon", "nope": 1})
    assert bad.status_code == 422
    assert {e["pointer"] for e in problem(bad)["errors"]} == {"/nope"}
    invalid = patch(client, "/me/preferences", {"language": "klingon"})
    assert invalid.status_code == 422 and problem(invalid)["errors"][0]["pointer"] == "/language"
    assert api_tenant.count("PATCH", r"^/api/v2/users/") == 0

    saved = patch(client, "/me/preferences", {"language": "es", "theme": None}, HTTP_IF_MATCH=read["ETag"])
    assert saved.status_code == 200 and saved.json()["values"]["language"] == "es"
    assert api_tenant.user("auth0|alice")["user_metadata"]["language"] == "es"

    stale = patch(client, "/me/preferences", {"language": "en"}, HTTP_IF_MATCH=read["ETag"])
    assert stale.status_code == 412 and problem(stale)["code"] == "changed"
    assert api_tenant.user("auth0|alice")["user_metadata"]["language"] == "es"
    fresh = patch(client, "/me/preferences", {"language": "en"}, HTTP_IF_MATCH=saved["ETag"])
    assert fresh.status_code == 200


def test_patch_preferences_without_a_schema_is_409(bearer: Callable[..., Client], api_tenant: Emulator) -> None:
    response = patch(bearer("alice@example.com"), "/me/preferences", {"language": "es"})
    assert response.status_code == 409 and problem(response)["code"] == "not_configured"


def test_auth0_busy_is_429_with_retry_after(bearer: Callable[..., Client], api_tenant: Emulator) -> None:
    client = bearer("alice@example.com")
    api_tenant.add_fault(path=r"^/api/v2/users/auth0\|alice$", method="GET", status=429,
                         headers={"x-ratelimit-reset": "9999999999"}, times=1)

    response = client.get(f"{BASE}/me")

    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert problem(response)["code"] == "upstream_busy"


@pytest.mark.usefixtures("one_minute_window")
def test_our_own_limit_is_429_before_any_upstream_call(bearer: Callable[..., Client], api_tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {**settings.SELFSERVICE.get("RATELIMIT", {}), "profile.update": "1/m"}}
    client = bearer("alice@example.com")
    assert patch(client, "/me", {"nickname": "a1"}).status_code == 200
    api_tenant.clear_requests()

    refused = patch(client, "/me", {"nickname": "a2"})

    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert problem(refused)["limit"] == "profile.update" and api_tenant.requests() == []


@pytest.mark.usefixtures("one_minute_window")
def test_a_bearer_caller_and_the_same_users_browser_share_the_read_limit(
    bearer: Callable[..., Client], logged_in_client: Client, settings: Any
) -> None:
    off = {"read.user": "2/m", "read.ip": None, "write.user": None, "write.ip": None}
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {**settings.SELFSERVICE.get("RATELIMIT", {}), **off}}
    api = bearer("alice@example.com")
    assert api.get(f"{BASE}/me").status_code == 200
    assert logged_in_client.get(reverse("selfservice:general")).status_code == 200  # Alice's browser

    refused = api.get(f"{BASE}/me")

    assert refused.status_code == 429 and problem(refused)["limit"] == "read.user"
    assert 1 <= int(refused["Retry-After"]) <= 60


@pytest.mark.parametrize("first", ["browser", "api"])
def test_a_bearer_caller_and_the_same_users_browser_share_each_change_limit(
    first: str, bearer: Callable[..., Client], logged_in_client: Client, api_tenant: Emulator, settings: Any
) -> None:
    from tests.profile.test_general import ALICE_FORM

    # An hour's window: two requests a moment apart cannot fall into two windows.
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {**settings.SELFSERVICE.get("RATELIMIT", {}),
                                                                  "profile.update": "1/h"}}
    api = bearer("alice@example.com")
    general = reverse("selfservice:general")

    def browser_saves() -> int:
        return int(logged_in_client.post(general, {**ALICE_FORM, "nickname": "From the browser"}).status_code)

    def api_saves() -> int:
        return int(patch(api, "/me", {"nickname": "From the app"}).status_code)

    saves = {"browser": browser_saves, "api": api_saves}
    assert saves[first]() in (200, 302)
    api_tenant.clear_requests()

    second = "api" if first == "browser" else "browser"
    assert saves[second]() == 429  # Alice's one change this hour was spent by her other client
    assert api_tenant.count("PATCH") == 0

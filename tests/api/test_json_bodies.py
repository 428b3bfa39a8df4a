"""Request bodies are JSON, said to be JSON, whose strings are Unicode text.

A lone surrogate is a 400, a body of another media type a 415 and one over Django's size limit a
413: none of them a 500, and none of them sends anything to Auth0 or writes an audit row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from selfservice.emulator import Emulator
from selfservice.models import AuditEvent

from .conftest import BASE, problem

LONE = [
    ("patch", "/me", '{"nickname": "al\\ud800"}'),
    ("patch", "/me", '{"\\udfff": "x"}'),  # a key
    ("patch", "/me/preferences", '{"theme": ["\\udc00"]}'),  # nested
    ("post", "/me/email", '{"email": "a\\uD800@new.example"}'),  # upper-case escape
]


@pytest.mark.parametrize(("method", "path", "body"), LONE, ids=["value", "key", "nested", "email"])
def test_a_lone_surrogate_is_refused_before_anything_is_sent(
    bearer: Callable[..., Client], api_tenant: Emulator, method: str, path: str, body: str
) -> None:
    client = bearer("carol@example.com")
    api_tenant.clear_requests()

    response = getattr(client, method)(f"{BASE}{path}", body, content_type="application/json")

    assert response.status_code == 400 and problem(response)["detail"] == "Cannot parse request body"
    assert api_tenant.requests() == [] and not AuditEvent.objects.exists()


def test_a_surrogate_pair_is_one_character_and_is_saved(bearer: Callable[..., Client], api_tenant: Emulator) -> None:
    client = bearer("alice@example.com")

    response = client.patch(f"{BASE}/me", '{"nickname": "al\\ud83d\\ude00"}', content_type="application/json")

    assert response.status_code == 200 and response.json()["nickname"] == "al\N{GRINNING FACE}"
    assert api_tenant.user("auth0|alice")["nickname"] == "al\N{GRINNING FACE}"


def test_an_escaped_backslash_before_u_d800_is_just_text(bearer: Callable[..., Client], api_tenant: Emulator) -> None:
    client = bearer("alice@example.com")

    response = client.patch(f"{BASE}/me", '{"nickname": "\\\\ud800"}', content_type="application/json")

    assert response.status_code == 200 and api_tenant.user("auth0|alice")["nickname"] == "\\ud800"


@pytest.mark.parametrize("media_type", ["text/plain", "application/x-www-form-urlencoded", "", "application/jsonx"])
def test_a_body_that_is_not_said_to_be_json_is_a_415(
    bearer: Callable[..., Client], api_tenant: Emulator, media_type: str
) -> None:
    client = bearer("alice@example.com")
    api_tenant.clear_requests()

    response = client.patch(f"{BASE}/me", '{"nickname": "Al"}', content_type=media_type)

    body = problem(response)
    assert response.status_code == 415 and body["code"] == "unsupported_media_type"
    assert response["Accept-Patch"] == "application/json, application/merge-patch+json"
    assert api_tenant.requests() == [] and not AuditEvent.objects.exists()
    assert api_tenant.user("auth0|alice")["nickname"] != "Al"


def test_a_post_of_another_media_type_is_a_415_without_accept_patch(
    bearer: Callable[..., Client], api_tenant: Emulator
) -> None:
    response = bearer("carol@example.com").post(f"{BASE}/me/email", '{"email": "c@new.example"}', content_type="text/plain")

    assert response.status_code == 415 and problem(response)["code"] == "unsupported_media_type"
    assert "Accept-Patch" not in response


@pytest.mark.parametrize("media_type", ["application/merge-patch+json", "Application/JSON; charset=utf-8"])
def test_json_media_types_with_parameters_or_suffix_are_read(
    bearer: Callable[..., Client], api_tenant: Emulator, media_type: str
) -> None:
    response = bearer("alice@example.com").patch(f"{BASE}/me", '{"nickname": "Al"}', content_type=media_type)

    assert response.status_code == 200 and api_tenant.user("auth0|alice")["nickname"] == "Al"


def test_a_body_over_the_sites_limit_is_a_413(bearer: Callable[..., Client], api_tenant: Emulator, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = bearer("alice@example.com")
    api_tenant.clear_requests()

    response = client.patch(f"{BASE}/me", '{"nickname": "' + "a" * 1000 + '"}', content_type="application/json")

    body = problem(response)
    assert response.status_code == 413 and body["code"] == "payload_too_large" and body["max_bytes"] == 1000
    assert api_tenant.requests() == [] and not AuditEvent.objects.exists()


@pytest.mark.parametrize("body", ['{"nickname": "x", "nickname": "y"}', '{"theme": "dark", "address": {"city": "a", "city": "b"}}'])
def test_an_object_with_a_name_twice_is_refused(bearer: Callable[..., Client], api_tenant: Emulator, body: str) -> None:
    client = bearer("alice@example.com")
    api_tenant.clear_requests()
    path = "/me" if "nickname" in body else "/me/preferences"

    response = client.patch(f"{BASE}{path}", body, content_type="application/json")

    assert response.status_code == 400 and problem(response)["code"] == "duplicate_name"
    assert api_tenant.requests() == [] and not AuditEvent.objects.exists()

"""Request bodies are JSON whose strings are Unicode text: a lone surrogate is a 400, not a 500."""

from __future__ import annotations

from collections.abc import Callable

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

"""The active preference schema is cached; saving or deleting a schema shows at once."""

from __future__ import annotations

import copy
from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from selfservice.emulator import Emulator
from selfservice.models import PreferenceSchema
from tests.conftest import ALICE
from tests.preferences.preferences_schema import FULL_SCHEMA

URL = reverse("selfservice:preferences")


def schema_with(title: str, version: int) -> PreferenceSchema:
    schema = copy.deepcopy(FULL_SCHEMA)
    schema["properties"]["handle"]["title"] = title
    return PreferenceSchema.objects.create(name="cached", version=version, schema=schema, is_active=True)


def test_a_new_active_schema_shows_at_once_although_the_old_one_was_cached(
    client_for: Callable[[str], Client], tenant: Emulator
) -> None:
    schema_with("First handle", 1)
    alice = client_for(ALICE)
    assert "First handle" in alice.get(URL).content.decode()

    schema_with("Second handle", 2)  # activating it deactivates the first

    page = alice.get(URL).content.decode()
    assert "Second handle" in page and "First handle" not in page


def test_deleting_the_active_schema_shows_the_empty_state_at_once(client_for: Callable[[str], Client], tenant: Emulator) -> None:
    schema = schema_with("Handle", 1)
    alice = client_for(ALICE)
    assert "Handle" in alice.get(URL).content.decode()

    schema.delete()

    assert 'name="handle"' not in alice.get(URL).content.decode()

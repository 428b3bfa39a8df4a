"""The active preference schema is cached; saving or deleting a schema shows at once."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from selfservice.conf import get_settings
from selfservice.emulator import Emulator
from selfservice.models import PreferenceSchema, active_schema_key
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


def field_names(html: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'<(?:input|select|textarea)[^>]* name="([a-z_]+)"', html)))


def test_the_cached_copy_gives_the_form_its_written_field_order_without_serialising_the_schema(
    client_for: Callable[[str], Client], tenant: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema_with("Handle", 1)
    alice = client_for(ALICE)
    first = field_names(alice.get(URL).content.decode())  # reads the schema, caches it with its JSON
    dumped: list[object] = []
    real_dumps = json.dumps

    def counting(value: object, *args: object, **kwargs: object) -> str:
        if isinstance(value, dict) and "properties" in value:
            dumped.append(value)
        return real_dumps(value, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(json, "dumps", counting)
    again = field_names(alice.get(URL).content.decode())

    assert dumped == []  # the schema's JSON came with the cached copy
    assert again == first
    shown = [key for key in dict.fromkeys(name.split("__")[0] for name in again) if key in FULL_SCHEMA["properties"]]
    assert len(shown) > 5 and shown == [key for key in FULL_SCHEMA["properties"] if key in shown]  # as written


def test_a_copy_cached_by_an_earlier_release_without_the_json_still_renders_the_same_form(
    client_for: Callable[[str], Client], tenant: Emulator
) -> None:
    schema_with("Handle", 1)
    alice = client_for(ALICE)
    before = field_names(alice.get(URL).content.decode())
    cache = caches[get_settings().cache_alias]
    cache.set(active_schema_key(), {"row": cache.get(active_schema_key())["row"]})  # the older shape

    assert field_names(alice.get(URL).content.decode()) == before

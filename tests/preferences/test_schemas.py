"""The preference schema: what can be stored (model, admin, command) and why not, with pointers."""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from selfservice.models import PreferenceSchema
from selfservice.preferences.schemas import FORMAT_CHECKER, schema_problems, validator_for
from tests.factories import UserFactory
from tests.preferences.preferences_schema import FULL_SCHEMA

DEMO_SCHEMA = Path(__file__).resolve().parents[2] / "demo_project" / "preference_schema.json"


def _with(prop: dict[str, Any], name: str = "x") -> dict[str, Any]:
    return {"type": "object", "properties": {name: prop}}


def messages(schema: Any) -> list[str]:
    return [f"{p.pointer}: {p.message}" for p in schema_problems(schema)]


def test_the_full_test_schema_and_the_demo_schema_are_renderable() -> None:
    assert schema_problems(FULL_SCHEMA) == []
    assert schema_problems(json.loads(DEMO_SCHEMA.read_text())) == []


@pytest.mark.parametrize(("schema", "expected"), [
    ([], "/: The schema must be a JSON object."),
    ({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {"a": {"type": "string"}}},
     "/$schema: Only draft 2020-12 is supported"),
    ({"type": "object", "properties": {"a": {"type": "strin"}}}, "/properties/a/type: Not a valid JSON Schema:"),
    ({"type": "array", "items": {"type": "string"}}, '/type: The root must be {"type": "object"}'),
    ({"type": "object", "properties": {}}, "/properties: Declare at least one property"),
    ({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"]}, '/required: "b" is required but not declared'),
    ({"type": "object", "properties": {"a": {"type": "string"}}, "patternProperties": {}}, '/patternProperties: "patternProperties" is not supported at the root'),
    (_with({"type": "string"}, "a.b"), '/properties/a.b: "a.b" cannot be a key'),
    (_with({"type": "string"}, "$a"), '/properties/$a: "$a" cannot be a key'),
    (_with({"type": "string"}, "a__b"), '/properties/a__b: "a__b" cannot be a key'),
    (_with({"type": "null"}), "/properties/x/type: Give one type of"),
    (_with({"type": ["string", "null"]}), "/properties/x/type: Give one type of"),
    (_with({"type": "string", "format": "ipv4"}), "/properties/x/format: Supported formats: email, uri, date."),
    (_with({"type": "string", "pattern": "(?<=a"}), "/properties/x/pattern:"),
    (_with({"type": "string", "if": {"minLength": 1}}), '/properties/x/if: "if" is not supported for a string field.'),
    (_with({"type": "integer", "minLength": 1}), '/properties/x/minLength: "minLength" is not supported for a integer field.'),
    (_with({"enum": [True, False]}), "/properties/x/enum: Choices must be strings or numbers"),
    (_with({"enum": ["1", 1]}), "/properties/x/enum: Choices must be distinct."),
    (_with({"oneOf": [{"type": "string"}]}), '/properties/x/oneOf: Each oneOf entry must be {"const": value, "title": label}.'),
    (_with({"enum": ["a"], "x-widget": "slider"}), '/properties/x/x-widget: Use "select" or "radios".'),
    (_with({"type": "array", "items": {"type": "string"}}), '/properties/x/items: Arrays must be of choices'),
    (_with({"type": "array", "items": {"enum": ["a"]}, "x-widget": "tags"}), '/properties/x/x-widget: Use "checkboxes" or "select".'),
    (_with({"type": "object", "properties": {"y": {"type": "object", "properties": {"z": {"type": "string"}}}}}),
     "/properties/x/properties/y: Objects can be nested one level deep only."),
    (_with({"type": "object", "properties": {}}), "/properties/x/properties: A nested object needs properties"),
    (_with({"type": "object", "properties": {"y": {"type": "string"}}, "required": ["z"]}), '/properties/x/required: "z" is required but not declared'),
    (_with({"type": "string", "maxLength": 2, "default": "abc"}), "/properties/x/default: The default is not valid"),
])
def test_a_schema_the_form_cannot_render_is_explained_with_a_json_pointer(schema: Any, expected: str) -> None:
    found = messages(schema)

    assert any(message.startswith(expected) for message in found), found


def test_every_problem_is_reported_at_once() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", "format": "ipv4"}, "b": {"enum": [None]}}}

    assert len(messages(schema)) == 2


def test_format_is_checked_at_submit_time_including_uri() -> None:
    validator = validator_for({"type": "object", "properties": {
        "e": {"type": "string", "format": "email"}, "u": {"type": "string", "format": "uri"}, "d": {"type": "string", "format": "date"},
    }})

    assert validator.is_valid({"e": "a@b.example", "u": "https://a.example/x", "d": "2024-02-29"})
    for bad in ({"e": "nobody"}, {"u": "not a uri"}, {"u": "/relative"}, {"d": "2023-02-29"}):
        assert not validator.is_valid(bad), bad
    assert "uri" in FORMAT_CHECKER.checkers


# -- the model ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_full_clean_refuses_an_invalid_schema_with_every_message() -> None:
    schema = PreferenceSchema(name="bad", schema=_with({"type": "string", "format": "ipv4", "if": {}}))

    with pytest.raises(ValidationError) as caught:
        schema.full_clean()

    assert caught.value.message_dict["schema"] == [
        '/properties/x/if: "if" is not supported for a string field.',
        "/properties/x/format: Supported formats: email, uri, date.",
    ]


@pytest.mark.django_db
def test_activating_a_schema_deactivates_the_others() -> None:
    first = PreferenceSchema.objects.create(name="p", version=1, schema=FULL_SCHEMA, is_active=True)
    second = PreferenceSchema.objects.create(name="p", version=2, schema=FULL_SCHEMA)
    second.full_clean()  # the one-active constraint does not block activating through a form

    second.activate()

    first.refresh_from_db()
    assert not first.is_active and PreferenceSchema.active() == second
    assert str(second) == "p v2" and len(second.fingerprint) == 16


@pytest.mark.django_db
def test_the_database_allows_one_active_schema_and_one_row_per_name_and_version() -> None:
    PreferenceSchema.objects.create(name="p", version=1, schema=FULL_SCHEMA, is_active=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        PreferenceSchema.objects.bulk_create([PreferenceSchema(name="q", version=1, schema=FULL_SCHEMA, is_active=True)])
    with pytest.raises(IntegrityError), transaction.atomic():
        PreferenceSchema.objects.create(name="p", version=1, schema=FULL_SCHEMA)


# -- the admin ----------------------------------------------------------------------------------


@pytest.fixture
def staff(client: Client, db: None) -> Client:
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_staff_see_the_schema_problems_in_the_admin_form_and_nothing_is_stored(staff: Client) -> None:
    bad = _with({"type": "string", "format": "ipv4"})

    response = staff.post(reverse("admin:selfservice_preferenceschema_add"), {
        "name": "broken", "version": "1", "is_active": "on", "schema": json.dumps(bad),
    })

    assert response.status_code == 200
    assert "/properties/x/format: Supported formats: email, uri, date." in response.content.decode()
    assert not PreferenceSchema.objects.exists()


def test_staff_add_and_activate_a_schema_in_the_admin(staff: Client) -> None:
    old = PreferenceSchema.objects.create(name="p", version=1, schema=FULL_SCHEMA, is_active=True)

    response = staff.post(reverse("admin:selfservice_preferenceschema_add"), {
        "name": "p", "version": "2", "is_active": "on", "schema": json.dumps(FULL_SCHEMA),
    })

    assert response.status_code == 302
    old.refresh_from_db()
    assert not old.is_active and PreferenceSchema.active().version == 2  # type: ignore[union-attr]
    changelist = reverse("admin:selfservice_preferenceschema_changelist")
    staff.post(changelist, {"action": "activate", "_selected_action": [old.pk]})
    assert PreferenceSchema.active() == old
    refused = staff.post(changelist, {"action": "activate", "_selected_action": list(PreferenceSchema.objects.values_list("pk", flat=True))}, follow=True)
    assert "Select exactly one schema to activate." in refused.content.decode()


# -- the command --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_loads_versions_and_activates(tmp_path: Path) -> None:
    out = StringIO()
    call_command("load_preference_schema", str(DEMO_SCHEMA), stdout=out)
    call_command("load_preference_schema", str(DEMO_SCHEMA), "--activate", stdout=out)

    rows = list(PreferenceSchema.objects.order_by("version").values_list("name", "version", "is_active"))
    assert rows == [("Account preferences", 1, False), ("Account preferences", 2, True)]
    assert "Stored Account preferences v2 (active)." in out.getvalue()
    other = tmp_path / "other.json"
    other.write_text(json.dumps(_with({"type": "boolean"})))
    call_command("load_preference_schema", str(other), "--name", "mine", stdout=out)
    assert PreferenceSchema.objects.filter(name="mine", version=1, is_active=False).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("content", "expected"), [
    ("{not json", "is not JSON"),
    (json.dumps(_with({"type": "string", "format": "ipv4"})), "  schema: /properties/x/format: Supported formats"),
])
def test_the_command_refuses_bad_files_and_stores_nothing(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "schema.json"
    path.write_text(content)

    with pytest.raises(CommandError) as caught:
        call_command("load_preference_schema", str(path))

    assert expected in str(caught.value)
    assert not PreferenceSchema.objects.exists()
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_preference_schema", str(tmp_path / "missing.json"))


def test_an_unchanged_schema_has_the_same_fingerprint() -> None:
    a = PreferenceSchema(schema=copy.deepcopy(FULL_SCHEMA))
    b = PreferenceSchema(schema=json.loads(json.dumps(FULL_SCHEMA, sort_keys=True)))

    assert a.fingerprint == b.fingerprint
    b.schema["title"] = "Other"
    assert a.fingerprint != b.fingerprint


@pytest.mark.django_db
def test_the_written_property_order_survives_a_database_that_sorts_keys() -> None:
    stored = PreferenceSchema.objects.create(name="p", schema=copy.deepcopy(FULL_SCHEMA))
    # What PostgreSQL's jsonb gives back: keys in its own order, not the written one.
    stored.schema = json.loads(json.dumps(stored.schema, sort_keys=True))

    ordered = stored.ordered_schema

    assert list(ordered["properties"]) == list(FULL_SCHEMA["properties"])
    assert list(ordered["properties"]["address"]["properties"]) == ["city", "postal_code", "country"]
    assert stored.fingerprint == PreferenceSchema(schema=FULL_SCHEMA).fingerprint

"""Schema patterns run on RE2: no ReDoS, a capped input, RE2-only syntax refused at save time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from selfservice.models import PreferenceSchema
from selfservice.preferences.schemas import schema_problems, validator_for
from tests.conftest import HTMX

from .test_preferences import form_data

URL = reverse("selfservice:preferences")
VALIDATE = reverse("selfservice:validate-preferences")
ROOT = Path(__file__).resolve().parents[2]
EVIL = "^(a+)+$"  # exponential on a backtracking engine: "a" * n + "!" takes ~2**n steps
ATTACK = "a" * 5000 + "!"
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "title": "Code", "pattern": EVIL},  # no maxLength: the default cap
        "long_code": {"type": "string", "title": "Long code", "pattern": EVIL, "maxLength": 10000},
        "note": {"type": "string", "title": "Note"},  # no pattern: no cap
    },
}


def _with(prop: dict[str, Any], name: str = "x") -> dict[str, Any]:
    return {"type": "object", "properties": {name: prop}}


def messages(schema: Any) -> list[str]:
    return [f"{p.pointer}: {p.message}" for p in schema_problems(schema)]


@pytest.fixture
def signed_in(logged_in_client: Client) -> Client:
    PreferenceSchema.objects.create(name="patterns", version=1, schema=SCHEMA, is_active=True)
    return logged_in_client


def validate(client: Client, field: str, value: str) -> str:
    data = {**form_data(client.get(URL)), field: value}
    response = client.post(VALIDATE, data, headers={**HTMX, "HX-Trigger-Name": field})
    assert response.status_code == 200
    return response.content.decode()


# -- the ReDoS case -------------------------------------------------------------------------------


def test_the_catastrophic_pattern_answers_at_once_on_re2() -> None:
    validator = validator_for({"type": "string", "pattern": EVIL, "maxLength": 10000})

    errors = [e.validator for e in validator.iter_errors(ATTACK)]

    assert errors == ["pattern"]  # matched (and refused), not skipped
    assert validator.is_valid("a" * 5000)
    assert not validator.is_valid("a" * 41 + "!")  # the input of the attack run


def test_inline_validation_of_the_attack_input_answers(signed_in: Client) -> None:
    assert "This value does not have the expected form." in validate(signed_in, "long_code", ATTACK)
    assert "Ensure this value has at most 1000 characters (it has 5001)." in validate(signed_in, "code", ATTACK)


def test_a_save_with_the_attack_input_is_refused_before_any_upstream_write(signed_in: Client) -> None:
    data = {**form_data(signed_in.get(URL)), "code": "a" * 41 + "!", "long_code": ATTACK}

    response = signed_in.post(URL, data)

    assert response.status_code == 422
    assert response.context["form"].errors == {
        "code": ["This value does not have the expected form."],
        "long_code": ["This value does not have the expected form."],
    }


WATCHDOG = textwrap.dedent(f"""
    import django
    django.setup()
    from selfservice.preferences.forms import build_form_class
    from selfservice.preferences.schemas import validator_for
    prop = {{"type": "string", "pattern": {EVIL!r}, "maxLength": 10000}}
    value = "a" * 5000 + "!"
    assert not validator_for(prop).is_valid(value)
    form = build_form_class({{"type": "object", "properties": {{"code": prop}}}})({{"code": value}})
    assert not form.is_valid() and form.errors["code"]
    print("finished")
""")


@pytest.mark.multiprocess
def test_the_attack_input_is_validated_within_a_watchdogs_timeout() -> None:
    # In another process, not a thread: Python's re holds the GIL for the whole match, so a
    # thread's join(timeout) could not return before the match does (minutes, or never).
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "tests.settings")}

    done = subprocess.run([sys.executable, "-c", WATCHDOG], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "finished"


# -- the length cap -------------------------------------------------------------------------------


def test_a_pattern_without_max_length_is_matched_against_1000_characters_at_most(signed_in: Client) -> None:
    html = signed_in.get(URL).content.decode()
    assert 'name="code" maxlength="1000"' in html and 'name="long_code" maxlength="10000"' in html
    assert 'name="note" maxlength' not in html  # no pattern, nothing to cap

    assert "selfservice-error" not in validate(signed_in, "code", "a" * 1000)
    assert "Ensure this value has at most 1000 characters (it has 1001)." in validate(signed_in, "code", "a" * 1001)
    assert "selfservice-error" not in validate(signed_in, "note", "a" * 5000 + "!")


def test_jsonschema_refuses_an_over_long_value_as_too_long_without_matching_it() -> None:
    capped = [(e.validator, e.validator_value) for e in validator_for({"type": "string", "pattern": EVIL}).iter_errors(ATTACK)]
    own = [(e.validator, e.validator_value) for e in validator_for({"type": "string", "pattern": EVIL, "maxLength": 20}).iter_errors(ATTACK)]

    assert capped == [("maxLength", 1000)]
    assert own == [("maxLength", 20)]  # reported once, by the schema's own maxLength
    assert not validator_for({"type": "string", "pattern": "a"}).is_valid("a" * 1001)


# -- semantics: JSON Schema's (ECMA-262), which RE2 shares ----------------------------------------


@pytest.mark.parametrize(("pattern", "good", "bad"), [
    ("[0-9]", ["1", "ab1c", "x9"], ["abc", ""]),  # unanchored: a search
    ("^[a-z]+$", ["abc"], ["abc1", "1abc", "abc\n"]),  # anchored; "$" is the end of the text
    (r"^\d+$", ["0123"], ["١٢٣", "12a"]),  # \d is ASCII, as in ECMA-262 (Python's re: any digit)
    (r"^\w+$", ["a_1"], ["été", "a-b"]),  # \w too
    (r"^\p{L}+$", ["été", "Ωmega"], ["a1"]),  # Unicode classes are spelled out
    (r"^caf\u00e9$", ["café"], ["cafe"]),  # ECMA's \uXXXX escape
    (r"^\u{1F600}.$", ["\U0001F600x"], ["\U0001F600"]),  # and \u{...}; "." is one code point
    (r"^a\\u0041$", ["a\\u0041"], ["aA"]),  # an escaped backslash stays one
    ("(?i)^abc$", ["ABC"], ["abd"]),
])
def test_patterns_keep_json_schema_semantics(pattern: str, good: list[str], bad: list[str]) -> None:
    assert schema_problems(_with({"type": "string", "pattern": pattern})) == []
    validator = validator_for({"type": "string", "pattern": pattern})

    assert [v for v in good if not validator.is_valid(v)] == []
    assert [v for v in bad if validator.is_valid(v)] == []


def test_every_regex_keyword_and_format_runs_on_re2() -> None:
    names = validator_for({"type": "object", "propertyNames": {"pattern": EVIL}})
    by_pattern = validator_for({"type": "object", "patternProperties": {"^n_": {"type": "integer"}}, "additionalProperties": False})
    regex = validator_for({"type": "string", "format": "regex"})

    assert not names.is_valid({"a" * 41 + "!": 1}) and names.is_valid({"aaa": 1})
    assert by_pattern.is_valid({"n_a": 1}) and not by_pattern.is_valid({"n_a": "x"}) and not by_pattern.is_valid({"m": 1})
    assert regex.is_valid("^[a-z]+$") and not regex.is_valid("(?=a)")  # Python's re would accept it


# -- refused at save time -------------------------------------------------------------------------

LOOKAROUND = "rewrite it without backreferences or lookaround."


@pytest.mark.parametrize(("pattern", "reason", "hint"), [
    ("^(?=.*[0-9]).+$", "lookahead is not supported", LOOKAROUND),
    ("^(?!admin).+$", "negative lookahead is not supported", LOOKAROUND),
    ("(?<=@)[a-z]+", "lookbehind is not supported", LOOKAROUND),
    ("(?<!x)y", "negative lookbehind is not supported", LOOKAROUND),
    (r"^(a)\1$", "backreferences are not supported", LOOKAROUND),
    (r"^(?<c>a)\k<c>$", "named backreferences are not supported", LOOKAROUND),
    ("(?P<c>a)(?P=c)", "named backreferences are not supported", LOOKAROUND),
    ("(?>ab)", "atomic groups are not supported", "rewrite it with plain groups and quantifiers (RE2 never backtracks)."),
    ("a++", "possessive quantifiers are not supported", "rewrite it with plain groups and quantifiers (RE2 never backtracks)."),
    ("a{1001}", "invalid repetition size: {1001}", "keep each count at 1000 or less (nested counts multiplied), the smaller bound first."),
    ("[a-", "missing ]: [a-", "check its syntax."),
])
def test_a_pattern_re2_cannot_run_is_refused_with_its_pointer_and_a_hint(pattern: str, reason: str, hint: str) -> None:
    assert messages(_with({"type": "string", "pattern": pattern})) == [
        f"/properties/x/pattern: RE2 cannot run this pattern ({reason}): {hint}"
    ]


def test_refused_patterns_are_found_anywhere_once_each() -> None:
    nested = _with({"type": "object", "properties": {"code": {"type": "string", "pattern": "(?=a)", "default": "a"}}}, "address")
    extra = {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "string", "pattern": r"(x)\1"}}
    in_items = _with({"type": "array", "items": {"enum": ["a"], "pattern": "(?=a)"}})

    assert messages(nested) == [f"/properties/address/properties/code/pattern: RE2 cannot run this pattern (lookahead is not supported): {LOOKAROUND}"]
    assert messages(extra) == [f"/additionalProperties/pattern: RE2 cannot run this pattern (backreferences are not supported): {LOOKAROUND}"]
    assert messages(in_items) == ['/properties/x/items/pattern: "pattern" is not supported in items.']


@pytest.mark.django_db
def test_full_clean_refuses_a_lookahead_with_its_pointer() -> None:
    schema = PreferenceSchema(name="bad", schema=_with({"type": "string", "pattern": "^(?=.*[0-9]).+$"}, "pin"))

    with pytest.raises(ValidationError) as caught:
        schema.full_clean()

    assert caught.value.message_dict["schema"] == [
        f"/properties/pin/pattern: RE2 cannot run this pattern (lookahead is not supported): {LOOKAROUND}"
    ]


@pytest.mark.django_db
def test_the_command_refuses_a_backreference_and_stores_nothing(tmp_path: Path) -> None:
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(_with({"type": "string", "pattern": r"^(\w)\1$"}, "double")))

    with pytest.raises(CommandError) as caught:
        call_command("load_preference_schema", str(path))

    assert "  schema: /properties/double/pattern: RE2 cannot run this pattern (backreferences are not supported)" in str(caught.value)
    assert not PreferenceSchema.objects.exists()


def test_an_active_schema_with_a_pattern_re2_cannot_run_is_not_rendered(logged_in_client: Client, caplog: Any) -> None:
    PreferenceSchema.objects.bulk_create([  # around the checks, like a data migration could
        PreferenceSchema(name="old", version=1, schema=_with({"type": "string", "pattern": "(?=a)"}), is_active=True),
    ])

    response = logged_in_client.post(VALIDATE, {"x": "a"}, headers={**HTMX, "HX-Trigger-Name": "x"})

    assert response.status_code == 204
    assert "Preferences are not configured yet." in logged_in_client.get(URL).content.decode()
    assert "cannot be rendered" in caplog.text

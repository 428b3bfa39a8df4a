"""The JSON Schema subset the Preferences form can render, and how it is checked.

A :class:`~selfservice.models.PreferenceSchema` holds a JSON Schema (draft 2020-12). Before it
is saved it must pass two checks, both here:

1. :func:`schema_problems` -- the draft 2020-12 meta-schema (``check_schema``), then the
   *renderable subset*: every construct must be one the form builder turns into a field, so a
   schema that cannot become a form is refused when staff save it, never when a user opens the
   tab. Each problem names its place with a JSON pointer (``/properties/theme/enum``).
2. At submit time, :func:`document_errors` validates the user's values with ``jsonschema``
   against the stored schema, with :data:`FORMAT_CHECKER` (``format`` is only an annotation
   unless a checker is passed).

Every ``pattern`` runs on RE2, never on Python's backtracking ``re``
(:mod:`selfservice.preferences.patterns`): :func:`validator_for` swaps jsonschema's
regex-using keywords for RE2 ones, the ``"regex"`` format is checked with RE2, and
:func:`schema_problems` refuses a pattern RE2 cannot run wherever it appears in the schema.

The subset (docs/preferences.md has examples): a root ``object`` with ``properties`` and
``required``; per property ``type`` ``string`` (``minLength``, ``maxLength``, ``pattern``,
``format`` email/uri/date), ``integer``/``number`` (``minimum``, ``maximum``,
``exclusiveMinimum``, ``exclusiveMaximum``, ``multipleOf``), ``boolean``, ``enum`` (or
``oneOf`` of ``{"const", "title"}`` for labelled choices), ``array`` of enum (``minItems``,
``maxItems``, ``uniqueItems``), and ``object`` one level deep (a fieldset); plus ``title``,
``description``, ``default``, ``readOnly`` and ``x-widget`` (``select``/``radios`` for enums,
``checkboxes``/``select`` for arrays).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import SchemaError
from jsonschema.protocols import Validator

from selfservice.preferences.annotations import annotation_problems
from selfservice.preferences.patterns import (
    additional_properties_keyword,
    is_regex,
    pattern_keyword,
    pattern_problem,
    pattern_properties_keyword,
)

__all__ = [
    "DRAFT_2020_12",
    "FORMAT_CHECKER",
    "KEY",
    "SchemaProblem",
    "apply_order",
    "document_errors",
    "fingerprint",
    "pointer",
    "property_kind",
    "property_order",
    "schema_problems",
    "validator_for",
]

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
# Property names the form can use as field names and Auth0 accepts as metadata keys (no "." or
# "$"); "__" is reserved for nested fields (address__city).
KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
FORMATS = ("email", "uri", "date")
ANNOTATIONS = {"title", "description", "default", "readOnly", "$comment", "examples", "deprecated"}
ROOT_KEYWORDS = {"$schema", "$id", "type", "properties", "required", "additionalProperties", "title", "description", "$comment"}
KEYWORDS = {
    "string": {"minLength", "maxLength", "pattern", "format"},
    "integer": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"},
    "number": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"},
    "boolean": set(),
    "enum": {"enum", "oneOf", "anyOf", "x-widget"},
    "array": {"items", "minItems", "maxItems", "uniqueItems", "x-widget"},
    "object": {"properties", "required", "additionalProperties"},
}
WIDGETS = {"enum": ("select", "radios"), "array": ("checkboxes", "select")}


def _is_uri(value: object) -> bool:
    # RFC 3986 absolute URI: a scheme, then no spaces or control characters. jsonschema checks
    # "uri" only with optional packages installed, so the app brings its own, always on.
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]+", value):
        return False
    try:
        urlsplit(value)
    except ValueError:
        return False
    return True


def _format_checker(*, regex: bool) -> FormatChecker:
    checker = FormatChecker(["email", "date"])
    checker.checks("uri")(_is_uri)
    if regex:  # on RE2: jsonschema's own "regex" check compiles the value with Python's re
        checker.checks("regex")(is_regex)
    return checker


FORMAT_CHECKER = _format_checker(regex=True)
# For check_schema: the meta-schema's ``"format": "regex"`` (on pattern, patternProperties) is
# left to schema_problems, which says what RE2 cannot run and how to rewrite it.
_SCHEMA_FORMAT_CHECKER = _format_checker(regex=False)

# Draft 2020-12 with every keyword that matches a regex on RE2 (jsonschema calls re.search).
# ``unevaluatedProperties`` also reads patternProperties with re; the subset refuses both.
_RE2Validator = validators.extend(Draft202012Validator, {
    "pattern": pattern_keyword,
    "patternProperties": pattern_properties_keyword,
    "additionalProperties": additional_properties_keyword,
})


class SchemaProblem(ValueError):
    """One reason a schema cannot be stored: ``pointer`` (RFC 6901) and ``message``."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(f"{pointer or '/'}: {message}")
        self.pointer = pointer or "/"
        self.message = message


def pointer(*parts: str | int) -> str:
    """JSON pointer for ``parts`` (``~`` and ``/`` escaped as RFC 6901 says)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def validator_for(schema: Mapping[str, Any]) -> Validator:
    """A draft 2020-12 validator that checks ``format`` (email, uri, date) and runs patterns on RE2.

    RE2 matches in linear time, and each pattern sees at most the property's ``maxLength``
    (default :data:`~selfservice.preferences.patterns.PATTERN_INPUT_LIMIT`) characters: a
    user's input cannot make a pattern backtrack for minutes.
    """
    validator: Validator = _RE2Validator(schema, format_checker=FORMAT_CHECKER)
    return validator


def fingerprint(schema: Any) -> str:
    """A short hash of the schema's canonical JSON: changes whenever the schema does."""
    canonical = json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def property_order(schema: Any) -> dict[str, list[str]]:
    """``{"": top-level property names, "<object>": its member names}``, as written."""
    order: dict[str, list[str]] = {}
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return order
    order[""] = list(properties)
    for name, prop in properties.items():
        if isinstance(prop, dict) and isinstance(prop.get("properties"), dict):
            order[name] = list(prop["properties"])
    return order


def apply_order(schema: Any, order: Mapping[str, list[str]]) -> Any:
    """``schema`` with its properties re-ordered by ``order`` (unknown names keep their place, last)."""
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict) or not order:
        return schema

    def ordered(properties: dict[str, Any], names: list[str]) -> dict[str, Any]:
        rank = {name: i for i, name in enumerate(names)}
        return dict(sorted(properties.items(), key=lambda item: rank.get(item[0], len(rank))))

    props = ordered(schema["properties"], order.get("", []))
    for name, prop in props.items():
        if isinstance(prop, dict) and isinstance(prop.get("properties"), dict) and name in order:
            props[name] = {**prop, "properties": ordered(prop["properties"], order[name])}
    return {**schema, "properties": props}


def property_kind(prop: Mapping[str, Any]) -> str:
    """``string``/``integer``/``number``/``boolean``/``enum``/``array``/``object``."""
    if "enum" in prop or "oneOf" in prop or "anyOf" in prop:
        return "enum"
    return str(prop.get("type"))


def enum_options(prop: Mapping[str, Any]) -> list[tuple[Any, str | None]]:
    """``[(value, title or None)]`` of an enum property (``enum`` or ``oneOf`` of consts)."""
    if "enum" in prop:
        return [(value, None) for value in prop["enum"]]
    return [(item.get("const"), item.get("title")) for item in prop.get("oneOf") or prop.get("anyOf") or []]


def schema_problems(schema: Any) -> list[SchemaProblem]:
    """Every reason ``schema`` cannot drive the form (empty list: it can)."""
    if not isinstance(schema, dict):
        return [SchemaProblem("/", "The schema must be a JSON object.")]
    declared = schema.get("$schema")
    if declared is not None and declared != DRAFT_2020_12:
        return [SchemaProblem("/$schema", f'Only draft 2020-12 is supported: use "{DRAFT_2020_12}".')]
    try:
        Draft202012Validator.check_schema(schema, format_checker=_SCHEMA_FORMAT_CHECKER)
    except SchemaError as error:
        return [SchemaProblem(pointer(*error.absolute_path), f"Not a valid JSON Schema: {error.message}")]
    problems = list(_root_problems(schema))
    problems += [SchemaProblem(pointer(*place), message) for place, message in annotation_problems(schema)]
    # Patterns anywhere (additionalProperties may hold a schema the subset does not inspect),
    # except under a place already refused for another reason: one message per mistake.
    reported = [p.pointer for p in problems]
    for place, patrn in _every_pattern(schema, ()):
        here, problem = pointer(*place), pattern_problem(patrn)
        if problem and not any(here == r or here.startswith(r + "/") for r in reported):
            problems.append(SchemaProblem(here, problem))
    return problems


# Draft 2020-12 keywords holding one subschema, a map of them, a list of them.
_ONE_SCHEMA = (
    "additionalProperties", "items", "contains", "propertyNames", "not", "if", "then", "else",
    "unevaluatedItems", "unevaluatedProperties",
)
_SCHEMA_MAP = ("properties", "patternProperties", "$defs", "dependentSchemas")
_SCHEMA_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")


def _every_pattern(schema: Any, at: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """``(place, pattern)`` of every ``pattern`` and ``patternProperties`` name in ``schema``."""
    if not isinstance(schema, dict):
        return
    if "pattern" in schema:
        yield (*at, "pattern"), schema["pattern"]
    for key in _ONE_SCHEMA:
        if key in schema:
            yield from _every_pattern(schema[key], (*at, key))
    for key in _SCHEMA_MAP:
        members = schema.get(key)
        for name, sub in members.items() if isinstance(members, dict) else ():
            if key == "patternProperties":
                yield (*at, key, name), name
            yield from _every_pattern(sub, (*at, key, name))
    for key in _SCHEMA_LIST:
        items = schema.get(key)
        for i, sub in enumerate(items) if isinstance(items, list) else ():
            yield from _every_pattern(sub, (*at, key, i))


def _root_problems(schema: dict[str, Any]) -> Iterator[SchemaProblem]:
    if schema.get("type") != "object":
        yield SchemaProblem("/type", 'The root must be {"type": "object"}: user_metadata is an object.')
    for key in sorted(set(schema) - ROOT_KEYWORDS):
        if not key.startswith("x-"):
            yield SchemaProblem(pointer(key), f'"{key}" is not supported at the root (the form cannot enforce it).')
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not properties:
        yield SchemaProblem("/properties", "Declare at least one property: each one becomes a form field.")
        return
    yield from _required_problems(schema, ())
    for name, prop in properties.items():
        yield from _property_problems(name, prop, ("properties", name), nested=False)


def _required_problems(schema: Mapping[str, Any], at: tuple[str, ...]) -> Iterator[SchemaProblem]:
    for name in schema.get("required") or []:
        if name not in (schema.get("properties") or {}):
            yield SchemaProblem(pointer(*at, "required"), f'"{name}" is required but not declared in properties.')


def _property_problems(name: str, prop: Any, at: tuple[str, ...], *, nested: bool) -> Iterator[SchemaProblem]:
    problems = list(_shape_problems(name, prop, at, nested=nested))
    yield from problems
    # The default is checked only against a property that passed: a refused construct would
    # only add a misleading message, and validating with it could run it (a pattern RE2 refused).
    if not problems and isinstance(prop, dict) and "default" in prop and not validator_for(prop).is_valid(prop["default"]):
        yield SchemaProblem(pointer(*at, "default"), "The default is not valid for this field's own schema.")


def _shape_problems(name: str, prop: Any, at: tuple[str, ...], *, nested: bool) -> Iterator[SchemaProblem]:
    here = pointer(*at)
    if not KEY.fullmatch(name) or "__" in name:
        yield SchemaProblem(here, f'"{name}" cannot be a key: use letters, digits, "_" and "-", start with a letter, no "__".')
    if not isinstance(prop, dict):
        yield SchemaProblem(here, "A property must be a schema object.")
        return
    kind = property_kind(prop)
    if kind not in KEYWORDS:
        types = "string, integer, number, boolean, array, object"
        yield SchemaProblem(pointer(*at, "type"), f"Give one type of: {types} (or an enum).")
        return
    allowed = ANNOTATIONS | {"type"} | KEYWORDS[kind]
    for key in sorted(set(prop) - allowed):
        if not (key.startswith("x-") and key != "x-widget"):
            yield SchemaProblem(pointer(*at, key), f'"{key}" is not supported for a {kind} field.')
    if kind == "enum":
        yield from _enum_problems(prop, at)
    elif kind == "string" and "format" in prop and prop["format"] not in FORMATS:
        yield SchemaProblem(pointer(*at, "format"), f'Supported formats: {", ".join(FORMATS)}.')
    elif kind == "string" and "pattern" in prop:
        problem = pattern_problem(prop["pattern"])
        if problem:
            yield SchemaProblem(pointer(*at, "pattern"), problem)
    elif kind == "array":
        yield from _array_problems(prop, at)
    elif kind == "object":
        if nested:
            yield SchemaProblem(here, "Objects can be nested one level deep only.")
            return
        members = prop.get("properties")
        if not isinstance(members, dict) or not members:
            yield SchemaProblem(pointer(*at, "properties"), "A nested object needs properties (its fields).")
            return
        yield from _required_problems(prop, at)
        for member, sub in members.items():
            yield from _property_problems(member, sub, (*at, "properties", member), nested=True)


def _enum_problems(prop: Mapping[str, Any], at: tuple[str, ...]) -> Iterator[SchemaProblem]:
    where = "enum" if "enum" in prop else ("oneOf" if "oneOf" in prop else "anyOf")
    if where != "enum" and not all(isinstance(i, dict) and "const" in i and set(i) <= {"const", "title", "description"} for i in prop[where]):
        yield SchemaProblem(pointer(*at, where), f'Each {where} entry must be {{"const": value, "title": label}}.')
        return
    values = [value for value, _title in enum_options(prop)]
    if not values:
        yield SchemaProblem(pointer(*at, where), "List at least one choice.")
    if not all(isinstance(v, str) or (isinstance(v, int | float) and not isinstance(v, bool)) for v in values):
        yield SchemaProblem(pointer(*at, where), "Choices must be strings or numbers (not null, booleans, arrays or objects).")
    elif len({str(v) for v in values}) != len(values):
        yield SchemaProblem(pointer(*at, where), "Choices must be distinct.")
    widget = prop.get("x-widget", "select")
    if widget not in WIDGETS["enum"]:
        yield SchemaProblem(pointer(*at, "x-widget"), 'Use "select" or "radios".')


def _array_problems(prop: Mapping[str, Any], at: tuple[str, ...]) -> Iterator[SchemaProblem]:
    items = prop.get("items")
    if not isinstance(items, dict) or property_kind(items) != "enum":
        yield SchemaProblem(pointer(*at, "items"), 'Arrays must be of choices: "items": {"enum": [...]} (or oneOf consts).')
    else:
        allowed = {"type", "enum", "oneOf", "anyOf", "title", "description"}
        for key in sorted(set(items) - allowed):
            yield SchemaProblem(pointer(*at, "items", key), f'"{key}" is not supported in items.')
        yield from (p for p in _enum_problems({k: v for k, v in items.items() if k != "x-widget"}, (*at, "items")))
    if prop.get("x-widget", "checkboxes") not in WIDGETS["array"]:
        yield SchemaProblem(pointer(*at, "x-widget"), 'Use "checkboxes" or "select".')


def document_errors(schema: Mapping[str, Any], document: Mapping[str, Any]) -> list[tuple[str | None, str, Any]]:
    """Validate ``document`` with jsonschema: ``[(field name or None, keyword, error)]``.

    The field name is the form's (``address__city`` for a nested member); ``None`` when the
    error belongs to no single field. Sorted by path, so the first error per field is the
    most specific one.
    """
    found = []
    for error in sorted(validator_for(schema).iter_errors(dict(document)), key=lambda e: list(map(str, e.path))):
        path = [str(p) for p in error.absolute_path]
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [n for n in error.validator_value if n not in error.instance]
            path = [*path, *missing[:1]]
        field = "__".join(path[:2]) if len(path) >= 2 and _is_object(schema, path[0]) else (path[0] if path else None)
        found.append((field, str(error.validator), error))
    return found


def _is_object(schema: Mapping[str, Any], name: str) -> bool:
    prop = (schema.get("properties") or {}).get(name)
    return isinstance(prop, dict) and property_kind(prop) == "object"

"""Schema ``pattern`` s on RE2: linear-time matching, a length cap, save-time refusals.

A preference schema's ``pattern`` is matched against what users type, and inline validation
(``preferences/validate/``) runs on every change with no rate limit. Python's ``re``
backtracks and holds the GIL: ``^(a+)+$`` against 41 characters froze a whole worker for over
ten minutes. RE2 (``google-re2``) matches in time linear in the input and never backtracks, so
every schema pattern runs here, on RE2, and nowhere else:

* :func:`pattern_keyword` / :func:`pattern_properties_keyword` /
  :func:`additional_properties_keyword` replace jsonschema's keywords of the same names
  (which call ``re.search``) in :func:`selfservice.preferences.schemas.validator_for`;
* :func:`is_regex` replaces jsonschema's ``"regex"`` format check (``re.compile``);
* :func:`pattern_problem` tells ``schema_problems`` why RE2 cannot run a pattern (lookaround,
  backreferences, ...), so such a schema is refused when staff save it.

Before matching, the input is capped (:func:`input_limit`): the property's ``maxLength``, or
:data:`PATTERN_INPUT_LIMIT` characters when it has none. Linear time is only cheap for a
bounded input; a longer value is refused as too long and never reaches the matcher.

JSON Schema patterns are ECMA-262 regular expressions, searched (not anchored). RE2 agrees
with ECMA-262 where Python's ``re`` does not: ``\\d``, ``\\w`` and ``\\b`` are ASCII, ``$``
is the end of the text (Python's also matches before a final newline). ECMA's ``\\uXXXX`` and
``\\u{X...}`` escapes, which RE2 spells ``\\x{...}``, are translated before compiling.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

import re2
from jsonschema.exceptions import ValidationError

__all__ = [
    "PATTERN_INPUT_LIMIT",
    "PatternError",
    "additional_properties_keyword",
    "compile_pattern",
    "input_limit",
    "is_regex",
    "pattern_keyword",
    "pattern_problem",
    "pattern_properties_keyword",
]

#: The most characters a pattern is matched against when the property sets no ``maxLength``.
PATTERN_INPUT_LIMIT = 1000

_LOOKAROUND = "rewrite it without backreferences or lookaround"
_NO_BACKTRACKING = "rewrite it with plain groups and quantifiers (RE2 never backtracks)"
# RE2's error text (its start) -> what people are told: the reason and how to fix it.
_REASONS: tuple[tuple[str, str, str], ...] = (
    ("invalid perl operator: (?=", "lookahead is not supported", _LOOKAROUND),
    ("invalid perl operator: (?!", "negative lookahead is not supported", _LOOKAROUND),
    ("invalid perl operator: (?<=", "lookbehind is not supported", _LOOKAROUND),
    ("invalid perl operator: (?<!", "negative lookbehind is not supported", _LOOKAROUND),
    ("invalid perl operator: (?P", "named backreferences are not supported", _LOOKAROUND),
    ("invalid escape sequence: \\k", "named backreferences are not supported", _LOOKAROUND),
    *((f"invalid escape sequence: \\{d}", "backreferences are not supported", _LOOKAROUND) for d in "123456789"),
    ("invalid perl operator: (?>", "atomic groups are not supported", _NO_BACKTRACKING),
    ("bad repetition operator: ", "possessive quantifiers are not supported", _NO_BACKTRACKING),
    ("invalid repetition size", "", "keep each count at 1000 or less (nested counts multiplied), the smaller bound first"),
    ("pattern too large", "it is too large to compile", "simplify it or lower its repetition counts"),
)


class PatternError(ValueError):
    """RE2 cannot compile a pattern; the message says why and how to rewrite it."""


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # the error is raised (and shown to staff); no stderr noise per try
    return options


_OPTIONS = _options()
# A backslash and the character after it, so "\\u0041" (an escaped backslash) stays as it is.
_ESCAPE = re2.compile(r"\\(u[0-9A-Fa-f]{4}|u\{[0-9A-Fa-f]{1,6}\}|.)", _OPTIONS)


def _ecma_escape(match: Any) -> str:
    escape = str(match.group(1))
    if escape.startswith("u{"):
        return f"\\x{{{escape[2:-1]}}}"
    if escape.startswith("u") and len(escape) == 5:
        return f"\\x{{{escape[1:]}}}"
    return f"\\{escape}"


def _explain(error: Exception) -> str:
    text = error.args[0] if error.args else str(error)
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    for start, reason, hint in _REASONS:
        if text.startswith(start):
            return f"RE2 cannot run this pattern ({reason or text}): {hint}."
    return f"RE2 cannot run this pattern ({text}): check its syntax."


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> Any:
    """The compiled RE2 regexp of a schema ``pattern``; :class:`PatternError` when RE2 cannot run it.

    Cached: inline validation compiles the same few patterns on every request.
    """
    try:
        return re2.compile(_ESCAPE.sub(_ecma_escape, pattern), _OPTIONS)
    except re2.error as error:
        raise PatternError(_explain(error)) from None


def pattern_problem(pattern: Any) -> str | None:
    """Why ``pattern`` cannot be a schema pattern (``None``: RE2 runs it)."""
    if not isinstance(pattern, str):
        return "A pattern must be a string."
    try:
        compile_pattern(pattern)
    except PatternError as error:
        return str(error)
    return None


def input_limit(schema: Mapping[str, Any]) -> int:
    """The most characters ``schema``'s pattern is matched against: its ``maxLength``, else the default."""
    limit = schema.get("maxLength")
    if isinstance(limit, int | float) and not isinstance(limit, bool) and limit >= 0:
        return int(limit)
    return PATTERN_INPUT_LIMIT


def is_regex(instance: object) -> bool:
    """``format: "regex"``: a pattern RE2 can run (jsonschema's own check compiles with ``re``)."""
    return not isinstance(instance, str) or pattern_problem(instance) is None


def _search(pattern: str, text: str) -> bool:
    return compile_pattern(pattern).search(text) is not None


def pattern_keyword(validator: Any, patrn: str, instance: Any, schema: Mapping[str, Any]) -> Iterator[ValidationError]:
    """jsonschema's ``pattern`` on RE2: an unanchored search of an input no longer than :func:`input_limit`.

    An over-long value is reported as a ``maxLength`` error (the cap is the field's effective
    maximum; the form's field says "Ensure this value has at most N characters") unless the
    schema's own ``maxLength`` already reports it; either way it is never matched.
    """
    if not validator.is_type(instance, "string"):
        return
    limit = input_limit(schema)
    if len(instance) > limit:
        if "maxLength" not in schema:
            yield ValidationError(
                f"{instance[:40]!r}... is longer than {limit} characters, the most a pattern is matched against",
                validator="maxLength", validator_value=limit,
            )
        return
    try:
        matched = _search(patrn, instance)
    except PatternError as error:  # stored around schema_problems: refuse the value, do not crash
        yield ValidationError(f"{patrn!r} cannot be run: {error}")
        return
    if not matched:
        yield ValidationError(f"{instance!r} does not match {patrn!r}")


def _matches_any(patterns: Any, key: str) -> bool:
    # Property names are capped like values; an over-long name matches no pattern.
    return len(key) <= PATTERN_INPUT_LIMIT and any(pattern_problem(p) is None and _search(p, key) for p in patterns)


def pattern_properties_keyword(validator: Any, patterns: Mapping[str, Any], instance: Any, schema: Mapping[str, Any]) -> Iterator[ValidationError]:
    """jsonschema's ``patternProperties`` on RE2 (outside the form's subset; complete for ``validator_for``)."""
    if not validator.is_type(instance, "object"):
        return
    for patrn, subschema in patterns.items():
        problem = pattern_problem(patrn)
        if problem is not None:  # stored around schema_problems: refuse, do not crash
            yield ValidationError(f"{patrn!r} cannot be run: {problem}")
            continue
        for key, value in instance.items():
            if _matches_any((patrn,), key):
                yield from validator.descend(value, subschema, path=key, schema_path=patrn)


def additional_properties_keyword(validator: Any, extra: Any, instance: Any, schema: Mapping[str, Any]) -> Iterator[ValidationError]:
    """jsonschema's ``additionalProperties``, with ``patternProperties`` matched on RE2 (jsonschema uses ``re``)."""
    if not validator.is_type(instance, "object"):
        return
    declared = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    extras = [key for key in instance if key not in declared and not _matches_any(patterns, key)]
    if validator.is_type(extra, "object"):
        for key in extras:
            yield from validator.descend(instance[key], extra, path=key)
    elif extra is False and extras:
        names = ", ".join(repr(key) for key in sorted(extras, key=str))
        verb = "was" if len(extras) == 1 else "were"
        yield ValidationError(f"Additional properties are not allowed ({names} {verb} unexpected)")

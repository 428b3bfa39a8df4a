"""The ``x-applies`` annotation: a schema property that is the user's language, time zone or theme.

Kept apart from :mod:`~selfservice.preferences.applied` (which activates the values, and needs
the models) so that checking a schema (:mod:`~selfservice.preferences.schemas`, used by the
models) imports nothing back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["ANNOTATION", "ROLES", "annotation_problems", "roles"]

ANNOTATION = "x-applies"
ROLES = ("language", "time_zone", "theme")


def roles(schema: Mapping[str, Any] | None) -> dict[str, str]:
    """``{role: property name}`` for the schema's well-formed ``x-applies`` annotations."""
    found: dict[str, str] = {}
    properties = (schema or {}).get("properties")
    for name, prop in properties.items() if isinstance(properties, Mapping) else ():
        role = prop.get(ANNOTATION) if isinstance(prop, Mapping) else None
        if role in ROLES and role not in found and prop.get("type") == "string":
            found[str(role)] = str(name)
    return found


def annotation_problems(schema: Mapping[str, Any]) -> Iterator[tuple[tuple[str, ...], str]]:
    """``(place, message)`` for each misused ``x-applies`` (``schema_problems`` reports them)."""
    seen: dict[str, str] = {}
    properties = schema.get("properties")
    for name, prop in properties.items() if isinstance(properties, Mapping) else ():
        if not isinstance(prop, Mapping) or ANNOTATION not in prop:
            continue
        at = ("properties", str(name), ANNOTATION)
        role = prop[ANNOTATION]
        if role not in ROLES:
            yield at, f'"{ANNOTATION}" must be one of {", ".join(ROLES)}.'
        elif prop.get("type") != "string":
            yield at, f'A property that applies as the {role} must be {{"type": "string"}}.'
        elif role in seen:
            yield at, f'Only one property can apply as the {role}; "{seen[role]}" already does.'
        else:
            seen[str(role)] = str(name)

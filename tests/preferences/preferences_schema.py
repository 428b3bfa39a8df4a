"""A preference schema that uses every construct the form builder supports (tests share it)."""

from __future__ import annotations

from typing import Any

FULL_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Test preferences",
    "type": "object",
    "properties": {
        "handle": {
            "type": "string", "title": "Public handle", "description": "Lower-case letters only.",
            "minLength": 2, "maxLength": 12, "pattern": "^[a-z]+$",
        },
        "contact_email": {"type": "string", "format": "email", "title": "Contact email"},
        "website": {"type": "string", "format": "uri", "title": "Website"},
        "birthday": {"type": "string", "format": "date", "title": "Birthday"},
        "language": {
            "type": "string", "title": "Language", "default": "en",
            "oneOf": [{"const": "en", "title": "English"}, {"const": "es", "title": "Spanish"}, {"const": "de", "title": "German"}],
        },
        "theme": {"type": "string", "title": "Theme", "enum": ["light", "dark"], "x-widget": "radios"},
        "items_per_page": {"type": "integer", "title": "Items per page", "minimum": 10, "maximum": 100, "multipleOf": 5},
        "ratio": {"type": "number", "title": "Ratio", "exclusiveMinimum": 0, "maximum": 1},
        "newsletter": {"type": "boolean", "title": "Newsletter", "default": False},
        "channels": {
            "type": "array", "title": "Channels", "uniqueItems": True, "maxItems": 2,
            "items": {"type": "string", "oneOf": [{"const": "email", "title": "Email"}, {"const": "sms", "title": "SMS"}, {"const": "push", "title": "Push"}]},
        },
        "topics": {"type": "array", "title": "Topics", "x-widget": "select", "minItems": 1, "items": {"enum": ["news", "tips"]}},
        "member_id": {"type": "string", "title": "Member number", "readOnly": True},
        "address": {
            "type": "object", "title": "Postal address", "description": "For invoices.",
            "properties": {
                "city": {"type": "string", "title": "City", "maxLength": 40},
                "postal_code": {"type": "string", "title": "Postal code", "pattern": "^[0-9]{5}$"},
                "country": {"type": "string", "title": "Country", "enum": ["ES", "DE"]},
            },
            "required": ["city", "country"],
        },
    },
    "required": ["language"],
}

# What the seeded user holds: valid for FULL_SCHEMA, plus a key the schema does not declare.
METADATA: dict[str, Any] = {
    "handle": "dana",
    "language": "es",
    "theme": "dark",
    "items_per_page": 25,
    "newsletter": True,
    "channels": ["email"],
    "birthday": "1990-04-01",
    "member_id": "M-1",
    "address": {"city": "Madrid", "postal_code": "28013", "country": "ES"},
    "favourite_attack": "roundhouse_kick",
}

"""Request bodies: JSON, said to be JSON, with unique names, whose every string is Unicode text.

A body is read only when it says it is JSON (``application/json`` or a ``+json`` type such as
``application/merge-patch+json``). Anything else is a 415 :class:`ApiProblem`: a client that
sends a form or ``text/plain`` learns what to send instead of having its bytes guessed at, and a
cross-site form (which can send only those types) is refused by what it is, before the CSRF
check has to.

JSON's grammar admits a lone surrogate escape such as ``"\\ud800"``, and ``json.loads`` turns it
into a ``str`` that cannot be encoded as UTF-8. Such a value passed every check of the
operation and then failed where it was written out (Auth0's request body, an audit row, the
cache): a 500 for what is bad input. :class:`TextJSONParser` refuses it at the door, where
django-ninja answers a body it cannot parse with 400, before any limit is counted or anything is
sent upstream. A valid pair (``"\\ud83d\\ude00"``, an emoji) is one character and passes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser

from selfservice.api.problems import ApiProblem

__all__ = ["JSON_TYPES", "NotText", "TextJSONParser", "is_json"]

JSON_TYPES = "application/json, application/merge-patch+json"

# Only a body holding a \uD800-\uDFFF escape can decode to a lone surrogate: raw bytes that are
# not UTF-8 already fail json.loads. The walk below decides; this only skips it for the rest.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class NotText(ValueError):
    """A string in the body holds a lone surrogate: not Unicode text."""


class TextJSONParser(Parser):
    """django-ninja's JSON parser, refusing strings (keys included) that are not Unicode text."""

    def parse_body(self, request: HttpRequest) -> Any:
        if not is_json(request.content_type or ""):
            raise ApiProblem(
                415, "Send the body as JSON, with Content-Type: application/json.",
                code="unsupported_media_type", headers={"Accept-Patch": JSON_TYPES} if request.method == "PATCH" else None,
            )
        data = json.loads(request.body, object_pairs_hook=_unique_names)
        if _SURROGATE_ESCAPE.search(request.body):
            _refuse_lone_surrogates(data)
        return data


def _unique_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose names are unique (I-JSON, RFC 7493): ``{"a": 1, "a": 2}`` is refused.

    ``json.loads`` keeps the last value; a proxy, a log or another parser in front of the site
    may keep the first. The body would mean one thing where it is checked and another here.
    """
    data = dict(pairs)
    if len(data) != len(pairs):
        raise ApiProblem(400, "An object in the body has the same name twice.", code="duplicate_name")
    return data


def is_json(media_type: str) -> bool:
    """``application/json`` or ``application/<anything>+json``, in any case (RFC 6839)."""
    media_type = media_type.strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def _refuse_lone_surrogates(data: Any) -> None:
    pending = [data]
    while pending:  # a loop, not recursion: json.loads nests deeper than Python's stack allows
        value = pending.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise NotText("a string holds a lone surrogate") from None
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)

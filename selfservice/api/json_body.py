"""Request bodies: JSON whose every string is Unicode text.

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

__all__ = ["NotText", "TextJSONParser"]

# Only a body holding a \uD800-\uDFFF escape can decode to a lone surrogate: raw bytes that are
# not UTF-8 already fail json.loads. The walk below decides; this only skips it for the rest.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class NotText(ValueError):
    """A string in the body holds a lone surrogate: not Unicode text."""


class TextJSONParser(Parser):
    """django-ninja's JSON parser, refusing strings (keys included) that are not Unicode text."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body)
        if _SURROGATE_ESCAPE.search(request.body):
            _refuse_lone_surrogates(data)
        return data


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

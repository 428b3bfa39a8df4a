"""Auth0's offset pagination (``page``, ``per_page``, ``include_totals``), shared by list endpoints.

Without ``include_totals=true`` Auth0 answers a **bare JSON array**; with it, an object holding
the page under the endpoint's key plus ``start`` and ``limit`` (and ``total``). Code written
against node-auth0 v4 relies on the array: it calls ``.find`` on the answer (auth0-facts.md
§4.2, §9b). Checkpoint-paginated lists (sessions) are objects always and do not use this.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from selfservice.emulator.errors import invalid_query
from selfservice.emulator.http import Request, Response, json_response

MAX_PER_PAGE = 50  # the public-cloud maximum of every offset-paginated endpoint the app uses


def _int_arg(request: Request, name: str, default: int) -> int:
    value = request.arg(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise invalid_query("Expected type integer", name) from None


def include_totals(request: Request) -> bool:
    """``include_totals`` as Auth0 reads it: ``false`` unless sent as ``true``."""
    value = (request.arg("include_totals") or "false").lower()
    if value not in ("true", "false"):
        raise invalid_query(f"Expected type boolean but found type string: {value}", "include_totals")
    return value == "true"


def offset_page(request: Request, max_per_page: int = MAX_PER_PAGE) -> tuple[int, int]:
    """``(start, per_page)`` of the requested page; Auth0's 400 for values out of range."""
    page = _int_arg(request, "page", 0)
    per_page = _int_arg(request, "per_page", max_per_page)
    if page < 0 or not 1 <= per_page <= max_per_page:
        raise invalid_query(f"per_page must be between 1 and {max_per_page}; page must not be negative")
    return page * per_page, per_page


def offset_response(
    request: Request, key: str, items: Sequence[dict[str, Any]], *, total_when_empty: bool = True
) -> Response:
    """One page of ``items``: a bare array, or ``{key: [...], start, limit, total}``.

    ``total_when_empty=False``: an empty page carries no ``total`` key, as a real tenant answers
    for authentication methods (auth0-facts.md §4.2).
    """
    start, per_page = offset_page(request)
    page = list(items[start : start + per_page])
    if not include_totals(request):
        return json_response(page)
    body: dict[str, Any] = {key: page, "start": start, "limit": per_page}
    if page or total_when_empty:
        body["total"] = len(items)
    return json_response(body)

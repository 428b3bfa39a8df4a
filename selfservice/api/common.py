"""What every operation shares: its start (:func:`begin`), gateway errors as problems
(:func:`upstream`), the caller's read cache, JSON answers with ETags."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse

from selfservice.api import limits
from selfservice.api.auth import Caller, caller_of, require_recent_login, require_scope
from selfservice.api.problems import from_gateway
from selfservice.core.read_cache import ReadCache
from selfservice.gateway import GatewayError, get_gateway

__all__ = ["begin", "etag_of", "gateway_for", "json_answer", "matches", "upstream"]


def gateway_for(request: HttpRequest, caller: Caller) -> ReadCache:
    """The caller's gateway through the shared read cache (``?refresh=1`` on a GET reads again)."""
    refresh = request.method == "GET" and request.GET.get("refresh") == "1"
    return ReadCache(get_gateway(), caller.auth0_user_id, refresh=refresh)


def etag_of(data: Any) -> str:
    """A strong ETag of the JSON ``data`` (its canonical form)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder).encode()
    return '"' + hashlib.sha256(canonical).hexdigest()[:32] + '"'


def matches(header: str | None, etag: str) -> bool:
    """Whether an If-None-Match / If-Match header names ``etag`` (or ``*``); weak tags compare too."""
    if not header:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


def json_answer(request: HttpRequest, data: Any, *, status: int = 200, gateway: ReadCache | None = None,
                headers: Mapping[str, str] | None = None) -> HttpResponse:
    """JSON; a GET gets an ETag and 304 for a matching ``If-None-Match``; cached data its age.

    ``Age`` says how old the data from the read cache is; ``Selfservice-Stale: true`` that it
    is past its TTL because Auth0 could not be asked (busy, down): shown, but not fresh.
    """
    etag = etag_of(data) if request.method == "GET" else None
    if etag and matches(request.headers.get("If-None-Match"), etag):
        response = HttpResponse(status=304)
    else:
        body = json.dumps(data, cls=DjangoJSONEncoder)
        response = HttpResponse(body, status=status, content_type="application/json")
    if etag:
        response["ETag"] = etag
    if gateway is not None and gateway.served:
        response["Age"] = str(max(served.age for served in gateway.served.values()))
        if gateway.stale_age is not None:
            response["Selfservice-Stale"] = "true"
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Authorization, Cookie"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def begin(request: HttpRequest, scope: str, limit: str | None = None, *, step_up: str | None = None) -> tuple[Caller, ReadCache]:
    """Every operation's start: who calls, their scope, the rate limits, step-up; then their gateway.

    Raises the problem (403 scope, 429 limit, 401 step-up) before anything is read upstream.
    """
    caller = caller_of(request)
    require_scope(caller, scope)
    limits.check(request, caller, limit)
    if step_up:
        require_recent_login(request, caller, step_up)
    return caller, gateway_for(request, caller)


@contextlib.contextmanager
def upstream() -> Iterator[None]:
    """A gateway error inside the block is answered as its problem (429, 503, 404 ...)."""
    try:
        yield
    except GatewayError as error:
        raise from_gateway(error) from error

"""The pages' rate limits, for API callers: per Auth0 user and per client IP.

Every operation counts against ``read.user``/``read.ip`` (GET) or ``write.user``/``write.ip``
(everything else; ``core.request_counters``, keyed by the Auth0 user id, so a bearer caller and
the same user's browser share them), and a mutation also against its own named limit
(``profile.update``, ``email.change`` ...) and that limit's ``.ip`` twin when one is set
(``core.ratelimits.count``: the same counters the pages count for that user and address).
Over a limit: 429 with ``Retry-After``, before any upstream call.
"""

from __future__ import annotations

from django.http import HttpRequest

from selfservice.api.auth import Caller
from selfservice.api.problems import ApiProblem
from selfservice.core import ratelimits
from selfservice.core.request_counters import request_limit

__all__ = ["check"]


def check(request: HttpRequest, caller: Caller, name: str | None = None) -> None:
    """Count this request; raise 429 for the first limit it is over (every counter still counts)."""
    over: tuple[str, int] | None = request_limit(request, caller.auth0_user_id)  # read.* or write.*, as the pages
    named = ratelimits.count(request, name, caller.auth0_user_id) if name else None
    over = over or named
    if over is not None:
        limit, wait = over
        raise ApiProblem(429, f"Too many requests ({limit}); try again in {wait} s.", code="throttled",
                         headers={"Retry-After": str(wait)}, extra={"retry_after": wait, "limit": limit})

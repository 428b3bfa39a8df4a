"""The pages' rate limits, for API callers: per Auth0 user and per client IP.

Every operation counts against ``read.user``/``read.ip`` (GET) or ``write.user``/``write.ip``
(everything else; ``core.request_counters``, keyed by the Auth0 user id, so a bearer caller and
the same user's browser share them), and a mutation also against its own named limit
(``profile.update``, ``email.change`` ...) and that limit's ``.ip`` twin when one is set
(django-ratelimit, keyed by the Auth0 user id here and by the Django user on the pages).
Over a limit: 429 with ``Retry-After``, before any upstream call.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_ratelimit import ALL
from django_ratelimit.core import get_usage, is_ratelimited

from selfservice.api.auth import Caller
from selfservice.api.problems import ApiProblem
from selfservice.core.ratelimits import GROUP_PREFIX, client_ip, rate_for
from selfservice.core.request_counters import request_limit

__all__ = ["check"]


def check(request: HttpRequest, caller: Caller, name: str | None = None) -> None:
    """Count this request; raise 429 for the first limit it is over (every counter still counts)."""
    over: tuple[str, int] | None = request_limit(request, caller.auth0_user_id)  # read.* or write.*, as the pages
    for limit, scope in ([(name, "user"), (f"{name}.ip", "ip")] if name else []):
        if rate_for(limit) is None:
            continue
        subject = caller.auth0_user_id if scope == "user" else client_ip(request)
        group = GROUP_PREFIX + limit
        if is_ratelimited(request, group=group, key=lambda _g, _r, s=subject: s, rate=_rate, method=ALL,
                          increment=True) and over is None:
            usage = get_usage(request, group=group, key=lambda _g, _r, s=subject: s, rate=_rate, method=ALL,
                              increment=False)
            left = usage.get("time_left", -1) if usage else -1
            over = (limit, max(int(left), 1) if left >= 0 else 60)
    if over is not None:
        limit, wait = over
        raise ApiProblem(429, f"Too many requests ({limit}); try again in {wait} s.", code="throttled",
                         headers={"Retry-After": str(wait)}, extra={"retry_after": wait, "limit": limit})


def _rate(group: str, request: HttpRequest) -> str | None:
    return rate_for(group.removeprefix(GROUP_PREFIX))

"""Per-user and per-IP counts of account page and API requests (``read.*``, ``write.*``): one
cache round trip per counter.

Why not django-ratelimit here (it still counts the named change limits, see ``ratelimits``):
its counter first *adds* the window's key and increments it when the add is refused, so every
request after a window's first costs two round trips per counter. These counters run on every
page view and API call, twice (the user and the address): incrementing first and adding only
when the window's key does not exist yet makes that one round trip per counter (django-redis
increments in one; Django's own ``RedisCache`` checks the key first, so two there).

Fixed windows per rate period, as django-ratelimit's; a request over a limit still counts. The
subject is hashed into the key (addresses and user ids hold characters some caches refuse).
Counters live in django-ratelimit's cache (``RATELIMIT_USE_CACHE``, default ``"default"``)
under its key prefix (``RATELIMIT_CACHE_PREFIX``), so deployments configure one place.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

from selfservice.core.ratelimits import client_ip, rate_for

__all__ = ["count", "over_request_limit", "rate_period", "request_limit"]

#: django-ratelimit's rate syntax (checked by ``selfservice.E0xx``): count / optional multiplier + unit.
_RATE = re.compile(r"([0-9]+)/([0-9]*)([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: Seconds a window's key outlives the window (clocks of several hosts differ a little).
_GRACE = 5


@lru_cache(maxsize=64)
def rate_period(rate: str) -> tuple[int, int]:
    """``"3000/m"`` -> (3000, 60); ``"100/5m"`` -> (100, 300). ValueError for anything else."""
    match = _RATE.fullmatch(rate)
    if match is None:
        raise ValueError(f"not a rate: {rate!r}")
    allowed, multiplier, unit = match.groups()
    return int(allowed), int(multiplier or 1) * _UNITS[unit]


def count(name: str, subject: str, rate: str, now: float | None = None) -> int | None:
    """Count one request of ``subject`` against limit ``name`` at ``rate``.

    Returns None while within the limit, else the seconds until the window ends (at least 1).
    """
    allowed, period = rate_period(rate)
    now = time.time() if now is None else now
    window = int(now // period)
    digest = hashlib.md5(f"{name}\0{subject}".encode(), usedforsecurity=False).hexdigest()
    key = f"{getattr(settings, 'RATELIMIT_CACHE_PREFIX', 'rl:')}selfservice.request:{digest}:{period}:{window}"
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    try:
        used = cache.incr(key)
    except ValueError:  # the window's first request (the Django cache API's "no such key"),
        # unless another request added the key meanwhile
        used = 1 if cache.add(key, 1, period + _GRACE) else cache.incr(key)
    if used <= allowed:
        return None
    return max(math.ceil((window + 1) * period - now), 1)


def over_request_limit(kind: str, user: str, address: str) -> tuple[str, int] | None:
    """Count a request (``kind``: ``"read"`` or ``"write"``) of ``user`` from ``address``.

    Every configured counter counts; returns ``(limit name, seconds to wait)`` for the first
    one over, else None.
    """
    over: tuple[str, int] | None = None
    for scope, subject in (("user", user), ("ip", address)):
        name = f"{kind}.{scope}"
        rate = rate_for(name)
        if rate is None:
            continue
        wait = count(name, subject, rate)
        if wait is not None and over is None:
            over = (name, wait)
    return over


def request_limit(request: HttpRequest, auth0_user_id: str | None) -> tuple[str, int] | None:
    """Count an account page request: reads (GET, HEAD) against ``read.*``, the rest ``write.*``.

    The user is the Auth0 user id, so the pages and the API (same id) share one counter; a
    signed-in user with no Auth0 account is counted by their Django id.
    """
    kind = "read" if request.method in ("GET", "HEAD") else "write"
    user = auth0_user_id or f"django:{request.user.pk}"
    return over_request_limit(kind, user, client_ip(request))

"""Fixed-window counters in Django's cache, one round trip per count: every limit the account counts.

Why not django-ratelimit's counter: it first *adds* the window's key and increments it when
the add is refused, so every request after a window's first costs two round trips per counter.
Counting runs on every page view and API call (``request_counters``: the user and the address)
and on every change (``ratelimits``): incrementing first and adding only when the window's key
does not exist yet makes that one round trip (django-redis increments in one; Django's own
``RedisCache`` checks the key first, so two there).

Windows are whole periods of the clock (a ``/m`` window is a minute of the clock on every host),
so a test can start well inside one. A request over a limit still counts. The subject is hashed
into the key (addresses and user ids hold characters some caches refuse). The counters use
django-ratelimit's settings: its cache (``RATELIMIT_USE_CACHE``, default ``"default"``), its key
prefix (``RATELIMIT_CACHE_PREFIX``) and its switch (``RATELIMIT_ENABLE = False`` counts nothing),
so deployments configure one place.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from functools import lru_cache

from django.conf import settings

from selfservice.core.shared_cache import shared_cache

__all__ = ["count", "rate_period"]

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
    """Count one use by ``subject`` against limit ``name`` at ``rate``.

    Returns None while within the limit, else the seconds until the window ends (at least 1).
    """
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return None
    allowed, period = rate_period(rate)
    now = time.time() if now is None else now
    window = int(now // period)
    digest = hashlib.md5(f"{name}\0{subject}".encode(), usedforsecurity=False).hexdigest()
    key = f"{getattr(settings, 'RATELIMIT_CACHE_PREFIX', 'rl:')}selfservice.count:{digest}:{period}:{window}"
    cache = shared_cache(getattr(settings, "RATELIMIT_USE_CACHE", "default"))
    try:
        used = cache.incr(key)
    except ValueError:  # the window's first request (the Django cache API's "no such key"),
        # unless another request added the key meanwhile
        used = 1 if cache.add(key, 1, period + _GRACE) else cache.incr(key)
    if used <= allowed:
        return None
    return max(math.ceil((window + 1) * period - now), 1)

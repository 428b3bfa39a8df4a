"""The Management API budget, shared by every worker on every host through Django's cache.

Auth0 limits a tenant, not a process (auth0-facts.md §6.3): a page that calls Auth0 whenever
it likes fails first under that limit. So, below the SDK, on the one ``httpx.Client``
(:func:`selfservice.gateway.transport.build_http_client` installs the two hooks):

- :func:`before_request` runs before every Management API request. It refuses the call (raises
  :class:`UpstreamRateLimited` without sending anything) while Auth0 said the call's bucket, or
  the tenant's global bucket, is empty, and while the site's own budget
  (``SELFSERVICE["MANAGEMENT_BUDGET"]``) for it is spent. A caller that has nothing to show
  instead (a cold read) may wait a bounded time for budget: :func:`waiting`.
- :func:`after_response` reads Auth0's ``x-ratelimit-limit/remaining/reset`` after every
  Management answer. A 429, or ``remaining`` at 0, stops every worker from calling that bucket
  until Auth0 can take the next call.

Buckets follow Auth0's plans: ``users.read`` (GET a user or the user list), ``users.write``
(create, update or delete a user) and ``other`` (sessions, authentication methods, guardian,
tickets, jobs, a user's sub-resources), plus ``global``, checked first (the Free and Enterprise
plans limit the whole API). The token endpoint and JWKS are not Management calls.

The site's budget is spent in fixed windows of ``window`` seconds holding ``limit`` calls each,
with ``limit`` at most half of Auth0's burst (see :class:`selfservice.conf.BudgetRule`): two
windows back to back can never exceed the burst, and the sustained rate is the plan's.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import math
import re
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from selfservice.core.shared_cache import SharedCache, shared_cache

from .errors import UpstreamRateLimited, header_number, wait_from_headers

if TYPE_CHECKING:
    import httpx

    from selfservice.conf import BudgetRule, SelfServiceSettings

__all__ = ["BUCKETS", "after_response", "before_request", "bucket_for", "counters", "waiting"]

logger = logging.getLogger("selfservice.gateway.budget")

BUCKETS = ("global", "users.read", "users.write", "other")
_USER_OBJECT = re.compile(r"^/api/v2/users(?:/[^/]+)?/?$")
# Auth0's 429 body when the tenant-wide bucket refused (auth0-facts.md §6.1).
_GLOBAL_MESSAGE = re.compile(r"global limit", re.IGNORECASE)
#: How long a refused caller sleeps between looks at the budget while it may wait.
POLL_INTERVAL = 0.05

_deadline: contextvars.ContextVar[float] = contextvars.ContextVar("selfservice_budget_deadline", default=0.0)


def bucket_for(method: str, path: str) -> str | None:
    """The Auth0 bucket of a request, or None when it is not a Management API call."""
    path = unquote(path)
    if not path.startswith("/api/v2/"):
        return None
    if _USER_OBJECT.match(path):
        return "users.read" if method.upper() in ("GET", "HEAD") else "users.write"
    return "other"


@contextlib.contextmanager
def waiting(seconds: float) -> Iterator[None]:
    """Within this block a refused Management call waits up to ``seconds`` (in all) for budget.

    For reads that have no cached copy to show instead; writes never wait (they answer "try
    again in N s" at once, with the typed input kept).
    """
    token = _deadline.set(time.monotonic() + max(float(seconds), 0.0) if seconds > 0 else 0.0)
    try:
        yield
    finally:
        _deadline.reset(token)


def before_request(settings: SelfServiceSettings, request: httpx.Request) -> None:
    """httpx request hook: refuse (or delay, see :func:`waiting`) a call the tenant cannot take."""
    bucket = bucket_for(request.method, request.url.path)
    if bucket is None:
        return
    request.extensions = {**request.extensions, "selfservice_bucket": bucket}
    cache = shared_cache(settings.cache_alias)
    while True:
        wait = _blocked_for(settings, cache, bucket)
        if wait <= 0:
            wait = _spend(settings, cache, bucket)
            if wait <= 0:
                _count(settings, cache, bucket, "calls")
                return
        if not _sleep_within_deadline(wait):
            _count(settings, cache, bucket, "refused")
            logger.info("Management call refused locally: bucket=%s retry_after=%.1fs", bucket, wait)
            raise UpstreamRateLimited(math.ceil(wait), "The Management API budget is spent.", status=None,
                                      code="budget_spent")


def after_response(settings: SelfServiceSettings, response: httpx.Response) -> None:
    """httpx response hook: remember what Auth0 said about the bucket, for every worker."""
    bucket = response.request.extensions.get("selfservice_bucket")
    if not isinstance(bucket, str):
        return
    headers = response.headers
    limit = header_number(headers.get("x-ratelimit-limit"))
    remaining = header_number(headers.get("x-ratelimit-remaining"))
    now = time.time()
    cache = shared_cache(settings.cache_alias)
    # The wait (seconds to Auth0's reset on Auth0's clock, capped: see wait_from_headers) is
    # read only when it is needed: most answers have calls remaining.
    if response.status_code == 429:
        _count(settings, cache, bucket, "upstream_429")
        if _says_global(response):
            bucket = "global"
        wait = wait_from_headers(headers)
        wait = wait if wait is not None and wait > 0 else 1.0
        logger.warning("Auth0 answered 429: bucket=%s blocked for %.1fs", bucket, wait)
        _block(settings, cache, bucket, now + wait, now)
    elif remaining is not None and remaining <= 0 and (wait := wait_from_headers(headers)) is not None:
        # Empty until the next token: with a token bucket that is reset/limit away, not reset.
        share = wait / limit if limit and limit > 0 else wait
        _block(settings, cache, bucket, now + max(min(share, wait), 0.2), now)


def counters(settings: SelfServiceSettings) -> dict[str, dict[str, int]]:
    """Calls made, refused locally and answered 429 by Auth0, per bucket, since the cache was cleared."""
    cache = shared_cache(settings.cache_alias)
    names = ("calls", "refused", "upstream_429")
    keys = {f"{bucket}:{name}": _key(settings, "count", bucket, name) for bucket in BUCKETS for name in names}
    found = cache.get_many(list(keys.values()))
    return {
        bucket: {name: int(found.get(keys[f"{bucket}:{name}"]) or 0) for name in names} for bucket in BUCKETS
    }


# -- state in the shared cache ----------------------------------------------------------------


def _key(settings: SelfServiceSettings, *parts: str) -> str:
    return ":".join((settings.cache_key_prefix, "budget", *parts))


def _blocked_for(settings: SelfServiceSettings, cache: SharedCache, bucket: str) -> float:
    """Seconds until Auth0 takes a call of ``bucket`` again (0: now)."""
    until = cache.get_many([_key(settings, "block", "global"), _key(settings, "block", bucket)])
    latest = max((float(v) for v in until.values() if isinstance(v, int | float)), default=0.0)
    return max(latest - time.time(), 0.0)


def _block(settings: SelfServiceSettings, cache: SharedCache, bucket: str, until: float, now: float) -> None:
    if until > now:
        cache.set(_key(settings, "block", bucket), until, timeout=math.ceil(until - now) + 1)


def _spend(settings: SelfServiceSettings, cache: SharedCache, bucket: str) -> float:
    """Take one call from the site's own budget: 0 when granted, else seconds to the next window."""
    for rule in _rules_for(settings.management_budget, bucket):
        now = time.time()
        window = math.floor(now / rule.window)
        key = _key(settings, "spent", rule.bucket, str(window))
        if _increment(cache, key, timeout=math.ceil(rule.window) + 1) > rule.limit:
            return max((window + 1) * rule.window - now, 0.01)
    return 0.0


def _rules_for(rules: tuple[BudgetRule, ...], bucket: str) -> Iterator[BudgetRule]:
    # The global rule first, as Auth0 checks its global bucket first.
    yield from (rule for rule in rules if rule.bucket == "global")
    yield from (rule for rule in rules if rule.bucket == bucket)


def _increment(cache: SharedCache, key: str, *, timeout: int) -> int:
    """Atomic counter: Redis INCR, or LocMem's locked incr; created by the first caller."""
    try:
        return int(cache.incr(key))
    except ValueError:
        if cache.add(key, 1, timeout=timeout):
            return 1
        return int(cache.incr(key))


def _count(settings: SelfServiceSettings, cache: SharedCache, bucket: str, name: str) -> None:
    with contextlib.suppress(Exception):  # counters are diagnostics: never fail a call for them
        _increment(cache, _key(settings, "count", bucket, name), timeout=86400)


def _sleep_within_deadline(wait: float) -> bool:
    deadline = _deadline.get()
    now = time.monotonic()
    if not deadline or now + wait > deadline:
        return False
    time.sleep(max(wait, POLL_INTERVAL))
    return True


def _says_global(response: httpx.Response) -> bool:
    try:
        body: Any = response.read() and response.json()
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(body, Mapping) and bool(_GLOBAL_MESSAGE.search(str(body.get("message") or "")))

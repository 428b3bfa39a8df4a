"""Per-user limits on the account's mutations (django-ratelimit counters in Django's cache).

Each mutation has a name; the pages and the JSON API count it in one counter per user (the Auth0
user id) and one per client IP. Its rate comes from ``SELFSERVICE["RATELIMIT"][name]`` (a
django-ratelimit rate such as ``"10/m"``; ``None`` turns that limit off), merged over the
defaults in :data:`selfservice.conf.DEFAULTS`. Counters live in the cache django-ratelimit uses
(``RATELIMIT_USE_CACHE``), which must be shared by every worker in production (Redis,
Memcached), or each process counts on its own.

Limits never block by raising: the view checks :func:`is_limited` and renders the tab with a
429 and a clear message, keeping what the user typed. The per-request limits (``read.*``,
``write.*``) are counted by :mod:`selfservice.core.request_counters` instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django_ratelimit import ALL
from django_ratelimit.core import get_usage, is_ratelimited

from selfservice.conf import get_settings
from selfservice.core.adapter import resolve_auth0_user_id

__all__ = ["GROUP_PREFIX", "client_ip", "count", "is_limited", "limit", "rate_for", "retry_after", "seconds_left",
           "subject"]

GROUP_PREFIX = "selfservice."

def rate_for(name: str) -> str | None:
    """The configured rate of the named mutation (``None``: not limited)."""
    value = get_settings().ratelimit.get(name)
    return str(value) if value else None


def _rate(group: str, request: HttpRequest) -> str | None:
    # django-ratelimit calls this on every request, so a settings change applies at once.
    return rate_for(group.removeprefix(GROUP_PREFIX))


def limit(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator for a view function (wrap with ``method_decorator`` on a class-based view).

    Counts POSTs under ``selfservice.<name>`` per user (:func:`subject`: the same counter the
    JSON API counts for that user) and, when ``<name>.ip`` has a rate, per client IP too (every
    account behind one address); sets ``request.limited`` when either is over. It never raises.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def counted(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.method == "POST":
                over = count(request, name, subject(request)) is not None
                request.limited = getattr(request, "limited", False) or over  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return counted

    return decorator


def subject(request: HttpRequest) -> str:
    """Whose counters: the Auth0 user id, so a browser and a bearer caller of one user share them."""
    auth0_user_id = resolve_auth0_user_id(request)
    if auth0_user_id:
        return auth0_user_id
    user = getattr(request, "user", None)
    return f"user:{user.pk}" if user is not None and user.is_authenticated else f"ip:{client_ip(request)}"


def count(request: HttpRequest, name: str, user: str) -> str | None:
    """Count one use of the named change for ``user`` and for the client IP.

    Returns the first limit over (``name`` or ``name.ip``), else ``None``. Both counters count
    either way. A limit without a rate is not counted.
    """
    over = None
    for limit_name, value in ((name, user), (f"{name}.ip", client_ip(request))):
        if rate_for(limit_name) is not None and _counter(request, limit_name, value, increment=True) and over is None:
            over = limit_name
    return over


def seconds_left(request: HttpRequest, limit_name: str, value: str) -> int | None:
    """Seconds until the window of that counter ends; ``None`` when the limit is off or unknown."""
    if rate_for(limit_name) is None:
        return None
    usage = get_usage(request, group=GROUP_PREFIX + limit_name, key=lambda _g, _r: value, rate=_rate, method=ALL,
                      increment=False)
    if not usage or usage.get("time_left", -1) < 0:
        return None
    return max(int(usage["time_left"]), 1)


def is_limited(request: HttpRequest) -> bool:
    """True when a :func:`limit` decorator on this request found the user over the limit."""
    return bool(getattr(request, "limited", False))


def retry_after(request: HttpRequest, name: str) -> int | None:
    """Seconds until the named limit's window ends for this user (for "try again in N s").

    Reads the counter without counting; ``None`` when the limit is off or the cache cannot say.
    """
    return seconds_left(request, name, subject(request))


def _counter(request: HttpRequest, limit_name: str, value: str, *, increment: bool) -> bool:
    # method=ALL: the pages count POSTs only (limit() asks on a POST) and the API its mutations,
    # whatever their method; one key for both, or a user would have a budget per client.
    return bool(is_ratelimited(request, group=GROUP_PREFIX + limit_name, key=lambda _g, _r: value, rate=_rate,
                               method=ALL, increment=increment))


def client_ip(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or the proxy-added one (``TRUSTED_PROXIES``).

    With ``TRUSTED_PROXIES = n`` the n-th address from the right of ``X-Forwarded-For`` is the
    client as the outermost trusted proxy saw it; anything left of it was written by the client
    and is ignored. A missing or short header falls back to ``REMOTE_ADDR``.
    """
    remote = str(request.META.get("REMOTE_ADDR") or "")
    hops = get_settings().trusted_proxies
    if hops <= 0:
        return remote
    chain = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",") if part.strip()]
    return chain[-hops] if len(chain) >= hops else remote



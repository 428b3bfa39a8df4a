"""Per-user and per-IP limits on the account's changes, and the client address they count by.

Each change has a name; the pages and the JSON API count it in one counter per user (the Auth0
user id) and one per client IP (:mod:`selfservice.core.window_counters`: fixed windows in the
cache django-ratelimit is configured with, ``RATELIMIT_USE_CACHE``, which must be shared by every
worker in production, or each process counts on its own). Its rate comes from
``SELFSERVICE["RATELIMIT"][name]`` (a django-ratelimit rate such as ``"10/m"``; ``None`` turns
that limit off), merged over the defaults in :data:`selfservice.conf.DEFAULTS`.

Limits never block by raising: the view checks :func:`is_limited` and renders the tab with a
429 and a clear message, keeping what the user typed. The per-request limits (``read.*``,
``write.*``) are counted by :mod:`selfservice.core.request_counters`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest

from selfservice.conf import get_settings
from selfservice.core import window_counters
from selfservice.core.adapter import resolve_auth0_user_id

__all__ = ["client_ip", "count", "count_each", "is_limited", "limit", "rate_for", "retry_after", "subject"]

#: Where :func:`limit` leaves the seconds to wait on a request it found over a limit.
_WAIT = "_selfservice_retry_after"


def rate_for(name: str) -> str | None:
    """The configured rate of the named mutation (``None``: not limited)."""
    value = get_settings().ratelimit.get(name)
    return str(value) if value else None


def limit(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator for a view function (wrap with ``method_decorator`` on a class-based view).

    Counts POSTs under ``<name>`` per user (:func:`subject`: the same counter the JSON API counts
    for that user) and, when ``<name>.ip`` has a rate, per client IP too (every account behind
    one address); sets ``request.limited`` when either is over. It never raises.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def counted(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.method == "POST":
                over = count(request, name, subject(request))
                if over is not None:
                    request.limited = True  # type: ignore[attr-defined]
                    setattr(request, _WAIT, over[1])
            return view(request, *args, **kwargs)

        return counted

    return decorator


def subject(request: HttpRequest) -> str:
    """Whose counters: the Auth0 user id, so a browser and a bearer caller of one user share them."""
    auth0_user_id = resolve_auth0_user_id(request)
    if auth0_user_id:
        return auth0_user_id
    user = getattr(request, "user", None)
    return f"django:{user.pk}" if user is not None and user.is_authenticated else f"ip:{client_ip(request)}"


def count(request: HttpRequest, name: str, user: str) -> tuple[str, int] | None:
    """Count one use of the named change by ``user`` and from the client IP (see :func:`count_each`)."""
    return count_each(((name, user), (f"{name}.ip", client_ip(request))))


def count_each(counters: Iterable[tuple[str, str]]) -> tuple[str, int] | None:
    """Count one use for each ``(limit name, subject)`` whose limit has a rate.

    Every counter counts, over or not; returns the first one over with the seconds until its
    window ends, else ``None``.
    """
    over: tuple[str, int] | None = None
    for name, who in counters:
        rate = rate_for(name)
        if rate is None:
            continue
        wait = window_counters.count(name, who, rate)
        if wait is not None and over is None:
            over = (name, wait)
    return over


def is_limited(request: HttpRequest) -> bool:
    """True when a :func:`limit` decorator on this request found the user over the limit."""
    return bool(getattr(request, "limited", False))


def retry_after(request: HttpRequest) -> int | None:
    """Seconds until the window of the limit :func:`limit` found over ends (for "try again in N s")."""
    wait: int | None = getattr(request, _WAIT, None)
    return wait


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

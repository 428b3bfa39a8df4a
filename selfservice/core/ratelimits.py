"""Per-user limits on the account pages' mutations (django-ratelimit, counters in Django's cache).

Each mutation has a name; its rate comes from ``SELFSERVICE["RATELIMIT"][name]`` (a
django-ratelimit rate such as ``"10/m"``; ``None`` turns that limit off), merged over the
defaults in :data:`selfservice.conf.DEFAULTS`. Counters live in the cache django-ratelimit uses
(``RATELIMIT_USE_CACHE``), which must be shared by every worker in production (Redis,
Memcached), or each process counts on its own.

Limits never block by raising: the view checks :func:`is_limited` and renders the tab with a
429 and a clear message, keeping what the user typed. The per-request limits (``read.*``,
``write.*``) are counted by :mod:`selfservice.core.request_counters` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django_ratelimit.core import get_usage
from django_ratelimit.decorators import ratelimit

from selfservice.conf import get_settings

__all__ = ["GROUP_PREFIX", "client_ip", "is_limited", "limit", "rate_for", "retry_after"]

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

    Counts POSTs per signed-in user under ``selfservice.<name>`` and, when ``<name>.ip`` has a
    rate, per client IP too (every account behind one address); sets ``request.limited`` when
    either is over. It never raises.
    """
    per_user = ratelimit(group=GROUP_PREFIX + name, key="user", rate=_rate, method="POST", block=False)
    per_ip = ratelimit(group=f"{GROUP_PREFIX}{name}.ip", key=_ip_key, rate=_rate, method="POST", block=False)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        wrapped: Callable[..., Any] = per_user(per_ip(view))
        return wrapped

    return decorator


def is_limited(request: HttpRequest) -> bool:
    """True when a :func:`limit` decorator on this request found the user over the limit."""
    return bool(getattr(request, "limited", False))


def retry_after(request: HttpRequest, name: str) -> int | None:
    """Seconds until the named limit's window ends for this user (for "try again in N s").

    Reads the counter without counting; ``None`` when the limit is off or the cache cannot say.
    """
    usage = get_usage(request, group=GROUP_PREFIX + name, key="user", rate=_rate, method="POST", increment=False)
    if not usage or usage.get("time_left", -1) < 0:
        return None
    return max(int(usage["time_left"]), 1)


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


def _ip_key(group: str, request: HttpRequest) -> str:
    return client_ip(request)

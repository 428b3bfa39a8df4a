"""Per-IP limits on starting and completing an Auth0 login (django-ratelimit, Django's cache).

The user is anonymous at both steps, so the counters are keyed by client address: the same
:func:`selfservice.core.ratelimits.client_ip` as the account pages' per-IP limits, so
``REMOTE_ADDR``, or the address ``TRUSTED_PROXIES`` proxies added to ``X-Forwarded-For``.
(django-ratelimit's own ``"ip"`` key would read ``REMOTE_ADDR`` only, which behind the proxy
is the proxy's: one counter for everybody, and 20 sign-ins a minute for the whole site.)
Without the limits anyone could make the site mint states and redirects, or spend the token
endpoint and JWKS calls of the callback, as fast as they can send requests.

Rates come from ``SELFSERVICE["RATELIMIT"]``: ``"login.start"`` counts ``POST
/login/auth0/`` (social-auth's begin view), ``"login.complete"`` counts the callback
``/complete/auth0/``, ``"login.backchannel"`` the back-channel logout endpoint (Auth0 posts from
a few addresses; a flood of forged tokens would make us verify signatures and fetch the JWKS).
``None`` turns one off; a rate ``manage.py check`` reports as invalid
(selfservice.E016) counts nothing rather than breaking sign-in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django_ratelimit import ALL
from django_ratelimit.core import get_usage, is_ratelimited

from selfservice.core.ratelimits import client_ip, rate_for
from selfservice.core.shared_cache import OUTAGE_ERRORS

__all__ = ["GROUPS", "Step", "Verdict", "check"]

logger = logging.getLogger(__name__)

Step = Literal["start", "complete", "backchannel"]
#: django-ratelimit group of each step; also the key of its rate in SELFSERVICE["RATELIMIT"].
GROUPS: dict[Step, str] = {"start": "login.start", "complete": "login.complete", "backchannel": "login.backchannel"}
_GROUP_PREFIX = "selfservice."


@dataclass(frozen=True)
class Verdict:
    """This client is over the step's limit: wait ``retry_after`` seconds; ``first`` refusal of the window."""

    name: str
    retry_after: int
    first: bool


def _rate(group: str, request: HttpRequest) -> str | None:
    # Read on every request, so a settings change applies at once.
    return rate_for(group.removeprefix(_GROUP_PREFIX))


def _ip(group: str, request: HttpRequest) -> str:
    return client_ip(request)


def check(request: HttpRequest, step: Step) -> Verdict | None:
    """Count this request against the step's per-IP limit; the verdict when it is over it.

    A refused request still counts, so a client that keeps hammering stays refused.
    """
    name = GROUPS[step]
    group = _GROUP_PREFIX + name
    try:
        if not is_ratelimited(request, group=group, key=_ip, rate=_rate, method=ALL, increment=True):
            return None
        usage = get_usage(request, group=group, key=_ip, rate=_rate, method=ALL, increment=False)
    except (ValueError, ImproperlyConfigured):
        # A malformed rate: selfservice.E016 reports it; sign-in keeps working meanwhile.
        logger.warning("SELFSERVICE[\"RATELIMIT\"][%r] is not a rate; %s is not limited.", name, name)
        return None
    except OUTAGE_ERRORS as error:
        # The counters' cache cannot be reached: sign-in goes on uncounted (core/shared_cache.py).
        logger.warning("The login limit %s is not counted: its cache cannot be reached (%s).", name, type(error).__name__)
        return None
    time_left = int(usage["time_left"]) if usage and usage.get("time_left", -1) >= 0 else 60
    first = bool(usage) and int(usage.get("count", 0)) == int(usage.get("limit", -1)) + 1
    return Verdict(name=name, retry_after=max(time_left, 1), first=first)

"""Per-user and per-IP counts of account page and API requests (``read.*``, ``write.*``).

Every page view and API call counts twice (the user and the address) in
:mod:`selfservice.core.window_counters`: one cache round trip per counter.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest

from selfservice.core.ratelimits import client_ip, count_each, subject

__all__ = ["request_limit"]


def request_limit(
    request: HttpRequest, auth0_user_id: str | None, kind: Literal["read", "write"] | None = None
) -> tuple[str, int] | None:
    """Count an account page or API request: reads (GET, HEAD) against ``read.*``, the rest ``write.*``.

    ``kind`` (``"read"`` or ``"write"``) overrides the method's: a POST that changes nothing,
    such as inline validation, counts as the read it is, so it never spends the budget the save
    it precedes needs.

    The user is the Auth0 user id, so the pages and the API (same id) share one counter; without
    one, :func:`~selfservice.core.ratelimits.subject` names them (a signed-in user with no Auth0
    account by their Django id). Every configured counter counts; returns ``(limit name, seconds
    to wait)`` for the first one over, else None.
    """
    kind = kind or ("read" if request.method in ("GET", "HEAD") else "write")
    user = auth0_user_id or subject(request)
    return count_each(((f"{kind}.user", user), (f"{kind}.ip", client_ip(request))))

"""The gateway's error family: what a view can catch, whatever the upstream said.

Views branch on these classes, never on HTTP statuses or SDK exceptions:

- :class:`UpstreamUnavailable` -- try again later (5xx, timeouts, connection errors, bodies that
  are not what Auth0 sends); the page shows a retry button.
- :class:`UpstreamUncertain` -- a subclass: a change was sent but its answer timed out or could
  not be read, so it may or may not have happened; say so, and read the state back.
- :class:`UpstreamMisconfigured` -- a subclass, because to the end user it is the same "not
  now"; to the operator it means bad client credentials or a missing Management API scope (401
  after one retry with a fresh token, 403). The message names the scope when Auth0 does.
- :class:`UpstreamRateLimited` -- "try again in N seconds"; nothing in the gateway sleeps.
- :class:`NotFound` -- the object does not exist (or no longer does).
- :class:`Rejected` -- Auth0 (or the gateway, before any I/O) refused the input: show
  ``message`` next to the form and keep the user's input.

Messages never carry tokens or secrets: they are built from Auth0's error ``message`` and
``errorCode`` only.
"""

from __future__ import annotations

import email.utils
import math
import re
import time
from collections.abc import Mapping
from typing import Any

__all__ = [
    "MAX_UPSTREAM_WAIT",
    "GatewayError",
    "NotFound",
    "Rejected",
    "UpstreamMisconfigured",
    "UnreadableAnswer",
    "UpstreamRateLimited",
    "UpstreamUncertain",
    "UpstreamUnavailable",
    "error_from_response",
    "header_number",
    "retry_after_from_headers",
    "wait_from_headers",
]

# Auth0's 403 message lists the scopes the endpoint accepts (auth0-facts.md §6.1).
_SCOPE_LIST = re.compile(r"expected (?:any|all) of:\s*(?P<scopes>[\w:.,\s-]+)", re.IGNORECASE)
# When Auth0 gives no rate-limit header at all, ask the user to wait this long.
DEFAULT_RETRY_AFTER = 1
#: The longest wait believed from Auth0's headers. Its rate-limit windows last a minute and its
#: M2M quotas an hour or a day, so a longer ``Retry-After`` or a reset years ahead (clock skew,
#: a proxy, a bad header) is not worth obeying: one call an hour finds out whether it still holds.
MAX_UPSTREAM_WAIT = 3600


class GatewayError(Exception):
    """Base of every error a gateway raises.

    ``status`` is the upstream HTTP status when there was one (None for local refusals,
    timeouts and connection errors); ``code`` is Auth0's ``errorCode`` when it sent one.
    """

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class UpstreamUnavailable(GatewayError):
    """Auth0 could not be used right now: 5xx, timeout, connection error, malformed body."""


class UpstreamUncertain(UpstreamUnavailable):
    """A change was sent but its outcome is unknown: the answer timed out or could not be read.

    Auth0 may have made the change or not. Never report it as done, and never as "nothing was
    changed" either: read the state back (or let the user reload) before anything else.
    """


class UnreadableAnswer(Exception):
    """Raised below the SDK for a 2xx answer to a change that is not what Auth0 sends."""


class UpstreamMisconfigured(UpstreamUnavailable):
    """Auth0 refused our credentials (401) or our token lacks a scope (403).

    ``scopes`` holds the scopes Auth0 said it expected, when its message listed them.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        scopes: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.scopes = scopes


class UpstreamRateLimited(GatewayError):
    """Auth0 answered 429; ``retry_after`` is how many seconds (>= 1) to wait."""

    def __init__(
        self, retry_after: int, message: str = "", *, status: int | None = 429, code: str | None = None
    ) -> None:
        self.retry_after = max(int(retry_after), 1)
        super().__init__(
            message or f"Auth0 rate limit reached; retry in {self.retry_after} s.", status=status, code=code
        )


class NotFound(GatewayError):
    """The user, session, authentication method or identity does not exist."""


class Rejected(GatewayError):
    """The input was refused: ``message`` is meant for the form, ``code`` for the program."""

    def __init__(self, message: str, code: str | None = None, *, status: int | None = None) -> None:
        super().__init__(message, status=status, code=code)


def retry_after_from_headers(headers: Mapping[str, str] | None, now: float | None = None) -> int:
    """Whole seconds to wait (see :func:`wait_from_headers`), at least 1 so a view can always say
    "in N s", and at most :data:`MAX_UPSTREAM_WAIT`; 1 when Auth0 said nothing."""
    wait = wait_from_headers(headers, now)
    return DEFAULT_RETRY_AFTER if wait is None else max(math.ceil(wait), 1)


def wait_from_headers(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds until Auth0 takes a call again, from ``Retry-After`` (seconds or an HTTP date) or
    ``x-ratelimit-reset``; None when neither is there (or readable). At most
    :data:`MAX_UPSTREAM_WAIT`; 0 or less when the moment has passed.

    ``x-ratelimit-reset`` is an epoch second of Auth0's clock (auth0-facts.md §6.2), so it is
    measured against Auth0's ``Date`` header when there is one, not against this machine's
    clock: a server 10 minutes behind would otherwise wait 10 minutes for a reset 1 s away, and
    one ahead would not wait at all. ``now`` is this machine's time (tests pass it).
    """
    lowered = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    now = _http_date(lowered.get("date", "")) or (time.time() if now is None else now)
    value = lowered.get("retry-after", "").strip()
    wait: float | None = None
    if value.isdigit():
        wait = float(value)
    elif value and (when := _http_date(value)) is not None:
        wait = when - now
    if wait is None and (reset := header_number(lowered.get("x-ratelimit-reset"))) is not None:
        wait = reset - now
    return None if wait is None else min(wait, MAX_UPSTREAM_WAIT)


def _http_date(value: str) -> float | None:
    try:
        return email.utils.parsedate_to_datetime(value.strip()).timestamp() if value.strip() else None
    except (TypeError, ValueError, OverflowError):
        return None


def header_number(value: str | None) -> float | None:
    """A header's value as a finite number (``x-ratelimit-*``), or None when absent or not one."""
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def error_from_response(status: int | None, body: Any, headers: Mapping[str, str] | None) -> GatewayError:
    """Map an upstream HTTP answer that is not a usable success to the error family.

    ``body`` is Auth0's parsed JSON error (``{statusCode, error, message, errorCode}``), an OAuth
    error (``{error, error_description}``) or raw text when the body was not JSON.
    """
    message, code = _describe(body)
    if status is None or status < 400:
        # A 2xx whose body could not be read as JSON: not what Auth0 sends.
        return UpstreamUnavailable("Auth0 sent a response that could not be read.", status=status)
    if status in (401, 403):
        scopes = _scopes(message)
        text = message or ("Auth0 refused the credentials." if status == 401 else "Auth0 refused the request.")
        if status == 403 and scopes and "scope" not in text.lower():
            text += f" (needs scope: {', '.join(scopes)})"
        return UpstreamMisconfigured(text, status=status, code=code, scopes=scopes)
    if status == 404:
        return NotFound(message or "Not found.", status=status, code=code)
    if status == 429:
        return UpstreamRateLimited(retry_after_from_headers(headers), status=status, code=code)
    if status == 408 or status >= 500:
        return UpstreamUnavailable(message or f"Auth0 answered {status}.", status=status, code=code)
    return Rejected(message or f"Auth0 refused the request ({status}).", code, status=status)


def _describe(body: Any) -> tuple[str, str | None]:
    if isinstance(body, Mapping):
        message = body.get("message") or body.get("error_description") or ""
        code = body.get("errorCode") or (body.get("error") if "error_description" in body else None)
        return str(message), (str(code) if code else None)
    # Raw text (an HTML error page, a proxy's message): never echo it, it may be anything.
    return "", None


def _scopes(message: str) -> tuple[str, ...]:
    found = _SCOPE_LIST.search(message or "")
    if not found:
        return ()
    return tuple(s.strip() for s in found.group("scopes").split(",") if s.strip())

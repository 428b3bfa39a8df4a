"""Record what users change on their own accounts (one row per change that reached Auth0).

Views call :func:`record` after the upstream write succeeded. Secrets never reach the table:
values under secret-looking keys are replaced before saving, whatever a caller passes. Nor does
a NUL character: ids come from URLs (``sessions/%00/revoke/`` is a refusal worth a row), and
PostgreSQL refuses NUL in text and in jsonb, so the row, and with it the request, would fail;
each is stored as U+FFFD.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from selfservice.core.adapter import resolve_auth0_user_id
from selfservice.models import AuditEvent

__all__ = ["REDACTED", "USER_AGENT_MAX_LENGTH", "record", "scrub"]

REDACTED = "[redacted]"
USER_AGENT_MAX_LENGTH = AuditEvent._meta.get_field("user_agent").max_length or 512
# A key is secret-looking when it is, or ends in, one of these words: "password",
# "client_secret", "access_token", "recovery_code", "code" (an OTP) -- but not "fields" or "keys".
_SECRET_KEY = re.compile(
    r"(?:^|[_-])(?:pass(?:word)?|secret|token|code|otp|ticket(?:_url)?|api_key|private_key|credentials?)$",
    re.IGNORECASE,
)


def record(
    request: HttpRequest,
    *,
    action: str,
    target: str = "",
    details: Mapping[str, Any] | None = None,
    auth0_user_id: str | None = None,
) -> AuditEvent:
    """Save and return an :class:`AuditEvent` for the signed-in user.

    ``action`` is a dotted verb such as ``"profile.update"``; ``target`` the id acted on;
    ``details`` names and ids that explain it (``{"fields": ["name"]}``). ``auth0_user_id``
    defaults to the adapter's answer for this request. The client IP is ``REMOTE_ADDR``: behind
    a proxy, set it from the forwarded header in your middleware, where you know which proxy
    to trust.
    """
    user = getattr(request, "user", None)
    return AuditEvent.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        auth0_user_id=auth0_user_id if auth0_user_id is not None else (resolve_auth0_user_id(request) or ""),
        action=action,
        target=_storable(target[:255]),
        ip=request.META.get("REMOTE_ADDR") or None,
        user_agent=_storable(str(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_MAX_LENGTH]),
        details=_storable(_scrub(dict(details or {}))),
    )


def scrub(value: Any) -> Any:
    """``value`` with every secret-looking key's value replaced by :data:`REDACTED` (any depth).

    The rule the audit log applies, also used for "Download my data".
    """
    return _scrub(value)


def _scrub(value: Any) -> Any:
    # Keep the shape (which keys were involved), drop the values of anything secret-looking.
    if isinstance(value, Mapping):
        return {str(k): (REDACTED if _SECRET_KEY.search(str(k)) else _scrub(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    return value


def _storable(value: Any) -> Any:
    """``value`` with each NUL in a string, key or not, as U+FFFD: PostgreSQL stores no NUL."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, Mapping):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value

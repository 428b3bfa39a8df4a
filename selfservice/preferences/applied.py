"""Preferences that take effect: a schema property may be the user's language, time zone or theme.

A top-level string property declares its role with ``"x-applies"``::

    "language": {"type": "string", "x-applies": "language", "enum": ["en", "es"]},
    "timezone": {"type": "string", "x-applies": "time_zone", "enum": ["UTC", "Europe/Madrid"]},
    "theme":    {"type": "string", "x-applies": "theme", "enum": ["system", "light", "dark"]}

What the user chose is resolved once, when the account pages read or save the user, and kept
in the session (:data:`SESSION_KEY`) as plain values Django accepts: a language of
``settings.LANGUAGES``, an IANA time zone, ``light``/``dark``/``system``. Anything else is
dropped, never applied. :class:`~selfservice.preferences.middleware.PreferencesMiddleware`
activates them from the session on each request, so applying them costs no Auth0 call and no
query. Only values the user set count: a schema ``default`` never overrides the browser's
language.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.utils import timezone, translation

from selfservice.conf import get_settings
from selfservice.preferences.annotations import ROLES, roles

if TYPE_CHECKING:
    from django.http import HttpRequest

    from selfservice.gateway import UserProfile

__all__ = ["ACTIVE", "SESSION_KEY", "THEMES", "activate", "applied_values", "remember", "resolve_once", "stored"]

THEMES = frozenset({"system", "light", "dark"})
SESSION_KEY = "selfservice_applied_preferences"
#: Request attribute: PreferencesMiddleware is installed and this request is in its scope.
ACTIVE = "_selfservice_preferences_active"


def applied_values(schema: Mapping[str, Any] | None, metadata: Mapping[str, Any]) -> dict[str, str]:
    """The values of ``metadata`` that can take effect, by role; unusable values are left out."""
    values: dict[str, str] = {}
    for role, name in roles(schema).items():
        value = metadata.get(name)
        usable = _usable(role, value) if isinstance(value, str) else None
        if usable:
            values[role] = usable
    return values


def remember(request: HttpRequest, values: Mapping[str, str]) -> bool:
    """Keep ``values`` for the next requests (and this one, under the middleware); True if they changed."""
    session = getattr(request, "session", None)
    if session is None:
        return False
    changed = bool(session.get(SESSION_KEY) != dict(values))
    if changed:
        session[SESSION_KEY] = dict(values)
    if getattr(request, ACTIVE, False):  # the middleware restores the thread's state afterwards
        activate(request, values)
    return changed


def resolve_once(request: HttpRequest, cached_user: Callable[[], UserProfile | None]) -> None:
    """The first account page of a session: resolve the values from the cached user, if any.

    ``cached_user()`` is what the read cache already holds (no Auth0 call); it is only asked
    while the session has no values yet, so later pages cost nothing. Without a cached user
    nothing happens and a later page tries again. One query (the active schema), once a session.
    """
    session = getattr(request, "session", None)
    if get_settings().apply_preferences is None or session is None or SESSION_KEY in session:
        return
    profile = cached_user()
    if profile is None:
        return
    from selfservice.models import PreferenceSchema

    active = PreferenceSchema.active()
    remember(request, applied_values(active.schema if active else None, profile.user_metadata))


def activate(request: HttpRequest, values: Mapping[str, str]) -> None:
    """Activate the language and time zone for this request; note the theme for the layout."""
    language = values.get("language")
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
    zone = values.get("time_zone")
    if zone:
        timezone.activate(zoneinfo.ZoneInfo(zone))
    request.selfservice_theme = values.get("theme") or "system"  # type: ignore[attr-defined]


def stored(request: HttpRequest) -> dict[str, str]:
    """The values kept in the session, checked again (a setting may have changed since)."""
    session = getattr(request, "session", None)
    raw = session.get(SESSION_KEY) if session is not None else None
    if not isinstance(raw, Mapping):
        return {}
    return {role: usable for role in ROLES if isinstance(raw.get(role), str) and (usable := _usable(role, raw[role]))}


def _usable(role: str, value: str) -> str | None:
    if role == "language":
        try:
            return translation.get_supported_language_variant(value) if value else None
        except LookupError:
            return None
    if role == "time_zone":
        return value if value in _time_zones() else None
    return value if value in THEMES else None


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())

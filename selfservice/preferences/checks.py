"""System checks of the Preferences tab's settings (E020-E029) and its middleware (W070-W079)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage

from selfservice.core.problems import PREFERENCES_MIDDLEWARE, PROBLEMS

#: What PreferencesMiddleware needs before it (the user, the session) and must precede.
NEEDED_BEFORE = ("django.contrib.sessions.middleware.SessionMiddleware", "django.contrib.auth.middleware.AuthenticationMiddleware",
                 "django.middleware.locale.LocaleMiddleware")
NEEDED_AFTER = ("django.contrib.messages.middleware.MessageMiddleware",)


def check_preferences_settings(merged: dict[str, Any]) -> list[CheckMessage]:
    messages = _check_middleware(merged.get("APPLY_PREFERENCES"))
    value = merged.get("PREFERENCES_PROFILE_LIMIT")
    if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
        messages.append(PROBLEMS["bad_profile_limit"](value=value))
    return messages


def _check_middleware(scope: Any) -> list[CheckMessage]:
    """W070 when preferences should apply but the middleware is missing; W071 when misplaced."""
    if scope not in ("account", "site"):
        return []
    middleware = [str(path) for path in (getattr(settings, "MIDDLEWARE", None) or [])]
    if PREFERENCES_MIDDLEWARE not in middleware:
        return [PROBLEMS["missing_preferences_middleware"](scope=scope)]
    here = middleware.index(PREFERENCES_MIDDLEWARE)
    for path in NEEDED_BEFORE:
        if path in middleware[here:]:
            return [PROBLEMS["preferences_middleware_order"](after=path, before=", ".join(NEEDED_AFTER))]
    for path in NEEDED_AFTER:
        if path in middleware[:here]:
            return [PROBLEMS["preferences_middleware_order"](after=", ".join(NEEDED_BEFORE[:2]), before=path)]
    return []

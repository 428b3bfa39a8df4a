"""System check of the login wiring (W060-W069), run from :mod:`selfservice.checks`.

Without :class:`~selfservice.login.middleware.LoginErrorMiddleware` every failed Auth0 login
(the user cancelled, a stale or forged callback, Auth0 unreachable) is a 500 and the login
steps are not rate limited; nothing else would tell the site, so the check does.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage
from django.utils.module_loading import import_string

from selfservice.core.problems import LOGIN_ERROR_MIDDLEWARE, PROBLEMS

__all__ = ["check_login_settings"]


def check_login_settings(merged: dict[str, Any]) -> list[CheckMessage]:
    """W060 unless MIDDLEWARE has the login error middleware (or a subclass of it)."""
    middleware = [str(path) for path in (getattr(settings, "MIDDLEWARE", None) or [])]
    if LOGIN_ERROR_MIDDLEWARE in middleware or any(_is_subclass(path) for path in middleware):
        return []
    return [PROBLEMS["missing_login_error_middleware"]()]


def _is_subclass(path: str) -> bool:
    try:
        base = import_string(LOGIN_ERROR_MIDDLEWARE)
        candidate = import_string(path)
    except Exception:  # a path that does not import is Django's problem to report, not ours
        return False
    return isinstance(candidate, type) and issubclass(candidate, base)

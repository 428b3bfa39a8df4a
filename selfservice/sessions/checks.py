"""System checks of the Sessions tab's settings and session engine (E040-E049, W040-W049).

W041: Django's ``cached_db`` on a shared cache fails while that cache is down; the app's
``selfservice.login.session_store`` does not (see that module).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage

from selfservice.core.problems import PROBLEMS

IN_PROCESS_CACHES = ("django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache")


def check_sessions_settings(merged: dict[str, Any]) -> list[CheckMessage]:
    messages = []
    names = merged.get("SESSIONS_CLIENT_NAMES")
    if not isinstance(names, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in names.items()):
        messages.append(PROBLEMS["sessions_client_names_not_a_dict"](type=_shape(names)))
    size = merged.get("SESSIONS_PAGE_SIZE")
    if not (isinstance(size, int) and not isinstance(size, bool) and 1 <= size <= 50):
        messages.append(PROBLEMS["bad_sessions_page_size"](value=size))
    engine = str(getattr(settings, "SESSION_ENGINE", "") or "")
    if engine == "django.contrib.sessions.backends.signed_cookies":
        messages.append(PROBLEMS["cookie_sessions_backchannel"](engine=engine))
    if engine == "django.contrib.sessions.backends.cached_db":
        alias = str(getattr(settings, "SESSION_CACHE_ALIAS", "default"))
        backend = str(getattr(settings, "CACHES", {}).get(alias, {}).get("BACKEND", ""))
        if backend not in IN_PROCESS_CACHES:  # a cache in the process itself cannot go away
            messages.append(PROBLEMS["cached_db_sessions_outage"](engine=engine, alias=alias))
    return messages


def _shape(value: Any) -> str:
    # "dict with non-string keys or names" reads better than "dict" for a dict of the wrong kind.
    return "a dict with non-string keys or names" if isinstance(value, dict) else type(value).__name__

"""``SESSION_ENGINE = "selfservice.login.session_store"``: Django's ``cached_db``, standing when the cache is down.

``cached_db`` keeps every session in the database and a copy in the cache. Django already
reads the database when the cache cannot be read, and (since 5.1) logs instead of failing when
the copy cannot be written on save. But a session that is not in the cache is loaded from the
database and then written to the cache unguarded, and ``exists`` and (before Django 6.1)
``delete`` ask the cache unguarded too: while Redis is down, every signed-in request was a 500
before any view ran, whatever the app itself does about the outage (core/shared_cache.py).

This store is ``cached_db`` with those calls answered from the database alone when the cache
cannot be reached (the connection errors :data:`~selfservice.core.shared_cache.OUTAGE_ERRORS`
names). Like the app's own cache calls, it then leaves the cache alone for a few seconds
(:func:`~selfservice.core.shared_cache.known_down`): a Redis that hangs instead of refusing
would otherwise cost two socket timeouts (the read, then the write of the copy) per request.
With the cache up it is ``cached_db``, call for call.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends import cached_db, db

from selfservice.core.shared_cache import when_reachable, when_reachable_async

__all__ = ["SessionStore"]


def _alias() -> str:
    return str(getattr(settings, "SESSION_CACHE_ALIAS", "default"))


class SessionStore(cached_db.SessionStore):
    """``cached_db`` that uses the database alone while the cache cannot be reached.

    Each method is ``cached_db``'s, or ``db``'s (the same call without the cache) while the cache
    is known down or when ``cached_db``'s cannot reach it. ``delete`` removes the database row
    before the cached copy, so running ``db``'s after a failure only finds the row gone.
    """

    def load(self) -> dict[str, Any]:
        return when_reachable(_alias(), "session load", super().load, partial(db.SessionStore.load, self))

    async def aload(self) -> dict[str, Any]:
        return await when_reachable_async(_alias(), "session load", super().aload, partial(db.SessionStore.aload, self))

    def exists(self, session_key: str) -> bool:
        return bool(when_reachable(_alias(), "session exists", partial(super().exists, session_key),
                                   partial(db.SessionStore.exists, self, session_key)))

    async def aexists(self, session_key: str) -> bool:
        return bool(await when_reachable_async(_alias(), "session exists", partial(super().aexists, session_key),
                                               partial(db.SessionStore.aexists, self, session_key)))

    def save(self, must_create: bool = False) -> None:
        # cached_db's save catches its own cache errors (it logs them); while the cache is known
        # down, db's skips the wait and the traceback.
        when_reachable(_alias(), "session save", partial(super().save, must_create),
                       partial(db.SessionStore.save, self, must_create))

    async def asave(self, must_create: bool = False) -> None:
        await when_reachable_async(_alias(), "session save", partial(super().asave, must_create),
                                   partial(db.SessionStore.asave, self, must_create))

    def delete(self, session_key: str | None = None) -> None:
        when_reachable(_alias(), "session delete", partial(super().delete, session_key),
                       partial(db.SessionStore.delete, self, session_key))

    async def adelete(self, session_key: str | None = None) -> None:
        await when_reachable_async(_alias(), "session delete", partial(super().adelete, session_key),
                                   partial(db.SessionStore.adelete, self, session_key))

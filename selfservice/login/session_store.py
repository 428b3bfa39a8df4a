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

from typing import Any

from django.conf import settings
from django.contrib.sessions.backends import cached_db, db

from selfservice.core.shared_cache import OUTAGE_ERRORS, known_down, mark_down

__all__ = ["SessionStore"]


def _alias() -> str:
    return str(getattr(settings, "SESSION_CACHE_ALIAS", "default"))


class SessionStore(cached_db.SessionStore):
    """``cached_db`` that uses the database alone while the cache cannot be reached."""

    def load(self) -> dict[str, Any]:
        if known_down(_alias()):
            return db.SessionStore.load(self)
        try:
            return super().load()
        except OUTAGE_ERRORS as error:  # read from the database, then the copy could not be written
            mark_down(_alias(), "session load", error)
            return db.SessionStore.load(self)

    async def aload(self) -> dict[str, Any]:
        if known_down(_alias()):
            return await db.SessionStore.aload(self)
        try:
            return await super().aload()
        except OUTAGE_ERRORS as error:
            mark_down(_alias(), "session load", error)
            return await db.SessionStore.aload(self)

    def exists(self, session_key: str) -> bool:
        if known_down(_alias()):
            return bool(db.SessionStore.exists(self, session_key))
        try:
            return bool(super().exists(session_key))
        except OUTAGE_ERRORS as error:
            mark_down(_alias(), "session exists", error)
            return bool(db.SessionStore.exists(self, session_key))

    async def aexists(self, session_key: str) -> bool:
        if known_down(_alias()):
            return bool(await db.SessionStore.aexists(self, session_key))
        try:
            return bool(await super().aexists(session_key))
        except OUTAGE_ERRORS as error:
            mark_down(_alias(), "session exists", error)
            return bool(await db.SessionStore.aexists(self, session_key))

    def save(self, must_create: bool = False) -> None:
        if known_down(_alias()):  # Django would try the cache, wait, and log a traceback
            db.SessionStore.save(self, must_create)
            return
        super().save(must_create)

    async def asave(self, must_create: bool = False) -> None:
        if known_down(_alias()):
            await db.SessionStore.asave(self, must_create)
            return
        await super().asave(must_create)

    def delete(self, session_key: str | None = None) -> None:
        if known_down(_alias()):
            db.SessionStore.delete(self, session_key)
            return
        try:
            super().delete(session_key)  # the database row first, then the cached copy
        except OUTAGE_ERRORS as error:
            mark_down(_alias(), "session delete", error)
            db.SessionStore.delete(self, session_key)  # gone already, unless the cache failed first

    async def adelete(self, session_key: str | None = None) -> None:
        if known_down(_alias()):
            await db.SessionStore.adelete(self, session_key)
            return
        try:
            await super().adelete(session_key)
        except OUTAGE_ERRORS as error:
            mark_down(_alias(), "session delete", error)
            await db.SessionStore.adelete(self, session_key)

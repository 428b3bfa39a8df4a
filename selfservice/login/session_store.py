"""``SESSION_ENGINE = "selfservice.login.session_store"``: Django's ``cached_db``, standing when the cache is down.

``cached_db`` keeps every session in the database and a copy in the cache. Django already
reads the database when the cache cannot be read, and (since 5.1) logs instead of failing when
the copy cannot be written on save. But a session that is not in the cache is loaded from the
database and then written to the cache unguarded, and ``exists`` and (before Django 6.1)
``delete`` ask the cache unguarded too: while Redis is down, every signed-in request was a 500
before any view ran, whatever the app itself does about the outage (core/shared_cache.py).

This store is ``cached_db`` with those calls answered from the database alone when the cache
cannot be reached (the same connection errors :data:`~selfservice.core.shared_cache.OUTAGE_ERRORS`
names). With the cache up it is ``cached_db``, call for call.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import cached_db, db

from selfservice.core.shared_cache import OUTAGE_ERRORS

__all__ = ["SessionStore"]


class SessionStore(cached_db.SessionStore):
    """``cached_db`` that falls back to the database alone while the cache cannot be reached."""

    def load(self) -> dict[str, Any]:
        try:
            return super().load()
        except OUTAGE_ERRORS:  # read from the database, then the copy could not be written
            return db.SessionStore.load(self)

    async def aload(self) -> dict[str, Any]:
        try:
            return await super().aload()
        except OUTAGE_ERRORS:
            return await db.SessionStore.aload(self)

    def exists(self, session_key: str) -> bool:
        try:
            return bool(super().exists(session_key))
        except OUTAGE_ERRORS:
            return bool(db.SessionStore.exists(self, session_key))

    async def aexists(self, session_key: str) -> bool:
        try:
            return bool(await super().aexists(session_key))
        except OUTAGE_ERRORS:
            return bool(await db.SessionStore.aexists(self, session_key))

    def delete(self, session_key: str | None = None) -> None:
        try:
            super().delete(session_key)  # the database row first, then the cached copy
        except OUTAGE_ERRORS:
            db.SessionStore.delete(self, session_key)  # gone already, unless the cache failed first

    async def adelete(self, session_key: str | None = None) -> None:
        try:
            await super().adelete(session_key)
        except OUTAGE_ERRORS:
            await db.SessionStore.adelete(self, session_key)

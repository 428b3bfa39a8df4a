"""A cache that answers a request's next few ``get`` calls from one ``get_many`` made up front.

Why: with Redis every cache call is a network round trip, and under load they were most of
what a warm tab did beyond its template. The Security tab reads three keys (the tenant's
factors, the user's methods, whether an enrollment is in progress) and Preferences two (the
active schema, the user): :meth:`ReadAhead.read_ahead` fetches them in one round trip.

What keeps it honest: each value read ahead serves the first ``get`` of its key only, later
ones go to the cache; and any other operation through this object (``set``, ``add``,
``delete``...) or :meth:`ReadAhead.forget` drops whatever is left, so a value read before this
request changed something is never served after it.

A copy the cache holds but cannot decode (written by another version of the app whose classes
this one does not have) is a miss (logged as a warning): the view reads Auth0 again and stores
a copy of its own, instead of failing with a 500 until the copy expires.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterable
from typing import Any

from selfservice.core.shared_cache import SharedCache

__all__ = ["ReadAhead"]

logger = logging.getLogger("selfservice.cache")
_ABSENT = object()
#: What unpickling a copy written by an incompatible version raises (a class moved or renamed).
UNDECODABLE = (AttributeError, ImportError, EOFError, IndexError, TypeError, pickle.UnpicklingError)


class ReadAhead:
    """``cache`` with :meth:`read_ahead`; one per request (it holds that request's values)."""

    def __init__(self, cache: SharedCache) -> None:
        self.cache = cache
        self._ahead: dict[str, Any] = {}

    def read_ahead(self, keys: Iterable[str]) -> None:
        """Fetch ``keys`` in one round trip for the ``get`` calls to come."""
        wanted = list(dict.fromkeys(keys))
        try:
            found: dict[str, Any] = self.cache.get_many(wanted) if wanted else {}
        except UNDECODABLE:
            found = {key: value for key in wanted if (value := self.get(key, _ABSENT)) is not _ABSENT}
        self._ahead = {key: found.get(key, _ABSENT) for key in wanted}

    def get(self, key: str, default: Any = None) -> Any:
        if key in self._ahead:
            value = self._ahead.pop(key)
            return default if value is _ABSENT else value
        try:
            return self.cache.get(key, default)
        except UNDECODABLE as error:
            logger.warning("Cache entry %s cannot be decoded (%s: %s); read again.", key, type(error).__name__, error)
            return default

    def forget(self) -> None:
        """Drop every value read ahead (this request is about to change what they show)."""
        self._ahead.clear()

    def set(self, key: str, value: Any, timeout: Any = None) -> None:
        self.forget()
        self.cache.set(key, value, timeout=timeout)

    def add(self, key: str, value: Any, timeout: Any = None) -> bool:
        self.forget()
        return bool(self.cache.add(key, value, timeout=timeout))

    def delete(self, key: str) -> bool:
        self.forget()
        return bool(self.cache.delete(key))

"""The shared cache as the app uses it: while it cannot be reached, an empty cache that keeps nothing.

Everything the app shares between workers lives in Django's cache (``CACHE_ALIAS``, Redis in
production): the read cache, the Management token, Auth0's rate-limit state and the budget,
the request counters, the JWKS, the active preference schema. Called directly, a Redis that is
restarting, full of connections or unreachable made every account page a 500. Django's
``cached_db`` sessions read the database when the cache cannot be read (all the way with
``selfservice.login.session_store``); this does the same for the app.

:func:`shared_cache` hands out the alias's cache behind :class:`SharedCache`. While a call fails
with a connection error, the cache behaves as an empty one that stores nothing: a read misses,
a write is dropped, ``add`` succeeds (whoever asks holds the lock, opens the counter) and
``incr`` finds no key. So every page reads Auth0 directly, no local budget or request limit is
counted, and Auth0's own 429s still answer "busy": slower and dearer, but working. After a
failed call, the process leaves the cache alone for :data:`OUTAGE_RETRY_INTERVAL` seconds (a
Redis that times out would otherwise cost the timeout on every call). One warning is logged
per process and minute while it lasts. Only connection errors are absorbed: any other
error (a value that cannot be pickled, a bad key) is raised as before.
"""

from __future__ import annotations

import importlib
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.signals import setting_changed
from django.dispatch import receiver

__all__ = ["OUTAGE_ERRORS", "ProcessCopies", "SharedCache", "known_down", "mark_down", "process_copies", "shared_cache",
           "when_reachable", "when_reachable_async"]

logger = logging.getLogger("selfservice.cache")
T = TypeVar("T")


def _outage_errors() -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = [OSError]  # sockets: refused, reset, timed out (memcached too)
    try:
        from redis import exceptions as redis_errors  # Django's RedisCache and django-redis
    except ImportError:  # pragma: no cover - redis is optional
        pass
    else:
        found += [redis_errors.ConnectionError, redis_errors.TimeoutError]
    try:  # by name: django-redis ships no type information
        interrupted = importlib.import_module("django_redis.exceptions").ConnectionInterrupted
    except ImportError:  # pragma: no cover - depends on the site
        pass
    else:
        found.append(interrupted)
    return tuple(found)


#: The errors that mean "the cache cannot be reached", not "this call was wrong".
OUTAGE_ERRORS = _outage_errors()
WARNING_INTERVAL = 60.0
#: After a connection error, seconds before this process asks the cache again.
OUTAGE_RETRY_INTERVAL = 5.0
_last_warning: dict[str, float] = {}
_down_until: dict[str, float] = {}
_warning_lock = threading.Lock()


def shared_cache(alias: str) -> SharedCache:
    """The cache ``alias`` (``CACHE_ALIAS``, ``RATELIMIT_USE_CACHE``), surviving its outages."""
    return SharedCache(caches[alias], alias)


class ProcessCopies:
    """What a process keeps to stand in for the cache while it is down: a value per key, with its age."""

    def __init__(self) -> None:
        self._kept: dict[str, tuple[float, Any]] = {}

    def keep(self, key: str, value: Any) -> None:
        self._kept[key] = (time.monotonic(), value)

    def age(self, key: str) -> float:
        """Seconds since ``key`` was kept (infinite when it never was)."""
        return time.monotonic() - self._kept.get(key, (-math.inf, None))[0]

    def get(self, key: str, max_age: float) -> Any:
        """The value kept for ``key`` less than ``max_age`` seconds ago, else None."""
        return self._kept[key][1] if self.age(key) < max_age else None

    def clear(self) -> None:
        self._kept.clear()


_process_copies: list[ProcessCopies] = []


def process_copies() -> ProcessCopies:
    """A :class:`ProcessCopies` of a module's own.

    Emptied when the caches or the app's settings change (another tenant, another cache):
    a copy made under the old ones must not stand in for the new.
    """
    copies = ProcessCopies()
    _process_copies.append(copies)
    return copies


@receiver(setting_changed)
def _new_caches(*, setting: str, **kwargs: Any) -> None:
    """Other caches or settings (tests, a reload): an outage of theirs is news, warned at once."""
    if setting in ("CACHES", "RATELIMIT_USE_CACHE", "SELFSERVICE"):
        with _warning_lock:
            _last_warning.clear()
        _down_until.clear()
        for copies in _process_copies:
            copies.clear()


def known_down(alias: str) -> bool:
    """A call to cache ``alias`` failed less than :data:`OUTAGE_RETRY_INTERVAL` seconds ago here."""
    return time.monotonic() < _down_until.get(alias, 0.0)


def mark_down(alias: str, operation: str, error: BaseException) -> None:
    """A call to cache ``alias`` could not reach it: leave it alone for a while, warn (once a minute)."""
    _down_until[alias] = time.monotonic() + OUTAGE_RETRY_INTERVAL
    _warn(alias, operation, error)


def when_reachable(alias: str, operation: str, call: Callable[[], T], otherwise: Callable[[], T]) -> T:
    """``call()`` on cache ``alias``; ``otherwise()`` while it is known down or when ``call`` cannot reach it.

    After a connection error the cache is not asked again for :data:`OUTAGE_RETRY_INTERVAL`
    seconds (in this process): a Redis that times out instead of refusing would otherwise
    cost ``SOCKET_TIMEOUT`` on each of a page's cache calls.
    """
    if known_down(alias):
        return otherwise()
    try:
        return call()
    except OUTAGE_ERRORS as error:
        mark_down(alias, operation, error)
        return otherwise()


async def when_reachable_async(
    alias: str, operation: str, call: Callable[[], Awaitable[T]], otherwise: Callable[[], Awaitable[T]]
) -> T:
    """:func:`when_reachable` for coroutines (the session store's ``a...`` methods)."""
    if known_down(alias):
        return await otherwise()
    try:
        return await call()
    except OUTAGE_ERRORS as error:
        mark_down(alias, operation, error)
        return await otherwise()


def _warn(alias: str, operation: str, error: BaseException) -> None:
    now = time.monotonic()
    with _warning_lock:
        if now - _last_warning.get(alias, -WARNING_INTERVAL) < WARNING_INTERVAL:
            return
        _last_warning[alias] = now
    logger.warning(
        "The shared cache %r cannot be reached (%s on %s: %s); the account pages run without it: "
        "Auth0 is read on every view, and no local budget or request limit is counted.",
        alias, type(error).__name__, operation, error,
    )


class SharedCache:
    """The few ``BaseCache`` methods the app calls, each answering as an empty cache in an outage."""

    def __init__(self, cache: BaseCache, alias: str) -> None:
        self.cache = cache
        self.alias = alias
        #: False once a call through this object could not reach the cache: a miss may be an outage.
        self.reached = True

    def get(self, key: str, default: Any = None) -> Any:
        return self._call("get", lambda: self.cache.get(key, default), default)

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        return self._call("get_many", lambda: dict(self.cache.get_many(keys)), {})

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT) -> None:
        self._call("set", lambda: self.cache.set(key, value, timeout=timeout), None)

    def set_many(self, data: Mapping[str, Any], timeout: Any = DEFAULT_TIMEOUT) -> list[str]:
        return self._call("set_many", lambda: list(self.cache.set_many(dict(data), timeout=timeout) or []), list(data))

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT) -> bool:
        # In an outage nobody else can be seen holding the key: whoever asks holds it.
        return self._call("add", lambda: bool(self.cache.add(key, value, timeout=timeout)), True)

    def incr(self, key: str, delta: int = 1) -> int:
        found = self._call("incr", lambda: int(self.cache.incr(key, delta)), None)
        if found is None:
            raise ValueError(f"Key '{key}' not found")  # the Django cache API's "no such key"
        return found

    def delete(self, key: str) -> bool:
        return self._call("delete", lambda: bool(self.cache.delete(key)), False)

    def delete_many(self, keys: Iterable[str]) -> None:
        self._call("delete_many", lambda: self.cache.delete_many(keys), None)

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT) -> bool:
        return self._call("touch", lambda: bool(self.cache.touch(key, timeout=timeout)), False)

    def _call(self, operation: str, call: Callable[[], T], fallback: T) -> T:
        """``call()``, or ``fallback`` when the cache cannot be reached (see :func:`when_reachable`)."""
        return when_reachable(self.alias, operation, call, lambda: self._missed(fallback))

    def _missed(self, fallback: T) -> T:
        self.reached = False
        return fallback

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
counted, and Auth0's own 429s still answer "busy": slower and dearer, but working. One warning
is logged per process and minute while it lasts. Only connection errors are absorbed: any other
error (a value that cannot be pickled, a bad key) is raised as before.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.signals import setting_changed
from django.dispatch import receiver

__all__ = ["OUTAGE_ERRORS", "SharedCache", "process_copies", "shared_cache"]

logger = logging.getLogger("selfservice.cache")


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
_last_warning: dict[str, float] = {}
_warning_lock = threading.Lock()


def shared_cache(alias: str) -> SharedCache:
    """The cache ``alias`` (``CACHE_ALIAS``, ``RATELIMIT_USE_CACHE``), surviving its outages."""
    return SharedCache(caches[alias], alias)


_process_copies: list[dict[str, Any]] = []


def process_copies() -> dict[str, Any]:
    """A dict for what a process keeps to stand in for the cache while it is down.

    Emptied when the caches or the app's settings change (another tenant, another cache):
    a copy made under the old ones must not stand in for the new.
    """
    copies: dict[str, Any] = {}
    _process_copies.append(copies)
    return copies


@receiver(setting_changed)
def _new_caches(*, setting: str, **kwargs: Any) -> None:
    """Other caches or settings (tests, a reload): an outage of theirs is news, warned at once."""
    if setting in ("CACHES", "RATELIMIT_USE_CACHE", "SELFSERVICE"):
        with _warning_lock:
            _last_warning.clear()
        for copies in _process_copies:
            copies.clear()


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
        try:
            return self.cache.get(key, default)
        except OUTAGE_ERRORS as error:
            self._unreachable("get", error)
            return default

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        try:
            return dict(self.cache.get_many(keys))
        except OUTAGE_ERRORS as error:
            self._unreachable("get_many", error)
            return {}

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT) -> None:
        try:
            self.cache.set(key, value, timeout=timeout)
        except OUTAGE_ERRORS as error:
            self._unreachable("set", error)

    def set_many(self, data: Mapping[str, Any], timeout: Any = DEFAULT_TIMEOUT) -> list[str]:
        try:
            return list(self.cache.set_many(dict(data), timeout=timeout) or [])
        except OUTAGE_ERRORS as error:
            self._unreachable("set_many", error)
            return list(data)

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT) -> bool:
        try:
            return bool(self.cache.add(key, value, timeout=timeout))
        except OUTAGE_ERRORS as error:
            self._unreachable("add", error)
            return True  # nobody else can be seen holding it

    def incr(self, key: str, delta: int = 1) -> int:
        try:
            return int(self.cache.incr(key, delta))
        except OUTAGE_ERRORS as error:
            self._unreachable("incr", error)
            raise ValueError(f"Key '{key}' not found") from None  # the Django cache API's "no such key"

    def delete(self, key: str) -> bool:
        try:
            return bool(self.cache.delete(key))
        except OUTAGE_ERRORS as error:
            self._unreachable("delete", error)
            return False

    def delete_many(self, keys: Iterable[str]) -> None:
        try:
            self.cache.delete_many(keys)
        except OUTAGE_ERRORS as error:
            self._unreachable("delete_many", error)

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT) -> bool:
        try:
            return bool(self.cache.touch(key, timeout=timeout))
        except OUTAGE_ERRORS as error:
            self._unreachable("touch", error)
            return False

    def _unreachable(self, operation: str, error: BaseException) -> None:
        self.reached = False
        _warn(self.alias, operation, error)

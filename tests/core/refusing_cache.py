"""A cache backend whose every call fails as a dead Redis's would, counting the calls it got."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.base import BaseCache

CALLS: list[str] = []


class RefusingCache(BaseCache):
    """``CACHES = {"default": {"BACKEND": "tests.core.refusing_cache.RefusingCache"}}``."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)

    def _refuse(self, operation: str) -> None:
        CALLS.append(operation)
        raise ConnectionRefusedError(111, "Connection refused")

    def get(self, key: str, default: Any = None, version: Any = None) -> Any:
        self._refuse("get")

    def get_many(self, keys: Any, version: Any = None) -> Any:
        self._refuse("get_many")

    def set(self, key: str, value: Any, timeout: Any = None, version: Any = None) -> None:
        self._refuse("set")

    def add(self, key: str, value: Any, timeout: Any = None, version: Any = None) -> bool:
        self._refuse("add")
        return False

    def incr(self, key: str, delta: int = 1, version: Any = None) -> int:
        self._refuse("incr")
        return 0

    def delete(self, key: str, version: Any = None) -> bool:
        self._refuse("delete")
        return False

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._refuse("delete_many")

    def touch(self, key: str, timeout: Any = None, version: Any = None) -> bool:
        self._refuse("touch")
        return False

    def clear(self) -> None:
        self._refuse("clear")

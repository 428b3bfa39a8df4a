"""Markup rendered once and reused: a bounded in-process memo, emptied whenever a setting changes.

Why one class: the tab bar, the Sessions device icons and the Preferences fields each keep the
bytes a shipped template (or the code that writes them) produced under a key naming everything
those bytes depend on. They share the rules: the least recently used entry goes first past the
bound, rendering happens outside the lock (two threads may render the same key once each; both
answers are the same), and a setting change (tests; a live site never changes one) starts over,
since languages, URLconfs, templates and formats are settings.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from django.core.signals import setting_changed

__all__ = ["KeptMarkup"]

_every: weakref.WeakSet[KeptMarkup] = weakref.WeakSet()


class KeptMarkup:
    """At most ``limit`` strings by key; :meth:`get` renders a missing one with ``make``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._kept: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()
        _every.add(self)

    def get(self, key: Hashable, make: Callable[[], str]) -> str:
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        markup = make()
        with self._lock:
            self._kept[key] = markup
            while len(self._kept) > self.limit:
                self._kept.popitem(last=False)
        return markup

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


def _forget(**kwargs: Any) -> None:
    for memo in list(_every):
        memo.clear()


setting_changed.connect(_forget)

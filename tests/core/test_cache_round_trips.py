"""Cache round trips per tab view, counted: with Redis each one is a network round trip, so a
warm tab (every copy fresh) must cost the few reads it needs and no writes.

Counted on every cache the site uses (the read cache, sessions, rate-limit counters), through
the cache backend's own methods; the numbers are deterministic for a given request.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import BaseCache, caches
from django.test import Client
from django.urls import reverse

from selfservice.models import PreferenceSchema
from tests.conftest import CAROL, HTMX
from tests.preferences.preferences_schema import FULL_SCHEMA

RATELIMIT_PREFIX = "rl:"  # django-ratelimit's default RATELIMIT_CACHE_PREFIX
READS = ("get", "get_many", "has_key")
WRITES = ("set", "add", "incr", "decr", "set_many", "delete", "delete_many", "touch", "get_or_set")


@pytest.fixture
def cache_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[collections.Counter[tuple[str, str]]]:
    """(operation, "limits" for django-ratelimit's counters or "site" for the rest) -> calls.

    One call is one round trip: what a backend's ``get_many`` does through its own ``get``
    (LocMem) is not counted again (Redis answers it in one).
    """
    counted: collections.Counter[tuple[str, str]] = collections.Counter()
    depth = [0]
    backends = {type(caches[alias]) for alias in settings.CACHES}  # LocMem here, Redis in the PostgreSQL run
    for backend in backends:
        for name in (*READS, *WRITES):
            original = getattr(backend, name)

            def counting(self: BaseCache, *args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
                key = str(args[0]) if args else ""
                if not depth[0]:
                    counted[_name, "limits" if key.startswith(RATELIMIT_PREFIX) else "site"] += 1
                depth[0] += 1
                try:
                    return _original(self, *args, **kwargs)
                finally:
                    depth[0] -= 1

            monkeypatch.setattr(backend, name, counting)
    yield counted


#: The cache round trips a warm htmx view of each tab needs (Carol: 40 sessions, several methods).
WARM_READS = {
    "general": 1,  # the user
    "preferences": 1,  # the active schema and the user, read ahead together
    "security": 1,  # the tenant's factors, the methods, an enrollment in progress, read ahead together
    "sessions": 1,  # the listing
}


@pytest.mark.usefixtures("one_minute_window")  # the read limits' counters: one window for the whole test
@pytest.mark.parametrize("tab", list(WARM_READS))
def test_a_warm_tab_reads_what_it_shows_and_writes_nothing(
    client_for: Callable[[str], Client], cache_calls: collections.Counter[tuple[str, str]], tab: str
) -> None:
    PreferenceSchema.objects.create(name="t", version=1, schema=FULL_SCHEMA, is_active=True)
    carol = client_for(CAROL)
    for visited in WARM_READS:  # a visit of every tab reads Auth0 once and fills the copies
        assert carol.get(reverse(f"selfservice:{visited}"), headers=HTMX).status_code == 200
    url = reverse(f"selfservice:{tab}")
    cache_calls.clear()

    assert carol.get(url, headers=HTMX).status_code == 200

    calls = dict(cache_calls)
    assert sum(cache_calls[name, "site"] for name in WRITES) == 0, calls
    assert sum(cache_calls[name, "site"] for name in READS) == WARM_READS[tab], calls
    # The read limits, per user and per IP: one incr each (the window's counters exist already).
    assert {op: n for (op, kind), n in cache_calls.items() if kind == "limits"} == {"incr": 2}, calls


def test_the_first_request_of_a_window_adds_its_counters(
    client_for: Callable[[str], Client], cache_calls: collections.Counter[tuple[str, str]]
) -> None:
    carol = client_for(CAROL)
    cache_calls.clear()

    assert carol.get(reverse("selfservice:sessions"), headers=HTMX).status_code == 200

    # incr finds no counter (ValueError), add creates it: per user and per IP.
    assert {op: n for (op, kind), n in cache_calls.items() if kind == "limits"} == {"incr": 2, "add": 2}

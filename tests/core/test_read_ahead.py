"""ReadAhead: one round trip for a request's next reads, never a value older than its own change.

Through the tabs, tests/core/test_cache_round_trips.py counts the round trips (Security and
Preferences: one each); here the rules that keep a value read ahead honest.
"""

from __future__ import annotations

import pytest
from django.core.cache import caches

from selfservice.core.read_ahead import ReadAhead


def cache() -> ReadAhead:
    backend = caches["default"]
    backend.set_many({"ahead:a": "a1", "ahead:b": "b1"})
    backend.delete("ahead:missing")
    return ReadAhead(backend)


def test_each_value_read_ahead_serves_the_first_get_only() -> None:
    ahead = cache()
    assert ahead.read_ahead(["ahead:a", "ahead:b", "ahead:missing"]) == {"ahead:a": "a1", "ahead:b": "b1"}
    caches["default"].set("ahead:a", "a2")  # another worker's write, after the read ahead

    assert ahead.get("ahead:a") == "a1"  # what the round trip brought, as if read then
    assert ahead.get("ahead:a") == "a2"  # the next read asks the cache
    assert ahead.get("ahead:missing", "none") == "none"  # known absent, without asking
    caches["default"].set("ahead:missing", "m1")
    assert ahead.get("ahead:missing") == "m1"


@pytest.mark.parametrize("change", ["set", "add", "delete", "forget"])
def test_a_change_through_it_drops_every_value_read_ahead(change: str) -> None:
    ahead = cache()
    ahead.read_ahead(["ahead:a", "ahead:b"])
    caches["default"].set("ahead:b", "b2")
    if change == "set":
        ahead.set("ahead:a", "a3")
    elif change == "add":
        ahead.add("ahead:new", 1)
    elif change == "delete":
        ahead.delete("ahead:new")
    else:
        ahead.forget()

    assert ahead.get("ahead:b") == "b2"  # not b1, read ahead before the change
    assert ahead.get("ahead:a") == ("a3" if change == "set" else "a1")

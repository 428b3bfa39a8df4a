"""ReadAhead: one round trip for a request's next reads, never a value older than its own change.

Through the tabs, tests/core/test_cache_round_trips.py counts the round trips (Security and
Preferences: one each); here the rules that keep a value read ahead honest.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from selfservice.conf import get_settings
from selfservice.core.cache_entries import entry_key
from selfservice.core.read_ahead import ReadAhead
from selfservice.emulator import Emulator
from tests.conftest import CAROL


def cache() -> ReadAhead:
    backend = caches["default"]
    backend.set_many({"ahead:a": "a1", "ahead:b": "b1"})
    backend.delete("ahead:missing")
    return ReadAhead(backend)


def test_each_value_read_ahead_serves_the_first_get_only() -> None:
    ahead = cache()
    ahead.read_ahead(["ahead:a", "ahead:b", "ahead:missing"])
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


class Moved:
    """Stands for a class of another version of the app: pickled here, gone when read back."""


@pytest.mark.parametrize(("url", "kind"), [("selfservice:general", "user"), ("selfservice:sessions", "sessions"),
                                           ("selfservice:security", "methods")])
def test_a_copy_another_version_wrote_that_cannot_be_decoded_is_read_again_not_a_500(
    client_for: Callable[[str], Client], tenant: Emulator, caplog: pytest.LogCaptureFixture, url: str, kind: str
) -> None:
    client = client_for(CAROL)
    assert client.get(reverse(url)).status_code == 200
    key = entry_key(get_settings(), kind, CAROL)
    caches[get_settings().cache_alias].set(key, Moved(), timeout=60)
    del globals()["Moved"]  # unpickling now fails as it would on a class that moved
    try:
        calls = len(tenant.requests())
        response = client.get(reverse(url))
    finally:
        globals()["Moved"] = type("Moved", (), {"__module__": __name__, "__qualname__": "Moved"})

    assert response.status_code == 200
    assert len(tenant.requests()) > calls  # read again from the tenant
    assert any("cannot be decoded" in record.getMessage() for record in caplog.records)
    assert client.get(reverse(url)).status_code == 200

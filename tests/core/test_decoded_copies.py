"""Large cached copies (the session listing, the MFA methods) are decoded once per process.

The shared cache keeps them as bytes with a digest; each process decodes a digest once. Counted
through the tabs: warm views decode nothing again, and a copy replaced in the shared cache (a
refresh here, or another worker's write) is what the next view shows.
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from selfservice.core import decoded_copies
from selfservice.core.decoded_copies import MEMO_BYTES, pack, unpack
from selfservice.emulator import Emulator
from tests.conftest import CAROL, HTMX

SESSIONS = reverse("selfservice:sessions")
SECURITY = reverse("selfservice:security")


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The payload sizes :func:`unpack` decoded (the memo emptied first)."""
    decoded_copies.forget_decoded()
    seen: list[int] = []
    original = pickle.loads

    def counting(data: bytes, *args: Any, **kwargs: Any) -> Any:
        if sys._getframe(1).f_globals["__name__"] == decoded_copies.__name__:  # not the cache backend's own
            seen.append(len(data))
        return original(data, *args, **kwargs)

    monkeypatch.setattr(pickle, "loads", counting)
    yield seen
    decoded_copies.forget_decoded()


def test_warm_sessions_and_security_views_decode_each_copy_once(
    client_for: Callable[[str], Client], decodes: list[int]
) -> None:
    client = client_for(CAROL)
    for url in (SESSIONS, SECURITY):
        assert client.get(url).status_code == 200  # cold: read from Auth0, stored packed
    decoded_copies.forget_decoded()  # as a worker that did not make those reads
    decodes.clear()

    for _ in range(5):
        for url in (SESSIONS, f"{SESSIONS}?page=2", SECURITY):
            assert client.get(url, headers=HTMX).status_code == 200

    assert len(decodes) == 2  # the listing once, the methods once, for 15 views
    assert max(decodes) > 10_000  # Carol's 40 sessions


def test_a_listing_replaced_in_the_shared_cache_is_what_the_next_view_shows(
    client_for: Callable[[str], Client], tenant: Emulator, decodes: list[int]
) -> None:
    client = client_for(CAROL)
    before = client.get(SESSIONS).content.decode()
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    tenant.add_session(CAROL, {
        "id": "brand-new", "created_at": now, "last_interacted_at": now,
        "expires_at": (datetime.now(UTC) + timedelta(days=3)).isoformat().replace("+00:00", "Z"),
        "device": {"last_user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"},
    })
    assert "Firefox 140" not in client.get(SESSIONS).content.decode()  # the copy is still fresh

    assert client.get(f"{SESSIONS}?refresh=1").status_code == 200  # stores a new listing: a new digest
    after = client.get(SESSIONS).content.decode()  # a plain view, through the memo

    assert "Firefox 140" not in before and "You are signed in on 40 devices" in before
    assert "Firefox 140" in after and "You are signed in on 41 devices" in after


def test_the_memo_keeps_at_most_its_byte_budget_and_decodes_again_what_it_dropped(decodes: list[int]) -> None:
    size = 256 * 1024
    packed = [pack((index, b"x" * size)) for index in range(2 * MEMO_BYTES // size)]

    values = [unpack(item) for item in packed]
    decodes.clear()
    assert unpack(packed[-1]) == values[-1] and decodes == []  # recent: kept
    assert unpack(packed[0]) == (0, b"x" * size) and len(decodes) == 1  # the oldest was dropped
    assert len(packed) * size > 1.9 * MEMO_BYTES

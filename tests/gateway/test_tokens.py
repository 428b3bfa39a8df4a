"""The Management token: one fetch shared through Django's cache, refreshed before expiry."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core.cache import caches

from selfservice.conf import get_settings
from selfservice.gateway import UpstreamRateLimited, UpstreamUnavailable, get_gateway
from selfservice.gateway import tokens as tokens_module
from selfservice.gateway.auth0 import connection
from selfservice.gateway.tokens import cache_key

ALICE = "auth0|alice"
TOKEN_PATH = r"^/oauth/token$"
LIFETIME = 86400  # what the emulator (and Auth0 by default) gives M2M tokens


def _entry() -> dict[str, Any]:
    return caches["default"].get(cache_key(get_settings(), "mgmt-token"))


def _lock_key() -> str:
    return cache_key(get_settings(), "mgmt-token-lock")


def _clock_at(monkeypatch: pytest.MonkeyPatch, seconds_from_now: float) -> None:
    real = time.time
    monkeypatch.setattr(tokens_module, "_now", lambda: real() + seconds_from_now)


def test_the_token_is_fetched_once_and_reused_by_every_gateway_instance(
    gateway: Any, alice: Any, emulator: Any
) -> None:
    for _ in range(5):
        get_gateway().get_user(ALICE)

    assert emulator.count("POST", TOKEN_PATH) == 1
    assert emulator.count("GET", r"^/api/v2/users/") == 5


def test_the_token_request_is_the_form_post_auth0s_token_provider_sends(
    gateway: Any, alice: Any, emulator: Any
) -> None:
    received: list[dict[str, str]] = []
    original = emulator.app.handle

    def spy(request: Any) -> Any:
        if request.path == "/oauth/token":
            received.append({"content-type": request.headers.get("content-type", ""), **request.form()})
        return original(request)

    emulator.app.handle = spy
    try:
        gateway.get_user(ALICE)
    finally:
        emulator.app.handle = original

    assert received == [
        {
            "content-type": "application/x-www-form-urlencoded",
            "grant_type": "client_credentials",
            "client_id": "selfservice-m2m",
            "client_secret": "selfservice-m2m-secret",
            "audience": "https://tenant.emulator.test/api/v2/",
        }
    ]


def test_the_cached_token_carries_its_expiry_and_refresh_time_and_no_secret_in_the_key(
    gateway: Any, alice: Any
) -> None:
    before = time.time()
    gateway.get_user(ALICE)

    entry = _entry()
    key = cache_key(get_settings(), "mgmt-token")
    assert key.startswith("selfservice:mgmt-token:") and "secret" not in key and "m2m" not in key
    assert before + LIFETIME - 5 <= entry["expires_at"] <= time.time() + LIFETIME
    assert entry["expires_at"] - entry["refresh_at"] == pytest.approx(300)  # TOKEN_REFRESH_MARGIN


def test_a_margin_longer_than_the_lifetime_refreshes_at_half_life(gateway: Any, alice: Any, configure: Any) -> None:
    configure(TOKEN_REFRESH_MARGIN=LIFETIME * 2)

    get_gateway().get_user(ALICE)

    entry = _entry()
    assert entry["expires_at"] - entry["refresh_at"] == pytest.approx(LIFETIME / 2)


def test_tokens_of_different_clients_are_cached_apart(gateway: Any, alice: Any, emulator: Any, configure: Any) -> None:
    first_key = cache_key(get_settings(), "mgmt-token")
    configure(AUTH0_CLIENT_ID="other-client")

    assert cache_key(get_settings(), "mgmt-token") != first_key


def test_a_token_within_the_refresh_margin_is_replaced(
    gateway: Any, alice: Any, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway.get_user(ALICE)
    first_expiry = _entry()["expires_at"]

    _clock_at(monkeypatch, LIFETIME - 299)  # 299 s left, margin 300 s
    get_gateway().get_user(ALICE)

    assert emulator.count("POST", TOKEN_PATH) == 2
    assert _entry()["expires_at"] >= first_expiry + LIFETIME - 300  # stored as fetched "now"


def test_a_token_outside_the_refresh_margin_is_kept(
    gateway: Any, alice: Any, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway.get_user(ALICE)

    _clock_at(monkeypatch, LIFETIME - 400)
    get_gateway().get_user(ALICE)

    assert emulator.count("POST", TOKEN_PATH) == 1


def test_while_another_worker_refreshes_the_still_valid_token_is_used(
    gateway: Any, alice: Any, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway.get_user(ALICE)
    caches["default"].add(_lock_key(), "another-worker", timeout=60)
    _clock_at(monkeypatch, LIFETIME - 100)

    get_gateway().get_user(ALICE)

    assert emulator.count("POST", TOKEN_PATH) == 1
    assert emulator.count("GET", r"^/api/v2/users/") == 2


def test_a_failed_early_refresh_keeps_using_the_still_valid_token(
    gateway: Any, alice: Any, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway.get_user(ALICE)
    emulator.add_fault(TOKEN_PATH, status=503, times=1)
    _clock_at(monkeypatch, LIFETIME - 100)

    assert get_gateway().get_user(ALICE).user_id == ALICE
    assert [r["status"] for r in emulator.requests() if r["path"] == "/oauth/token"] == [200, 503]


def _signal_when_a_worker_waits(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """The returned event fires once a worker polls for a token another worker is fetching."""
    waiting = threading.Event()
    real_pause = tokens_module._pause

    def pause() -> None:
        waiting.set()
        real_pause()

    monkeypatch.setattr(tokens_module, "_pause", pause)
    return waiting


def _hold_token_requests(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """The tenant answers token requests only once the returned event is set."""
    release = threading.Event()
    original = emulator.app.handle

    def held(request: Any) -> Any:
        if request.path == "/oauth/token":
            release.wait(10)
        return original(request)

    monkeypatch.setattr(emulator.app, "handle", held)
    return release


def _two_workers_reading(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """Worker one starts fetching the token (held at the tenant); worker two asks while it does.

    Returns both futures once worker two is polling, with the tenant's answer released.
    """
    waiting = _signal_when_a_worker_waits(monkeypatch)
    release = _hold_token_requests(emulator, monkeypatch)
    pool = ThreadPoolExecutor(2)
    first = pool.submit(lambda: get_gateway().get_user(ALICE))
    deadline = time.monotonic() + 5
    while caches["default"].get(_lock_key()) is None and time.monotonic() < deadline:
        time.sleep(0.005)  # until worker one holds the fetch lock
    second = pool.submit(lambda: get_gateway().get_user(ALICE))
    assert waiting.wait(5), "worker two waits for worker one's token"
    release.set()
    pool.shutdown(wait=False)
    return first, second


def test_a_worker_without_a_token_waits_for_the_one_being_fetched_instead_of_fetching(
    gateway: Any, alice: Any, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _two_workers_reading(emulator, monkeypatch)

    assert first.result(5).user_id == ALICE and second.result(5).user_id == ALICE
    assert emulator.count("POST", TOKEN_PATH) == 1
    assert emulator.count("GET", r"^/api/v2/users/") == 2
    assert caches["default"].get(_lock_key()) is None


def test_waiters_report_the_error_the_fetching_worker_hit(
    gateway: Any, alice: Any, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator.add_fault(TOKEN_PATH, status=429, headers={"Retry-After": "9"}, times=1)
    first, second = _two_workers_reading(emulator, monkeypatch)

    for worker in (first, second):
        with pytest.raises(UpstreamRateLimited) as caught:
            worker.result(5)
        assert caught.value.retry_after == 9
    assert emulator.count("POST", TOKEN_PATH) == 1
    assert emulator.count("GET", r"^/api/v2/users/") == 0


def test_a_waiter_gives_up_when_the_fetch_outlives_its_lock(
    gateway: Any, alice: Any, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    caches["default"].add(_lock_key(), "another-worker", timeout=60)  # a worker that never finishes
    ticks = iter(range(0, 10_000, 5))  # every look at the clock: 5 s later
    real = time.time()
    monkeypatch.setattr(tokens_module, "_now", lambda: real + next(ticks))

    with pytest.raises(UpstreamUnavailable, match="Timed out waiting"):
        get_gateway().get_user(ALICE)

    assert emulator.requests() == []


def test_invalidate_only_drops_the_token_it_was_told_about(gateway: Any, alice: Any) -> None:
    gateway.get_user(ALICE)
    token_source = connection(get_settings()).token
    current = _entry()["access_token"]

    token_source.invalidate("an-older-token")
    assert _entry()["access_token"] == current

    token_source.invalidate(current)
    assert _entry() is None


def test_a_hundred_calls_from_four_threads_share_one_token_request(gateway: Any, alice: Any, emulator: Any) -> None:
    start = threading.Barrier(4)

    def work() -> int:
        start.wait()
        return sum(get_gateway().get_user(ALICE).user_id == ALICE for _ in range(25))

    with ThreadPoolExecutor(4) as pool:
        done = [f.result() for f in [pool.submit(work) for _ in range(4)]]

    assert sum(done) == 100
    assert emulator.count("POST", TOKEN_PATH) == 1
    assert emulator.count("GET", r"^/api/v2/users/") == 100

"""The same gateway over a real socket (``AUTH0_BASE_URL``), plus what only a socket can show.

The in-process transport never times out and never refuses a connection, so timeouts and
connection errors are tested here.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from selfservice.gateway import NotFound, UpstreamRateLimited, UpstreamUnavailable, get_gateway

ALICE = "auth0|alice"
USER_PATH = r"^/api/v2/users/auth0\|alice$"


def _eventually(condition: Any, within: float = 10.0) -> bool:
    """Wait for the socket server to log a request that is still being served (not a timing check)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())


def test_profile_calls_work_over_the_socket_with_one_shared_token(socket_emulator: Any, alice: Any) -> None:
    profile = get_gateway().get_user(ALICE)
    updated = get_gateway().update_metadata(ALICE, {"theme": "light"})

    assert profile.email == "alice@example.com"
    assert updated.user_metadata == {"theme": "light", "language": "en"}
    assert socket_emulator.count("POST", "^/oauth/token$") == 1
    assert [(r["method"], r["path"]) for r in socket_emulator.requests()] == [
        ("POST", "/oauth/token"),
        ("GET", "/api/v2/users/auth0|alice"),
        ("PATCH", "/api/v2/users/auth0|alice"),
    ]


def test_session_calls_work_over_the_socket(socket_emulator: Any, alice: Any) -> None:
    gateway = get_gateway()
    first, second = gateway.list_sessions(ALICE).sessions

    gateway.revoke_session(first.id)

    assert [s.id for s in gateway.all_sessions(ALICE)] == [second.id]
    assert gateway.get_session(second.id).device.last_ip == second.device.last_ip


def test_authentication_methods_cost_one_request_over_the_socket(socket_emulator: Any, alice: Any) -> None:
    methods = get_gateway().list_authentication_methods(ALICE)

    assert [m.type for m in methods] == ["totp", "phone"]
    assert socket_emulator.count("GET", "authentication-methods") == 1


def test_enrollment_tickets_point_at_the_tenant_over_the_socket(socket_emulator: Any, alice: Any) -> None:
    ticket = get_gateway().create_enrollment_ticket(ALICE, "otp")

    assert "/mfa/enrollment?ticket=" in ticket.ticket_url


def test_errors_map_the_same_over_the_socket(socket_emulator: Any, alice: Any) -> None:
    with pytest.raises(NotFound):
        get_gateway().get_user("auth0|nobody")
    socket_emulator.add_fault(USER_PATH, status=429, headers={"Retry-After": "3"}, times=1)

    with pytest.raises(UpstreamRateLimited) as caught:
        get_gateway().get_user(ALICE)
    assert caught.value.retry_after == 3
    assert socket_emulator.count("GET", USER_PATH) == 1

    # Until then no worker sends that bucket anything: refused here, with the wait left.
    with pytest.raises(UpstreamRateLimited) as again:
        get_gateway().get_user(ALICE)
    assert 1 <= again.value.retry_after <= 3
    assert socket_emulator.count("GET", USER_PATH) == 1


def test_a_call_slower_than_the_timeout_is_unavailable_after_one_request(
    socket_emulator: Any, alice: Any, configure: Any
) -> None:
    configure(TIMEOUT=0.2)
    get_gateway().list_factors()  # the token is fetched before the slow call
    socket_emulator.add_fault(USER_PATH, method="GET", latency_ms=800)

    with pytest.raises(UpstreamUnavailable) as caught:
        get_gateway().get_user(ALICE)

    assert caught.value.status is None
    assert _eventually(lambda: socket_emulator.count("GET", USER_PATH) >= 1)
    assert socket_emulator.count("GET", USER_PATH) == 1


def test_a_token_request_slower_than_the_timeout_is_unavailable(
    socket_emulator: Any, alice: Any, configure: Any
) -> None:
    configure(TIMEOUT=0.2)
    socket_emulator.add_fault("^/oauth/token$", latency_ms=800)

    with pytest.raises(UpstreamUnavailable, match="in time"):
        get_gateway().get_user(ALICE)

    assert _eventually(lambda: socket_emulator.count("POST", "^/oauth/token$") >= 1)
    assert socket_emulator.count(path="^/api/v2/") == 0


def test_an_origin_that_refuses_connections_is_unavailable(settings: Any, configure: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the socket is closed
    configure(AUTH0_DOMAIN=f"127.0.0.1:{port}", AUTH0_BASE_URL=f"http://127.0.0.1:{port}", AUTH0_TRANSPORT=None)

    with pytest.raises(UpstreamUnavailable, match="could not be reached"):
        get_gateway().get_user(ALICE)


def test_a_management_call_to_an_origin_that_went_away_is_unavailable_without_retrying(
    socket_emulator: Any, alice: Any, configure: Any
) -> None:
    get_gateway().get_user(ALICE)  # the token is cached under the tenant domain
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    configure(AUTH0_BASE_URL=f"http://127.0.0.1:{port}")

    with pytest.raises(UpstreamUnavailable, match="could not be reached"):
        get_gateway().get_user(ALICE)

    assert socket_emulator.count("POST", "^/oauth/token$") == 1

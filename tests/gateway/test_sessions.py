"""Session listing (cursor pages), reading, revoking and ending all of a user's sessions."""

from __future__ import annotations

from typing import Any

import pytest

from selfservice.gateway import NotFound, Session, SessionPage, UpstreamMisconfigured

ALICE = "auth0|alice"


def _many_sessions(emulator: Any, count: int) -> None:
    emulator.add_user(
        {
            "user_id": "auth0|carol",
            "sessions": [
                {"created_at": f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}.000Z", "device": {"last_ip": f"10.0.0.{i}"}}
                for i in range(count)
            ],
        }
    )


def test_list_sessions_returns_a_page_of_session_dataclasses(gateway: Any, alice: Any, emulator: Any) -> None:
    page = gateway.list_sessions(ALICE)

    assert isinstance(page, SessionPage)
    assert page.next_cursor is None
    assert {s.device.last_user_agent for s in page.sessions} == {"Firefox", "Safari"}
    session = page.sessions[0]
    assert isinstance(session, Session)
    assert session.user_id == ALICE
    assert session.client_ids == ("selfservice-web",)
    assert [a.name for a in session.authentication] == ["pwd"]
    for moment in (session.created_at, session.expires_at, session.idle_expires_at, session.last_interacted_at):
        assert moment is not None and moment.tzinfo is not None
    assert emulator.count("GET", r"/sessions$") == 1


def test_list_sessions_follows_the_cursor_one_page_at_a_time(gateway: Any, emulator: Any) -> None:
    _many_sessions(emulator, 7)

    first = gateway.list_sessions("auth0|carol", take=3)
    second = gateway.list_sessions("auth0|carol", cursor=first.next_cursor, take=3)
    last = gateway.list_sessions("auth0|carol", cursor=second.next_cursor, take=3)

    assert [len(p.sessions) for p in (first, second, last)] == [3, 3, 1]
    assert last.next_cursor is None
    ids = [s.id for p in (first, second, last) for s in p.sessions]
    assert len(set(ids)) == 7
    assert emulator.count("GET", r"/sessions$") == 3


def test_list_sessions_never_asks_for_more_than_fifty(gateway: Any, emulator: Any) -> None:
    _many_sessions(emulator, 3)

    gateway.list_sessions("auth0|carol", take=500)

    assert "take=50" in emulator.requests()[-1]["query"]


def test_all_sessions_reads_every_page(gateway: Any, emulator: Any) -> None:
    _many_sessions(emulator, 120)

    sessions = gateway.all_sessions("auth0|carol")

    assert len({s.id for s in sessions}) == 120
    assert emulator.count("GET", r"/sessions$") == 3


def test_list_sessions_of_an_unknown_user_is_not_found(gateway: Any) -> None:
    with pytest.raises(NotFound):
        gateway.list_sessions("auth0|nobody")


def test_a_tenant_without_session_endpoints_is_reported_plainly(gateway: Any, alice: Any, emulator: Any) -> None:
    emulator.configure(sessions_enabled=False)

    with pytest.raises(UpstreamMisconfigured) as caught:
        gateway.list_sessions(ALICE)

    assert caught.value.status == 403
    assert "sessions feature is not enabled" in caught.value.message
    assert emulator.count("GET", r"/sessions$") == 1


def test_get_session_returns_one_session(gateway: Any, alice: Any) -> None:
    listed = gateway.list_sessions(ALICE).sessions[0]

    assert gateway.get_session(listed.id) == listed


def test_get_session_that_does_not_exist_is_not_found(gateway: Any, alice: Any) -> None:
    with pytest.raises(NotFound):
        gateway.get_session("no-such-session")


def test_revoke_session_ends_that_session_only_through_the_revoke_endpoint(
    gateway: Any, alice: Any, emulator: Any
) -> None:
    first, second = gateway.list_sessions(ALICE).sessions

    gateway.revoke_session(first.id)

    assert set(emulator.tenant.sessions) == {second.id}
    assert emulator.tenant.revoked_refresh_tokens == 1
    assert emulator.count("POST", f"^/api/v2/sessions/{first.id}/revoke$") == 1
    assert emulator.count("DELETE") == 0


def test_revoke_session_that_does_not_exist_is_not_found(gateway: Any, alice: Any) -> None:
    with pytest.raises(NotFound):
        gateway.revoke_session("no-such-session")


def test_delete_user_sessions_ends_every_session_of_the_user(gateway: Any, alice: Any, emulator: Any) -> None:
    gateway.delete_user_sessions(ALICE)

    assert emulator.tenant.sessions == {}
    assert gateway.list_sessions(ALICE).sessions == ()

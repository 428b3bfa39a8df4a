"""The emulator's ``DELETE /api/v2/users/{id}`` is Auth0's: 204, the user's sessions and methods gone, 404 after."""

from __future__ import annotations

import pytest

from selfservice.emulator import Emulator
from selfservice.gateway import NotFound, get_gateway
from tests.conftest import ALICE, CAROL

pytestmark = pytest.mark.django_db


def statuses(tenant: Emulator, method: str) -> list[int]:
    return [r["status"] for r in tenant.requests() if r["method"] == method and r["path"].startswith("/api/v2/users/")]


def test_deleting_a_user_answers_204_and_takes_its_sessions_and_methods(tenant: Emulator) -> None:
    sessions = [s["id"] for s in tenant.tenant.user_sessions(CAROL)]
    tenant.tenant.sso["cookie-of-carol"] = sessions[0]
    alice_sessions = len(tenant.tenant.user_sessions(ALICE))
    tenant.clear_requests()

    get_gateway().delete_user(CAROL)

    assert statuses(tenant, "DELETE") == [204]
    assert tenant.user(CAROL) is None and CAROL not in tenant.tenant.methods
    assert not any(sid in tenant.tenant.sessions for sid in sessions)
    assert "cookie-of-carol" not in tenant.tenant.sso  # no SSO back into a deleted account
    assert len(tenant.tenant.user_sessions(ALICE)) == alice_sessions and tenant.user(ALICE) is not None


def test_after_the_deletion_reads_are_404_and_deleting_again_is_204(tenant: Emulator) -> None:
    get_gateway().delete_user(CAROL)
    tenant.clear_requests()
    gateway = get_gateway()

    with pytest.raises(NotFound):
        gateway.get_user(CAROL)
    with pytest.raises(NotFound):
        gateway.list_authentication_methods(CAROL)
    with pytest.raises(NotFound):
        gateway.list_sessions(CAROL)
    with pytest.raises(NotFound):
        gateway.delete_user_sessions(CAROL)
    gateway.delete_user(CAROL)  # already gone: Auth0 answers 204 (auth0-facts.md §2.3)

    assert statuses(tenant, "GET") == [404, 404, 404] and statuses(tenant, "DELETE") == [404, 204]

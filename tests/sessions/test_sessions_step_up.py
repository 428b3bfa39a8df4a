"""Step-up on the Sessions tab: signing out everywhere else needs a recent sign-in."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from selfservice.core.adapter import DefaultAdapter
from selfservice.core.step_up import PENDING_KEY
from selfservice.emulator import Emulator
from selfservice.models import AuditEvent
from tests.conftest import ALICE, HTMX, signed_in_at
from tests.security.test_security_step_up import assert_confirm_its_you, step_up_url
from tests.sessions.test_sessions import OTHERS_URL, alices, mutations, post_from_current, set_current, timeline  # noqa: F401

pytestmark = pytest.mark.usefixtures("timeline")


@pytest.fixture
def old_alice(logged_in_client: Client) -> Client:
    """Alice on the "current" session of the timeline, signed in an hour ago."""
    signed_in_at(logged_in_client, seconds_ago=3600)
    set_current(logged_in_client, "current")
    return logged_in_client


def test_an_old_sign_in_cannot_sign_out_everywhere_else(old_alice: Client, tenant: Emulator) -> None:
    plain, _ = post_from_current(old_alice, tenant, OTHERS_URL, {"page": "2"})
    htmx, calls = post_from_current(old_alice, tenant, OTHERS_URL, {"page": "2"}, headers=HTMX)

    assert_confirm_its_you(plain, f"{OTHERS_URL}?page=2")
    assert "You are about to sign out of every other device and browser." in plain.content.decode()
    assert htmx["HX-Redirect"] == step_up_url(f"{OTHERS_URL}?page=2", "sessions.revoke_others")
    assert tenant.requests() == [] and mutations(tenant) == 0 and calls == []
    assert sorted(alices(tenant)) == ["current", "middle", "newest-idle", "oldest-busy"]
    assert not AuditEvent.objects.filter(action="session.revoke_others").exists()
    assert old_alice.session[PENDING_KEY] == ALICE


def test_the_confirm_step_asks_for_the_step_up_first(old_alice: Client, tenant: Emulator) -> None:
    tenant.clear_requests()

    response = old_alice.get(OTHERS_URL, {"page": "3"})

    assert_confirm_its_you(response, f"{OTHERS_URL}?page=3")
    assert 'href="/account/sessions/">Cancel</a>' in response.content.decode()
    assert tenant.requests() == []


def test_after_signing_in_again_the_confirm_step_and_its_post_work_as_before(
    old_alice: Client, tenant: Emulator
) -> None:
    signed_in_at(old_alice)  # back from the step-up

    step = old_alice.get(OTHERS_URL, {"page": "2"})
    response, calls = post_from_current(old_alice, tenant, OTHERS_URL, {"page": "2"})

    assert "Sign out of every other device and browser?" in step.content.decode()
    assert '<input type="hidden" name="page" value="2">' in step.content.decode()
    assert response.status_code == 302 and alices(tenant) == ["current"]
    assert sorted(c["session_id"] for c in calls) == ["middle", "newest-idle", "oldest-busy"]


def test_revoking_one_other_session_needs_no_step_up(old_alice: Client, tenant: Emulator) -> None:
    from tests.sessions.test_sessions import revoke_url

    response, _ = post_from_current(old_alice, tenant, revoke_url("middle"))

    assert response.status_code == 302 and "middle" not in alices(tenant)


def test_a_site_adapter_decides_per_action(old_alice: Client, tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "ADAPTER": f"{__name__}.SessionsWithoutStepUp"}

    response, _ = post_from_current(old_alice, tenant, OTHERS_URL)

    assert response.status_code == 302 and alices(tenant) == ["current"]


class SessionsWithoutStepUp(DefaultAdapter):
    def requires_recent_login(self, request: Any, action: str) -> bool:
        return action != "sessions.revoke_others" and super().requires_recent_login(request, action)

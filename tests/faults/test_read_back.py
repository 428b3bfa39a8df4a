"""After a change whose answer was lost, the page says what is true: it reads the state back.

Three outcomes for each change: Auth0 made it (the answer was lost on the way back) → done;
Auth0 answered with something unreadable and did not make it → not done, with the fresh list;
the read-back fails too → "we could not confirm" (the only honest thing left to say).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from selfservice.emulator import Emulator
from selfservice.models import AuditEvent, PreferenceSchema
from tests.conftest import ALICE, HTMX
from tests.factories import Auth0UserFactory
from tests.faults.lost_answers import lose_answers
from tests.preferences.preferences_schema import FULL_SCHEMA, METADATA
from tests.preferences.test_preferences import DANA, form_data

SECURITY = reverse("selfservice:security")
SESSIONS = reverse("selfservice:sessions")
GENERAL = reverse("selfservice:general")
GARBAGE = "<html>a proxy's error page</html>"
BOTH = pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def shown(client: Client, response: Any) -> str:
    """The page the user ends on: the response, or the tab a redirect leads to."""
    if response.status_code == 302:
        return text(client.get(response["Location"]))
    return text(response)


@pytest.fixture
def alice(client_for: Callable[[str], Client], tenant: Emulator) -> Client:
    client = client_for(ALICE)
    assert all(client.get(tab).status_code == 200 for tab in (SECURITY, SESSIONS))  # on these tabs, not General
    return client


def totp(tenant: Emulator) -> str | None:
    return next((m["id"] for m in tenant.tenant.methods[ALICE] if m["type"] == "totp"), None)


def a_session(tenant: Emulator) -> str:
    return sorted(sid for sid, item in tenant.tenant.sessions.items() if item["user_id"] == ALICE)[0]


# -- removing an MFA method ------------------------------------------------------------------------


@BOTH
def test_a_removal_whose_answer_was_lost_is_confirmed_by_reading_back(
    alice: Client, tenant: Emulator, settings: Any, headers: dict[str, str]
) -> None:
    method = totp(tenant)
    lose_answers(settings, "DELETE")

    response = alice.post(reverse("selfservice:remove-method", args=[method]), {"confirm": "1"}, headers=headers)

    assert response.status_code == (200 if headers else 302)
    page = shown(alice, response)
    assert "Authenticator app was removed." in page and "could not confirm" not in page
    assert totp(tenant) is None
    assert AuditEvent.objects.get(action="mfa.remove").details == {"type": "totp", "confirmed_by": "read_back"}
    deletes = [r for r in tenant.requests() if r["method"] == "DELETE"]
    assert len(deletes) == 1  # never sent twice


@BOTH
def test_a_removal_auth0_did_not_make_says_nothing_was_removed_and_lists_it(
    alice: Client, tenant: Emulator, headers: dict[str, str]
) -> None:
    method = totp(tenant)
    tenant.add_fault(r"/authentication-methods/", method="DELETE", status=200, body=GARBAGE, times=1)

    response = alice.post(reverse("selfservice:remove-method", args=[method]), {"confirm": "1"}, headers=headers)

    page = text(response)
    assert response.status_code == 503
    assert "Nothing was removed." in page and "was removed." not in page.replace("Nothing was removed.", "")
    assert "Authenticator app" in page  # the list as Auth0 has it now, method included
    assert totp(tenant) == method
    assert not AuditEvent.objects.filter(action="mfa.remove").exists()


def test_a_removal_that_cannot_be_read_back_says_it_could_not_be_confirmed(alice: Client, tenant: Emulator) -> None:
    method = totp(tenant)
    tenant.add_fault(r"/authentication-methods/", method="DELETE", status=200, body=GARBAGE, times=1)
    tenant.add_fault(r"/authentication-methods$", method="GET", status=503)

    response = alice.post(reverse("selfservice:remove-method", args=[method]), {"confirm": "1"})

    assert response.status_code == 503
    assert "We could not confirm whether the method was removed" in text(response)
    assert not AuditEvent.objects.filter(action="mfa.remove").exists()


# -- signing out a session ---------------------------------------------------------------------------


@BOTH
def test_a_revoke_whose_answer_was_lost_is_confirmed_by_reading_back(
    alice: Client, tenant: Emulator, settings: Any, headers: dict[str, str]
) -> None:
    sid = a_session(tenant)
    lose_answers(settings, "POST")  # POST /sessions/{id}/revoke

    response = alice.post(reverse("selfservice:revoke-session", args=[sid]), headers=headers)

    assert response.status_code == (200 if headers else 302)
    assert "Signed out" in shown(alice, response)
    assert sid not in tenant.tenant.sessions
    assert AuditEvent.objects.get(action="session.revoke").details["confirmed_by"] == "read_back"


@BOTH
def test_a_revoke_auth0_did_not_make_says_still_signed_in_and_lists_it(
    alice: Client, tenant: Emulator, headers: dict[str, str]
) -> None:
    sid = a_session(tenant)
    tenant.add_fault(rf"^/api/v2/sessions/{sid}/revoke$", method="POST", status=200, body=GARBAGE, times=1)

    response = alice.post(reverse("selfservice:revoke-session", args=[sid]), headers=headers)

    page = text(response)
    assert response.status_code == 503
    assert "is still signed in: try again." in page
    assert reverse("selfservice:revoke-session", args=[sid]) in page  # its row, with its button
    assert sid in tenant.tenant.sessions
    assert not AuditEvent.objects.filter(action="session.revoke").exists()


def test_a_revoke_that_cannot_be_read_back_is_not_called_done(alice: Client, tenant: Emulator) -> None:
    sid = a_session(tenant)
    tenant.add_fault(rf"^/api/v2/sessions/{sid}/revoke$", method="POST", status=200, body=GARBAGE, times=1)
    tenant.add_fault(rf"^/api/v2/sessions/{sid}$", method="GET", status=503)

    response = alice.post(reverse("selfservice:revoke-session", args=[sid]))

    assert response.status_code == 503
    assert "Signed out" not in text(response)
    assert not AuditEvent.objects.filter(action="session.revoke").exists()


# -- saving the profile ------------------------------------------------------------------------------

TYPED = {"name": "Alice Read-Back", "given_name": "Alice", "family_name": "Liddell", "nickname": "ally", "picture": ""}


@BOTH
def test_a_save_whose_answer_was_lost_is_confirmed_by_reading_back(
    alice: Client, tenant: Emulator, settings: Any, headers: dict[str, str]
) -> None:
    lose_answers(settings, "PATCH")

    response = alice.post(GENERAL, TYPED, headers=headers)
    assert response.status_code == (200 if headers else 302)
    page = shown(alice, response)
    assert "Your profile has been saved." in page and "Alice Read-Back" in page
    assert (tenant.user(ALICE) or {})["name"] == "Alice Read-Back"
    assert AuditEvent.objects.get(action="profile.update").details["confirmed_by"] == "read_back"
    assert len([r for r in tenant.requests() if r["method"] == "PATCH"]) == 1


@BOTH
def test_a_save_auth0_did_not_make_keeps_the_typed_values_and_says_not_saved(
    alice: Client, tenant: Emulator, headers: dict[str, str]
) -> None:
    tenant.add_fault(r"^/api/v2/users/auth0\|alice$", method="PATCH", status=200, body=GARBAGE, times=1)

    response = alice.post(GENERAL, TYPED, headers=headers)

    page = text(response)
    assert response.status_code == 503
    assert "Your profile was not saved." in page and 'value="Alice Read-Back"' in page
    assert (tenant.user(ALICE) or {})["name"] == "Alice Liddell"
    assert not AuditEvent.objects.filter(action="profile.update").exists()
    again = alice.post(GENERAL, TYPED, headers=headers)  # "try again" resubmits: safe, nothing was saved
    assert again.status_code in (200, 302) and (tenant.user(ALICE) or {})["name"] == "Alice Read-Back"


def test_a_save_that_cannot_be_read_back_keeps_the_typed_values_and_says_so(alice: Client, tenant: Emulator) -> None:
    assert alice.get(GENERAL).status_code == 200  # the user is cached: the save itself reads nothing
    tenant.add_fault(r"^/api/v2/users/auth0\|alice$", method="PATCH", status=200, body=GARBAGE, times=1)
    tenant.add_fault(r"^/api/v2/users/auth0\|alice$", method="GET", status=503)

    response = alice.post(GENERAL, TYPED)

    page = text(response)
    assert response.status_code == 503
    assert "could not confirm" in page and 'value="Alice Read-Back"' in page
    assert "Your profile has been saved." not in page


# -- saving preferences ----------------------------------------------------------------------------

PREFERENCES = reverse("selfservice:preferences")


@pytest.fixture
def dana(tenant: Emulator, client_for: Callable[[str], Client]) -> tuple[Client, dict[str, Any]]:
    """Signed in as a user whose metadata fits FULL_SCHEMA, on the tab, with the form's values."""
    PreferenceSchema.objects.create(name="read-back", version=1, schema=copy.deepcopy(FULL_SCHEMA), is_active=True)
    tenant.add_user(Auth0UserFactory(user_id=DANA, user_metadata=copy.deepcopy(METADATA)))
    client = client_for(DANA)
    tab = client.get(PREFERENCES)
    assert tab.status_code == 200
    return client, {**form_data(tab), "handle": "readback"}


def handle(tenant: Emulator) -> Any:
    return (tenant.user(DANA) or {})["user_metadata"].get("handle")


@BOTH
def test_a_preferences_save_whose_answer_was_lost_is_confirmed_by_reading_back(
    dana: tuple[Client, dict[str, Any]], tenant: Emulator, settings: Any, headers: dict[str, str]
) -> None:
    client, data = dana
    lose_answers(settings, "PATCH")

    response = client.post(PREFERENCES, data, headers=headers)

    assert response.status_code == (200 if headers else 302)
    assert "Your preferences have been saved." in shown(client, response)
    assert handle(tenant) == "readback"
    assert AuditEvent.objects.get(action="preferences.update").details["confirmed_by"] == "read_back"


@BOTH
def test_a_preferences_save_auth0_did_not_make_keeps_the_typed_values(
    dana: tuple[Client, dict[str, Any]], tenant: Emulator, headers: dict[str, str]
) -> None:
    client, data = dana
    tenant.add_fault(rf"^/api/v2/users/{re.escape(DANA)}$", method="PATCH", status=200, body=GARBAGE, times=1)

    response = client.post(PREFERENCES, data, headers=headers)

    page = text(response)
    assert response.status_code == 503
    assert "Your preferences were not saved." in page and 'value="readback"' in page
    assert handle(tenant) == "dana"
    assert not AuditEvent.objects.filter(action="preferences.update").exists()


# -- changing the email address --------------------------------------------------------------------

EMAIL = reverse("selfservice:change-email")
NEW = {"email": "alice@read-back.example", "email_again": "alice@read-back.example"}


def test_an_email_change_whose_answer_was_lost_is_confirmed_by_reading_back(
    alice: Client, tenant: Emulator, settings: Any
) -> None:
    lose_answers(settings, "PATCH")

    response = alice.post(EMAIL, NEW)

    assert response.status_code == 302
    assert "Your email address is now alice@read-back.example." in shown(alice, response)
    assert AuditEvent.objects.get(action="email.change").details["confirmed_by"] == "read_back"


def test_an_email_change_auth0_did_not_make_says_not_changed_and_keeps_the_address(alice: Client, tenant: Emulator) -> None:
    tenant.add_fault(r"^/api/v2/users/auth0\|alice$", method="PATCH", status=200, body=GARBAGE, times=1)

    response = alice.post(EMAIL, NEW)

    page = text(response)
    assert response.status_code == 503
    assert "Your email address was not changed." in page and 'value="alice@read-back.example"' in page
    assert (tenant.user(ALICE) or {})["email"] == "alice@example.com"
    assert not AuditEvent.objects.filter(action="email.change").exists()

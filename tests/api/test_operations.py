"""Methods, sessions, identities, email, password, activity, export, deletion: each through the API,
with its refusals (foreign ids → 404 and nothing sent, step-up → 401 RFC 9470)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from selfservice.emulator import Emulator
from selfservice.models import AuditEvent
from tests.conftest import signed_in_at

from .conftest import BASE, problem

CAROL = "auth0|carol"


def mutations(tenant: Emulator) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in tenant.requests() if r["path"].startswith("/api/v2/") and r["method"] != "GET"]


def test_methods_list_and_remove_only_ones_own(bearer: Callable[..., Client], api_tenant: Emulator) -> None:
    client = bearer("carol@example.com")
    methods = client.get(f"{BASE}/me/authentication-methods").json()
    removable = next(m for m in methods if m["removable"])
    alice_method = api_tenant.tenant.methods["auth0|alice"][0]["id"]
    api_tenant.clear_requests()

    foreign = client.delete(f"{BASE}/me/authentication-methods/{alice_method}")
    assert foreign.status_code == 404 and mutations(api_tenant) == []
    assert AuditEvent.objects.filter(action="mfa.remove.refused", auth0_user_id=CAROL).exists()

    removed = client.delete(f"{BASE}/me/authentication-methods/{removable['id']}")
    assert removed.status_code == 204
    assert removable["id"] not in [m["id"] for m in api_tenant.tenant.methods[CAROL]]
    assert any(m["id"] == alice_method for m in api_tenant.tenant.methods["auth0|alice"])


def test_step_up_is_rfc_9470_for_tokens_and_sessions(api_tenant: Emulator, token_for: Callable[..., str],
                                                     logged_in_client: Client) -> None:
    api_tenant.add_api("https://api.site.example/", ["read:me", "update:me", "delete:me"], auth_time_claim=False)
    no_auth_time = Client(HTTP_AUTHORIZATION=f"Bearer {token_for('carol@example.com')}")
    api_tenant.clear_requests()

    response = no_auth_time.post(f"{BASE}/me/recovery-code")

    assert response.status_code == 401
    challenge = response["WWW-Authenticate"]
    assert 'error="insufficient_user_authentication"' in challenge and "max_age=300" in challenge
    assert problem(response)["max_age"] == 300 and mutations(api_tenant) == []

    signed_in_at(logged_in_client, seconds_ago=3600)
    stale = logged_in_client.post(f"{BASE}/me/recovery-code")
    assert stale.status_code == 401 and problem(stale)["code"] == "insufficient_user_authentication"


def test_a_new_recovery_code_is_in_the_answer_only(bearer: Callable[..., Client], api_tenant: Emulator) -> None:
    response = bearer("carol@example.com").post(f"{BASE}/me/recovery-code")

    assert response.status_code == 201 and response["Cache-Control"] == "no-store"
    code = response.json()["recovery_code"]
    assert any(m.get("_code") == code for m in api_tenant.tenant.methods[CAROL])


def test_enrollment_ticket_for_an_offered_factor_only(bearer: Callable[..., Client], api_tenant: Emulator) -> None:
    client = bearer("carol@example.com")

    ok = client.post(f"{BASE}/me/authentication-methods/enrollment-ticket", {"factor": "otp"}, content_type="application/json")
    refused = client.post(f"{BASE}/me/authentication-methods/enrollment-ticket", {"factor": "duo"}, content_type="application/json")

    assert ok.status_code == 201 and ok.json()["ticket_url"].startswith("https://tenant.emulator.test/")
    assert refused.status_code == 422 and problem(refused)["errors"][0]["pointer"] == "/factor"


def test_sessions_list_revoke_own_and_refuse_foreign(bearer: Callable[..., Client], api_tenant: Emulator) -> None:
    client = bearer("carol@example.com")
    sessions = client.get(f"{BASE}/me/sessions").json()
    assert len(sessions) == 40 and {"id", "device", "current", "last_active"} <= set(sessions[0])
    alice_sid = api_tenant.tenant.user_sessions("auth0|alice")[0]["id"]
    api_tenant.clear_requests()

    assert client.delete(f"{BASE}/me/sessions/{alice_sid}").status_code == 404
    assert client.delete(f"{BASE}/me/sessions/nope").status_code == 404
    assert client.delete(f"{BASE}/me/sessions/a%00b").status_code == 404  # audited, on PostgreSQL too
    assert mutations(api_tenant) == []
    assert client.delete(f"{BASE}/me/sessions/{sessions[0]['id']}").status_code == 204
    assert sessions[0]["id"] not in [s["id"] for s in api_tenant.tenant.user_sessions(CAROL)]
    assert len(api_tenant.tenant.user_sessions("auth0|alice")) == 3


def test_revoke_others_needs_the_callers_own_session(bearer: Callable[..., Client]) -> None:
    response = bearer("carol@example.com").post(f"{BASE}/me/sessions/revoke-others")  # a password-realm token has no sid
    assert response.status_code == 409 and problem(response)["code"] == "no_current_session"


def test_revoke_others_from_the_browser_keeps_its_session(client_for: Callable[[str], Client], api_tenant: Emulator) -> None:
    carol = client_for(CAROL)
    keep = api_tenant.tenant.user_sessions(CAROL)[0]["id"]
    session = carol.session
    session["selfservice_auth0_sid"] = keep
    session.save()

    response = carol.post(f"{BASE}/me/sessions/revoke-others")

    assert response.status_code == 200 and response.json() == {"revoked": response.json()["revoked"], "remaining": 0}
    assert [s["id"] for s in api_tenant.tenant.user_sessions(CAROL)] == [keep]


def test_identities_unlink_never_the_primary_nor_foreign(bearer: Callable[..., Client], api_tenant: Emulator) -> None:
    client = bearer("carol@example.com")
    identities = client.get(f"{BASE}/me/identities").json()
    assert identities[0]["primary"] is True and identities[0]["provider"] == "auth0"
    api_tenant.clear_requests()

    primary = client.delete(f"{BASE}/me/identities/auth0/carol")
    foreign = client.delete(f"{BASE}/me/identities/google-oauth2/bob")

    assert primary.status_code == 404 and foreign.status_code == 404 and mutations(api_tenant) == []


def test_email_change_and_verification(bearer: Callable[..., Client], api_tenant: Emulator) -> None:
    client = bearer("carol@example.com")

    in_use = client.post(f"{BASE}/me/email", {"email": "alice@example.com"}, content_type="application/json")
    assert in_use.status_code == 422 and problem(in_use)["code"] == "in_use"
    changed = client.post(f"{BASE}/me/email", {"email": "carol@new.example"}, content_type="application/json")
    assert changed.status_code == 200 and changed.json() == {"email": "carol@new.example", "email_verified": False}
    again = client.post(f"{BASE}/me/email/verification")
    assert again.status_code == 202 and again.json() == {"sent_to": "carol@new.example"}
    assert [m["kind"] for m in api_tenant.emails()] == ["verification", "verification"]


def test_password_ticket_for_a_database_user(bearer: Callable[..., Client]) -> None:
    response = bearer("carol@example.com").post(f"{BASE}/me/password")
    assert response.status_code == 201 and "/u/reset-password?ticket=" in response.json()["ticket_url"]


def test_activity_and_export_are_the_callers_own(bearer: Callable[..., Client], api_tenant: Emulator) -> None:
    client = bearer("carol@example.com")
    client.patch(f"{BASE}/me", {"nickname": "c"}, content_type="application/json")
    AuditEvent.objects.create(action="profile.update", auth0_user_id="auth0|alice", details={"fields": ["name"]})

    events = client.get(f"{BASE}/me/activity").json()
    document = client.get(f"{BASE}/me/export").json()

    assert [e["action"] for e in events] == ["profile.update"] and events[0]["label"]
    assert document["profile"]["user_id"] == CAROL and len(document["sessions"]["items"]) == 40
    assert all(e["action"] != "profile.update" or e.get("details", {}).get("fields") != ["name"] for e in document["activity"])


def test_delete_me_deletes_auth0_then_the_local_user(bearer: Callable[..., Client], api_tenant: Emulator, auth0_user: Any) -> None:
    local = auth0_user(CAROL)
    client = bearer("carol@example.com", scope="openid delete:me")

    response = client.delete(f"{BASE}/me")

    assert response.status_code == 204
    assert api_tenant.user(CAROL) is None and not get_user_model().objects.filter(pk=local.pk).exists()


def test_delete_me_keeps_everything_when_auth0_fails(bearer: Callable[..., Client], api_tenant: Emulator, auth0_user: Any) -> None:
    local = auth0_user(CAROL)
    client = bearer("carol@example.com")
    api_tenant.add_fault(path=r"^/api/v2/users/auth0\|carol$", method="DELETE", status=503)

    response = client.delete(f"{BASE}/me")

    assert response.status_code == 503 and problem(response)["nothing_deleted_here"] is True
    assert api_tenant.user(CAROL) is not None and get_user_model().objects.filter(pk=local.pk).exists()


@pytest.mark.parametrize("path", ["/me/sessions", "/me/authentication-methods", "/me/identities", "/me/activity"])
def test_read_scope_is_needed_for_every_read(bearer: Callable[..., Client], path: str) -> None:
    assert bearer("carol@example.com", scope="openid update:me").get(f"{BASE}{path}").status_code == 403


def test_the_token_must_still_be_fresh_for_step_up(api_tenant: Emulator, db: None) -> None:
    now = int(time.time())
    token = api_tenant.tenant.key.sign({"iss": "https://tenant.emulator.test/", "sub": CAROL, "aud": ["https://api.site.example/"],
                                        "iat": now, "exp": now + 600, "scope": "update:me", "auth_time": now - 3600})
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(f"{BASE}/me/recovery-code")
    assert response.status_code == 401 and problem(response)["code"] == "insufficient_user_authentication"

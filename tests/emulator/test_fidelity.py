"""Every Management endpoint the app uses, driven by auth0-python: responses parse into its types."""

from __future__ import annotations

from datetime import datetime

import pytest
from auth0.management import ManagementClient
from auth0.management.core import ApiError
from auth0.management.errors import BadRequestError, NotFoundError
from auth0.management.types import (
    ChangePasswordTicketResponseContent,
    CreateGuardianEnrollmentTicketResponseContent,
    CreateVerificationEmailResponseContent,
    GetSessionResponseContent,
    GetUserResponseContent,
    GuardianFactor,
    SessionResponseContent,
    UpdateUserResponseContent,
    UserAuthenticationMethod,
    VerifyEmailTicketResponseContent,
)

from selfservice.emulator import Emulator

from .conftest import NO_RETRY

ALICE = "auth0|alice"
CAROL = "auth0|carol"


@pytest.fixture
def demo(emulator: Emulator) -> Emulator:
    emulator.seed("demo")
    return emulator


def test_get_user_parses_with_identities_and_iso_timestamps(demo: Emulator, mc: ManagementClient) -> None:
    user = mc.users.get(ALICE, request_options=NO_RETRY)
    assert isinstance(user, GetUserResponseContent)
    assert user.user_id == ALICE and user.email == "alice@example.com"
    assert isinstance(user.created_at, datetime)
    assert user.identities and user.identities[0].provider == "auth0"
    assert user.identities[0].connection == "Username-Password-Authentication"
    assert user.identities[0].user_id == "alice"


def test_get_user_honours_fields_and_include_fields(demo: Emulator, mc: ManagementClient) -> None:
    only = mc.users.get(ALICE, fields="email,user_id", request_options=NO_RETRY)
    assert only.email == "alice@example.com" and only.name is None
    without = mc.users.get(ALICE, fields="email", include_fields=False, request_options=NO_RETRY)
    assert without.email is None and without.name == "Alice Liddell"


def test_unknown_user_is_auth0s_404(demo: Emulator, mc: ManagementClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        mc.users.get("auth0|nobody", request_options=NO_RETRY)
    assert caught.value.body == {
        "statusCode": 404, "error": "Not Found", "message": "The user does not exist.", "errorCode": "inexistent_user",
    }


def test_update_merges_user_metadata_at_top_level_and_null_deletes(demo: Emulator, mc: ManagementClient) -> None:
    updated = mc.users.update(
        CAROL, user_metadata={"language": "fr", "theme": None, "address": {"city": "Paris"}}, request_options=NO_RETRY
    )
    assert isinstance(updated, UpdateUserResponseContent)
    meta = updated.user_metadata or {}
    assert meta["language"] == "fr"
    assert "theme" not in meta
    assert meta["address"] == {"city": "Paris"}  # nested objects are replaced, not merged
    assert meta["timezone"] == "Europe/Madrid"  # keys not sent are kept
    assert demo.user(CAROL)["user_metadata"] == meta


def test_update_with_empty_user_metadata_wipes_it(demo: Emulator, mc: ManagementClient) -> None:
    updated = mc.users.update(CAROL, user_metadata={}, request_options=NO_RETRY)
    assert updated.user_metadata == {}


def test_update_root_attributes_and_null_unsets(demo: Emulator, mc: ManagementClient) -> None:
    updated = mc.users.update(ALICE, given_name="Al", nickname=None, request_options=NO_RETRY)
    assert updated.given_name == "Al"
    assert updated.nickname is None
    assert "nickname" not in demo.user(ALICE)


def test_social_users_provider_owned_attributes_are_refused_even_unchanged(demo: Emulator, mc: ManagementClient) -> None:
    with pytest.raises(BadRequestError) as caught:
        mc.users.update("google-oauth2|bob", given_name="Bob", family_name="Builder", request_options=NO_RETRY)
    body = caught.value.body
    assert body["errorCode"] == "operation_not_supported"
    assert body["message"].startswith("The following user attributes cannot be updated: family_name, given_name.")
    assert "(google-oauth2)" in body["message"]
    assert demo.user("google-oauth2|bob")["given_name"] == "Bob"


def test_social_users_metadata_is_still_editable(demo: Emulator, mc: ManagementClient) -> None:
    updated = mc.users.update("google-oauth2|bob", user_metadata={"theme": "dark"}, request_options=NO_RETRY)
    assert updated.user_metadata == {"language": "de", "theme": "dark"}


def test_social_connection_without_sync_lets_root_attributes_change(demo: Emulator, mc: ManagementClient) -> None:
    demo.configure(connections={"google-oauth2": {"set_user_root_attributes": "on_first_login"}})
    assert mc.users.update("google-oauth2|bob", name="Robert", request_options=NO_RETRY).name == "Robert"


def test_guardian_factors_are_a_bare_array_of_the_real_names(demo: Emulator, mc: ManagementClient) -> None:
    factors = mc.guardian.factors.list(request_options=NO_RETRY)
    assert all(isinstance(f, GuardianFactor) for f in factors)
    assert [f.name for f in factors] == [
        "sms", "push-notification", "otp", "email", "duo", "webauthn-roaming", "webauthn-platform", "recovery-code",
    ]
    assert {f.name for f in factors if f.enabled} == {"sms", "otp", "webauthn-roaming", "recovery-code"}


def test_setting_a_factor_changes_the_list(demo: Emulator, mc: ManagementClient) -> None:
    mc.guardian.factors.set("email", enabled=True, request_options=NO_RETRY)
    assert {f.name: f.enabled for f in mc.guardian.factors.list(request_options=NO_RETRY)}["email"] is True


def test_authentication_methods_parse_and_mask_contact_data(demo: Emulator, mc: ManagementClient) -> None:
    pager = mc.users.authentication_methods.list(CAROL, request_options=NO_RETRY)
    methods = pager.items or []
    assert all(isinstance(m, UserAuthenticationMethod) for m in methods)
    assert [m.type for m in methods] == ["totp", "phone", "webauthn-roaming", "webauthn-roaming", "email", "recovery-code"]
    phone = methods[1]
    assert phone.phone_number == "XXXXXXXX0199"
    assert phone.preferred_authentication_method == "sms"
    assert phone.authentication_methods and phone.authentication_methods[0].type == "sms"
    assert methods[4].email == "caro*@exam*******"
    assert all(m.id.startswith(f"{m.type}|dev_") for m in methods)


def test_authentication_methods_pager_stops_on_an_empty_page_without_total(demo: Emulator, mc: ManagementClient, http) -> None:
    assert len(list(mc.users.authentication_methods.list(CAROL, request_options=NO_RETRY))) == 6
    assert demo.count("GET", "authentication-methods") == 2  # the SDK always asks for page+1
    past_end = http.get(f"/api/v2/users/{CAROL}/authentication-methods",
                        params={"page": 1, "per_page": 50, "include_totals": "true"}, headers={"Authorization": mc_token(mc)})
    assert past_end.json() == {"authenticators": [], "start": 50, "limit": 50}


def mc_token(mc: ManagementClient) -> str:
    return mc._api._client_wrapper.get_headers()["Authorization"]


def test_get_and_delete_one_authentication_method(demo: Emulator, mc: ManagementClient) -> None:
    method_id = demo.tenant.methods[CAROL][2]["id"]
    got = mc.users.authentication_methods.get(CAROL, method_id, request_options=NO_RETRY)
    assert got.type == "webauthn-roaming" and got.name == "YubiKey 5C"
    mc.users.authentication_methods.delete(CAROL, method_id, request_options=NO_RETRY)
    assert demo.requests()[-1]["status"] == 204
    assert method_id not in {m["id"] for m in demo.tenant.methods[CAROL]}
    with pytest.raises(ApiError) as caught:
        mc.users.authentication_methods.delete(CAROL, method_id, request_options=NO_RETRY)
    assert caught.value.status_code == 404


def test_another_users_method_id_is_not_found_under_this_user(demo: Emulator, mc: ManagementClient) -> None:
    carols = demo.tenant.methods[CAROL][0]["id"]
    with pytest.raises(ApiError) as caught:
        mc.users.authentication_methods.delete(ALICE, carols, request_options=NO_RETRY)
    assert caught.value.status_code == 404
    assert carols in {m["id"] for m in demo.tenant.methods[CAROL]}


def test_linked_methods_are_deleted_together(emulator: Emulator, mc: ManagementClient) -> None:
    emulator.add_user({"user_id": "auth0|dan", "email": "dan@example.com", "authentication_methods": [
        {"type": "phone", "phone_number": "+15550001111", "link_id": "L1"},
        {"type": "totp", "link_id": "L1"},
        {"type": "email", "email": "dan@example.com"},
    ]})
    first = emulator.tenant.methods["auth0|dan"][0]["id"]
    mc.users.authentication_methods.delete("auth0|dan", first, request_options=NO_RETRY)
    assert [m["type"] for m in emulator.tenant.methods["auth0|dan"]] == ["email"]


def test_enrollment_ticket_uses_phone_not_sms(demo: Emulator, mc: ManagementClient) -> None:
    ticket = mc.guardian.enrollments.create_ticket(user_id=ALICE, factor="phone", send_mail=False, request_options=NO_RETRY)
    assert isinstance(ticket, CreateGuardianEnrollmentTicketResponseContent)
    assert ticket.ticket_url == f"https://tenant.emulator.test/mfa/enrollment?ticket={ticket.ticket_id}"
    assert demo.tenant.tickets[ticket.ticket_id]["user_id"] == ALICE
    with pytest.raises(BadRequestError):
        mc.guardian.enrollments.create_ticket(user_id=ALICE, factor="sms", request_options=NO_RETRY)  # type: ignore[arg-type]


def test_enrollment_ticket_for_a_disabled_factor_or_unknown_user_is_refused(demo: Emulator, mc: ManagementClient) -> None:
    with pytest.raises(BadRequestError):
        mc.guardian.enrollments.create_ticket(user_id=ALICE, factor="email", request_options=NO_RETRY)
    with pytest.raises(ApiError) as caught:
        mc.guardian.enrollments.create_ticket(user_id="auth0|nobody", factor="otp", request_options=NO_RETRY)
    assert caught.value.status_code == 404


def test_user_sessions_list_parses_and_pages_with_a_forward_cursor(emulator: Emulator, mc: ManagementClient) -> None:
    emulator.add_user({"user_id": "auth0|many", "email": "many@example.com",
                       "sessions": [{"device": {"initial_user_agent": f"agent {i}"}} for i in range(120)]})
    pager = mc.users.sessions.list("auth0|many", request_options=NO_RETRY)
    assert len(pager.items or []) == 50 and pager.has_next
    assert all(isinstance(s, SessionResponseContent) for s in pager.items or [])
    every = list(mc.users.sessions.list("auth0|many", request_options=NO_RETRY))
    assert len({s.id for s in every}) == 120
    assert emulator.count("GET", "/sessions$") == 1 + 3  # one page above, three pages for all 120
    last = emulator.requests()[-1]
    assert "from=" in last["query"] and "take=50" in last["query"]


def test_a_user_without_sessions_gets_an_empty_list_and_no_cursor(emulator: Emulator, mc: ManagementClient, http, auth) -> None:
    emulator.add_user({"user_id": "auth0|none", "email": "none@example.com"})
    assert http.get("/api/v2/users/auth0|none/sessions", headers=auth).json() == {"sessions": []}
    assert list(mc.users.sessions.list("auth0|none", request_options=NO_RETRY)) == []


def test_get_revoke_and_delete_a_session(demo: Emulator, mc: ManagementClient) -> None:
    first, second, third = (s["id"] for s in demo.tenant.user_sessions(ALICE))
    session = mc.sessions.get(first, request_options=NO_RETRY)
    assert isinstance(session, GetSessionResponseContent)
    assert session.user_id == ALICE and session.device and session.device.last_user_agent
    assert session.authentication and session.authentication.methods[0].name == "pwd"
    mc.sessions.revoke(first, request_options=NO_RETRY)
    mc.sessions.delete(second, request_options=NO_RETRY)
    assert [r["status"] for r in demo.requests()[-2:]] == [202, 202]
    assert {s["id"] for s in demo.tenant.user_sessions(ALICE)} == {third}
    assert demo.tenant.revoked_refresh_tokens == 1
    with pytest.raises(NotFoundError):
        mc.sessions.get(first, request_options=NO_RETRY)


def test_delete_all_of_a_users_sessions(demo: Emulator, mc: ManagementClient) -> None:
    mc.users.sessions.delete(CAROL, request_options=NO_RETRY)
    assert demo.requests()[-1]["status"] == 202
    assert demo.tenant.user_sessions(CAROL) == []
    assert len(demo.tenant.user_sessions(ALICE)) == 3


def test_a_tenant_without_the_sessions_feature_refuses_session_calls(demo: Emulator, mc: ManagementClient) -> None:
    demo.configure(sessions_enabled=False)
    with pytest.raises(ApiError) as caught:
        mc.users.sessions.list(ALICE, request_options=NO_RETRY)
    assert caught.value.status_code == 403
    assert caught.value.body["errorCode"] == "operation_not_supported"


def test_recovery_code_regeneration_returns_24_uppercase_characters(demo: Emulator, mc: ManagementClient) -> None:
    code = mc.users.regenerate_recovery_code(ALICE, request_options=NO_RETRY).recovery_code
    assert len(code) == 24 and code.isalnum() and code.upper() == code
    assert [m["type"] for m in demo.tenant.methods[ALICE]].count("recovery-code") == 1
    again = mc.users.regenerate_recovery_code(ALICE, request_options=NO_RETRY).recovery_code
    assert again != code
    assert [m["type"] for m in demo.tenant.methods[ALICE]].count("recovery-code") == 1


def test_password_change_and_email_verification_tickets(demo: Emulator, mc: ManagementClient) -> None:
    ticket = mc.tickets.change_password(user_id=ALICE, request_options=NO_RETRY)
    assert isinstance(ticket, ChangePasswordTicketResponseContent)
    assert ticket.ticket.startswith("https://tenant.emulator.test/u/reset-password?ticket=") and ticket.ticket.endswith("#")
    verify = mc.tickets.verify_email(user_id=CAROL, request_options=NO_RETRY)
    assert isinstance(verify, VerifyEmailTicketResponseContent)
    assert [r["status"] for r in demo.requests()[-2:]] == [201, 201]
    with pytest.raises(BadRequestError):
        mc.tickets.change_password(user_id="google-oauth2|bob", request_options=NO_RETRY)


def test_verification_email_job_is_created_pending(demo: Emulator, mc: ManagementClient) -> None:
    job = mc.jobs.verification_email.create(user_id=CAROL, request_options=NO_RETRY)
    assert isinstance(job, CreateVerificationEmailResponseContent)
    assert job.status == "pending" and job.type == "verification_email" and job.id.startswith("job_")
    assert mc.jobs.get(job.id, request_options=NO_RETRY).status == "completed"


def test_unlinking_a_secondary_identity_makes_it_a_user_again(emulator: Emulator, mc: ManagementClient) -> None:
    emulator.add_user({"user_id": "auth0|erin", "email": "erin@example.com", "identities": [
        {"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": "erin", "isSocial": False},
        {"connection": "github", "provider": "github", "user_id": "77", "isSocial": True,
         "profileData": {"name": "Erin on GitHub", "email": "erin@github.example"}},
    ]})
    remaining = mc.users.identities.delete("auth0|erin", "github", "77", request_options=NO_RETRY)
    assert [i.provider for i in remaining] == ["auth0"]
    assert emulator.user("github|77")["name"] == "Erin on GitHub"
    with pytest.raises(BadRequestError):
        mc.users.identities.delete("auth0|erin", "auth0", "erin", request_options=NO_RETRY)


def test_invalidate_remember_browser_is_a_post_answering_204(demo: Emulator, mc: ManagementClient) -> None:
    mc.users.multifactor.invalidate_remember_browser(ALICE, request_options=NO_RETRY)
    assert demo.requests()[-1] == {
        "method": "POST", "path": f"/api/v2/users/{ALICE}/multifactor/actions/invalidate-remember-browser",
        "status": 204, "query": "",
    }


def test_deleting_a_user_is_204_even_when_already_gone(demo: Emulator, mc: ManagementClient) -> None:
    mc.users.delete(CAROL, request_options=NO_RETRY)
    mc.users.delete(CAROL, request_options=NO_RETRY)
    assert [r["status"] for r in demo.requests()[-2:]] == [204, 204]
    assert demo.user(CAROL) is None and demo.tenant.user_sessions(CAROL) == []

"""Profile, metadata, identity and ticket calls, in-process through auth0-python."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from selfservice.gateway import Identity, NotFound, Rejected, UserProfile, VerificationJob, get_gateway

ALICE = "auth0|alice"
BOB = "google-oauth2|bob"
USER_PATH = r"^/api/v2/users/auth0\|alice$"


def test_get_user_returns_a_profile_dataclass_with_aware_datetimes(gateway: Any, alice: Any) -> None:
    profile = gateway.get_user(ALICE)

    assert isinstance(profile, UserProfile)
    assert profile.user_id == ALICE
    assert profile.email == "alice@example.com"
    assert profile.email_verified is True
    assert (profile.name, profile.given_name, profile.family_name) == ("Alice Liddell", "Alice", "Liddell")
    assert profile.user_metadata == {"theme": "dark", "language": "en"}
    assert profile.app_metadata == {"plan": "gold"}
    assert profile.created_at is not None and profile.created_at.tzinfo is not None
    assert profile.created_at.utcoffset() == UTC.utcoffset(None)
    assert profile.identities == (
        Identity(provider="auth0", user_id="alice", connection="Username-Password-Authentication", is_social=False),
    )
    assert profile.primary_identity == profile.identities[0]
    assert profile.is_social is False


def test_fields_auth0_leaves_out_are_none_or_empty(gateway: Any, emulator: Any) -> None:
    emulator.add_user({"user_id": "auth0|bare", "identities": []})

    profile = gateway.get_user("auth0|bare")

    assert profile.email is None and profile.last_login is None and profile.logins_count is None
    assert profile.identities == () and profile.primary_identity is None and profile.is_social is False
    assert profile.multifactor == () and profile.user_metadata == {}


def test_get_user_fetches_a_user_once_per_gateway_instance(gateway: Any, alice: Any, emulator: Any) -> None:
    first = gateway.get_user(ALICE)
    again = gateway.get_user(ALICE)
    get_gateway().get_user(ALICE)

    assert again is first
    assert emulator.count("GET", USER_PATH) == 2  # one per instance, i.e. one per request


def test_a_social_users_primary_identity_is_social(gateway: Any, bob: Any) -> None:
    profile = gateway.get_user(BOB)

    assert profile.is_social is True
    assert profile.primary_identity is not None
    assert profile.primary_identity.provider == "google-oauth2"


def test_update_user_sets_root_attributes_and_refreshes_the_remembered_profile(
    gateway: Any, alice: Any, emulator: Any
) -> None:
    gateway.get_user(ALICE)

    updated = gateway.update_user(ALICE, {"name": "Alice L.", "nickname": "al"})

    assert (updated.name, updated.nickname) == ("Alice L.", "al")
    assert gateway.get_user(ALICE) is updated
    assert emulator.count("GET", USER_PATH) == 1
    assert emulator.count("PATCH", USER_PATH) == 1
    assert emulator.user(ALICE)["name"] == "Alice L."


def test_update_user_with_none_unsets_the_attribute(gateway: Any, alice: Any, emulator: Any) -> None:
    updated = gateway.update_user(ALICE, {"family_name": None})

    assert updated.family_name is None
    assert "family_name" not in emulator.user(ALICE)


def test_update_user_changes_the_password_without_storing_it_on_the_profile(
    gateway: Any, alice: Any, emulator: Any
) -> None:
    gateway.update_user(ALICE, {"password": "a-new-long-password"})

    assert emulator.tenant.passwords[ALICE] == "a-new-long-password"
    assert "password" not in emulator.user(ALICE)


def test_update_user_refuses_keys_outside_the_root_attributes_before_any_io(
    gateway: Any, alice: Any, emulator: Any
) -> None:
    with pytest.raises(ValueError, match="app_metadata"):
        gateway.update_user(ALICE, {"name": "x", "app_metadata": {"plan": "free"}})
    with pytest.raises(ValueError, match="blocked"):
        gateway.update_user(ALICE, {"blocked": True})

    assert emulator.requests() == []


def test_update_user_for_a_social_user_is_rejected_with_auth0s_message_and_code(
    gateway: Any, bob: Any, emulator: Any
) -> None:
    with pytest.raises(Rejected) as caught:
        gateway.update_user(BOB, {"name": "Robert"})

    assert caught.value.code == "operation_not_supported"
    assert caught.value.status == 400
    assert "cannot be updated: name" in caught.value.message
    assert emulator.count("PATCH") == 1


def test_update_metadata_merges_the_top_level_and_none_deletes_a_key(gateway: Any, alice: Any, emulator: Any) -> None:
    updated = gateway.update_metadata(ALICE, {"theme": None, "layout": {"columns": 2}})

    assert updated.user_metadata == {"language": "en", "layout": {"columns": 2}}
    assert emulator.user(ALICE)["user_metadata"] == {"language": "en", "layout": {"columns": 2}}
    assert emulator.user(ALICE)["app_metadata"] == {"plan": "gold"}
    assert gateway.get_user(ALICE) is updated
    assert emulator.count("GET", USER_PATH) == 0


@pytest.mark.parametrize("key", ["a.b", "$where", "nested"])
def test_update_metadata_refuses_dots_and_dollars_in_key_names_before_any_io(
    gateway: Any, alice: Any, emulator: Any, key: str
) -> None:
    changes = {"nested": {"x.y": 1}} if key == "nested" else {key: 1}

    with pytest.raises(Rejected) as caught:
        gateway.update_metadata(ALICE, changes)

    assert caught.value.code == "invalid_body"
    assert caught.value.status is None
    assert emulator.requests() == []


def test_update_metadata_with_no_changes_never_sends_an_empty_object(gateway: Any, alice: Any, emulator: Any) -> None:
    profile = gateway.update_metadata(ALICE, {})

    assert profile.user_metadata == {"theme": "dark", "language": "en"}
    assert emulator.count("PATCH") == 0
    assert emulator.user(ALICE)["user_metadata"] == {"theme": "dark", "language": "en"}


def test_update_metadata_over_auth0s_payload_limit_is_rejected(gateway: Any, alice: Any, emulator: Any) -> None:
    with pytest.raises(Rejected) as caught:
        gateway.update_metadata(ALICE, {"blob": "x" * (1024 * 1024 + 1)})

    assert caught.value.status == 413
    assert caught.value.code == "payload_too_large"
    assert emulator.count("PATCH") == 1


def test_update_metadata_over_the_profile_size_limit_is_rejected(gateway: Any, alice: Any, emulator: Any) -> None:
    with pytest.raises(Rejected) as caught:
        gateway.update_metadata(ALICE, {"blob": "x" * 200_000})

    assert caught.value.status == 400
    assert caught.value.code == "invalid_body"


def test_delete_user_removes_the_user_and_forgets_the_remembered_profile(
    gateway: Any, alice: Any, emulator: Any
) -> None:
    gateway.get_user(ALICE)

    gateway.delete_user(ALICE)

    assert emulator.user(ALICE) is None
    with pytest.raises(NotFound):
        gateway.get_user(ALICE)


def test_delete_user_of_a_user_already_gone_is_not_an_error(gateway: Any, emulator: Any) -> None:
    gateway.delete_user("auth0|nobody")

    assert emulator.count("DELETE") == 1


def test_unlink_identity_returns_the_remaining_identities(gateway: Any, alice: Any, emulator: Any) -> None:
    emulator.add_user(
        {
            "user_id": "auth0|linked",
            "identities": [
                {"provider": "auth0", "user_id": "linked", "connection": "Username-Password-Authentication"},
                {
                    "provider": "github",
                    "user_id": "4242",
                    "connection": "github",
                    "isSocial": True,
                    "profileData": {"email": "linked@example.com", "name": "Linked"},
                },
            ],
        }
    )
    gateway.get_user("auth0|linked")

    remaining = gateway.unlink_identity("auth0|linked", "github", "4242")

    assert remaining == (
        Identity(provider="auth0", user_id="linked", connection="Username-Password-Authentication", is_social=False),
    )
    assert gateway.get_user("auth0|linked").identities == remaining
    assert emulator.count("GET", r"^/api/v2/users/auth0\|linked$") == 2  # unlinking forgot the profile
    assert emulator.user("github|4242") is not None


def test_unlinking_an_identity_that_is_not_linked_is_not_found(gateway: Any, alice: Any) -> None:
    with pytest.raises(NotFound):
        gateway.unlink_identity(ALICE, "github", "nope")


def test_password_change_ticket_is_a_url(gateway: Any, alice: Any, emulator: Any) -> None:
    url = gateway.create_password_change_ticket(
        ALICE, result_url="https://site.example/account/", client_id="selfservice-web"
    )

    assert url.startswith("https://tenant.emulator.test/u/reset-password?ticket=")
    assert emulator.count("POST", "^/api/v2/tickets/password-change$") == 1


def test_password_change_ticket_for_a_social_user_is_rejected(gateway: Any, bob: Any) -> None:
    with pytest.raises(Rejected) as caught:
        gateway.create_password_change_ticket(BOB)

    assert caught.value.code == "operation_not_supported"


def test_send_verification_email_returns_the_queued_job(gateway: Any, alice: Any) -> None:
    job = gateway.send_verification_email(ALICE, client_id="selfservice-web")

    assert isinstance(job, VerificationJob)
    assert job.id.startswith("job_")
    assert (job.type, job.status) == ("verification_email", "pending")
    assert isinstance(job.created_at, datetime) and job.created_at.tzinfo is not None


def test_send_verification_email_to_an_unknown_user_is_not_found(gateway: Any) -> None:
    with pytest.raises(NotFound) as caught:
        gateway.send_verification_email("auth0|nobody")

    assert caught.value.status == 404
    assert caught.value.code == "inexistent_user"


def test_change_email_is_one_write_that_sets_it_unverified_and_sends_the_verification(
    gateway: Any, alice: Any, emulator: Any
) -> None:
    updated = gateway.change_email(ALICE, "alice@new.example", client_id="selfservice-web")

    assert (updated.email, updated.email_verified) == ("alice@new.example", False)
    assert gateway.get_user(ALICE) is updated  # remembered: no read after the write
    assert emulator.count("PATCH", USER_PATH) == 1 and emulator.count("GET", USER_PATH) == 0
    assert [(m["to"], m["kind"]) for m in emulator.emails()] == [("alice@new.example", "verification")]


def test_change_email_to_an_address_in_use_is_rejected_and_changes_nothing(gateway: Any, alice: Any, emulator: Any) -> None:
    emulator.add_user({"user_id": "auth0|other", "email": "taken@example.com"})

    with pytest.raises(Rejected) as caught:
        gateway.change_email(ALICE, "taken@example.com")

    assert caught.value.status == 400 and "already exists" in caught.value.message
    assert emulator.user(ALICE)["email"] == "alice@example.com" and emulator.emails() == []


def test_change_email_of_a_social_user_is_rejected(gateway: Any, bob: Any) -> None:
    with pytest.raises(Rejected) as caught:
        gateway.change_email(BOB, "bob@new.example")

    assert caught.value.code == "operation_not_supported"

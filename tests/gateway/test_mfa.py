"""Guardian factors, authentication methods, enrollment tickets and recovery codes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches

from selfservice.gateway import AuthenticationMethod, EnrollmentTicket, Factor, NotFound, Rejected, get_gateway

ALICE = "auth0|alice"
METHODS_PATH = r"^/api/v2/users/auth0\|alice/authentication-methods$"


def test_list_factors_returns_every_tenant_factor_with_its_state(gateway: Any, emulator: Any) -> None:
    factors = gateway.list_factors()

    assert all(isinstance(f, Factor) for f in factors)
    by_name = {f.name: f.enabled for f in factors}
    assert by_name["otp"] is True and by_name["sms"] is True and by_name["email"] is False
    assert "phone" not in by_name  # Auth0 calls the phone factor "sms" here


def test_list_factors_costs_one_request_then_none_while_cached(gateway: Any, emulator: Any) -> None:
    first = gateway.list_factors()
    again = get_gateway().list_factors()
    get_gateway().list_factors()

    assert again == first
    assert emulator.count("GET", "^/api/v2/guardian/factors$") == 1


def test_list_factors_is_fetched_again_once_the_cache_entry_is_gone(gateway: Any, emulator: Any) -> None:
    gateway.list_factors()
    emulator.set_factors({"email": True})
    caches["default"].clear()  # what FACTORS_CACHE_TTL expiring does

    factors = get_gateway().list_factors()

    assert {f.name: f.enabled for f in factors}["email"] is True
    assert emulator.count("GET", "^/api/v2/guardian/factors$") == 2


def test_list_factors_with_a_zero_ttl_is_not_cached(gateway: Any, emulator: Any, configure: Any) -> None:
    configure(FACTORS_CACHE_TTL=0)

    get_gateway().list_factors()
    get_gateway().list_factors()

    assert emulator.count("GET", "^/api/v2/guardian/factors$") == 2


def test_list_authentication_methods_returns_dataclasses_with_masked_contact_data(gateway: Any, alice: Any) -> None:
    methods = gateway.list_authentication_methods(ALICE)

    assert [m.type for m in methods] == ["totp", "phone"]
    totp, phone = methods
    assert isinstance(totp, AuthenticationMethod)
    assert totp.id.startswith("totp|dev_") and totp.name == "Authenticator app" and totp.confirmed is True
    assert totp.created_at is not None and totp.created_at.tzinfo is not None
    assert phone.phone_number is not None and phone.phone_number.endswith("5044") and "+1555" not in phone.phone_number
    assert phone.preferred_authentication_method == "sms"


def test_list_authentication_methods_costs_one_request_for_a_small_user(
    gateway: Any, alice: Any, emulator: Any
) -> None:
    gateway.list_authentication_methods(ALICE)

    assert emulator.count("GET", METHODS_PATH) == 1


def test_list_authentication_methods_costs_one_request_for_no_methods(gateway: Any, emulator: Any) -> None:
    emulator.add_user({"user_id": "auth0|none"})

    assert gateway.list_authentication_methods("auth0|none") == ()
    assert emulator.count("GET", "authentication-methods") == 1


@pytest.mark.parametrize(("how_many", "requests"), [(50, 1), (51, 2), (120, 3)])
def test_list_authentication_methods_reads_every_page_and_no_extra_empty_one(
    gateway: Any, emulator: Any, how_many: int, requests: int
) -> None:
    emulator.add_user(
        {
            "user_id": "auth0|many",
            "authentication_methods": [{"type": "email", "email": f"u{i}@example.com"} for i in range(how_many)],
        }
    )

    methods = gateway.list_authentication_methods("auth0|many")

    assert len(methods) == how_many
    assert len({m.id for m in methods}) == how_many
    assert emulator.count("GET", "authentication-methods") == requests


def test_list_authentication_methods_of_an_unknown_user_is_not_found(gateway: Any) -> None:
    with pytest.raises(NotFound):
        gateway.list_authentication_methods("auth0|nobody")


def test_get_authentication_method_returns_one_method(gateway: Any, alice: Any) -> None:
    wanted = gateway.list_authentication_methods(ALICE)[0]

    assert gateway.get_authentication_method(ALICE, wanted.id) == wanted


def test_get_authentication_method_that_does_not_exist_is_not_found(gateway: Any, alice: Any) -> None:
    with pytest.raises(NotFound) as caught:
        gateway.get_authentication_method(ALICE, "totp|dev_nope")

    assert caught.value.status == 404


def test_delete_authentication_method_removes_it(gateway: Any, alice: Any, emulator: Any) -> None:
    totp = gateway.list_authentication_methods(ALICE)[0]

    gateway.delete_authentication_method(ALICE, totp.id)

    assert [m["type"] for m in emulator.tenant.methods[ALICE]] == ["phone"]


def test_delete_authentication_method_that_does_not_exist_is_not_found(gateway: Any, alice: Any) -> None:
    with pytest.raises(NotFound):
        gateway.delete_authentication_method(ALICE, "totp|dev_nope")


@pytest.mark.parametrize(("factor", "sent"), [("otp", "otp"), ("sms", "phone"), ("voice", "phone")])
def test_create_enrollment_ticket_maps_phone_factors_and_sends_no_mail(
    gateway: Any, alice: Any, emulator: Any, factor: str, sent: str
) -> None:
    ticket = gateway.create_enrollment_ticket(ALICE, factor)

    assert isinstance(ticket, EnrollmentTicket)
    assert ticket.ticket_url == f"https://tenant.emulator.test/mfa/enrollment?ticket={ticket.ticket_id}"
    stored = emulator.tenant.tickets[ticket.ticket_id]
    assert stored["factor"] == sent and stored["user_id"] == ALICE


@pytest.mark.parametrize("factor", ["recovery-code", "duo", "carrier-pigeon"])
def test_create_enrollment_ticket_for_a_factor_tickets_cannot_enroll_is_rejected_before_any_io(
    gateway: Any, alice: Any, emulator: Any, factor: str
) -> None:
    with pytest.raises(Rejected) as caught:
        gateway.create_enrollment_ticket(ALICE, factor)

    assert caught.value.code == "unsupported_factor"
    assert emulator.requests() == []


def test_create_enrollment_ticket_for_a_disabled_factor_is_rejected_by_auth0(
    gateway: Any, alice: Any, emulator: Any
) -> None:
    with pytest.raises(Rejected) as caught:
        gateway.create_enrollment_ticket(ALICE, "email")  # disabled on a fresh tenant

    assert caught.value.status == 400
    assert emulator.count("POST", "enrollments/ticket") == 1


def test_regenerate_recovery_code_returns_the_new_code(gateway: Any, alice: Any, emulator: Any) -> None:
    code = gateway.regenerate_recovery_code(ALICE)

    assert len(code) == 24 and code.isalnum() and code.upper() == code
    assert emulator.count("POST", "recovery-code-regeneration") == 1


def test_invalidate_remember_browser_is_one_post(gateway: Any, alice: Any, emulator: Any) -> None:
    gateway.invalidate_remember_browser(ALICE)

    assert emulator.count("POST", "/multifactor/actions/invalidate-remember-browser$") == 1


def test_invalidate_remember_browser_of_an_unknown_user_is_not_found(gateway: Any) -> None:
    with pytest.raises(NotFound):
        gateway.invalidate_remember_browser("auth0|nobody")

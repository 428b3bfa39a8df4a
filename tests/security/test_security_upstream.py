"""The Security tab when Auth0 is down or busy, or the user is too quick: a clear state, never a 500."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from selfservice.emulator import Emulator
from selfservice.models import AuditEvent
from tests.conftest import CAROL, HTMX

URL = reverse("selfservice:security")
ENROLL = reverse("selfservice:enroll")
RECOVERY = reverse("selfservice:regenerate-recovery-code")
METHODS = r"^/api/v2/users/auth0\|carol/authentication-methods$"
RETRY_LINK = f'<a class="selfservice-button" href="{URL}" hx-get="{URL}" hx-target="#selfservice-panel" hx-swap="innerHTML">Retry</a>'
BOTH = pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def remove_url(tenant: Emulator, type_: str = "totp") -> str:
    method = next(m["id"] for m in tenant.tenant.methods[CAROL] if m["type"] == type_)
    return reverse("selfservice:remove-method", kwargs={"method_id": method})


@pytest.fixture
def carol(client_for: Callable[[str], Client]) -> Client:
    return client_for(CAROL)


# -- reading ---------------------------------------------------------------------------------------


@BOTH
def test_a_5xx_listing_methods_shows_an_error_with_a_working_retry(
    carol: Client, tenant: Emulator, headers: dict[str, str]
) -> None:
    tenant.add_fault(METHODS, method="GET", status=503, times=1)

    response = carol.get(URL, headers=headers)

    html = text(response)
    assert response.status_code == 503
    assert ("<html" in html) is not bool(headers)
    assert "The sign-in service cannot be reached right now." in html and RETRY_LINK in html
    assert "Set up" not in html and "Remove" not in html  # nothing stale to act on
    assert "Nothing was" not in html  # a visit changes nothing, so it says nothing of the kind
    assert carol.get(URL, headers=headers).status_code == 200


def test_a_5xx_reading_the_factors_is_an_error_too(carol: Client, tenant: Emulator) -> None:
    tenant.add_fault(r"^/api/v2/guardian/factors$", status=500, times=1)

    response = carol.get(URL)

    assert response.status_code == 503 and RETRY_LINK in text(response)


def test_a_body_that_is_not_auth0s_is_an_error(carol: Client, tenant: Emulator) -> None:
    tenant.add_fault(METHODS, method="GET", status=200, body="<html>proxy says hi</html>", times=1)

    response = carol.get(URL, headers=HTMX)

    assert response.status_code == 503 and "proxy says hi" not in text(response)


@BOTH
def test_a_429_listing_methods_says_when_to_retry(carol: Client, tenant: Emulator, headers: dict[str, str]) -> None:
    tenant.add_fault(METHODS, method="GET", status=429, headers={"Retry-After": "7"}, times=1)

    response = carol.get(URL, headers=headers)

    assert response.status_code == 429 and response["Retry-After"] == "7"
    assert "The sign-in service is busy. Try again in 7 seconds." in text(response)
    assert tenant.count("GET", METHODS) == 1  # no retry behind the user's back


def test_a_slow_tenant_times_out_into_the_error_state(carol: Client, socket_tenant: Emulator) -> None:
    socket_tenant.add_fault(METHODS, method="GET", latency_ms=1500, times=1)

    response = carol.get(URL)

    assert response.status_code == 503 and "The sign-in service cannot be reached right now." in text(response)


def test_a_deleted_auth0_user_gets_the_not_linked_page(carol: Client, tenant: Emulator) -> None:
    tenant.add_fault(METHODS, method="GET", status=404, times=1, body={
        "statusCode": 404, "error": "Not Found", "message": "The user does not exist.", "errorCode": "inexistent_user",
    })

    response = carol.get(URL)

    assert response.status_code == 200 and response.templates[0].name == "selfservice/not_linked.html"


# -- enroll ----------------------------------------------------------------------------------------


@BOTH
def test_a_5xx_creating_the_ticket_is_an_error_with_retry(carol: Client, tenant: Emulator, headers: dict[str, str]) -> None:
    tenant.add_fault(r"^/api/v2/guardian/enrollments/ticket$", status=502, times=1)

    response = carol.post(ENROLL, {"factor": "otp"}, headers=headers)

    assert response.status_code == 503 and RETRY_LINK in text(response)
    assert "Nothing was set up." in text(response)  # what the failure means for the user
    assert "HX-Trigger" not in response  # no popup to point anywhere
    assert not AuditEvent.objects.exists()


def test_a_429_creating_the_ticket_says_when(carol: Client, tenant: Emulator) -> None:
    tenant.add_fault(r"^/api/v2/guardian/enrollments/ticket$", status=429, headers={"Retry-After": "12"}, times=1)

    response = carol.post(ENROLL, {"factor": "otp"}, headers=HTMX)

    assert response.status_code == 429 and "The sign-in service is busy. Try again in 12 seconds." in text(response)


def test_a_ticket_url_that_is_not_a_web_page_is_never_linked(carol: Client, tenant: Emulator) -> None:
    tenant.add_fault(r"^/api/v2/guardian/enrollments/ticket$", status=200, times=1,
                     body={"ticket_id": "x", "ticket_url": "javascript:alert(1)"})

    response = carol.post(ENROLL, {"factor": "otp"})

    assert response.status_code == 503 and "javascript:" not in text(response)


@pytest.mark.usefixtures("one_minute_window")
def test_too_many_enrollments_are_refused_before_auth0_with_the_wait(
    carol: Client, tenant: Emulator, settings: Any
) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {"mfa.enroll": "2/m"}}
    for _ in range(2):
        assert carol.post(ENROLL, {"factor": "otp"}).status_code == 200
    tickets = tenant.count("POST", r"/enrollments/ticket$")

    response = carol.post(ENROLL, {"factor": "otp"}, headers=HTMX)

    html = text(response)
    assert response.status_code == 429
    seconds = re.search(r"You are making changes too quickly\. Try again in (\d+) seconds?\.", html)
    assert seconds and 1 <= int(seconds[1]) <= 60 and response["Retry-After"] == seconds[1]
    assert tenant.count("POST", r"/enrollments/ticket$") == tickets == 2


# -- remove ----------------------------------------------------------------------------------------


@BOTH
def test_a_5xx_deleting_keeps_the_method_and_says_so(carol: Client, tenant: Emulator, headers: dict[str, str]) -> None:
    url = remove_url(tenant)
    tenant.add_fault(r"/authentication-methods/", method="DELETE", status=500, times=1)

    response = carol.post(url, {"confirm": "1"}, headers=headers)

    assert response.status_code == 503 and RETRY_LINK in text(response)
    assert "Nothing was removed." in text(response)
    assert any(m["type"] == "totp" for m in tenant.tenant.methods[CAROL])
    assert not AuditEvent.objects.filter(action="mfa.remove").exists()


def test_a_5xx_on_the_ownership_read_deletes_nothing(carol: Client, tenant: Emulator) -> None:
    url = remove_url(tenant)
    tenant.add_fault(METHODS, method="GET", status=503, times=1)

    response = carol.post(url, {"confirm": "1"}, headers=HTMX)

    assert response.status_code == 503 and tenant.count("DELETE") == 0


def test_a_method_already_gone_upstream_counts_as_removed(carol: Client, tenant: Emulator) -> None:
    url = remove_url(tenant)
    tenant.add_fault(r"/authentication-methods/", method="DELETE", status=404, times=1, body={
        "statusCode": 404, "error": "Not Found", "message": "The authentication method does not exist.",
        "errorCode": "authentication_method_not_found",
    })

    response = carol.post(url, {"confirm": "1"})

    assert response.status_code == 302


@pytest.mark.usefixtures("one_minute_window")
def test_too_many_removals_are_refused_before_auth0(carol: Client, tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {"mfa.remove": "1/m"}}
    carol.post(remove_url(tenant, "totp"), {"confirm": "1"})
    tenant.clear_requests()

    response = carol.post(remove_url(tenant, "phone"), {"confirm": "1"})

    assert response.status_code == 429 and "You are making changes too quickly. Try again in" in text(response)
    assert "Nothing was removed." in text(response)
    assert tenant.requests() == []


# -- recovery code ---------------------------------------------------------------------------------


@BOTH
def test_a_5xx_regenerating_shows_no_code_and_offers_retry(carol: Client, tenant: Emulator, headers: dict[str, str]) -> None:
    tenant.add_fault(r"/recovery-code-regeneration$", status=503, times=1)

    response = carol.post(RECOVERY, headers=headers)

    assert response.status_code == 503 and RETRY_LINK in text(response)
    assert "Your recovery code was not changed." in text(response)
    assert "selfservice-recovery-code" not in text(response)


def test_a_429_regenerating_says_when(carol: Client, tenant: Emulator) -> None:
    tenant.add_fault(r"/recovery-code-regeneration$", status=429, headers={"Retry-After": "3"}, times=1)

    response = carol.post(RECOVERY, headers=HTMX)

    assert response.status_code == 429 and "The sign-in service is busy. Try again in 3 seconds." in text(response)


def test_too_many_regenerations_are_refused_before_auth0(carol: Client, tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {"mfa.recovery_code": "1/m"}}
    carol.post(RECOVERY)

    response = carol.post(RECOVERY)

    assert response.status_code == 429
    assert tenant.count("POST", r"/recovery-code-regeneration$") == 1

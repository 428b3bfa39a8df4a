"""The General tab when Auth0 is slow, down or busy: a clear state with a status, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from selfservice.emulator import Emulator
from selfservice.models import AuditEvent
from tests.conftest import HTMX

URL = reverse("selfservice:general")
ALICE_PATH = r"^/api/v2/users/auth0\|alice$"
TYPED = {"name": "Alice Liddell", "given_name": "Alice", "family_name": "Liddell", "nickname": "ally", "picture": ""}
RETRY_LINK = f'<a class="selfservice-button" href="{URL}" hx-get="{URL}" hx-target="#selfservice-panel" hx-swap="innerHTML">Retry</a>'
BOTH = pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])


@BOTH
def test_a_5xx_on_read_shows_an_error_with_a_working_retry_link(
    logged_in_client: Client, tenant: Emulator, headers: dict[str, str]
) -> None:
    tenant.add_fault(ALICE_PATH, method="GET", status=503, times=1)

    response = logged_in_client.get(URL, headers=headers)

    html = response.content.decode()
    assert response.status_code == 503
    assert ("<html" in html) is not bool(headers)
    assert "The sign-in service cannot be reached right now." in html and RETRY_LINK in html
    assert 'class="selfservice-form"' not in html  # no profile form to submit
    retried = logged_in_client.get(URL, headers=headers)
    assert retried.status_code == 200 and "Alice Liddell" in retried.content.decode()


def test_a_body_that_is_not_auth0s_is_an_error_too(logged_in_client: Client, tenant: Emulator) -> None:
    tenant.add_fault(ALICE_PATH, method="GET", status=200, body="<html>proxy says hi</html>", times=1)

    response = logged_in_client.get(URL, headers=HTMX)

    assert response.status_code == 503
    assert "proxy says hi" not in response.content.decode()


def test_a_misconfigured_tenant_looks_unavailable_to_the_user(logged_in_client: Client, tenant: Emulator) -> None:
    tenant.add_fault(ALICE_PATH, method="GET", status=403, times=1, body={
        "statusCode": 403, "error": "Forbidden", "errorCode": "insufficient_scope",
        "message": "Insufficient scope, expected any of: read:users",
    })

    response = logged_in_client.get(URL)

    assert response.status_code == 503
    assert "The sign-in service cannot be reached right now." in response.content.decode()


@BOTH
def test_a_429_on_read_says_when_to_retry(logged_in_client: Client, tenant: Emulator, headers: dict[str, str]) -> None:
    tenant.add_fault(ALICE_PATH, method="GET", status=429, headers={"Retry-After": "7"}, times=1)

    response = logged_in_client.get(URL, headers=headers)

    assert response.status_code == 429
    assert response["Retry-After"] == "7"
    assert "The sign-in service is busy. Try again in 7 seconds." in response.content.decode()
    assert 'data-selfservice-problem="rate_limited"' in response.content.decode()  # for tools, in any language
    assert tenant.count("GET", ALICE_PATH) == 1  # nothing retried behind the user's back


def test_a_wait_of_minutes_is_said_in_minutes_and_capped_at_an_hour(logged_in_client: Client, tenant: Emulator) -> None:
    tenant.add_fault(ALICE_PATH, method="GET", status=429, headers={"x-ratelimit-reset": "9999999999"}, times=1)

    response = logged_in_client.get(URL, headers=HTMX)

    assert response.status_code == 429 and response["Retry-After"] == "3600"
    assert "The sign-in service is busy. Try again in 60 minutes." in response.content.decode()


@BOTH
def test_a_5xx_on_save_keeps_the_typed_values_and_offers_to_try_again(
    logged_in_client: Client, tenant: Emulator, headers: dict[str, str]
) -> None:
    tenant.add_fault(ALICE_PATH, method="PATCH", status=500, times=1)

    response = logged_in_client.post(URL, TYPED, headers=headers)

    html = response.content.decode()
    assert response.status_code == 503
    assert 'name="nickname" value="ally"' in html
    assert "Nothing was saved; what you typed is kept below." in html
    assert '<button type="submit" class="selfservice-button">Try again</button>' in html
    assert tenant.count("PATCH", ALICE_PATH) == 1
    assert not AuditEvent.objects.exists()
    again = logged_in_client.post(URL, TYPED, headers=headers)
    assert again.status_code in (200, 302) and (tenant.user("auth0|alice") or {})["nickname"] == "ally"


def test_a_5xx_before_the_save_keeps_the_typed_values_without_writing(
    logged_in_client: Client, tenant: Emulator
) -> None:
    tenant.add_fault(ALICE_PATH, method="GET", status=502, times=1)

    response = logged_in_client.post(URL, TYPED, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 503
    assert 'name="nickname" value="ally"' in html and "Try again" in html
    assert tenant.count("PATCH") == 0


@BOTH
def test_a_save_for_a_user_auth0_no_longer_has_writes_nothing(
    logged_in_client: Client, tenant: Emulator, headers: dict[str, str]
) -> None:
    tenant.tenant.delete_user("auth0|alice")

    response = logged_in_client.post(URL, TYPED, headers=headers)

    assert response.status_code == 403
    assert "Your sign-in account was not found" in response.content.decode()
    assert tenant.count("PATCH") == 0


def test_a_429_on_save_keeps_the_typed_values_and_says_when(logged_in_client: Client, tenant: Emulator) -> None:
    tenant.add_fault(ALICE_PATH, method="PATCH", status=429, headers={"Retry-After": "1"}, times=1)

    response = logged_in_client.post(URL, TYPED, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 429 and response["Retry-After"] == "1"
    assert "The sign-in service is busy. Try again in 1 second." in html
    assert 'name="nickname" value="ally"' in html


def test_a_slow_tenant_times_out_into_the_error_state(logged_in_client: Client, socket_tenant: Emulator) -> None:
    socket_tenant.add_fault(ALICE_PATH, method="GET", latency_ms=1500, times=1)

    response = logged_in_client.get(URL)

    assert response.status_code == 503
    assert "The sign-in service cannot be reached right now." in response.content.decode()


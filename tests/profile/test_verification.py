"""General tab: "Send the verification email again" (``general/email/verify/``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from selfservice.emulator import Emulator
from selfservice.models import AuditEvent
from tests.conftest import ALICE, HTMX

URL = reverse("selfservice:resend-verification")
GENERAL = reverse("selfservice:general")
DORA = "auth0|dora"
JOBS = "/api/v2/jobs/verification-email"


@pytest.fixture
def dora(tenant: Emulator, client_for: Callable[[str], Client]) -> Client:
    tenant.add_user({"user_id": DORA, "email": "dora@example.com", "email_verified": False, "password": "demo-password",
                     "identities": [{"provider": "auth0", "user_id": "dora", "connection": "Username-Password-Authentication", "isSocial": False}]})
    return client_for(DORA)


def jobs(tenant: Emulator) -> list[dict[str, Any]]:
    return [r for r in tenant.requests() if r["method"] == "POST" and r["path"] == JOBS]


def test_an_unverified_address_offers_the_button(dora: Client) -> None:
    assert f'action="{URL}"' in dora.get(GENERAL).content.decode()


def test_a_verified_address_does_not(logged_in_client: Client) -> None:
    html = logged_in_client.get(GENERAL).content.decode()  # alice is verified
    assert "Verified" in html and f'action="{URL}"' not in html


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_the_email_is_sent_once_for_the_signed_in_user_and_audited(dora: Client, tenant: Emulator, headers: dict[str, str]) -> None:
    dora.get(GENERAL)
    tenant.clear_requests()

    response = dora.post(URL, headers=headers)

    if headers:
        assert response.status_code == 200 and response["HX-Redirect"] == GENERAL
    else:
        assert response.status_code == 302 and response["Location"] == GENERAL
    assert len(jobs(tenant)) == 1
    assert [r for r in tenant.requests() if r["method"] != "POST"] == []  # the profile came from the read cache
    assert AuditEvent.objects.filter(action="email.resend_verification", auth0_user_id=DORA).count() == 1
    assert "We sent a verification email to dora@example.com." in dora.get(GENERAL).content.decode()


def test_a_verified_address_sends_nothing(logged_in_client: Client, tenant: Emulator) -> None:
    tenant.clear_requests()
    response = logged_in_client.post(URL)
    assert response.status_code == 302 and jobs(tenant) == []
    assert "Your email address is already verified." in logged_in_client.get(GENERAL).content.decode()
    assert not AuditEvent.objects.filter(action="email.resend_verification", auth0_user_id=ALICE).exists()


def test_the_fourth_request_in_an_hour_is_refused_with_429_and_nothing_sent(dora: Client, tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {**settings.SELFSERVICE.get("RATELIMIT", {}), "email.verify": "3/h"}}
    for _ in range(3):
        assert dora.post(URL).status_code == 302
    tenant.clear_requests()

    refused = dora.post(URL)

    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert jobs(tenant) == []
    assert AuditEvent.objects.filter(action="email.resend_verification_refused", auth0_user_id=DORA).count() == 1


def test_auth0_failing_shows_the_general_tab_with_the_problem_and_no_second_try(dora: Client, tenant: Emulator) -> None:
    dora.get(GENERAL)
    tenant.add_fault(f"^{JOBS}$", method="POST", status=503, times=1)
    tenant.clear_requests()

    response = dora.post(URL)

    assert response.status_code == 503
    assert "dora@example.com" in response.content.decode()  # the tab, from the read cache
    assert len(jobs(tenant)) == 1
    assert dora.post(URL).status_code == 302 and len(jobs(tenant)) == 2  # recovers once Auth0 does


def test_get_is_not_allowed_and_sends_nothing(dora: Client, tenant: Emulator) -> None:
    tenant.clear_requests()
    assert dora.get(URL).status_code == 405 and jobs(tenant) == []

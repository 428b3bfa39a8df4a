"""General tab: change the password (``general/password/``): step-up, then Auth0's ticket page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from selfservice.emulator import Emulator
from selfservice.models import AuditEvent
from tests.conftest import ALICE, BOB, HTMX, RecordingTransport, signed_in_at

URL = reverse("selfservice:change-password")
GENERAL = reverse("selfservice:general")
TICKETS = "/api/v2/tickets/password-change"


def text(response: Any) -> str:
    return " ".join(response.content.decode().split())


def tickets(tenant: Emulator) -> int:
    return tenant.count("POST", f"^{TICKETS}$")


def test_the_general_tab_links_to_the_confirm_step(logged_in_client: Client) -> None:
    assert f'href="{URL}"' in logged_in_client.get(GENERAL).content.decode()
    html = text(logged_in_client.get(URL))
    assert "Change your password</h2>" in html and 'name="confirm" value="1"' in html
    assert "This site never sees it." in html


def test_a_get_or_a_post_without_confirm_creates_no_ticket(logged_in_client: Client, tenant: Emulator) -> None:
    assert logged_in_client.get(URL).status_code == 200
    assert logged_in_client.post(URL).status_code == 200
    assert tickets(tenant) == 0


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_confirming_sends_the_browser_to_a_ticket_that_returns_to_the_tab(
    logged_in_client: Client, tenant: Emulator, wire: RecordingTransport, headers: dict[str, str]
) -> None:
    response = logged_in_client.post(URL, {"confirm": "1"}, headers=headers)

    target = response["HX-Redirect"] if headers else response["Location"]
    assert response.status_code == (200 if headers else 302)
    assert target.startswith("https://tenant.emulator.test/u/reset-password?ticket=")
    assert tickets(tenant) == 1
    body = wire.bodies("POST")[-1]
    assert body["user_id"] == ALICE and body["result_url"] == f"http://testserver{GENERAL}"
    assert AuditEvent.objects.filter(action="password.change_started", auth0_user_id=ALICE).count() == 1

    # The ticket page really changes the password, and offers the way back to the tab.
    with httpx.Client(transport=tenant.transport(), base_url="https://tenant.emulator.test") as http:
        path = target.split("tenant.emulator.test", 1)[1].rstrip("#")
        done = http.post(path, data={"password": "a-new-password", "password_confirm": "a-new-password"})
    assert done.status_code == 200 and f'href="http://testserver{GENERAL}"' in done.text
    assert tenant.tenant.passwords[ALICE] == "a-new-password"


def test_a_social_user_is_told_where_the_password_lives_and_nothing_is_asked_of_auth0(
    client_for: Callable[[str], Client], tenant: Emulator
) -> None:
    bob = client_for(BOB)
    general = text(bob.get(GENERAL))
    assert f'href="{URL}"' not in general and "Managed by Google" in general
    page = text(bob.get(URL))
    assert "You sign in with Google: your password lives there" in page and 'name="confirm"' not in page

    refused = bob.post(URL, {"confirm": "1"})

    assert refused.status_code == 422 and tickets(tenant) == 0
    assert AuditEvent.objects.filter(action="password.change_refused", auth0_user_id=BOB).exists()


def test_an_old_sign_in_must_sign_in_again_first(logged_in_client: Client, tenant: Emulator) -> None:
    signed_in_at(logged_in_client, seconds_ago=3600)

    page = logged_in_client.get(URL)
    posted = logged_in_client.post(URL, {"confirm": "1"})

    assert "Confirm it&#x27;s you" in page.content.decode() and "Confirm it&#x27;s you" in posted.content.decode()
    assert "You are about to change your password." in posted.content.decode()
    assert tickets(tenant) == 0


def test_auth0_failing_says_nothing_changed(logged_in_client: Client, tenant: Emulator) -> None:
    tenant.add_fault(path=TICKETS, status=503, times=1)

    response = logged_in_client.post(URL, {"confirm": "1"})

    assert response.status_code == 503 and "Nothing was changed." in text(response)


def test_a_ticket_that_is_not_a_web_page_is_never_followed(logged_in_client: Client, tenant: Emulator) -> None:
    tenant.add_fault(path=TICKETS, status=201, body={"ticket": "javascript:alert(1)"}, times=1)

    response = logged_in_client.post(URL, {"confirm": "1"})

    assert response.status_code == 503 and "javascript:" not in response.content.decode()
    assert "Location" not in response


def test_starting_is_limited_per_user(logged_in_client: Client, tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {
        **settings.SELFSERVICE.get("RATELIMIT", {}), "password.change": "1/h"}}
    assert logged_in_client.post(URL, {"confirm": "1"}).status_code == 302

    refused = logged_in_client.post(URL, {"confirm": "1"})

    assert refused.status_code == 429 and tickets(tenant) == 1

"""General tab: change the email address (``general/email/``): step-up, typed twice, one write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode

from selfservice.emulator import Emulator
from selfservice.models import AuditEvent
from tests.conftest import ALICE, BOB, HTMX, RecordingTransport, signed_in_at

URL = reverse("selfservice:change-email")
GENERAL = reverse("selfservice:general")
USER_PATH = r"^/api/v2/users/auth0\|alice$"


def text(response: Any) -> str:
    return " ".join(response.content.decode().split())


def change(client: Client, new: str = "alice@new.example", again: str | None = None, **extra: Any) -> Any:
    return client.post(URL, {"email": new, "email_again": new if again is None else again}, **extra)


def writes(tenant: Emulator) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in tenant.requests() if r["method"] not in ("GET", "HEAD")
            and r["path"].startswith("/api/v2/")]


def test_the_general_tab_links_to_the_form_and_the_form_asks_twice(logged_in_client: Client) -> None:
    assert f'href="{URL}"' in logged_in_client.get(GENERAL).content.decode()
    html = text(logged_in_client.get(URL))
    assert "Change your email address</h2>" in html and "<strong>alice@example.com</strong>" in html
    assert 'name="email"' in html and 'name="email_again"' in html and 'type="email"' in html


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_change_is_one_patch_unverified_with_the_verification_sent_and_audited(
    logged_in_client: Client, tenant: Emulator, wire: RecordingTransport, headers: dict[str, str]
) -> None:
    logged_in_client.get(URL)
    tenant.clear_requests()

    response = change(logged_in_client, headers=headers)

    if headers:
        assert response.status_code == 200 and response["HX-Redirect"] == GENERAL
    else:
        assert response.status_code == 302 and response["Location"] == GENERAL
    assert writes(tenant) == [("PATCH", "/api/v2/users/auth0|alice")]
    assert tenant.count("GET", USER_PATH) == 0  # the user came from the read cache
    patch = wire.bodies("PATCH")[-1]
    assert {k: patch[k] for k in ("email", "email_verified", "verify_email")} == {
        "email": "alice@new.example", "email_verified": False, "verify_email": True}
    assert [(m["to"], m["kind"]) for m in tenant.emails()] == [("alice@new.example", "verification")]
    event = AuditEvent.objects.get(action="email.change", auth0_user_id=ALICE)
    assert "alice@new.example" not in str(event.details)
    assert get_user_model().objects.get(username="alice").email == "alice@new.example"

    tenant.clear_requests()
    general = text(logged_in_client.get(GENERAL))
    assert "Your email address is now alice@new.example." in general and "Not verified" in general
    assert tenant.count("GET", USER_PATH) == 0  # Auth0's answer to the PATCH was kept


@pytest.mark.parametrize(
    ("new", "again", "said"),
    [
        ("alice@new.example", "alice@other.example", "The two addresses are not the same."),
        ("ALICE@example.com", None, "This is already your email address."),
        ("not-an-address", None, "Enter a valid email address."),
        ("", None, "This field is required."),
        ("a" * 250 + "@b.example", None, "Ensure this value has at most 254 characters"),
    ],
    ids=["mismatch", "unchanged", "invalid", "empty", "too-long"],
)
def test_what_the_form_refuses_is_shown_with_the_input_kept_and_nothing_sent(
    logged_in_client: Client, tenant: Emulator, new: str, again: str | None, said: str
) -> None:
    logged_in_client.get(URL)
    tenant.clear_requests()

    response = change(logged_in_client, new, again)

    assert response.status_code == 422 and said in text(response)
    assert writes(tenant) == [] and tenant.emails() == []
    if new:
        assert f'value="{new[:40]}' in response.content.decode()


def test_an_address_in_use_is_refused_on_the_form(logged_in_client: Client, tenant: Emulator) -> None:
    response = change(logged_in_client, "carol@example.com")

    assert response.status_code == 422
    assert "This email address is already used by another account." in text(response)
    assert tenant.user(ALICE)["email"] == "alice@example.com" and tenant.emails() == []
    assert AuditEvent.objects.filter(action="email.change_refused", auth0_user_id=ALICE).exists()


def test_a_social_user_is_told_who_owns_the_address_and_nothing_is_written(
    client_for: Callable[[str], Client], tenant: Emulator
) -> None:
    bob = client_for(BOB)
    assert f'href="{URL}"' not in bob.get(GENERAL).content.decode()
    page = text(bob.get(URL))
    assert "Your email address comes from Google" in page and 'name="email"' not in page

    tenant.clear_requests()
    refused = change(bob, "bob@new.example")
    assert refused.status_code == 422 and writes(tenant) == []
    assert AuditEvent.objects.filter(action="email.change_refused", auth0_user_id=BOB).exists()


def test_an_old_sign_in_must_sign_in_again_before_the_form_or_the_change(logged_in_client: Client, tenant: Emulator) -> None:
    signed_in_at(logged_in_client, seconds_ago=3600)
    tenant.clear_requests()

    form = logged_in_client.get(URL)
    posted = change(logged_in_client)
    htmx = change(logged_in_client, headers=HTMX)

    assert form.status_code == 200 and "Confirm it&#x27;s you" in form.content.decode()
    assert posted.status_code == 200 and "Confirm it&#x27;s you" in posted.content.decode()
    assert htmx["HX-Redirect"].startswith(reverse("selfservice:step-up"))
    assert urlencode({"next": URL}) in htmx["HX-Redirect"]
    assert [r for r in tenant.requests() if r["path"].startswith("/api/v2/")] == []
    assert tenant.user(ALICE)["email"] == "alice@example.com"


def test_auth0_failing_keeps_what_was_typed_and_says_nothing_changed(logged_in_client: Client, tenant: Emulator) -> None:
    logged_in_client.get(URL)
    tenant.add_fault(path="/api/v2/users/auth0|alice", method="PATCH", status=503, times=1)

    response = change(logged_in_client)

    assert response.status_code == 503
    html = text(response)
    assert "Your email address was not changed." in html and 'value="alice@new.example"' in html
    assert tenant.user(ALICE)["email"] == "alice@example.com"


def test_a_lost_answer_says_the_change_may_have_been_made(logged_in_client: Client, tenant: Emulator) -> None:
    logged_in_client.get(URL)
    tenant.add_fault(path="/api/v2/users/auth0|alice", method="PATCH", status=200, body="not json", times=1)
    tenant.add_fault(path="/api/v2/users/auth0|alice", method="GET", status=503, times=1)  # no read-back either

    response = change(logged_in_client)

    assert response.status_code == 503
    assert "We could not confirm whether your email address was changed" in text(response)


@pytest.mark.usefixtures("ten_minutes_into_the_hour")
def test_the_change_is_limited_per_user_and_per_ip(logged_in_client: Client, tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {
        **settings.SELFSERVICE.get("RATELIMIT", {}), "email.change": "2/h", "email.change.ip": None}}
    assert change(logged_in_client, "a1@new.example").status_code == 302
    assert change(logged_in_client, "a2@new.example").status_code == 302
    tenant.clear_requests()

    refused = change(logged_in_client, "a3@new.example")

    assert refused.status_code == 429 and refused["Retry-After"] == "3000"
    assert "You are making changes too quickly. Try again in 50 minutes." in text(refused)
    assert 'value="a3@new.example"' in refused.content.decode() and writes(tenant) == []

    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {
        **settings.SELFSERVICE["RATELIMIT"], "email.change": None, "email.change.ip": "1/h"}}
    assert change(logged_in_client, "a4@new.example").status_code == 302
    assert change(logged_in_client, "a5@new.example").status_code == 429
    assert tenant.user(ALICE)["email"] == "a4@new.example"

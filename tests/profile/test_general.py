"""The General tab: showing the profile, and saving exactly what changed, exactly once."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.dispatch import Signal
from django.test import Client
from django.urls import reverse

from selfservice.emulator import Emulator
from selfservice.models import AuditEvent
from selfservice.signals import profile_updated
from tests.conftest import ALICE, BOB, CAROL, HTMX, RecordingTransport
from tests.factories import Auth0UserFactory

URL = reverse("selfservice:general")
ALICE_PATH = r"^/api/v2/users/auth0\|alice$"
ALICE_FORM = {
    "name": "Alice Liddell", "given_name": "Alice", "family_name": "Liddell", "nickname": "alice", "picture": "",
}


@contextmanager
def receiving(signal: Signal, observe: Callable[[], Any] | None = None) -> Iterator[list[dict[str, Any]]]:
    """Connect a receiver for the block; ``observe()`` runs inside it (state at send time)."""
    calls: list[dict[str, Any]] = []

    def receiver(**kwargs: Any) -> None:
        calls.append({**kwargs, "observed": observe() if observe else None})

    signal.connect(receiver, weak=False)
    try:
        yield calls
    finally:
        signal.disconnect(receiver)


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# -- showing ------------------------------------------------------------------------------------


def test_the_profile_is_shown_for_exactly_one_management_call(logged_in_client: Client, tenant: Emulator) -> None:
    response = logged_in_client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Alice Liddell" in html and "alice@example.com" in html
    assert 'selfservice-badge--ok">Verified<' in html
    assert "Email and password" in html
    assert '<time datetime="2024-03-02T09:15:00+00:00">' in html  # member since
    assert "ago</time>" in html  # last sign-in, humanized
    assert 'aria-hidden="true">AL</span>' in html  # no picture: initials
    assert 'name="nickname" value="alice"' in html
    assert tenant.count(path="^/api/v2/") == 1
    assert tenant.count("GET", ALICE_PATH) == 1


def test_a_picture_is_shown_with_alt_text(client_for: Callable[[str], Client], tenant: Emulator) -> None:
    seeded = tenant.add_user(Auth0UserFactory(picture="https://images.example/dana.png"))

    html = client_for(seeded["user_id"]).get(URL).content.decode()

    assert '<img class="selfservice-avatar" src="https://images.example/dana.png" alt="Profile picture of Dana Scully"' in html


def test_an_unverified_email_and_a_phone_number_are_shown(client_for: Callable[[str], Client]) -> None:
    html = client_for(CAROL).get(URL).content.decode()

    assert 'selfservice-badge--warn">Not verified<' in html
    assert "+15555550199" in html


def test_a_social_users_provider_owned_fields_are_read_only_with_the_reason(
    client_for: Callable[[str], Client], tenant: Emulator
) -> None:
    response = client_for(BOB).get(URL)

    html = response.content.decode()
    assert "Managed by Google: change your name and picture there." in html
    assert "<dd>Bob Builder</dd>" in html and "Google" in html
    assert 'class="selfservice-form"' not in html and 'name="name"' not in html
    assert tenant.count(path="^/api/v2/") == 1


# -- saving -------------------------------------------------------------------------------------


def test_a_plain_post_patches_only_the_changed_field_and_redirects(
    logged_in_client: Client, tenant: Emulator, wire: RecordingTransport
) -> None:
    response = logged_in_client.post(URL, {**ALICE_FORM, "nickname": "ally"})

    assert response.status_code == 302 and response["Location"] == URL
    assert wire.bodies("PATCH") == [{"nickname": "ally"}]
    stored = tenant.user(ALICE)
    assert stored is not None
    assert stored["nickname"] == "ally" and stored["name"] == "Alice Liddell"
    assert [(r["method"], r["path"]) for r in tenant.requests() if r["path"].startswith("/api/v2/")] == [
        ("GET", "/api/v2/users/auth0|alice"),
        ("PATCH", "/api/v2/users/auth0|alice"),
    ]
    page = logged_in_client.get(URL)
    assert _messages(page) == ["Your profile has been saved."]
    assert 'name="nickname" value="ally"' in page.content.decode()


def test_an_htmx_post_returns_the_refreshed_partial_without_a_second_read(
    logged_in_client: Client, tenant: Emulator
) -> None:
    response = logged_in_client.post(URL, {**ALICE_FORM, "name": "Alice Pleasance Liddell"}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and response.templates[0].name == "selfservice/partials/general.html"
    assert "Your profile has been saved." in html
    assert 'name="name" value="Alice Pleasance Liddell"' in html
    assert tenant.count("GET", ALICE_PATH) == 1 and tenant.count("PATCH", ALICE_PATH) == 1


def test_emptying_a_field_unsets_it_at_auth0(logged_in_client: Client, tenant: Emulator, wire: RecordingTransport) -> None:
    logged_in_client.post(URL, {**ALICE_FORM, "given_name": "  "})

    assert wire.bodies("PATCH") == [{"given_name": None}]
    stored = tenant.user(ALICE)
    assert stored is not None and "given_name" not in stored


def test_a_picture_without_a_scheme_is_saved_as_https(logged_in_client: Client, wire: RecordingTransport) -> None:
    logged_in_client.post(URL, {**ALICE_FORM, "picture": "images.example/alice.png"})

    assert wire.bodies("PATCH") == [{"picture": "https://images.example/alice.png"}]


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_post_without_changes_makes_no_patch_and_says_so(
    logged_in_client: Client, tenant: Emulator, headers: dict[str, str]
) -> None:
    response = logged_in_client.post(URL, ALICE_FORM, headers=headers, follow=not headers)

    assert response.status_code == 200
    assert _messages(response) == ["Nothing to save: your profile already has these values."]
    # One read for the save; the page after the redirect comes from the shared cache.
    assert tenant.count("PATCH") == 0 and tenant.count("GET", ALICE_PATH) == 1
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_invalid_input_is_refused_with_422_and_the_typed_values_kept(
    logged_in_client: Client, tenant: Emulator, headers: dict[str, str]
) -> None:
    long_name = "A" * 151
    response = logged_in_client.post(
        URL, {**ALICE_FORM, "name": long_name, "picture": "http://images.example/a.png"}, headers=headers
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert ("<html" in html) is not bool(headers)
    assert f'value="{long_name}"' in html and 'value="http://images.example/a.png"' in html
    assert "Ensure this value has at most 150 characters (it has 151)." in html
    assert "Enter an https:// address." in html
    assert tenant.count("PATCH") == 0


def test_a_social_users_provider_owned_fields_are_never_sent_even_when_posted(
    client_for: Callable[[str], Client], tenant: Emulator, wire: RecordingTransport
) -> None:
    client = client_for(BOB)

    response = client.post(URL, {"name": "Mallory", "nickname": "evil", "picture": "https://evil.example/x.png"})

    assert response.status_code == 302
    assert wire.bodies("PATCH") == [] and tenant.count("PATCH") == 0
    stored = tenant.user(BOB)
    assert stored is not None and stored["name"] == "Bob Builder"
    assert _messages(client.get(URL)) == ["Nothing to save: your profile already has these values."]


def test_auth0s_refusal_is_shown_on_the_form_with_422(logged_in_client: Client, tenant: Emulator) -> None:
    tenant.add_fault(ALICE_PATH, method="PATCH", status=400, times=1, body={
        "statusCode": 400, "error": "Bad Request", "errorCode": "invalid_body",
        "message": "Payload validation error: 'String is too long' on property nickname.",
    })

    response = logged_in_client.post(URL, {**ALICE_FORM, "nickname": "ally"}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 422
    assert "Payload validation error: &#x27;String is too long&#x27; on property nickname." in html
    assert 'name="nickname" value="ally"' in html
    assert not AuditEvent.objects.exists()


# -- audit, signal, rate limit, CSRF ------------------------------------------------------------


def test_a_successful_save_is_audited_with_field_names_only(logged_in_client: Client, alice: Any) -> None:
    logged_in_client.post(URL, {**ALICE_FORM, "nickname": "ally", "family_name": "L."}, HTTP_USER_AGENT="U" * 600)

    event = AuditEvent.objects.get()
    assert event.user == alice and event.auth0_user_id == ALICE and event.target == ALICE
    assert event.action == "profile.update"
    assert event.details == {"fields": ["family_name", "nickname"]}
    assert event.ip == "127.0.0.1" and event.user_agent == "U" * 512
    assert "ally" not in str(event.details)


def test_profile_updated_is_sent_after_auth0_accepted_the_change(
    logged_in_client: Client, tenant: Emulator, alice: Any
) -> None:
    with receiving(profile_updated, lambda: (tenant.user(ALICE) or {}).get("nickname")) as calls:
        logged_in_client.post(URL, {**ALICE_FORM, "nickname": "ally"})

    assert len(calls) == 1
    call = calls[0]
    assert call["user"] == alice and call["auth0_user_id"] == ALICE and call["changed_fields"] == ["nickname"]
    assert call["request"].path == URL and call["sender"].__name__ == "GeneralView"
    assert call["observed"] == "ally"  # Auth0 already had the change when receivers ran


def test_profile_updated_is_not_sent_when_nothing_was_saved(logged_in_client: Client, tenant: Emulator) -> None:
    tenant.add_fault(ALICE_PATH, method="PATCH", status=503, times=1)
    with receiving(profile_updated) as calls:
        logged_in_client.post(URL, {**ALICE_FORM, "nickname": "ally"})  # upstream failure
        logged_in_client.post(URL, ALICE_FORM)  # no change
        logged_in_client.post(URL, {**ALICE_FORM, "picture": "http://x.example/p.png"})  # invalid

    assert calls == []
    assert not AuditEvent.objects.exists()


@pytest.mark.usefixtures("one_minute_window")
def test_too_many_saves_are_refused_with_429_before_any_upstream_call(
    logged_in_client: Client, tenant: Emulator, settings: Any
) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {"profile.update": "2/m"}}
    for _ in range(2):
        assert logged_in_client.post(URL, ALICE_FORM).status_code == 302
    before = tenant.count(path="^/api/v2/")

    response = logged_in_client.post(URL, {**ALICE_FORM, "nickname": "ally"}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 429
    seconds = re.search(r"You are making changes too quickly\. Try again in (\d+) seconds?\.", html)
    assert seconds and 1 <= int(seconds[1]) <= 60 and response["Retry-After"] == seconds[1]
    assert 'name="nickname" value="ally"' in html
    assert tenant.count(path="^/api/v2/") == before
    assert logged_in_client.get(URL).status_code == 200  # reading is not limited


def test_the_save_needs_a_csrf_token(tenant: Emulator, alice: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    refused = client.post(URL, {**ALICE_FORM, "nickname": "ally"})
    client.get(URL)  # sets the CSRF cookie, as a browser would
    token = client.cookies["csrftoken"].value
    accepted = client.post(URL, {**ALICE_FORM, "nickname": "ally", "csrfmiddlewaretoken": token})
    via_htmx_header = client.post(URL, {**ALICE_FORM, "nickname": "al"}, headers={**HTMX, "X-CSRFToken": token})

    assert refused.status_code == 403
    assert accepted.status_code == 302 and via_htmx_header.status_code == 200
    assert tenant.count("PATCH") == 2

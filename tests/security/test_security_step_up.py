"""Step-up on the Security tab: removing a method and a new recovery code need a recent sign-in."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode

from selfservice.core.step_up import PENDING_KEY
from selfservice.emulator import Emulator
from selfservice.login.pipeline import AUTH_TIME_KEY
from selfservice.models import AuditEvent
from tests.conftest import CAROL, HTMX, signed_in_at
from tests.security.test_security import RECOVERY, URL, method_id, mutations, remove_url, text

STEP_UP = reverse("selfservice:step-up")
HOUR = 3600


def step_up_url(next_url: str, action: str) -> str:
    return f"{STEP_UP}?{urlencode({'next': next_url, 'action': action})}"


def hidden_fields(html: str) -> dict[str, str]:
    """The step-up form's hidden fields (what the browser posts to social-auth's begin view)."""
    form = re.search(r'<form method="post" action="/login/auth0/">(.*?)</form>', html, re.S)
    assert form is not None, html
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', form.group(1)))


def assert_confirm_its_you(response: Any, next_url: str) -> None:
    html = text(response)
    assert response.status_code == 200, html[:500]
    assert "Confirm it's you</h2>" in html and "sign in again first" in html
    fields = hidden_fields(html)
    assert {k: v for k, v in fields.items() if k != "csrfmiddlewaretoken"} == {
        "next": next_url, "max_age": "0", "prompt": "login", "login_hint": response.wsgi_request.user.email,
    }
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def old_carol(client_for: Callable[[str], Client], tenant: Emulator) -> Client:
    """Carol, signed in an hour ago (the default STEP_UP_MAX_AGE is 300 s); the request log empty."""
    client = client_for(CAROL)
    signed_in_at(client, seconds_ago=HOUR)
    tenant.clear_requests()
    return client


def test_an_old_sign_in_gets_confirm_its_you_instead_of_the_remove_confirm_step(old_carol: Client, tenant: Emulator) -> None:
    totp = method_id(tenant, CAROL, "totp")

    response = old_carol.get(remove_url(totp))

    assert_confirm_its_you(response, remove_url(totp))
    assert "You are about to remove a way of proving it&#x27;s you when you sign in." in text(response)
    assert f'<a class="selfservice-button" href="{URL}">Cancel</a>' in text(response)
    assert tenant.requests() == []  # not even the method list: nothing upstream before the step-up
    assert old_carol.session[PENDING_KEY] == CAROL


def test_an_old_sign_in_cannot_remove_a_method_plain_or_htmx(old_carol: Client, tenant: Emulator) -> None:
    totp = method_id(tenant, CAROL, "totp")

    plain = old_carol.post(remove_url(totp), {"confirm": "1"})
    htmx = old_carol.post(remove_url(totp), {"confirm": "1"}, headers=HTMX)

    assert_confirm_its_you(plain, remove_url(totp))
    assert htmx.status_code == 200 and htmx["HX-Redirect"] == step_up_url(remove_url(totp), "mfa.remove")
    assert tenant.requests() == [] and tenant.count("DELETE") == 0
    assert any(m["id"] == totp for m in tenant.tenant.methods[CAROL])
    assert not AuditEvent.objects.filter(action="mfa.remove").exists()


def test_the_htmx_redirect_target_is_the_same_page(old_carol: Client, tenant: Emulator) -> None:
    totp = method_id(tenant, CAROL, "totp")

    response = old_carol.get(step_up_url(remove_url(totp), "mfa.remove"))

    assert_confirm_its_you(response, remove_url(totp))
    assert "<html" in text(response) and 'aria-current="page"' in text(response)
    assert tenant.requests() == []


def test_a_session_without_auth_time_counts_as_old(client_for: Callable[[str], Client], tenant: Emulator) -> None:
    client = client_for(CAROL)
    session = client.session
    del session[AUTH_TIME_KEY]  # signed in before the pipeline kept auth_time
    session.save()

    response = client.post(remove_url(method_id(tenant, CAROL, "totp")), {"confirm": "1"})

    assert "Confirm it's you" in text(response) and tenant.count("DELETE") == 0


def test_a_sign_in_within_the_limit_removes_as_before(client_for: Callable[[str], Client], tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "STEP_UP_MAX_AGE": 600}
    client = client_for(CAROL)
    signed_in_at(client, seconds_ago=500)
    totp = method_id(tenant, CAROL, "totp")

    assert client.get(remove_url(totp)).templates[0].name == "selfservice/security_remove.html"
    response = client.post(remove_url(totp), {"confirm": "1"})

    assert response.status_code == 302 and response["Location"] == URL
    assert tenant.count("DELETE") == 1
    assert PENDING_KEY not in client.session


def test_step_up_can_be_turned_off(old_carol: Client, tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "STEP_UP_MAX_AGE": None}

    response = old_carol.post(remove_url(method_id(tenant, CAROL, "totp")), {"confirm": "1"})

    assert response.status_code == 302 and tenant.count("DELETE") == 1


def test_an_old_sign_in_gets_no_new_recovery_code(old_carol: Client, tenant: Emulator) -> None:
    before = copy.deepcopy(tenant.tenant.methods[CAROL])

    plain = old_carol.post(RECOVERY)
    htmx = old_carol.post(RECOVERY, headers=HTMX)
    confirm_step = old_carol.get(RECOVERY)

    for page in (plain, confirm_step):
        assert_confirm_its_you(page, RECOVERY)
        assert "You are about to replace your recovery code." in text(page)
        assert "selfservice-recovery-code" not in text(page)
    assert htmx["HX-Redirect"] == step_up_url(RECOVERY, "mfa.recovery_code")
    assert tenant.requests() == [] and mutations(tenant) == []
    assert tenant.tenant.methods[CAROL] == before


def test_after_signing_in_again_the_recovery_code_has_its_own_confirm_step(
    client_for: Callable[[str], Client], tenant: Emulator
) -> None:
    client = client_for(CAROL)  # just signed in again: where the step-up comes back to

    confirm = client.get(RECOVERY)

    html = text(confirm)
    assert confirm.status_code == 200 and "Generate a new recovery code?" in html
    assert "Your current recovery code will stop working." in html
    assert f'<form method="post" action="{RECOVERY}" hx-post="{RECOVERY}"' in html
    assert mutations(tenant) == []
    assert "Your new recovery code" in text(client.post(RECOVERY))
    assert mutations(tenant) == [("POST", f"/api/v2/users/{CAROL}/recovery-code-regeneration")]


def test_the_recovery_confirm_step_sends_a_user_without_any_method_back_to_the_tab(
    client_for: Callable[[str], Client], tenant: Emulator
) -> None:
    response = client_for("google-oauth2|bob").get(RECOVERY)

    assert response.status_code == 302 and response["Location"] == URL


@pytest.mark.parametrize("next_url", ["https://evil.example/account/", "//evil.example/", "/admin/", "/nowhere/", ""])
def test_the_step_up_page_only_leads_back_into_the_account(old_carol: Client, next_url: str) -> None:
    response = old_carol.get(step_up_url(next_url, "mfa.remove"))

    assert_confirm_its_you(response, reverse("selfservice:index"))


def test_the_step_up_page_after_signing_in_again_goes_straight_back(client_for: Callable[[str], Client]) -> None:
    client = client_for(CAROL)  # fresh: e.g. Back to the page after the step-up

    response = client.get(step_up_url(RECOVERY, "mfa.recovery_code"))

    assert response.status_code == 302 and response["Location"] == RECOVERY


def test_the_step_up_page_needs_a_signed_in_user(client: Client) -> None:
    response = client.get(step_up_url(RECOVERY, "mfa.recovery_code"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("selfservice:login"))


def test_the_step_up_page_speaks_spanish(old_carol: Client, tenant: Emulator) -> None:
    from django.utils import translation

    with translation.override("es"):
        html = text(old_carol.get(remove_url(method_id(tenant, CAROL, "totp"))))

    assert "Confirma que eres tú" in html and "Vuelve a iniciar sesión" in html

"""The account shell around the tabs: who the Auth0 user is, and the tabs not built yet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from selfservice.core.adapter import PROFILE_FIELDS, DefaultAdapter, get_adapter
from selfservice.emulator import Emulator
from tests.conftest import ALICE, HTMX
from tests.factories import IdentityFactory, UserFactory, UserProfileFactory, UserSocialAuthFactory

GENERAL = reverse("selfservice:general")

pytestmark = pytest.mark.django_db


class HeaderAdapter(DefaultAdapter):
    """A site that keeps the Auth0 id somewhere else (here: a request header, for the test)."""

    def get_auth0_user_id(self, request: HttpRequest) -> str | None:
        return request.headers.get("X-Test-Auth0-Id")

    def editable_fields(self, profile: Any) -> tuple[str, ...]:
        return ("nickname",)


@pytest.mark.parametrize("tab", ["general", "preferences", "security", "sessions"])
def test_a_user_without_an_auth0_association_gets_a_clear_page(
    client: Client, tenant: Emulator, tab: str
) -> None:
    client.force_login(UserFactory())
    tenant.clear_requests()

    response = client.get(reverse(f"selfservice:{tab}"))

    assert response.status_code == 200
    assert "This account has no sign-in settings here" in response.content.decode()
    assert tenant.requests() == []


def test_a_user_without_an_auth0_association_cannot_post(client: Client, tenant: Emulator) -> None:
    client.force_login(UserFactory())
    tenant.clear_requests()

    response = client.post(GENERAL, {"name": "x"}, headers=HTMX)

    assert response.status_code == 403
    assert response.templates[0].name == "selfservice/partials/not_linked.html"
    assert tenant.requests() == []


def test_an_auth0_user_that_no_longer_exists_is_explained(client_for: Callable[[str], Client]) -> None:
    response = client_for("auth0|deleted").get(GENERAL)

    assert response.status_code == 200
    assert "Your sign-in account was not found" in response.content.decode()


def test_an_association_with_another_backend_is_not_used(client: Client, tenant: Emulator) -> None:
    social = UserSocialAuthFactory(provider="google-oauth2", uid="bob@example.com")
    client.force_login(social.user)

    assert "This account has no sign-in settings here" in client.get(GENERAL).content.decode()


def test_the_newest_auth0_association_wins(client: Client, tenant: Emulator) -> None:
    older = UserSocialAuthFactory(uid="auth0|carol")
    UserSocialAuthFactory(user=older.user, uid=ALICE)
    client.force_login(older.user)

    assert "Alice Liddell" in client.get(GENERAL).content.decode()


def test_a_site_adapter_decides_the_auth0_user_and_the_editable_fields(
    client: Client, tenant: Emulator, settings: Any
) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "ADAPTER": f"{__name__}.HeaderAdapter"}
    client.force_login(UserFactory())  # no social-auth association at all

    html = client.get(GENERAL, headers={"X-Test-Auth0-Id": ALICE}).content.decode()

    assert isinstance(get_adapter(), HeaderAdapter)
    assert 'name="nickname"' in html and 'name="name"' not in html
    assert "<dd>Alice Liddell</dd>" in html
    assert "Managed by" not in html  # a database user: the site's own choice, not a provider's


def test_the_default_adapter_lets_only_database_and_passwordless_users_edit_their_profile() -> None:
    adapter = DefaultAdapter()
    for provider in ("auth0", "email", "sms"):
        assert adapter.editable_fields(UserProfileFactory(identity=IdentityFactory(provider=provider))) == PROFILE_FIELDS
    for provider in ("google-oauth2", "samlp", "waad"):
        profile = UserProfileFactory(identity=IdentityFactory(provider=provider, is_social=provider == "google-oauth2"))
        assert adapter.editable_fields(profile) == ()
    assert adapter.editable_fields(UserProfileFactory(user_id="auth0|x", identities=())) == PROFILE_FIELDS


def test_sign_in_methods_are_named_for_people() -> None:
    adapter = DefaultAdapter()
    profile = UserProfileFactory(identities=(
        IdentityFactory(provider="auth0"),
        IdentityFactory(provider="google-oauth2", is_social=True),
        IdentityFactory(provider="google-oauth2", is_social=True),
        IdentityFactory(provider="samlp", connection="acme-sso"),
        IdentityFactory(provider="brand-new-idp", connection="partner"),
    ))

    assert adapter.sign_in_methods(profile) == [
        "Email and password", "Google", "Single sign-on (SAML)", "partner",
    ]


@pytest.mark.parametrize(("tab", "text"), [
    ("preferences", "Preferences are not configured yet."),
])
def test_tabs_not_built_yet_say_so_without_calling_auth0(
    logged_in_client: Client, tenant: Emulator, tab: str, text: str
) -> None:
    response = logged_in_client.get(reverse(f"selfservice:{tab}"))

    assert text in response.content.decode()
    assert tenant.count(path="^/api/v2/") == 0

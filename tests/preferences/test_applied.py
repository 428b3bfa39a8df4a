"""Preferences that take effect: ``x-applies`` language, time zone and theme, on the pages."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from selfservice.emulator import Emulator
from selfservice.models import PreferenceSchema
from tests.conftest import HTMX
from tests.factories import AuditEventFactory, Auth0UserFactory

PREFERENCES = reverse("selfservice:preferences")
SECURITY = reverse("selfservice:security")
ACTIVITY = reverse("selfservice:activity")
ERIN = "auth0|erin"
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "language": {"type": "string", "title": "Language", "enum": ["en", "es", "xx"], "x-applies": "language"},
        "tz": {"type": "string", "title": "Time zone", "enum": ["UTC", "Europe/Madrid", "Mars/Base"], "x-applies": "time_zone"},
        "theme": {"type": "string", "title": "Theme", "enum": ["system", "light", "dark", "neon"], "x-applies": "theme"},
        "nickname": {"type": "string", "title": "Nickname", "default": "x"},
    },
}


@pytest.fixture
def schema(db: None) -> PreferenceSchema:
    return PreferenceSchema.objects.create(name="applied", version=1, schema=copy.deepcopy(SCHEMA), is_active=True)


@pytest.fixture
def erin(tenant: Emulator, client_for: Callable[[str], Client], schema: PreferenceSchema) -> Callable[..., Client]:
    """``erin(**user_metadata)``: signed in as a user with those preferences."""

    def make(**metadata: Any) -> Client:
        tenant.add_user(Auth0UserFactory(user_id=ERIN, user_metadata=metadata))
        client = client_for(ERIN)
        tenant.clear_requests()
        return client

    return make


def html(response: Any) -> str:
    return str(response.content.decode())


def test_language_time_zone_and_theme_apply_to_every_account_page(erin: Callable[..., Client], tenant: Emulator) -> None:
    client = erin(language="es", tz="Europe/Madrid", theme="dark")
    user = get_user_model().objects.get(social_auth__uid=ERIN)
    AuditEventFactory(user=user, auth0_user_id=ERIN, created_at=datetime(2026, 12, 1, 12, 0, tzinfo=UTC))

    first = client.get(PREFERENCES)  # reads the user: from now on the session knows

    assert '<html lang="es"' in html(first) and first["Content-Language"] == "es"
    assert 'data-selfservice-theme="dark"' in html(first) and '<meta name="color-scheme" content="dark">' in html(first)
    tenant.clear_requests()
    security = client.get(SECURITY)
    activity = client.get(ACTIVITY)
    assert '<html lang="es"' in html(security) and "Seguridad" in html(security)
    assert tenant.count("GET", r"^/api/v2/users/auth0\|erin$") == 0  # applied without reading the user again
    assert 'datetime="2026-12-01T13:00:00+01:00"' in html(activity)  # Europe/Madrid in winter
    # Nothing stays active on the thread after the response.
    assert translation.get_language() != "es" and timezone.get_current_timezone_name() == "UTC"


def test_values_that_cannot_take_effect_are_ignored(erin: Callable[..., Client]) -> None:
    client = erin(language="xx", tz="Mars/Base", theme="neon")

    page = html(client.get(PREFERENCES))

    assert '<html lang="en' in page and "data-selfservice-theme" not in page
    assert '<meta name="color-scheme" content="light dark">' in page


def test_a_schema_default_never_overrides_the_browser(erin: Callable[..., Client], schema: PreferenceSchema) -> None:
    schema.schema["properties"]["language"]["default"] = "es"
    schema.save()
    client = erin()

    page = client.get(PREFERENCES, HTTP_ACCEPT_LANGUAGE="en")

    assert '<html lang="en' in html(page)


def test_saving_a_new_language_reloads_the_whole_page_in_it(erin: Callable[..., Client]) -> None:
    client = erin(language="en", theme="light")
    form = client.get(PREFERENCES).context["form"]
    data = {name: form[name].value() or "" for name in form.fields if not form.fields[name].disabled}
    data.update(language="es", theme="dark")

    saved = client.post(PREFERENCES, data, headers=HTMX)

    assert saved.status_code == 200 and saved["HX-Redirect"] == PREFERENCES
    after = html(client.get(PREFERENCES))
    assert '<html lang="es"' in after and 'data-selfservice-theme="dark"' in after
    assert "Se han guardado tus preferencias." in after  # the message waited for the reload


def test_only_the_account_pages_by_default_the_whole_site_by_setting(erin: Callable[..., Client], settings: Any) -> None:
    client = erin(language="es")
    client.get(PREFERENCES)
    site_page = reverse("admin:login")

    assert '<html lang="en' in html(client.get(site_page))
    settings.SELFSERVICE = {**settings.SELFSERVICE, "APPLY_PREFERENCES": "site"}
    assert '<html lang="es"' in html(client.get(site_page))
    settings.SELFSERVICE = {**settings.SELFSERVICE, "APPLY_PREFERENCES": None}
    assert '<html lang="en' in html(client.get(PREFERENCES))


def test_another_page_of_the_site_costs_no_query_with_the_account_scope(
    erin: Callable[..., Client], django_assert_num_queries: Any
) -> None:
    client = erin(language="es")
    client.get(PREFERENCES)

    with django_assert_num_queries(0):  # neither the session nor the user is loaded for it
        assert client.get("/plain/").content == b"plain"


def test_another_page_first_resolves_them_from_the_cached_user_without_an_auth0_call(
    erin: Callable[..., Client], tenant: Emulator
) -> None:
    client = erin(language="es")
    client.get(reverse("selfservice:general"))  # the user is read (and cached) before the session knows
    session = client.session
    session.pop("selfservice_applied_preferences", None)
    session.save()
    tenant.clear_requests()

    page = client.get(SECURITY)

    assert '<html lang="es"' in html(page)
    assert tenant.count("GET", r"^/api/v2/users/auth0\|erin$") == 0


@pytest.mark.parametrize(
    ("prop", "message"),
    [
        ({"type": "string", "x-applies": "currency"}, '"x-applies" must be one of language, time_zone, theme.'),
        ({"type": "boolean", "x-applies": "theme"}, 'A property that applies as the theme must be {"type": "string"}.'),
    ],
    ids=["unknown-role", "not-a-string"],
)
def test_a_schema_with_a_misused_annotation_is_refused_with_its_pointer(db: None, prop: dict[str, Any], message: str) -> None:
    bad = PreferenceSchema(name="bad", version=1, schema={"type": "object", "properties": {"p": prop}})

    with pytest.raises(ValidationError) as caught:
        bad.full_clean()

    assert f"/properties/p/x-applies: {message}" in str(caught.value)


def test_two_properties_cannot_both_be_the_language(db: None) -> None:
    both = {"type": "object", "properties": {
        "a": {"type": "string", "x-applies": "language"}, "b": {"type": "string", "x-applies": "language"}}}

    with pytest.raises(ValidationError) as caught:
        PreferenceSchema(name="both", version=1, schema=both).full_clean()

    assert 'Only one property can apply as the language; "a" already does.' in str(caught.value)

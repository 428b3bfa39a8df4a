"""The Security tab's methods written in Python are the bytes the shipped method template renders,
and a site's own copy is what the site gets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from selfservice.emulator import Emulator
from tests.conftest import CAROL, HTMX
from tests.factories import Auth0UserFactory
from tests.sessions.test_row_markup import override, page, still_clock, templates_used  # noqa: F401 - fixture

URL = reverse("selfservice:security")
METHOD = "selfservice/includes/security_method.html"
ERIN = "auth0|erin"


def add_erin(tenant: Emulator) -> None:
    """Methods of every shape: unconfirmed, used and never used, named like their factor and not,
    one only listed under "Other methods", text that needs escaping."""
    tenant.add_user(Auth0UserFactory(user_id=ERIN, authentication_methods=[
        {"type": "totp", "name": "Authenticator app", "last_auth_at": "2026-11-30T10:00:00.000Z"},
        {"type": "totp", "name": 'Old <b>"phone"</b> & co', "confirmed": False},
        {"type": "webauthn-roaming", "name": "YubiKey 5C", "last_auth_at": "2026-12-01T08:30:00.000Z"},
        {"type": "email", "name": "Email", "email": "erin@example.com"},
        {"type": "recovery-code"},
    ]))


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
@pytest.mark.parametrize("user", [CAROL, ERIN])
def test_the_methods_are_the_bytes_the_shipped_template_renders(
    client_for: Callable[[str], Client], tenant: Emulator, settings: Any, tmp_path: Path, language: str,
    headers: dict[str, str], user: str, still_clock: Any,  # noqa: F811
) -> None:
    add_erin(tenant)
    client = client_for(user)  # Carol: six methods; Erin: every shape
    with translation.override(language):
        written = page(client, URL, **headers)
        assert METHOD not in templates_used(client, URL, **headers)
        override(settings, tmp_path, {METHOD: None})  # the same file, found elsewhere: rendered per method
        rendered = page(client, URL, **headers)
        assert METHOD in templates_used(client, URL, **headers)

    assert written.count('<li class="selfservice-method">') >= 4
    if user == ERIN:
        assert 'class="selfservice-badge selfservice-badge--warn"' in written  # a method not confirmed
        assert "Old &lt;b&gt;&quot;phone&quot;&lt;/b&gt; &amp; co" in written
        assert written.count('<ul class="selfservice-methods" role="list">') == 4  # three factors and "Other methods"
    assert written == rendered


def test_a_sites_own_method_template_is_rendered_per_method(
    client_for: Callable[[str], Client], settings: Any, tmp_path: Path
) -> None:
    carol = client_for(CAROL)
    override(settings, tmp_path, {METHOD: '<li class="site-method">{{ entry.method.label }} / {{ factor.name|default:"other" }}</li>'})

    html = page(carol, URL)

    assert '<li class="site-method">' in html and "selfservice-method-dates" not in html
    assert html.count('<li class="site-method">') == html.count(" / ") >= 5

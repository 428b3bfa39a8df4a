"""The General tab's avatar: an upstream ``picture`` becomes ``<img src>`` only when it is https.

Auth0 hands back whatever a provider, an Action or another application stored, so the page
must not trust it: anything else shows the initials (selfservice.profile.views.avatar_url).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from selfservice.emulator import Emulator
from selfservice.profile.views import avatar_url
from tests.conftest import ALICE

URL = reverse("selfservice:general")
AVATAR_IMG = '<img class="selfservice-avatar"'
INITIALS = 'aria-hidden="true">AL</span>'

REFUSED = [
    pytest.param("javascript:alert(1)", id="javascript"),
    pytest.param("JavaScript:alert(1)", id="javascript-mixed-case"),
    pytest.param("java\tscript:alert(1)", id="javascript-with-a-tab"),
    pytest.param(" javascript:alert(1)", id="javascript-leading-space"),
    pytest.param("data:text/html,<script>alert(1)</script>", id="data-html"),
    pytest.param("data:image/png;base64,iVBORw0KGgo=", id="data-image"),
    pytest.param("//evil.example/x.png", id="scheme-relative"),  # would follow the page's scheme
    pytest.param("http://images.example/alice.png", id="http"),
    pytest.param("https:///no-host.png", id="https-without-a-host"),
    pytest.param("https://images.example/a b.png", id="whitespace"),
    pytest.param("/static/alice.png", id="relative-path"),
    pytest.param("vbscript:msgbox(1)", id="vbscript"),
]


def _general_with_picture(client: Client, tenant: Emulator, picture: str) -> str:
    tenant.tenant.users[ALICE]["picture"] = picture
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("picture", REFUSED)
def test_an_unsafe_upstream_picture_shows_the_initials_instead(
    logged_in_client: Client, tenant: Emulator, picture: str
) -> None:
    html = _general_with_picture(logged_in_client, tenant, picture)

    assert AVATAR_IMG not in html and not re.search(r"<img[^>]*\ssrc=", html)  # the preview has no src until typed
    assert INITIALS in html


def test_http_is_refused_with_debug_on_too(logged_in_client: Client, tenant: Emulator, settings: Any) -> None:
    # No emulator or demo user has an http avatar, and img-src (https: data: 'self') would block
    # one on the page anyway: DEBUG changes nothing.
    settings.DEBUG = True

    html = _general_with_picture(logged_in_client, tenant, "http://127.0.0.1:8001/alice.png")

    assert AVATAR_IMG not in html and INITIALS in html


def test_an_https_picture_is_shown(logged_in_client: Client, tenant: Emulator) -> None:
    html = _general_with_picture(logged_in_client, tenant, "https://images.example/alice.png?size=72&v=2")

    assert f'{AVATAR_IMG} src="https://images.example/alice.png?size=72&amp;v=2" alt="Profile picture of Alice Liddell"' in html
    assert INITIALS not in html


def test_an_https_picture_with_upper_case_scheme_is_shown(logged_in_client: Client, tenant: Emulator) -> None:
    html = _general_with_picture(logged_in_client, tenant, "HTTPS://images.example/alice.png")

    assert f'{AVATAR_IMG} src="HTTPS://images.example/alice.png"' in html


def test_the_htmx_partial_applies_the_same_rule(logged_in_client: Client, tenant: Emulator) -> None:
    tenant.tenant.users[ALICE]["picture"] = "javascript:alert(1)"

    html = logged_in_client.get(URL, headers={"HX-Request": "true"}).content.decode()

    assert "<html" not in html and AVATAR_IMG not in html and INITIALS in html


@pytest.mark.parametrize(
    ("picture", "shown"),
    [
        (None, ""),
        ("", ""),
        ("  https://images.example/a.png  ", "https://images.example/a.png"),
        ("https:images.example/a.png", ""),  # no "//": urlsplit finds no host
    ],
)
def test_avatar_url(picture: str | None, shown: str) -> None:
    assert avatar_url(picture) == shown

"""The open-redirect corpus of the attack run, over every ``next`` the app reads (kept as tests).

The login page (its form's ``next``, which social-auth's begin view keeps for after the
callback), the step-up page and the logout: whatever comes in, every place the browser is sent
stays on this site, also at the end of a full login through the emulated tenant.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from selfservice.emulator import Emulator

CORPUS = [
    "//evil.example", "https://evil.example", "/\\evil.example", "\\\\evil.example", "%2F%2Fevil.example",
    "javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "http:evil.example", "///evil.example",
    "HTTPS://EVIL.EXAMPLE", " //evil.example", "\t//evil.example", "https://testserver@evil.example",
    "/account/../\\evil.example", "https:/evil.example", "//127.0.0.1:8000@evil.example",
]
HOSTS = {"", "testserver", "127.0.0.1:8000"}


def on_site(location: str) -> bool:
    parts = urlsplit(location.strip())
    return parts.scheme in ("", "http", "https") and parts.netloc in HOSTS and not location.strip().startswith(("//", "\\"))


@pytest.mark.parametrize("target", CORPUS)
def test_the_login_page_never_offers_a_foreign_next(client: Client, target: str) -> None:
    html = client.get(reverse("selfservice:login"), {"next": target}).content.decode()
    offered = re.search(r'name="next" value="([^"]*)"', html)
    assert offered is not None and on_site(offered.group(1).replace("&amp;", "&")), offered


@pytest.mark.parametrize("target", CORPUS)
def test_the_step_up_page_never_sends_the_browser_off_site(logged_in_client: Client, target: str) -> None:
    response = logged_in_client.get(reverse("selfservice:step-up"), {"next": target, "action": "mfa.remove"})
    if response.status_code in (301, 302):
        assert on_site(response["Location"]), response["Location"]
    else:
        for value in re.findall(r'name="next" value="([^"]*)"', response.content.decode()):
            assert on_site(value.replace("&amp;", "&")), value


@pytest.mark.parametrize("target", CORPUS)
def test_logout_never_sends_the_browser_off_site(logged_in_client: Client, target: str) -> None:
    response = logged_in_client.post(reverse("selfservice:logout") + "?" + str(httpx.QueryParams({"next": target})))
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        location = response["Location"]
        # Sign-out goes through the tenant's /v2/logout, whose returnTo must be this site.
        parts = urlsplit(location)
        if parts.path.endswith("/v2/logout"):
            return_to = dict(httpx.QueryParams(parts.query)).get("returnTo", "")
            assert on_site(return_to) or urlsplit(return_to).netloc in HOSTS, return_to
        else:
            assert on_site(location), location


@pytest.fixture
def login_tenant(tenant: Emulator, settings: Any) -> Emulator:
    """The demo tenant as the login's identity provider too (over its socket server)."""
    settings.SOCIAL_AUTH_AUTH0_BASE_URL = tenant.url
    settings.SOCIAL_AUTH_AUTH0_DOMAIN = tenant.url.split("//", 1)[1]
    return tenant


@pytest.mark.django_db
@pytest.mark.parametrize("target", CORPUS)
def test_a_full_login_started_with_a_foreign_next_ends_on_this_site(login_tenant: Emulator, target: str) -> None:
    # social-auth's begin view keeps ``next`` in the session; the callback redirects to it.
    site = Client(headers={"host": "127.0.0.1:8000"})
    begin = site.post("/login/auth0/", {"next": target})
    assert begin.status_code == 302
    with httpx.Client() as browser:
        answer = browser.post(begin["Location"], data={"email": "alice@example.com", "password": "demo-password"})
    assert answer.status_code == 302, answer.text
    callback = urlsplit(answer.headers["location"])

    done = site.get(f"{callback.path}?{callback.query}")

    assert done.status_code == 302, done.content[:500]
    assert on_site(done["Location"]), done["Location"]
    assert site.get("/account/general/").status_code == 200  # signed in: the login itself worked

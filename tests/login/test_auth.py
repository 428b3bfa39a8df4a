"""The login landing page and sign-out (local session and Auth0 session)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.test import Client

from selfservice.emulator import Emulator
from selfservice.login.pipeline import SID_KEY


@pytest.mark.django_db
def test_login_page_posts_to_social_auth_with_a_safe_next(client: Client) -> None:
    response = client.get("/account/login/", {"next": "/account/sessions/"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'action="/login/auth0/"' in html and 'method="post"' in html
    assert 'name="next" value="/account/sessions/"' in html
    assert "csrfmiddlewaretoken" in html
    offsite = client.get("/account/login/", {"next": "https://evil.example/"}).content.decode()
    assert 'value="/account/"' in offsite and "evil.example" not in offsite


@pytest.mark.django_db
def test_anonymous_account_pages_send_users_to_the_login_page(client: Client) -> None:
    response = client.get("/account/general/")
    assert response.status_code == 302 and response["Location"] == "/account/login/?next=/account/general/"


@pytest.mark.django_db
def test_logout_needs_a_post_and_csrf(logged_in_client: Client) -> None:
    assert logged_in_client.get("/account/logout/").status_code == 200  # a confirmation page
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = logged_in_client.cookies
    assert strict.post("/account/logout/").status_code == 403
    assert logged_in_client.get("/account/general/").status_code != 302  # still signed in


@pytest.mark.django_db
def test_full_sign_in_then_sign_out_ends_both_sessions(emulator: Emulator, settings) -> None:
    emulator.seed("demo")
    settings.SOCIAL_AUTH_AUTH0_BASE_URL = emulator.url
    settings.SOCIAL_AUTH_AUTH0_DOMAIN = emulator.url.split("//", 1)[1]
    site = Client(headers={"host": "127.0.0.1:8000"})
    with httpx.Client() as browser:
        start = site.post("/login/auth0/", {"next": "/account/general/"})
        signed_in = browser.post(start["Location"], data={"email": "alice@example.com", "password": "demo-password"})
        callback = urlsplit(signed_in.headers["location"])
        done = site.get(f"{callback.path}?{callback.query}")
        assert done["Location"] == "/account/general/"
        sid = site.session[SID_KEY]
        assert sid in emulator.tenant.sessions

        out = site.post("/account/logout/")
        target = urlsplit(out["Location"])
        assert f"{target.scheme}://{target.netloc}" == emulator.url and target.path == "/v2/logout"
        assert parse_qs(target.query) == {"client_id": ["selfservice-web"],
                                          "returnTo": ["http://127.0.0.1:8000/account/login/"]}
        assert "_auth_user_id" not in site.session
        back = browser.get(out["Location"])
        assert back.status_code == 302 and back.headers["location"] == "http://127.0.0.1:8000/account/login/"
    assert sid not in emulator.tenant.sessions


@pytest.mark.django_db
def test_htmx_logout_navigates_with_hx_redirect(logged_in_client: Client) -> None:
    response = logged_in_client.post("/account/logout/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Redirect"].endswith("/v2/logout?client_id=selfservice-web&returnTo=http%3A%2F%2Ftestserver%2Faccount%2Flogin%2F")

"""Save pressed after the session ended: what was typed comes back after signing in again, unsaved.

Each test signs in through the real login (``/login/auth0/``, the emulated tenant's login form,
social-auth's callback), ends the site's session the way an expiry or a back-channel logout
does (the session store forgets it), then posts the form as the open page would.
"""

from __future__ import annotations

import copy
import re
import time
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from django.conf import settings as django_settings
from django.test import Client

from selfservice.core.read_cache import forget_user
from selfservice.emulator import Emulator
from selfservice.login.pipeline import AUTH_TIME_KEY
from selfservice.models import PreferenceSchema
from tests.preferences.preferences_schema import FULL_SCHEMA
from tests.security.test_security_step_up import hidden_fields

GENERAL = "/account/general/"
EMAIL = "/account/general/email/"
PREFERENCES = "/account/preferences/"
HTMX = {"HX-Request": "true"}
RESTORED = "You had to sign in again before your changes could be saved."
OWNER = re.compile(r'name="selfservice_owner" value="([0-9a-f]{32})"')


@pytest.fixture
def site(tenant: Emulator, settings: Any) -> Client:
    """A browser at the site, with social-auth pointed at the emulated tenant's login pages."""
    settings.SOCIAL_AUTH_AUTH0_BASE_URL = tenant.url
    settings.SOCIAL_AUTH_AUTH0_DOMAIN = tenant.url.split("//", 1)[1]
    return Client(headers={"host": "127.0.0.1:8000"})


def sign_in(site: Client, email: str, next_url: str) -> None:
    """The login button, the tenant's login form, the callback: signed in, sent to ``next_url``."""
    with httpx.Client() as browser:
        start = site.post("/login/auth0/", {"next": next_url})
        answer = browser.post(start["Location"], data={"email": email, "password": "demo-password"})
        callback = urlsplit(answer.headers["location"])
    done = site.get(f"{callback.path}?{callback.query}")
    assert done.status_code == 302 and done["Location"] == next_url


def end_session(site: Client) -> None:
    """What an expiry or a back-channel logout leaves: the browser's cookie names no session."""
    store = import_module(django_settings.SESSION_ENGINE).SessionStore
    store(session_key=site.cookies[django_settings.SESSION_COOKIE_NAME].value).delete()


def made_session(response: Any) -> bool:
    """Whether ``response`` gave the browser a session (an emptied one is deleted: value "")."""
    cookie = response.cookies.get(django_settings.SESSION_COOKIE_NAME)
    return bool(cookie and cookie.value)


def owner_of(html: str) -> str:
    match = OWNER.search(html)
    assert match, "the form names its owner"
    return match.group(1)


@pytest.fixture
def page(site: Client, tenant: Emulator) -> str:
    """Alice's General tab as her browser shows it, after her session ended under it."""
    sign_in(site, "alice@example.com", GENERAL)
    html = site.get(GENERAL).content.decode()
    end_session(site)
    return html


def typed_profile(html: str, name: str) -> dict[str, str]:
    return {"csrfmiddlewaretoken": "x", "selfservice_owner": owner_of(html), "name": name, "nickname": "al",
            "given_name": "Alice", "family_name": "Liddell"}


@pytest.mark.django_db
def test_typed_profile_comes_back_after_signing_in_again_and_nothing_is_saved(site: Client, tenant: Emulator, page: str) -> None:
    tenant.clear_requests()

    posted = site.post(GENERAL, typed_profile(page, "Alice Typed Before Expiry"), headers=HTMX)
    assert posted.status_code == 200 and posted["HX-Redirect"] == f"/account/login/?next={GENERAL}"
    assert "Alice Typed" not in posted.cookies[django_settings.SESSION_COOKIE_NAME].value  # kept on the server
    sign_in(site, "alice@example.com", GENERAL)
    back = site.get(GENERAL)

    html = back.content.decode()
    assert back.status_code == 200
    assert 'value="Alice Typed Before Expiry"' in html and RESTORED in html
    assert tenant.count("PATCH", r"/api/v2/users/") == 0  # shown again, never saved on the user's behalf
    again = site.get(GENERAL).content.decode()
    assert "Alice Typed Before Expiry" not in again and RESTORED not in again  # once

    saved = site.post(GENERAL, {**typed_profile(page, "Alice Typed Before Expiry"), "selfservice_owner": owner_of(again)})
    assert saved.status_code == 302 and tenant.count("PATCH", r"/api/v2/users/") == 1  # Save again saves


@pytest.mark.django_db
def test_a_page_that_cannot_read_auth0_first_loses_nothing(site: Client, tenant: Emulator, page: str) -> None:
    site.post(GENERAL, typed_profile(page, "Kept Through A 429"))
    sign_in(site, "alice@example.com", GENERAL)
    forget_user("auth0|alice")  # no copy to fall back on
    tenant.add_fault(r"^/api/v2/users/auth0\|alice$", method="GET", status=429, times=1)

    failed = site.get(GENERAL)
    assert failed.status_code == 429 and "Kept Through A 429" not in failed.content.decode()
    retried = site.get(GENERAL).content.decode()
    assert 'value="Kept Through A 429"' in retried and RESTORED in retried


@pytest.mark.django_db
def test_a_plain_form_post_keeps_what_was_typed_too(site: Client, tenant: Emulator, page: str) -> None:

    posted = site.post(GENERAL, typed_profile(page, "Typed Without JavaScript"))
    assert posted.status_code == 302 and posted["Location"] == f"/account/login/?next={GENERAL}"
    sign_in(site, "alice@example.com", GENERAL)
    assert 'value="Typed Without JavaScript"' in site.get(GENERAL).content.decode()


@pytest.mark.django_db
def test_someone_else_signing_in_next_never_sees_the_values(site: Client, tenant: Emulator, page: str) -> None:
    site.post(GENERAL, typed_profile(page, "Alice Private Draft"))

    sign_in(site, "carol@example.com", GENERAL)
    html = site.get(GENERAL).content.decode()
    assert "Alice Private Draft" not in html and RESTORED not in html
    assert "Alice Private Draft" not in str(dict(site.session.items()))  # dropped, not only hidden
    assert owner_of(html) != owner_of(page)


@pytest.mark.django_db
@pytest.mark.parametrize("owner", ["", "0" * 31, "not-a-marker-of-thirty-two-chars", None])
def test_a_form_without_a_valid_owner_is_not_kept(site: Client, tenant: Emulator, page: str, owner: str | None) -> None:
    data = typed_profile(page, "Nobody's Draft")
    if owner is None:
        del data["selfservice_owner"]  # a site template from before the field
    else:
        data["selfservice_owner"] = owner

    posted = site.post(GENERAL, data)
    assert posted["Location"] == f"/account/login/?next={GENERAL}"
    assert not made_session(posted)  # no session made for it
    sign_in(site, "alice@example.com", GENERAL)
    assert "Nobody&#x27;s Draft" not in site.get(GENERAL).content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("one_minute_window")
def test_kept_forms_count_against_the_addresss_write_limit(site: Client, tenant: Emulator, settings: Any) -> None:
    sign_in(site, "alice@example.com", GENERAL)
    page = site.get(GENERAL).content.decode()
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {
        "read.user": None, "read.ip": None, "write.user": None, "write.ip": "2/m"}}
    made = []
    for _ in range(3):
        end_session(site)
        posted = site.post(GENERAL, typed_profile(page, "Counted Draft"))
        assert posted["Location"] == f"/account/login/?next={GENERAL}"
        made.append(made_session(posted))
    assert made == [True, True, False]  # the third anonymous POST from this address makes no session


@pytest.mark.django_db
def test_values_wait_for_their_page_and_expire(site: Client, tenant: Emulator, page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    site.post(GENERAL, typed_profile(page, "Waiting Draft"))
    sign_in(site, "alice@example.com", "/account/sessions/")
    assert site.get("/account/sessions/").status_code == 200
    assert site.head(GENERAL).status_code == 200  # a HEAD shows nothing, so it takes nothing
    assert "Waiting Draft" in site.get(GENERAL).content.decode()  # another tab first: still there

    end_session(site)
    site.post(GENERAL, typed_profile(page, "Stale Draft"))
    sign_in(site, "alice@example.com", GENERAL)
    real = time.time
    monkeypatch.setattr("selfservice.core.kept_input.time.time", lambda: real() + 31 * 60)
    assert "Stale Draft" not in site.get(GENERAL).content.decode()  # more than 30 minutes later


@pytest.mark.django_db
def test_more_than_the_limit_is_not_kept(site: Client, tenant: Emulator, page: str) -> None:
    data = {**typed_profile(page, "Big Draft"), "nickname": "n" * 40_000}

    site.post(GENERAL, data)
    sign_in(site, "alice@example.com", GENERAL)
    assert "Big Draft" not in site.get(GENERAL).content.decode()


@pytest.mark.django_db
def test_cookie_sessions_keep_nothing(site: Client, tenant: Emulator, settings: Any) -> None:
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    sign_in(site, "alice@example.com", GENERAL)
    page = site.get(GENERAL).content.decode()
    site.cookies.pop(settings.SESSION_COOKIE_NAME)  # a cookie session ends by losing its cookie

    posted = site.post(GENERAL, typed_profile(page, "Cookie Draft"))
    assert posted["Location"] == f"/account/login/?next={GENERAL}"
    assert not made_session(posted)  # nothing grew the cookie


@pytest.mark.django_db
def test_typed_preferences_come_back_and_save_against_the_form_first_shown(site: Client, tenant: Emulator) -> None:
    PreferenceSchema.objects.create(name="test", version=1, schema=copy.deepcopy(FULL_SCHEMA), is_active=True)
    sign_in(site, "alice@example.com", PREFERENCES)
    shown = site.get(PREFERENCES)
    form = shown.context["form"]
    state = form["_state"].value()
    end_session(site)
    tenant.clear_requests()

    typed = {"selfservice_owner": owner_of(shown.content.decode()), "_state": state, "handle": "typedhandle",
             "language": "de", "address__city": "Leipzig"}
    posted = site.post(PREFERENCES, typed, headers=HTMX)
    assert posted["HX-Redirect"] == f"/account/login/?next={PREFERENCES}"
    sign_in(site, "alice@example.com", PREFERENCES)
    back = site.get(PREFERENCES)
    html = back.content.decode()
    assert RESTORED in html and back.context["form"]["_state"].value() == state  # Save compares with what was shown
    assert 'value="typedhandle"' in html and 'value="Leipzig"' in html and '<option value="de" selected>' in html
    assert tenant.count("PATCH", r"/api/v2/users/") == 0


@pytest.mark.django_db
def test_the_email_form_comes_back_on_its_own_page(site: Client, tenant: Emulator) -> None:
    sign_in(site, "alice@example.com", EMAIL)
    page = site.get(EMAIL).content.decode()
    end_session(site)
    typed = {"selfservice_owner": owner_of(page), "email": "alice.new@example.com", "email_again": "alice.new@example.com"}

    posted = site.post(EMAIL, typed, headers=HTMX)
    assert posted["HX-Redirect"] == f"/account/login/?next={EMAIL}"
    sign_in(site, "alice@example.com", EMAIL)
    html = site.get(EMAIL).content.decode()
    assert html.count('value="alice.new@example.com"') == 2 and RESTORED in html
    assert tenant.count("PATCH", r"/api/v2/users/") == 0


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_a_form_another_user_opened_saves_nothing(site: Client, tenant: Emulator, page: str, htmx: bool) -> None:
    sign_in(site, "carol@example.com", GENERAL)  # Alice's page is still open in this browser
    tenant.clear_requests()

    posted = site.post(GENERAL, typed_profile(page, "Alice Typed For Alice"), headers=HTMX if htmx else {})

    assert (posted["HX-Redirect"] if htmx else posted["Location"]) == GENERAL
    assert tenant.count("PATCH", r"/api/v2/users/") == 0
    html = site.get(GENERAL).content.decode()
    assert "Nothing was saved: this form was opened while another account was signed in here." in html
    assert "Alice Typed For Alice" not in html


@pytest.mark.django_db
def test_a_form_without_the_owner_field_still_saves(site: Client, tenant: Emulator, page: str) -> None:
    sign_in(site, "alice@example.com", GENERAL)
    data = typed_profile(page, "Alice From An Older Template")
    del data["selfservice_owner"]

    assert site.post(GENERAL, data).status_code == 302
    assert tenant.count("PATCH", r"/api/v2/users/auth0\|alice$") == 1


@pytest.mark.django_db
def test_the_email_typed_before_a_step_up_is_back_on_the_confirm_step(site: Client, tenant: Emulator) -> None:
    sign_in(site, "alice@example.com", EMAIL)
    page = site.get(EMAIL).content.decode()
    session = site.session
    session[AUTH_TIME_KEY] = int(time.time()) - 2 * 3600  # the sign-in is older than STEP_UP_MAX_AGE now
    session.save()
    typed = {"selfservice_owner": owner_of(page), "email": "alice.step@example.com", "email_again": "alice.step@example.com"}

    asked = site.post(EMAIL, typed)
    assert asked.status_code == 200 and "Confirm it's you" in asked.content.decode()
    with httpx.Client() as browser:
        begin = site.post("/login/auth0/", hidden_fields(asked.content.decode()))
        answer = browser.post(begin["Location"], data={"email": "alice@example.com", "password": "demo-password"})
        callback = urlsplit(answer.headers["location"])
    back = site.get(f"{callback.path}?{callback.query}")
    assert back["Location"] == EMAIL

    html = site.get(EMAIL).content.decode()
    assert html.count('value="alice.step@example.com"') == 2 and RESTORED in html
    assert tenant.count("PATCH", r"/api/v2/users/") == 0  # confirmed by sending it again, never by itself

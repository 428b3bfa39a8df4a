"""Login through social-auth-app-django against the emulated tenant's OIDC endpoints, end to end."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.test import Client
from social_django.models import UserSocialAuth

from selfservice.emulator import Emulator
from selfservice.login.pipeline import AUTH_TIME_KEY, SID_KEY
from selfservice.models import AuditEvent

SITE = {"headers": {"host": "127.0.0.1:8000"}}
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture
def tenant(emulator: Emulator, settings) -> Emulator:
    emulator.seed("demo")
    settings.SOCIAL_AUTH_AUTH0_BASE_URL = emulator.url
    settings.SOCIAL_AUTH_AUTH0_DOMAIN = emulator.url.split("//", 1)[1]
    return emulator


@pytest.fixture
def browser(tenant: Emulator):
    """The browser's side of the emulator (keeps the tenant's SSO cookie)."""
    with httpx.Client(base_url=tenant.url, headers={"User-Agent": BROWSER_UA}) as client:
        yield client


def login(client: Client, browser: httpx.Client, email: str, extra: str = "") -> httpx.Response:
    """Start at the site, sign in at the tenant, come back to the site's callback."""
    start = client.post("/login/auth0/" + extra, **SITE)
    assert start.status_code == 302
    authorize = browser.get(start["Location"])
    if authorize.status_code == 200:  # the login form; otherwise SSO answered straight away
        authorize = browser.post(start["Location"], data={"email": email, "password": "demo-password"})
    assert authorize.status_code == 302, authorize.text
    callback = urlsplit(authorize.headers["location"])
    done = client.get(f"{callback.path}?{callback.query}", **SITE)
    assert done.status_code == 302, done.content
    return authorize


@pytest.mark.django_db
def test_login_creates_the_user_linked_by_sub_and_keeps_sid_and_auth_time(tenant: Emulator, browser: httpx.Client) -> None:
    client = Client()
    login(client, browser, "alice@example.com")
    association = UserSocialAuth.objects.get(provider="auth0")
    assert association.uid == "auth0|alice"
    assert association.user.email == "alice@example.com"
    sessions = tenant.tenant.user_sessions("auth0|alice")
    newest = max(sessions, key=lambda s: s["created_at"])
    assert client.session[SID_KEY] == newest["id"]
    assert newest["device"]["last_user_agent"] == BROWSER_UA
    assert newest["device"]["initial_ip"] == "127.0.0.1"
    assert newest["clients"] == [{"client_id": "selfservice-web"}]
    assert isinstance(client.session[AUTH_TIME_KEY], int)
    assert int(client.session["_auth_user_id"]) == association.user.pk
    assert tenant.user("auth0|alice")["logins_count"] == 43


@pytest.mark.django_db
def test_a_social_user_logs_in_with_a_federated_session(tenant: Emulator, browser: httpx.Client) -> None:
    client = Client()
    login(client, browser, "bob@example.com")
    assert UserSocialAuth.objects.get(provider="auth0").uid == "google-oauth2|bob"
    session = tenant.tenant.sessions[client.session[SID_KEY]]
    assert session["authentication"]["methods"][0]["name"] == "federated"


@pytest.mark.django_db
def test_wrong_password_shows_the_form_again_with_an_error(tenant: Emulator, browser: httpx.Client) -> None:
    start = Client().post("/login/auth0/", **SITE)
    response = browser.post(start["Location"], data={"email": "alice@example.com", "password": "nope"})
    assert response.status_code == 401
    assert "Wrong email or password." in response.text
    assert 'value="alice@example.com"' in response.text


@pytest.mark.django_db
def test_a_second_login_in_the_same_browser_reuses_the_auth0_session(tenant: Emulator, browser: httpx.Client) -> None:
    first, second = Client(), Client()
    login(first, browser, "alice@example.com")
    login(second, browser, "alice@example.com")  # SSO: no form this time
    assert first.session[SID_KEY] == second.session[SID_KEY]


def test_prompt_login_and_max_age_force_the_form_despite_sso(tenant: Emulator, browser: httpx.Client) -> None:
    params = {"client_id": "selfservice-web", "redirect_uri": "http://127.0.0.1:8000/cb", "response_type": "code",
              "scope": "openid", "state": "s1"}
    assert browser.get("/authorize", params=params).status_code == 200  # no SSO yet: the form
    signed_in = browser.post("/authorize", params=params, data={"email": "carol@example.com", "password": "demo-password"})
    assert signed_in.status_code == 302
    assert browser.get("/authorize", params=params).status_code == 302  # SSO
    assert browser.get("/authorize", params={**params, "prompt": "login"}).status_code == 200
    assert browser.get("/authorize", params={**params, "max_age": "3600"}).status_code == 302
    tenant.tenant.sessions[next(iter(tenant.tenant.sso.values()))]["authenticated_at"] = "2020-01-01T00:00:00.000Z"
    assert browser.get("/authorize", params={**params, "max_age": "3600"}).status_code == 200


def test_prompt_none_without_a_session_returns_login_required(tenant: Emulator, browser: httpx.Client) -> None:
    response = browser.get("/authorize", params={"client_id": "selfservice-web", "redirect_uri": "http://127.0.0.1:8000/cb",
                                                 "response_type": "code", "state": "xyz", "prompt": "none"})
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query == {"error": ["login_required"], "error_description": ["Login required"], "state": ["xyz"]}


def test_authorize_refuses_unknown_clients_and_foreign_callbacks(tenant: Emulator, browser: httpx.Client) -> None:
    assert browser.get("/authorize", params={"client_id": "nope", "redirect_uri": "http://127.0.0.1:8000/"}).status_code == 400
    evil = browser.get("/authorize", params={"client_id": "selfservice-web", "redirect_uri": "https://evil.example/cb",
                                             "response_type": "code"})
    assert evil.status_code == 400 and "Callback URL mismatch" in evil.text


def test_a_code_is_single_use_and_bound_to_its_redirect_uri(tenant: Emulator, browser: httpx.Client) -> None:
    params = {"client_id": "selfservice-web", "redirect_uri": "http://127.0.0.1:8000/cb", "response_type": "code",
              "scope": "openid profile email", "nonce": "n-1"}
    done = browser.post("/authorize", params=params, data={"email": "alice@example.com", "password": "demo-password"})
    code = parse_qs(urlsplit(done.headers["location"]).query)["code"][0]
    exchange = {"grant_type": "authorization_code", "code": code, "client_id": "selfservice-web",
                "client_secret": "selfservice-web-secret"}
    assert browser.post("/oauth/token", data={**exchange, "redirect_uri": "http://127.0.0.1:8000/other"}).status_code == 403
    done = browser.post("/authorize", params=params, data={"email": "alice@example.com", "password": "demo-password"})
    code = parse_qs(urlsplit(done.headers["location"]).query)["code"][0]
    tokens = browser.post("/oauth/token", data={**exchange, "code": code, "redirect_uri": params["redirect_uri"]})
    assert tokens.status_code == 200
    claims = tenant.tenant.key.verify(tokens.json()["id_token"], audience="selfservice-web")
    assert claims["iss"] == f"{tenant.url}/" and claims["nonce"] == "n-1" and claims["sub"] == "auth0|alice"
    assert claims["sid"] in tenant.tenant.sessions and claims["email"] == "alice@example.com"
    again = browser.post("/oauth/token", data={**exchange, "code": code, "redirect_uri": params["redirect_uri"]})
    assert again.status_code == 403 and again.json()["error"] == "invalid_grant"
    info = browser.get("/userinfo", headers={"Authorization": f"Bearer {tokens.json()['access_token']}"})
    assert info.json()["sub"] == "auth0|alice" and info.json()["email"] == "alice@example.com"


def test_logout_ends_the_auth0_session_and_returns_to_an_allowed_url(tenant: Emulator, browser: httpx.Client) -> None:
    params = {"client_id": "selfservice-web", "redirect_uri": "http://127.0.0.1:8000/cb", "response_type": "code"}
    browser.post("/authorize", params=params, data={"email": "alice@example.com", "password": "demo-password"})
    assert len(tenant.tenant.user_sessions("auth0|alice")) == 4
    out = browser.get("/v2/logout", params={"client_id": "selfservice-web", "returnTo": "http://127.0.0.1:8000/"})
    assert out.status_code == 302 and out.headers["location"] == "http://127.0.0.1:8000/"
    assert len(tenant.tenant.user_sessions("auth0|alice")) == 3
    assert browser.get("/authorize", params=params).status_code == 200  # signed out: the form again
    elsewhere = browser.get("/v2/logout", params={"returnTo": "https://evil.example/"})
    assert elsewhere.status_code == 200 and "logged out" in elsewhere.text


def test_the_login_form_lists_demo_logins_only_when_the_demo_seed_is_loaded(emulator: Emulator) -> None:
    params = {"client_id": "selfservice-web", "redirect_uri": "http://127.0.0.1:8000/cb", "response_type": "code"}
    with httpx.Client(transport=emulator.transport(), base_url="http://127.0.0.1:8001") as browser:
        assert "demo-password" not in browser.get("/authorize", params=params).text
        emulator.seed("demo")
        form = browser.get("/authorize", params=params).text
    assert "bob@example.com (Google)" in form and "demo-password" in form


@pytest.mark.django_db
def test_after_a_real_login_a_tab_reads_the_auth0_id_from_the_session(
    tenant: Emulator, selfservice_emulator: Emulator, browser: httpx.Client, django_assert_num_queries: Any
) -> None:
    client = Client()
    login(client, browser, "alice@example.com")
    client.get("/account/general/", **SITE)  # reads Auth0 once (the read cache)
    # Once a session: the applied preferences are resolved from the cached user (the active
    # schema, and the session saved with them: UPDATE inside a savepoint).
    with django_assert_num_queries(6):
        assert client.get("/account/general/", **SITE).status_code == 200
    # The Django session and the user: the Auth0 id is in the session since the sign-in.
    with django_assert_num_queries(2):
        assert client.get("/account/general/", **SITE).status_code == 200
    # A session that does not carry it (signed in before, or force_login) asks the database once per page.
    other = Client()
    other.force_login(UserSocialAuth.objects.get(uid="auth0|alice").user)
    other.get("/account/general/", **SITE)
    with django_assert_num_queries(3):
        assert other.get("/account/general/", **SITE).status_code == 200


@pytest.mark.django_db
def test_a_remembered_auth0_id_of_another_django_user_is_not_used(
    tenant: Emulator, selfservice_emulator: Emulator, browser: httpx.Client
) -> None:
    client = Client()
    login(client, browser, "alice@example.com")
    alice = UserSocialAuth.objects.get(uid="auth0|alice")
    session = client.session
    assert session["selfservice_auth0_user_id"] == [str(alice.user_id), "auth0|alice"]
    session["selfservice_auth0_user_id"] = [str(alice.user_id + 1000), "auth0|carol"]  # not this user's
    session.save()

    response = client.get("/account/general/", **SITE)

    assert response.status_code == 200 and response.context_data["profile"].user_id == "auth0|alice"


@pytest.mark.django_db
def test_signing_in_as_another_auth0_user_never_attaches_it_to_the_signed_in_django_user(
    tenant: Emulator, selfservice_emulator: Emulator, browser: httpx.Client
) -> None:
    client = Client()
    login(client, browser, "alice@example.com")
    alice = UserSocialAuth.objects.get(uid="auth0|alice").user
    with httpx.Client(base_url=tenant.url, headers={"User-Agent": BROWSER_UA}) as elsewhere:  # no SSO cookie
        login(client, elsewhere, "bob@example.com")

    bob = UserSocialAuth.objects.get(uid="google-oauth2|bob")
    assert bob.user_id != alice.pk  # social-auth's associate_user would have given alice bob's account
    assert list(UserSocialAuth.objects.filter(user=alice).values_list("uid", flat=True)) == ["auth0|alice"]
    assert int(client.session["_auth_user_id"]) == bob.user_id  # this browser is bob's now
    page = client.get("/account/general/", **SITE)
    assert page.status_code == 200 and page.context_data["profile"].user_id == "google-oauth2|bob"
    assert AuditEvent.objects.filter(action="login.switch_user", auth0_user_id="auth0|alice").count() == 1

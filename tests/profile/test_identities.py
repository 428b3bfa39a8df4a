"""Linked identities on the General tab: the list, linking (a second real sign-in), unlinking.

Linking goes through social-auth and the emulated tenant's OIDC flow over its socket (like a
browser), the Management API in-process: Alice signs in, presses "Link Google", signs in at the
tenant as her Google account, comes back to the confirm step and confirms. Every refusal is
checked to send nothing that writes, and upstream calls are counted at the emulator.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from social_django.models import UserSocialAuth

from selfservice.core.adapter import DefaultAdapter
from selfservice.core.step_up import PENDING_KEY
from selfservice.emulator import Emulator
from selfservice.login import linking
from selfservice.login.pipeline import AUTH_TIME_KEY, SID_KEY
from selfservice.models import AuditEvent
from tests.factories import SocialAuth0UserFactory, UserSocialAuthFactory
from tests.login.test_login import BROWSER_UA, SITE, login

ALICE = "auth0|alice"
GOOGLE = "google-oauth2|alice"
GITHUB = "github|alice"
LINK = "/account/general/identities/link/"
GENERAL = "/account/general/"
HTMX = {"HX-Request": "true"}


class MergingAdapter(DefaultAdapter):
    def allows_identity_merge(self, request: Any, profile: Any, secondary: Any, own_data: tuple[str, ...]) -> bool:
        return True


@pytest.fixture
def tenant(selfservice_emulator: Emulator, settings: Any) -> Emulator:
    """The demo tenant: Management API in-process, logins over its socket; Google and GitHub linkable."""
    selfservice_emulator.seed("demo")
    settings.SOCIAL_AUTH_AUTH0_BASE_URL = selfservice_emulator.url
    settings.SOCIAL_AUTH_AUTH0_DOMAIN = selfservice_emulator.url.split("//", 1)[1]
    settings.SELFSERVICE = {**settings.SELFSERVICE, "LINK_CONNECTIONS": ["google-oauth2", "github"]}
    return selfservice_emulator


@pytest.fixture
def browser(tenant: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=tenant.url, headers={"User-Agent": BROWSER_UA}) as client:
        yield client


@pytest.fixture
def me(tenant: Emulator, browser: httpx.Client) -> Client:
    """Alice signed in through the real flow, just now; the General tab read once (cache warm)."""
    client = Client(raise_request_exception=False)
    login(client, browser, "alice@example.com")
    assert client.get(GENERAL, **SITE).status_code == 200
    tenant.clear_requests()
    return client


def sign_in_to_link(client: Client, browser: httpx.Client, connection: str, email: str) -> Any:
    """Press "Link <connection>", sign in at the tenant as ``email``, come back to the site."""
    start = client.post(LINK, {"connection": connection}, **SITE)
    assert start.status_code == 302, start.content
    authorize = start["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert (query["connection"], query["prompt"], query["max_age"]) == ([connection], ["login"], ["0"])
    assert browser.get(authorize).status_code == 200  # the form, despite Alice's SSO session
    answer = browser.post(authorize, data={"email": email, "password": "demo-password"})
    assert answer.status_code == 302, answer.text
    callback = urlsplit(answer.headers["location"])
    return client.get(f"{callback.path}?{callback.query}", **SITE)


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def calls(tenant: Emulator) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in tenant.requests() if r["path"].startswith("/api/v2/")]


def linked(tenant: Emulator, secondary: str, primary: str = ALICE) -> dict[str, Any]:
    """Link ``secondary`` to ``primary`` in the tenant directly (what a completed link leaves)."""
    user = tenant.tenant.users.pop(secondary)
    identity = {**user["identities"][0], "profileData": {"email": user["email"], "email_verified": True}}
    tenant.tenant.users[primary]["identities"].append(identity)
    return identity


def refusals(reason: str) -> int:
    return AuditEvent.objects.filter(action="identity.link.refused", details__reason=reason).count()


# -- the list --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_general_tab_lists_each_identity_with_its_connection_and_which_is_primary(
    logged_in_client: Client, tenant: Emulator
) -> None:
    linked(tenant, GOOGLE)
    html = text(logged_in_client.get(GENERAL))

    assert "Ways to sign in" in html
    assert re.search(r"Email and password <span[^>]*>Primary</span>", html)
    assert "Connection: Username-Password-Authentication" in html and "Connection: google-oauth2" in html
    assert 'aria-label="Unlink Google"' in html and "/account/general/identities/google-oauth2/alice/unlink/" in html
    assert "/identities/auth0/alice/unlink/" not in html  # never for the primary
    assert 'name="connection" value="github"' in html and 'value="google-oauth2"' not in html  # linked already
    assert tenant.count() == 2  # the token and the user: the identities are in the user object


@pytest.mark.django_db
def test_without_link_connections_there_is_no_link_button(logged_in_client: Client, tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "LINK_CONNECTIONS": []}
    html = text(logged_in_client.get(GENERAL))
    assert "Ways to sign in" in html and 'name="connection"' not in html


# -- linking, end to end ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_alice_links_her_google_account_without_becoming_it(me: Client, tenant: Emulator, browser: httpx.Client, wire: Any) -> None:
    users, associations, sid = get_user_model().objects.count(), UserSocialAuth.objects.count(), me.session[SID_KEY]

    back = sign_in_to_link(me, browser, "google-oauth2", "alice@example.com")

    assert back.status_code == 302 and back["Location"] == LINK
    assert UserSocialAuth.objects.get(uid=ALICE).user.pk == int(me.session["_auth_user_id"])  # still Alice
    assert (get_user_model().objects.count(), UserSocialAuth.objects.count()) == (users, associations)
    assert not UserSocialAuth.objects.filter(uid=GOOGLE).exists() and me.session[SID_KEY] == sid
    tenant.clear_requests()

    confirm = me.get(LINK, **SITE)

    assert confirm.status_code == 200 and "Link Google to your account?" in text(confirm)
    assert 'name="confirm_email"' not in text(confirm)  # her own verified address
    assert calls(tenant) == [("GET", f"/api/v2/users/{GOOGLE}"), ("GET", f"/api/v2/users/{GOOGLE}/sessions")]
    tenant.clear_requests()

    done = me.post(LINK, {"confirm": "1"}, **SITE)

    assert done.status_code == 302 and done["Location"] == GENERAL
    assert calls(tenant)[-1] == ("POST", f"/api/v2/users/{ALICE}/identities") and len(calls(tenant)) == 3
    assert wire.bodies("POST")[-1] == {"provider": "google-oauth2", "user_id": "alice"}  # the id it verified
    assert [i["provider"] for i in tenant.user(ALICE)["identities"]] == ["auth0", "google-oauth2"]
    assert tenant.user(GOOGLE) is None  # no longer a user of its own
    event = AuditEvent.objects.get(action="identity.link")
    assert (event.target, event.auth0_user_id, event.details["by"]) == (GOOGLE, ALICE, "user_id")
    assert linking.RESULT_KEY not in me.session  # the ID token is gone with it
    tenant.clear_requests()
    page = me.get(GENERAL, **SITE)
    assert "Google is linked: you can sign in with it too." in text(page) and 'aria-label="Unlink Google"' in text(page)
    assert tenant.count() == 0  # written through: the cached user has the new identities


@pytest.mark.django_db
def test_a_link_sign_in_that_comes_back_as_alice_herself_is_refused(me: Client, tenant: Emulator, browser: httpx.Client) -> None:
    linked(tenant, GOOGLE)  # her Google sign-in now signs in as Alice (as on Auth0)

    back = sign_in_to_link_as_linked(me, browser)

    assert back.status_code == 302 and back["Location"] == GENERAL
    assert refusals("same_account") == 1 and linking.RESULT_KEY not in me.session
    assert "That sign-in is already part of your account" in text(me.get(GENERAL, **SITE))
    assert tenant.count("POST", "/identities") == 0


def sign_in_to_link_as_linked(client: Client, browser: httpx.Client) -> Any:
    """Start a GitHub link, then sign in at the tenant with Google instead (as Alice's linked Google)."""
    start = client.post(LINK, {"connection": "github"}, **SITE)
    authorize = start["Location"].replace("connection=github", "connection=google-oauth2")
    answer = browser.post(authorize, data={"email": "alice@example.com", "password": "demo-password"})
    callback = urlsplit(answer.headers["location"])
    return client.get(f"{callback.path}?{callback.query}", **SITE)


@pytest.mark.django_db
def test_another_email_must_be_confirmed_as_hers_before_linking(me: Client, tenant: Emulator, browser: httpx.Client) -> None:
    sign_in_to_link(me, browser, "github", "alice.l@example.org")
    confirm = me.get(LINK, **SITE)
    assert 'name="confirm_email"' in text(confirm) and "alice.l@example.org is not the verified email address" in text(confirm)
    tenant.clear_requests()

    refused = me.post(LINK, {"confirm": "1"}, **SITE)

    assert refused.status_code == 422 and "Confirm that this address is yours" in text(refused)
    assert tenant.count("POST") == 0 and len(tenant.user(ALICE)["identities"]) == 1

    done = me.post(LINK, {"confirm": "1", "confirm_email": "1"}, **SITE)

    assert done.status_code == 302 and [i["provider"] for i in tenant.user(ALICE)["identities"]] == ["auth0", "github"]


@pytest.mark.django_db
def test_a_primary_with_an_unverified_email_must_confirm_even_the_same_address(
    me: Client, tenant: Emulator, browser: httpx.Client
) -> None:
    tenant.tenant.users[ALICE]["email_verified"] = False
    me.get(f"{GENERAL}?refresh=1", **SITE)
    sign_in_to_link(me, browser, "google-oauth2", "alice@example.com")
    assert 'name="confirm_email"' in text(me.get(LINK, **SITE))


# -- refusals --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unverified_secondary_is_refused_and_nothing_is_written(me: Client, tenant: Emulator, browser: httpx.Client) -> None:
    tenant.tenant.users[GOOGLE]["email_verified"] = False
    sign_in_to_link(me, browser, "google-oauth2", "alice@example.com")

    refused = me.get(LINK, **SITE)

    assert refused.status_code == 422 and "is not verified, so it cannot be linked" in text(refused)
    assert refusals("email_unverified") == 1 and linking.RESULT_KEY not in me.session
    assert me.post(LINK, {"confirm": "1"}, **SITE)["Location"] == GENERAL  # nothing left to confirm
    assert tenant.count("POST", "/identities") == 0 and len(tenant.user(ALICE)["identities"]) == 1


@pytest.mark.parametrize(
    ("change", "data"),
    [
        (lambda t: t.tenant.users[GOOGLE].update(user_metadata={"theme": "dark"}), ["user_metadata"]),
        (lambda t: t.add_session(GOOGLE), ["sessions"]),
        (lambda t: t.tenant.users[GOOGLE]["identities"].append(
            {"connection": "github", "provider": "github", "user_id": "other", "isSocial": True}), ["identities"]),
        (lambda t: UserSocialAuthFactory(provider="auth0", uid=GOOGLE), ["site_account"]),
    ],
    ids=["metadata", "other-session", "other-identity", "site-account"],
)
@pytest.mark.django_db
def test_a_secondary_with_data_of_its_own_is_refused_unless_the_adapter_merges(
    me: Client, tenant: Emulator, browser: httpx.Client, settings: Any, change: Callable[[Emulator], Any], data: list[str]
) -> None:
    change(tenant)
    sign_in_to_link(me, browser, "google-oauth2", "alice@example.com")

    refused = me.get(LINK, **SITE)

    assert refused.status_code == 422 and "has data of its own" in text(refused)
    event = AuditEvent.objects.get(action="identity.link.refused")
    assert (event.details["reason"], event.details["data"]) == ("own_data", data)
    assert tenant.count("POST", "/identities") == 0

    settings.SELFSERVICE = {**settings.SELFSERVICE, "ADAPTER": f"{__name__}.MergingAdapter"}
    sign_in_to_link(me, browser, "google-oauth2", "alice@example.com")
    assert me.post(LINK, {"confirm": "1"}, **SITE).status_code == 302
    assert tenant.count("POST", "/identities") == 1


@pytest.mark.django_db
def test_a_stale_sign_in_steps_up_before_the_link_sign_in(me: Client, tenant: Emulator) -> None:
    session = me.session
    session[AUTH_TIME_KEY] = int(time.time() - 3600)
    session.save()

    page = me.post(LINK, {"connection": "google-oauth2"}, **SITE)

    assert page.status_code == 200 and "Confirm it's you" in text(page)
    assert "You are about to link another way of signing in" in text(page)
    assert linking.START_KEY not in me.session and tenant.count() == 0


@pytest.mark.django_db
def test_a_connection_the_tab_does_not_offer_is_refused(me: Client, tenant: Emulator) -> None:
    for connection in ("Username-Password-Authentication", "evil", "facebook"):
        refused = me.post(LINK, {"connection": connection}, **SITE)
        assert refused.status_code == 422 and "cannot be linked here" in text(refused)
    assert refusals("not_offered") == 3 and linking.START_KEY not in me.session


@pytest.mark.django_db
def test_starting_a_link_forgets_a_pending_step_up_and_htmx_leaves_with_hx_redirect(me: Client, tenant: Emulator) -> None:
    session = me.session
    session[PENDING_KEY] = ALICE
    session.save()

    start = me.post(LINK, {"connection": "github"}, headers={**SITE["headers"], **HTMX})

    assert start.status_code == 200 and "/authorize?" in start["HX-Redirect"]
    assert PENDING_KEY not in me.session and me.session[linking.START_KEY]["connection"] == "github"
    assert AuditEvent.objects.filter(action="identity.link.start", target="github").count() == 1


@pytest.mark.django_db
def test_an_expired_link_sign_in_is_not_confirmed(me: Client, tenant: Emulator, browser: httpx.Client) -> None:
    sign_in_to_link(me, browser, "google-oauth2", "alice@example.com")
    session = me.session
    session[linking.RESULT_KEY] = {**session[linking.RESULT_KEY], "started": time.time() - linking.WINDOW - 1}
    session.save()

    assert me.get(LINK, **SITE)["Location"] == GENERAL
    assert me.post(LINK, {"confirm": "1"}, **SITE)["Location"] == GENERAL
    assert tenant.count("POST", "/identities") == 0


@pytest.mark.usefixtures("one_minute_window")
@pytest.mark.django_db
def test_linking_is_rate_limited_per_user(me: Client, tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {"identities.link": "1/m"}}
    assert me.post(LINK, {"connection": "github"}, **SITE).status_code == 302

    throttled = me.post(LINK, {"connection": "github"}, **SITE)

    assert throttled.status_code == 429 and "too quickly" in text(throttled)


@pytest.mark.django_db
def test_an_id_token_for_the_management_client_is_sent_as_link_with(
    me: Client, tenant: Emulator, browser: httpx.Client, wire: Any
) -> None:
    sign_in_to_link(me, browser, "google-oauth2", "alice@example.com")
    token = tenant.tenant.key.sign({"sub": GOOGLE, "aud": "selfservice-m2m", "iss": tenant.url + "/",
                                    "iat": int(time.time()), "exp": int(time.time()) + 600})
    session = me.session
    session[linking.RESULT_KEY] = {**session[linking.RESULT_KEY], "id_token": token, "audiences": ["selfservice-m2m"]}
    session.save()

    assert me.post(LINK, {"confirm": "1"}, **SITE).status_code == 302

    assert wire.bodies("POST")[-1] == {"link_with": token}
    assert AuditEvent.objects.get(action="identity.link").details["by"] == "id_token"


@pytest.mark.parametrize(
    ("path", "method", "status", "shown"),
    [
        (rf"/users/{re.escape(GOOGLE)}$", "GET", 503, 503),
        (r"/users/google-oauth2\|alice/sessions", "GET", 503, 503),
        (r"/users/auth0\|alice/identities$", "POST", 503, 503),
        (r"/users/auth0\|alice/identities$", "POST", 429, 429),
        (r"/users/auth0\|alice/identities$", "POST", 409, 422),
        (r"/users/auth0\|alice/identities$", "POST", 400, 422),
    ],
)
@pytest.mark.django_db
def test_auth0_errors_at_each_step_of_the_link_never_500_and_never_link(
    me: Client, tenant: Emulator, browser: httpx.Client, path: str, method: str, status: int, shown: int
) -> None:
    sign_in_to_link(me, browser, "google-oauth2", "alice@example.com")
    tenant.add_fault(path=path, method=method, status=status)

    answer = me.post(LINK, {"confirm": "1"}, **SITE)

    assert answer.status_code == shown
    assert len(tenant.user(ALICE)["identities"]) == 1 and tenant.user(GOOGLE) is not None
    assert not AuditEvent.objects.filter(action="identity.link").exists()
    if shown == 422:
        assert "The sign-in service refused to link this account" in text(answer) and refusals("auth0_rejected") == 1
    else:
        assert "Nothing was linked." in text(answer)


# -- unlinking -------------------------------------------------------------------------------------


UNLINK = "/account/general/identities/google-oauth2/alice/unlink/"


@pytest.mark.django_db
def test_unlink_confirms_then_unlinks_and_the_identity_is_a_user_again(logged_in_client: Client, tenant: Emulator) -> None:
    linked(tenant, GOOGLE)
    logged_in_client.get(GENERAL)
    tenant.clear_requests()

    confirm = logged_in_client.get(UNLINK)

    assert confirm.status_code == 200 and "Unlink Google?" in text(confirm) and 'name="confirm" value="1"' in text(confirm)
    assert tenant.count() == 0  # ownership from the cached user

    done = logged_in_client.post(UNLINK, {"confirm": "1"})

    assert done.status_code == 302 and done["Location"] == GENERAL
    assert calls(tenant) == [("DELETE", f"/api/v2/users/{ALICE}/identities/google-oauth2/alice")]
    assert [i["provider"] for i in tenant.user(ALICE)["identities"]] == ["auth0"] and tenant.user(GOOGLE) is not None
    assert AuditEvent.objects.get(action="identity.unlink").target == GOOGLE
    page = text(logged_in_client.get(GENERAL))
    assert "Google is unlinked" in page and 'aria-label="Unlink Google"' not in page
    assert tenant.count("GET") == 0  # written through


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/account/general/identities/auth0/alice/unlink/", "primary"),
        ("/account/general/identities/google-oauth2/bob/unlink/", "not_found"),  # Bob's own, not Alice's
        ("/account/general/identities/github/alice/unlink/", "not_found"),  # not linked to anyone
    ],
)
@pytest.mark.django_db
def test_unlink_refuses_the_primary_and_someone_elses_identity_with_404(
    logged_in_client: Client, tenant: Emulator, url: str, reason: str
) -> None:
    tenant.add_user(SocialAuth0UserFactory(user_id="google-oauth2|carol-g"))
    linked(tenant, "google-oauth2|carol-g", primary="auth0|carol")

    assert logged_in_client.get(url).status_code == 404
    assert logged_in_client.post(url, {"confirm": "1"}).status_code == 404

    assert tenant.count("DELETE") == 0
    assert AuditEvent.objects.get(action="identity.unlink.refused").details == {"reason": reason}
    assert logged_in_client.post("/account/general/identities/google-oauth2/carol-g/unlink/", {"confirm": "1"}).status_code == 404
    assert tenant.count("DELETE") == 0 and len(tenant.user("auth0|carol")["identities"]) == 2


@pytest.mark.django_db
def test_unlink_with_a_stale_sign_in_steps_up_first(logged_in_client: Client, tenant: Emulator) -> None:
    linked(tenant, GOOGLE)
    session = logged_in_client.session
    session[AUTH_TIME_KEY] = int(time.time() - 3600)
    session.save()
    tenant.clear_requests()

    for answer in (logged_in_client.get(UNLINK), logged_in_client.post(UNLINK, {"confirm": "1"})):
        assert answer.status_code == 200 and "Confirm it's you" in text(answer)
        assert "You are about to unlink a way of signing in" in text(answer)
    htmx = logged_in_client.post(UNLINK, {"confirm": "1"}, headers=HTMX)
    assert htmx.status_code == 200 and htmx["HX-Redirect"].startswith("/account/step-up/")
    assert tenant.count() == 0 and len(tenant.user(ALICE)["identities"]) == 2


@pytest.mark.parametrize(("status", "shown", "said"), [(503, 503, "Nothing was unlinked."), (429, 429, "Nothing was unlinked."),
                                                        (400, 422, "The sign-in service refused to unlink it")])
@pytest.mark.django_db
def test_auth0_errors_on_unlink_are_shown_and_nothing_is_audited_as_done(
    logged_in_client: Client, tenant: Emulator, status: int, shown: int, said: str
) -> None:
    linked(tenant, GOOGLE)
    tenant.add_fault(path="/identities/", method="DELETE", status=status)

    answer = logged_in_client.post(UNLINK, {"confirm": "1"})

    assert answer.status_code == shown and said in text(answer)
    assert not AuditEvent.objects.filter(action="identity.unlink").exists()
    assert len(tenant.user(ALICE)["identities"]) == 2


@pytest.mark.usefixtures("one_minute_window")
@pytest.mark.django_db
def test_unlink_is_rate_limited_per_user(logged_in_client: Client, tenant: Emulator, settings: Any) -> None:
    linked(tenant, GOOGLE)
    linked(tenant, GITHUB)
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {"identities.unlink": "1/m"}}
    assert logged_in_client.post(UNLINK, {"confirm": "1"}).status_code == 302

    throttled = logged_in_client.post("/account/general/identities/github/alice/unlink/", {"confirm": "1"})

    assert throttled.status_code == 429 and tenant.count("DELETE") == 1

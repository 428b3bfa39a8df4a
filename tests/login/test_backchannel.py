"""Back-channel logout end to end: the sid map written at login, Auth0's logout token, refusals."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from selfservice.emulator import Emulator
from selfservice.emulator.keys import SigningKey
from selfservice.login.logout_tokens import EVENT, expected_issuer
from selfservice.login.pipeline import SID_KEY
from selfservice.login.session_map import prune_stale_auth0_sessions
from selfservice.models import AuditEvent, Auth0Session
from tests.conftest import ALICE
from tests.login.test_login import BROWSER_UA, SITE, login
from tests.sessions.test_devices import IPHONE

ENDPOINT = reverse("selfservice:backchannel-logout")
SESSIONS = reverse("selfservice:sessions")

ENGINES = ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cache",
           "django.contrib.sessions.backends.cached_db", "selfservice.login.session_store"]


@pytest.fixture
def site(tenant: Emulator, settings: Any) -> Iterator[list[Any]]:
    """The demo tenant, logins through its socket, back-channel logout delivered in-process.

    Yields the responses the site gave to the tenant's logout POSTs.
    """
    settings.SOCIAL_AUTH_AUTH0_BASE_URL = tenant.url
    settings.SOCIAL_AUTH_AUTH0_DOMAIN = tenant.url.split("//", 1)[1]
    tenant.configure_client("selfservice-web", backchannel_logout_urls=[f"http://127.0.0.1:8000{ENDPOINT}"])
    answers: list[Any] = []

    def deliver(url: str, body: bytes) -> int:
        response = Client().post(urlsplit(url).path, data=body, content_type="application/x-www-form-urlencoded")
        answers.append(response)
        return int(response.status_code)

    tenant.set_backchannel_sender(deliver)
    yield answers


@pytest.fixture
def browsers(tenant: Emulator) -> Iterator[Callable[[str], httpx.Client]]:
    """``browser(user_agent)``: a separate browser at the tenant (its own SSO cookie)."""
    opened: list[httpx.Client] = []

    def open_browser(agent: str) -> httpx.Client:
        browser = httpx.Client(base_url=tenant.url, headers={"User-Agent": agent})
        opened.append(browser)
        return browser

    yield open_browser
    for browser in opened:
        browser.close()


def signed_in(browsers: Callable[[str], httpx.Client], agent: str, email: str = "alice@example.com") -> Client:
    client = Client(headers={"host": "127.0.0.1:8000"})
    login(client, browsers(agent), email)
    return client


@pytest.fixture
def laptop_and_phone(site: list[Any], browsers: Callable[[str], httpx.Client]) -> tuple[Client, Client]:
    """Alice signed in to the site from two browsers: two Auth0 sessions, two Django sessions."""
    return signed_in(browsers, BROWSER_UA), signed_in(browsers, IPHONE)


@pytest.mark.django_db
def test_login_records_which_django_session_belongs_to_the_auth0_session(
    site: list[Any], browsers: Callable[[str], httpx.Client]
) -> None:
    client = signed_in(browsers, BROWSER_UA)

    [row] = Auth0Session.objects.all()
    assert row.sid == client.session[SID_KEY]
    assert row.session_key == client.session.session_key  # the key after login() cycled it
    assert row.auth0_user_id == ALICE and row.user.social_auth.get().uid == ALICE

    client.post(reverse("selfservice:logout"), **SITE)
    assert not Auth0Session.objects.exists()


@pytest.mark.django_db
def test_revoking_a_session_from_one_browser_signs_the_other_browser_out(
    tenant: Emulator, site: list[Any], laptop_and_phone: tuple[Client, Client]
) -> None:
    laptop, phone = laptop_and_phone
    phone_sid = phone.session[SID_KEY]
    assert phone_sid != laptop.session[SID_KEY]
    listed = laptop.get(SESSIONS, **SITE)
    assert [row.is_current for row in listed.context_data["rows"]][:1] == [True]
    assert phone_sid in [row.id for row in listed.context_data["rows"]]

    revoked = laptop.post(reverse("selfservice:revoke-session", args=[phone_sid]), **SITE)

    assert revoked.status_code == 302
    assert [answer.status_code for answer in site] == [200]
    assert tenant.backchannel_deliveries()[0]["sid"] == phone_sid
    after = phone.get(SESSIONS, **SITE)
    assert after.status_code == 302 and after["Location"].startswith(reverse("selfservice:login"))
    assert laptop.get(SESSIONS, **SITE).status_code == 200


@pytest.mark.django_db
def test_a_session_ended_elsewhere_signs_this_site_out_through_the_back_channel_alone(
    tenant: Emulator, site: list[Any], laptop_and_phone: tuple[Client, Client]
) -> None:
    laptop, phone = laptop_and_phone

    # An administrator ends the phone's session in the Auth0 dashboard: only Auth0 knows.
    tenant.tenant.end_session(phone.session[SID_KEY])

    assert [answer.status_code for answer in site] == [200]
    assert site[0]["Cache-Control"] == "no-store"
    assert phone.get(SESSIONS, **SITE).status_code == 302
    assert laptop.get(SESSIONS, **SITE).status_code == 200
    event = AuditEvent.objects.get(action="session.backchannel_logout")
    assert event.auth0_user_id == ALICE and event.details["ended"] == 1


# -- the token itself ---------------------------------------------------------------------------


@pytest.fixture
def victim(logged_in_client: Client, alice: Any, settings: Any) -> Client:
    """Alice's signed-in client, mapped to Auth0 session ``sid-victim``."""
    settings.SOCIAL_AUTH_AUTH0_BASE_URL = "http://127.0.0.1:8001"
    Auth0Session.objects.create(sid="sid-victim", session_key=logged_in_client.session.session_key, user=alice,
                                auth0_user_id=ALICE)
    return logged_in_client


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": expected_issuer(), "aud": "selfservice-web", "iat": now, "exp": now + 120,
            "jti": uuid.uuid4().hex, "events": {EVENT: {}}, "sid": "sid-victim", "sub": ALICE}
    base.update(changes)
    return {key: value for key, value in base.items() if value is not None}


def post(token: str) -> Any:
    return Client().post(ENDPOINT, {"logout_token": token})


def still_signed_in(client: Client) -> bool:
    return bool(client.get(SESSIONS).status_code == 200)


def test_a_valid_logout_token_ends_the_mapped_session(tenant: Emulator, victim: Client) -> None:
    response = post(tenant.tenant.key.sign(claims(), typ="logout+jwt"))

    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert not still_signed_in(victim)
    assert not Auth0Session.objects.exists()


def test_a_token_with_only_sub_ends_every_session_of_that_user(
    tenant: Emulator, victim: Client, alice: Any, auth0_user: Callable[..., Any]
) -> None:
    second = Client()
    second.force_login(alice)
    Auth0Session.objects.create(sid="sid-2", session_key=second.session.session_key, user=alice, auth0_user_id=ALICE)
    bystander = Client()
    carol = auth0_user("auth0|carol")
    bystander.force_login(carol)
    Auth0Session.objects.create(sid="sid-3", session_key=bystander.session.session_key, user=carol,
                                auth0_user_id="auth0|carol")

    assert post(tenant.tenant.key.sign(claims(sid=None))).status_code == 200

    assert not still_signed_in(victim) and not still_signed_in(second)
    assert still_signed_in(bystander)


def test_a_token_for_an_unknown_session_is_still_acknowledged(tenant: Emulator, victim: Client) -> None:
    assert post(tenant.tenant.key.sign(claims(sid="never-seen"))).status_code == 200
    assert still_signed_in(victim)


def _forged(payload: dict[str, Any], kid: str) -> str:
    return SigningKey().sign(payload) if not kid else jwt.encode(
        payload, SigningKey().private_key, algorithm="RS256", headers={"kid": kid})


REFUSED: dict[str, Callable[[Emulator], str]] = {
    "forged signature": lambda t: _forged(claims(), t.tenant.key.kid),
    "unknown key": lambda t: _forged(claims(), ""),
    "expired": lambda t: t.tenant.key.sign(claims(iat=int(time.time()) - 1000, exp=int(time.time()) - 880)),
    "too old without exp": lambda t: t.tenant.key.sign(claims(iat=int(time.time()) - 1000, exp=None)),
    "issued in the future": lambda t: t.tenant.key.sign(claims(iat=int(time.time()) + 3600, exp=int(time.time()) + 4000)),
    "no iat": lambda t: t.tenant.key.sign(claims(iat=None)),
    "wrong audience": lambda t: t.tenant.key.sign(claims(aud="another-client")),
    "wrong issuer": lambda t: t.tenant.key.sign(claims(iss="https://evil.example/")),
    "no events": lambda t: t.tenant.key.sign(claims(events=None)),
    "another event": lambda t: t.tenant.key.sign(claims(events={"http://example.com/other": {}})),
    "event not an object": lambda t: t.tenant.key.sign(claims(events={EVENT: "yes"})),
    "nonce (an ID token)": lambda t: t.tenant.key.sign(claims(nonce="n-1")),
    "neither sid nor sub": lambda t: t.tenant.key.sign(claims(sid=None, sub=None)),
    "no jti": lambda t: t.tenant.key.sign(claims(jti=None)),
    "empty jti": lambda t: t.tenant.key.sign(claims(jti="")),
    "jti not a string": lambda t: t.tenant.key.sign(claims(jti=12345)),
    "HS256": lambda t: jwt.encode(claims(), "a-shared-secret-that-is-long-enough-for-hs256", algorithm="HS256"),
    "alg none": lambda t: jwt.encode(claims(), None, algorithm="none"),
    "not a JWT": lambda t: "not-a-token",
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_forged_expired_or_misaddressed_tokens_are_refused(tenant: Emulator, victim: Client, case: str) -> None:
    response = post(REFUSED[case](tenant))

    assert response.status_code == 400, response.content
    assert response["Cache-Control"] == "no-store"
    assert response.json()["error"] == "invalid_request" and response.json()["error_description"]
    assert still_signed_in(victim)
    assert not AuditEvent.objects.filter(action="session.backchannel_logout").exists()


def test_a_token_is_accepted_once(tenant: Emulator, victim: Client) -> None:
    token = tenant.tenant.key.sign(claims(sid="never-seen"))
    assert post(token).status_code == 200
    replay = post(token)
    assert replay.status_code == 400 and "already used" in replay.json()["error_description"]


def test_a_token_without_jti_is_refused_and_ends_nothing(tenant: Emulator, victim: Client) -> None:
    token = tenant.tenant.key.sign(claims(jti=None), typ="logout+jwt")
    for _ in range(2):  # no jti, so nothing to remember it by: refused every time
        response = post(token)
        assert response.status_code == 400 and response["Cache-Control"] == "no-store"
        assert response.json() == {"error": "invalid_request",
                                   "error_description": "The logout token has no jti (a unique token id)."}
    assert still_signed_in(victim)
    assert Auth0Session.objects.filter(sid="sid-victim").exists()


def test_a_missing_token_and_other_methods_are_refused(victim: Client) -> None:
    assert Client().post(ENDPOINT, {}).status_code == 400
    assert Client().get(ENDPOINT).status_code == 405


def test_unreadable_signing_keys_answer_503_not_400(tenant: Emulator, victim: Client) -> None:
    tenant.add_fault(r"^/\.well-known/jwks\.json$", status=500)

    response = post(tenant.tenant.key.sign(claims()))

    assert response.status_code == 503 and response.json()["error"] == "temporarily_unavailable"
    assert still_signed_in(victim)


@pytest.mark.parametrize("engine", ENGINES)
def test_sessions_end_whatever_the_session_engine(
    tenant: Emulator, alice: Any, settings: Any, engine: str
) -> None:
    settings.SESSION_ENGINE = engine
    settings.SOCIAL_AUTH_AUTH0_BASE_URL = "http://127.0.0.1:8001"
    client = Client()
    client.force_login(alice)
    Auth0Session.objects.create(sid="sid-engine", session_key=client.session.session_key, user=alice,
                                auth0_user_id=ALICE)
    assert still_signed_in(client)

    assert post(tenant.tenant.key.sign(claims(sid="sid-engine"))).status_code == 200

    assert not still_signed_in(client)


# -- rows of sessions that expired without a logout ---------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("engine", ENGINES)
def test_a_login_prunes_rows_of_sessions_that_expired_without_a_logout(
    site: list[Any], browsers: Callable[[str], httpx.Client], django_user_model: Any, settings: Any, engine: str
) -> None:
    someone = django_user_model.objects.create(username="someone")
    settings.SESSION_ENGINE = engine
    store = import_module(settings.SESSION_ENGINE).SessionStore
    long_ago = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE, days=1)
    alive = store()
    alive.create()  # signed in long ago, saved since: its expiry moved on, it still lives

    def row(sid: str, key: str, created_at: Any) -> None:
        Auth0Session.objects.create(sid=sid, session_key=key, user=someone, created_at=created_at)

    row("expired", "gone-key-1", long_ago)
    row("alive", alive.session_key, long_ago)
    row("recent", "gone-key-2", timezone.now())

    client = signed_in(browsers, BROWSER_UA)

    assert sorted(Auth0Session.objects.values_list("sid", flat=True)) == sorted(
        ["alive", "recent", client.session[SID_KEY]]
    )


@pytest.mark.django_db
def test_pruning_is_one_delete_with_database_sessions(alice: Any, settings: Any, django_assert_num_queries: Any) -> None:
    old = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE + 1)
    for index in range(30):
        Auth0Session.objects.create(sid=f"s{index}", session_key=f"k{index}", user=alice, created_at=old)

    with django_assert_num_queries(1):
        assert prune_stale_auth0_sessions() == 30


@pytest.mark.usefixtures("still_ratelimit_clock")
def test_a_flood_of_logout_posts_is_refused_per_address_before_any_check(
    tenant: Emulator, victim: Client, settings: Any
) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {"login.backchannel": "2/m"}}
    assert [post("not-a-token").status_code for _ in range(2)] == [400, 400]

    refused = post(tenant.tenant.key.sign(claims(), typ="logout+jwt"))

    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert still_signed_in(victim)  # the valid token was not even looked at

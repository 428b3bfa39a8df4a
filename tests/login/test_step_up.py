"""Step-up end to end, through social-auth and the emulated tenant's real OIDC flow.

Old sign-in -> remove a method -> "Confirm it's you" -> begin with max_age=0&prompt=login ->
the tenant's form (despite SSO, pre-filled) -> callback -> the confirm step -> confirm -> removed.
And the way back as someone else: refused before social-auth could link or sign in that account.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.test import Client
from social_django.models import UserSocialAuth

from selfservice.core.step_up import PENDING_KEY
from selfservice.emulator import Emulator
from selfservice.emulator.records import iso
from selfservice.login.pipeline import AUTH_TIME_KEY, SID_KEY
from selfservice.models import AuditEvent, Auth0Session
from tests.login.test_login import BROWSER_UA, SITE, login
from tests.security.test_security import method_id, remove_url
from tests.security.test_security_step_up import hidden_fields

ALICE = "auth0|alice"
CAROL = "auth0|carol"
BEGIN = "/login/auth0/"


@pytest.fixture
def tenant(selfservice_emulator: Emulator, settings: Any) -> Emulator:
    """The demo tenant: the Management API in-process, the login over its socket (like a browser)."""
    selfservice_emulator.seed("demo")
    settings.SOCIAL_AUTH_AUTH0_BASE_URL = selfservice_emulator.url
    settings.SOCIAL_AUTH_AUTH0_DOMAIN = selfservice_emulator.url.split("//", 1)[1]
    return selfservice_emulator


@pytest.fixture
def browser(tenant: Emulator) -> Iterator[httpx.Client]:
    """The browser's side at the tenant (keeps the tenant's SSO cookie)."""
    with httpx.Client(base_url=tenant.url, headers={"User-Agent": BROWSER_UA}) as client:
        yield client


@pytest.fixture
def old_alice(tenant: Emulator, browser: httpx.Client) -> Client:
    """Alice signed in through the real flow, two hours ago (here and at the tenant)."""
    client = Client(raise_request_exception=False)
    login(client, browser, "alice@example.com")
    then = datetime.now(UTC) - timedelta(hours=2)
    tenant.tenant.sessions[client.session[SID_KEY]]["authenticated_at"] = iso(then)
    session = client.session
    session[AUTH_TIME_KEY] = int(then.timestamp())
    session.save()
    return client


def start_step_up(client: Client, tenant: Emulator, url: str) -> tuple[dict[str, str], str]:
    """Ask for ``url`` with an old sign-in; POST the page's form to social-auth: its fields, /authorize URL."""
    page = client.get(url, **SITE)
    assert page.status_code == 200 and "Confirm it's you" in page.content.decode()
    fields = hidden_fields(page.content.decode())
    begin = client.post(BEGIN, fields, **SITE)
    assert begin.status_code == 302, begin.content
    return fields, str(begin["Location"])


def callback_of(answer: httpx.Response) -> str:
    assert answer.status_code == 302, answer.text
    callback = urlsplit(answer.headers["location"])
    return f"{callback.path}?{callback.query}"


@pytest.mark.django_db
def test_an_old_sign_in_steps_up_then_confirms_the_removal(old_alice: Client, tenant: Emulator, browser: httpx.Client) -> None:
    totp = method_id(tenant, ALICE, "totp")
    sid = old_alice.session[SID_KEY]
    tenant.clear_requests()

    fields, authorize = start_step_up(old_alice, tenant, remove_url(totp))

    assert tenant.count("DELETE") == 0
    query = parse_qs(urlsplit(authorize).query)
    assert query["max_age"] == ["0"] and query["prompt"] == ["login"] and query["login_hint"] == ["alice@example.com"]
    form = browser.get(authorize)  # the SSO cookie is there, but the tenant asks again
    assert form.status_code == 200 and 'name="password"' in form.text
    assert 'value="alice@example.com"' in form.text  # pre-filled from login_hint
    csrf_before = old_alice.cookies["csrftoken"].value

    back = old_alice.get(callback_of(browser.post(authorize, data={"email": "alice@example.com", "password": "demo-password"})), **SITE)

    assert back.status_code == 302 and back["Location"] == remove_url(totp) == fields["next"]
    assert abs(old_alice.session[AUTH_TIME_KEY] - time.time()) < 5 and old_alice.session[SID_KEY] == sid
    assert PENDING_KEY not in old_alice.session
    assert Auth0Session.objects.get(session_key=old_alice.session.session_key).sid == sid  # back-channel logout still finds it
    assert old_alice.cookies["csrftoken"].value != csrf_before  # nothing posted before the step-up replays
    assert tenant.count("DELETE") == 0  # coming back does nothing by itself
    confirm = old_alice.get(back["Location"], **SITE)
    html = re.sub(r"\s+", " ", confirm.content.decode())
    assert confirm.status_code == 200 and 'name="confirm" value="1"' in html
    assert "You signed in again. Now confirm to continue." in html

    done = old_alice.post(remove_url(totp), {"confirm": "1"}, **SITE)

    assert done.status_code == 302 and tenant.count("DELETE") == 1
    assert not any(m["id"] == totp for m in tenant.tenant.methods[ALICE])
    assert AuditEvent.objects.filter(action="mfa.remove", target=totp).count() == 1


@pytest.mark.django_db
def test_a_step_up_that_comes_back_as_someone_else_is_refused_and_signs_out(
    old_alice: Client, tenant: Emulator, browser: httpx.Client
) -> None:
    totp = method_id(tenant, ALICE, "totp")
    alice = UserSocialAuth.objects.get(uid=ALICE).user
    _fields, authorize = start_step_up(old_alice, tenant, remove_url(totp))
    answer = browser.post(authorize, data={"email": "carol@example.com", "password": "demo-password"})

    back = old_alice.get(callback_of(answer), **SITE)

    assert back.status_code >= 400  # the login page with a 4xx (the login error middleware), never a redirect
    assert "_auth_user_id" not in old_alice.session and PENDING_KEY not in old_alice.session
    assert not UserSocialAuth.objects.filter(uid=CAROL).exists()  # never linked to Alice, nor a user of its own
    assert list(UserSocialAuth.objects.filter(user=alice).values_list("uid", flat=True)) == [ALICE]
    event = AuditEvent.objects.get(action="stepup.mismatch")
    assert (event.user, event.auth0_user_id, event.target, event.details) == (alice, ALICE, CAROL, {"expected": ALICE})
    assert old_alice.get(remove_url(totp), **SITE)["Location"].startswith("/account/login/")  # signed out
    assert tenant.count("DELETE") == 0


@pytest.mark.django_db
def test_only_the_step_up_parameters_reach_authorize_and_only_when_valid(tenant: Emulator) -> None:
    client = Client()
    sent = {"max_age": "0; drop", "prompt": "none", "login_hint": "x" * 321, "audience": "https://evil.example/",
            "connection": "evil", "next": "/account/"}

    refused = parse_qs(urlsplit(client.post(BEGIN, sent, **SITE)["Location"]).query)
    accepted = parse_qs(urlsplit(client.post(BEGIN, {"max_age": "0", "prompt": "login", "login_hint": "a@b.example"},
                                             **SITE)["Location"]).query)

    assert not {"max_age", "prompt", "login_hint", "audience", "connection"} & set(refused)
    assert (accepted["max_age"], accepted["prompt"], accepted["login_hint"]) == (["0"], ["login"], ["a@b.example"])


@pytest.mark.django_db
def test_a_plain_login_is_not_affected_by_step_up(tenant: Emulator, browser: httpx.Client) -> None:
    client = Client()
    login(client, browser, "carol@example.com")

    assert UserSocialAuth.objects.get(uid=CAROL).user.pk == int(client.session["_auth_user_id"])
    assert not AuditEvent.objects.filter(action="stepup.mismatch").exists()

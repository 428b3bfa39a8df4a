"""Security activity: the user's own audit events, newest first, paged; retention and pruning."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import httpx
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from selfservice.emulator import Emulator
from selfservice.models import AuditEvent
from selfservice.security.activity import is_refused, label_for
from tests.conftest import ALICE, CAROL, HTMX
from tests.factories import AuditEventFactory
from tests.login.test_login import BROWSER_UA, login

URL = reverse("selfservice:activity")
FIREFOX = BROWSER_UA
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")


def text(response: Any) -> str:
    return " ".join(response.content.decode().split())


def event(uid: str, action: str, minutes_ago: float, **fields: Any) -> AuditEvent:
    return AuditEventFactory(
        auth0_user_id=uid, action=action, created_at=timezone.now() - timedelta(minutes=minutes_ago), **fields
    )


@pytest.fixture
def carol(client_for: Callable[[str], Client], tenant: Emulator) -> Client:
    client = client_for(CAROL)
    tenant.clear_requests()
    return client


def test_the_page_lists_the_users_own_events_newest_first_with_device_and_ip(carol: Client, tenant: Emulator) -> None:
    event(CAROL, "login", 30, user_agent=FIREFOX, ip="203.0.113.5")
    event(CAROL, "profile.update", 20, details={"fields": ["name", "nickname"]}, user_agent=IPHONE, ip="2001:db8::7")
    event(CAROL, "session.revoke_refused", 10, target="someone-elses-sid", details={"reason": "not_owner"})
    event(ALICE, "mfa.remove", 5, ip="198.51.100.77", user_agent="AliceBrowser/1.0", details={"type": "totp"})
    event("google-oauth2|bob", "preferences.update", 1, ip="198.51.100.88")

    response = carol.get(URL)

    html = text(response)
    assert response.status_code == 200
    assert "Security activity</h2>" in html
    headings = [part.split("</h3>")[0] for part in html.split('class="selfservice-session-name"')[1:]]
    assert [h.split(">", 1)[1].split(" <span")[0] for h in headings] == [
        "Signing out a session that is not yours", "Profile changed", "Signed in",
    ]
    assert "Refused</span>" in headings[0] and "Refused" not in headings[1] + headings[2]
    assert "Changed: name, nickname" in html
    assert "Firefox 133 on Linux" in html and "203.0.113.5" in html
    assert "Safari on iPhone" in html and "2001:db8::7" in html
    # Nothing of anyone else, and not the id the refused attempt named.
    for foreign in ("198.51.100.77", "198.51.100.88", "AliceBrowser", "Multi-factor method removed",
                    "Preferences changed", "someone-elses-sid"):
        assert foreign not in html
    assert tenant.requests() == []  # the audit log is local: no Auth0 call


def test_every_query_on_the_audit_table_is_scoped_to_the_signed_in_user(carol: Client) -> None:
    for minutes in range(3):
        event(CAROL, "login", minutes)
        event(ALICE, "login", minutes)

    with CaptureQueriesContext(connection) as queries:
        response = carol.get(URL)

    audit = [q["sql"] for q in queries.captured_queries if '"selfservice_auditevent"' in q["sql"]]
    assert response.status_code == 200
    assert len(audit) == 2  # the count for paging, then the page
    assert all(f"\"auth0_user_id\" = '{CAROL}'" in sql for sql in audit), audit
    assert response.context["page_obj"].paginator.count == 3


def test_pages_of_events_with_htmx_partials(carol: Client, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "ACTIVITY_PAGE_SIZE": 2}
    for minutes in range(5):
        event(CAROL, "login", minutes, ip=f"203.0.113.{minutes + 1}")

    first = carol.get(URL)
    third = carol.get(URL + "?page=3", headers=HTMX)
    beyond = carol.get(URL + "?page=99")

    assert "Page 1 of 3" in text(first) and "203.0.113.1<" in text(first) and "203.0.113.3" not in text(first)
    assert f'href="{URL}?page=2"' in text(first) and 'rel="prev"' not in text(first)
    assert "<html" not in text(third) and "203.0.113.5" in text(third) and "Page 3 of 3" in text(third)
    assert 'hx-swap-oob="true"' in text(third)  # the tab bar follows (Security stays active)
    assert "203.0.113.5" in text(beyond)  # past the end: the last page


def test_events_past_the_retention_period_are_not_shown(carol: Client, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "ACTIVITY_RETENTION_DAYS": 30}
    event(CAROL, "login", 29 * 24 * 60, ip="203.0.113.29")
    event(CAROL, "login", 31 * 24 * 60, ip="203.0.113.31")

    html = text(carol.get(URL))

    assert "203.0.113.29" in html and "203.0.113.31" not in html
    assert "Events are kept for 30 days." in html


def test_a_user_without_events_is_told_so(carol: Client) -> None:
    html = text(carol.get(URL))
    assert "No security events yet." in html


def test_the_security_tab_links_to_the_activity(carol: Client) -> None:
    html = text(carol.get(reverse("selfservice:security")))
    assert f'<a href="{URL}" hx-get="{URL}"' in html and "See recent security activity" in html


def test_anonymous_users_are_sent_to_login(client: Client, db: None) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_labels_are_named_per_kind_with_a_fallback() -> None:
    assert label_for("mfa.recovery_code") == "New recovery code"
    assert label_for("mfa.something_new") == "Multi-factor authentication"
    assert label_for("shop.order") == "Account change"
    assert is_refused("identity.link.refused") and is_refused("session.revoke_refused") and is_refused("stepup.mismatch")
    assert not is_refused("identity.link") and not is_refused("login")


@pytest.mark.django_db
def test_a_sign_in_through_auth0_is_recorded_with_its_user_agent(emulator: Emulator, settings: Any) -> None:
    emulator.seed("demo")
    settings.SOCIAL_AUTH_AUTH0_BASE_URL = emulator.url
    settings.SOCIAL_AUTH_AUTH0_DOMAIN = emulator.url.split("//", 1)[1]
    client = Client(HTTP_USER_AGENT=FIREFOX)
    with httpx.Client(base_url=emulator.url, headers={"User-Agent": FIREFOX}) as browser:
        login(client, browser, "alice@example.com")

    sign_ins = AuditEvent.objects.filter(action="login")
    assert [(e.auth0_user_id, e.user_agent) for e in sign_ins] == [(ALICE, FIREFOX)]
    assert sign_ins[0].user is not None and sign_ins[0].user.email == "alice@example.com"
    html = text(client.get(URL))
    assert "Signed in</h3>" in html and "Firefox 133 on Linux" in html


# -- pruning ---------------------------------------------------------------------------------------


def run_prune(*args: str) -> str:
    out = StringIO()
    call_command("selfservice_prune", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_prune_deletes_every_users_events_older_than_the_retention_only(settings: Any) -> None:
    settings.SELFSERVICE = {"ACTIVITY_RETENTION_DAYS": 10}
    old = [event(uid, "login", 11 * 24 * 60) for uid in (ALICE, CAROL)]
    kept = [event(uid, "login", 9 * 24 * 60) for uid in (ALICE, CAROL)]

    dry = run_prune("--dry-run")
    assert "2 event(s) older than 10 days would be deleted." in dry and AuditEvent.objects.count() == 4

    assert "Deleted 2 event(s) older than 10 days." in run_prune()
    assert set(AuditEvent.objects.values_list("pk", flat=True)) == {e.pk for e in kept}
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()


@pytest.mark.django_db
def test_prune_takes_days_and_keeps_everything_when_retention_is_off(settings: Any) -> None:
    settings.SELFSERVICE = {"ACTIVITY_RETENTION_DAYS": None}
    event(ALICE, "login", 3 * 24 * 60)

    assert "kept forever; nothing deleted" in run_prune()
    assert AuditEvent.objects.count() == 1
    assert "Deleted 1 event(s) older than 2 days." in run_prune("--days", "2")
    assert AuditEvent.objects.count() == 0
    with pytest.raises(Exception, match="--days must be a positive"):
        run_prune("--days", "0")

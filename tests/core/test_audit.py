"""``audit.record`` and the read-only admin: who changed what, never the secret values."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.urls import reverse

from selfservice.core import audit
from selfservice.models import AuditEvent
from tests.factories import AuditEventFactory, UserFactory, UserSocialAuthFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_from_alice(rf: RequestFactory) -> Any:
    social = UserSocialAuthFactory(uid="auth0|alice")
    request = rf.post("/account/general/", REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="Firefox/132")
    request.user = social.user
    return request


def test_a_record_names_the_user_the_auth0_id_and_where_the_request_came_from(request_from_alice: Any) -> None:
    event = audit.record(request_from_alice, action="profile.update", target="auth0|alice", details={"fields": ["name"]})

    event.refresh_from_db()
    assert event.user == request_from_alice.user
    assert event.auth0_user_id == "auth0|alice"  # from the adapter, when the view does not pass it
    assert (event.action, event.target) == ("profile.update", "auth0|alice")
    assert (event.ip, event.user_agent) == ("198.51.100.4", "Firefox/132")
    assert event.details == {"fields": ["name"]}
    assert event.created_at is not None
    assert str(event) == "profile.update auth0|alice"


def test_values_of_secret_looking_keys_never_reach_the_table(request_from_alice: Any) -> None:
    event = audit.record(request_from_alice, action="security.enroll", details={
        "fields": ["password"],
        "password": "hunter2",
        "recovery_code": "ABCD-EFGH",
        "factor": "otp",
        "nested": [{"client_secret": "s3cret", "keys": ["theme"], "access_token": "eyJ..."}],
    })

    event.refresh_from_db()
    assert event.details == {
        "fields": ["password"],
        "password": audit.REDACTED,
        "recovery_code": audit.REDACTED,
        "factor": "otp",
        "nested": [{"client_secret": audit.REDACTED, "keys": ["theme"], "access_token": audit.REDACTED}],
    }


def test_long_user_agents_are_cut_and_missing_values_stay_empty(rf: RequestFactory) -> None:
    request = rf.get("/", HTTP_USER_AGENT="x" * 2000)
    request.user = AnonymousUser()
    del request.META["REMOTE_ADDR"]

    event = audit.record(request, action="profile.update", auth0_user_id="auth0|someone")

    assert event.user is None and event.ip is None
    assert event.user_agent == "x" * audit.USER_AGENT_MAX_LENGTH
    assert event.auth0_user_id == "auth0|someone" and event.details == {}


def test_events_are_listed_newest_first(request_from_alice: Any) -> None:
    first = audit.record(request_from_alice, action="profile.update")
    second = audit.record(request_from_alice, action="profile.update")

    assert list(AuditEvent.objects.all()) == [second, first]


def test_staff_can_read_the_trail_but_not_add_change_or_delete_it(client: Client) -> None:
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    event = AuditEventFactory(details={"fields": ["nickname"]})

    listing = client.get(reverse("admin:selfservice_auditevent_changelist"))
    detail = client.get(reverse("admin:selfservice_auditevent_change", args=[event.pk]))
    add = client.get(reverse("admin:selfservice_auditevent_add"))
    delete = client.post(reverse("admin:selfservice_auditevent_delete", args=[event.pk]), {"post": "yes"})

    assert listing.status_code == 200 and event.auth0_user_id in listing.content.decode()
    assert detail.status_code == 200 and 'name="action"' not in detail.content.decode()
    assert add.status_code == 403 and delete.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()

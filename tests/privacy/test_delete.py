"""Delete my account: typed email, step-up, Auth0 first, then every local trace; refusals change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session as DjangoSession
from django.test import Client
from django.urls import reverse
from social_django.models import UserSocialAuth

from selfservice import signals
from selfservice.core.read_cache import ReadCache
from selfservice.core.step_up import PENDING_KEY
from selfservice.emulator import Emulator
from selfservice.gateway import NotFound, get_gateway
from selfservice.login.pipeline import SID_KEY
from selfservice.models import AuditEvent, Auth0Session
from tests.conftest import ALICE, CAROL, HTMX, signed_in_at
from tests.factories import AuditEventFactory

DELETE = reverse("selfservice:delete-account")
USER_PATH = r"^/api/v2/users/auth0\|carol$"
SESSIONS_PATH = r"^/api/v2/users/auth0\|carol/sessions$"
User = get_user_model()


def text(response: Any) -> str:
    return " ".join(response.content.decode().split())


def mutations(tenant: Emulator) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in tenant.requests() if r["path"].startswith("/api/v2/") and r["method"] != "GET"]


def confirm(client: Client, typed: str = "carol@example.com", **extra: Any) -> Any:
    return client.post(DELETE, {"confirmation": typed}, **extra)


def assert_nothing_deleted(tenant: Emulator, user_pk: int, *, sessions: bool = True) -> None:
    assert tenant.user(CAROL) is not None and CAROL in tenant.tenant.methods
    assert len(tenant.tenant.user_sessions(CAROL)) == (40 if sessions else 0)
    assert User.objects.filter(pk=user_pk, is_active=True).exists()
    assert UserSocialAuth.objects.filter(uid=CAROL).exists()
    assert not AuditEvent.objects.filter(action="account.delete").exists()


@pytest.fixture
def received() -> Iterator[list[dict[str, Any]]]:
    """What ``account_deleted`` receivers were given (the user still saved at that moment)."""
    calls: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        user = kwargs["user"]
        calls.append({**kwargs, "user_pk": user.pk, "user_saved": User.objects.filter(pk=user.pk).exists()})

    signals.account_deleted.connect(receiver)
    yield calls
    signals.account_deleted.disconnect(receiver)


def test_the_confirm_step_explains_what_goes_and_asks_for_the_email(carol: Client, tenant: Emulator) -> None:
    response = carol.get(DELETE)

    html = text(response)
    assert response.status_code == 200
    assert "Delete your account?</h2>" in html and "This cannot be undone." in html
    assert "Type <strong>carol@example.com</strong> to confirm" in html
    assert f'method="post" action="{DELETE}"' in html and 'name="confirmation"' in html
    assert [r["path"] for r in tenant.requests() if r["path"].startswith("/api/v2/")] == ["/api/v2/users/auth0|carol"]


def test_deleting_removes_the_auth0_user_its_sessions_and_every_local_trace(
    carol: Client, tenant: Emulator, received: list[dict[str, Any]], auth0_user: Any
) -> None:
    user = carol.session["_auth_user_id"]
    sid = tenant.tenant.user_sessions(CAROL)[0]["id"]
    session = carol.session
    session[SID_KEY] = sid
    session.save()
    Auth0Session.objects.create(sid=sid, session_key=carol.session.session_key, user_id=user, auth0_user_id=CAROL)
    other_device = Client()
    other_device.force_login(User.objects.get(pk=user))
    Auth0Session.objects.create(sid="other-sid", session_key=other_device.session.session_key, user_id=user, auth0_user_id=CAROL)
    AuditEventFactory(auth0_user_id=CAROL, user_id=user, action="login", ip="203.0.113.5")
    alice_event = AuditEventFactory(auth0_user_id=ALICE, action="login", ip="198.51.100.77")
    alice_sessions = len(tenant.tenant.user_sessions(ALICE))
    carol.get(reverse("selfservice:general"))  # the read cache now holds Carol's profile
    tenant.clear_requests()

    response = confirm(carol)

    assert response.status_code == 302 and response["Location"] == DELETE
    assert mutations(tenant) == [("DELETE", "/api/v2/users/auth0|carol/sessions"), ("DELETE", "/api/v2/users/auth0|carol")]
    assert [r["status"] for r in tenant.requests() if r["method"] == "DELETE"] == [202, 204]
    assert tenant.user(CAROL) is None and tenant.tenant.user_sessions(CAROL) == [] and CAROL not in tenant.tenant.methods
    with pytest.raises(NotFound):
        get_gateway().get_user(CAROL)
    # Local: the user, their links, mapped sessions (this browser and the other device), audit rows.
    assert not User.objects.filter(pk=user).exists() and not UserSocialAuth.objects.filter(uid=CAROL).exists()
    assert not Auth0Session.objects.exists()
    assert not DjangoSession.objects.filter(session_key=other_device.session.session_key).exists()
    assert other_device.get(reverse("selfservice:general")).status_code == 302  # signed out there too
    assert not AuditEvent.objects.filter(auth0_user_id=CAROL).exists()
    kept = AuditEvent.objects.get(action="account.delete")
    assert (kept.user, kept.auth0_user_id, kept.target, kept.ip, kept.user_agent) == (None, "", "", None, "")
    assert kept.details == {"mode": "delete", "sessions_ended": 2}
    tenant.clear_requests()
    with pytest.raises(NotFound):  # no cached copy of the profile is left to serve
        ReadCache(get_gateway(), CAROL).get_user(CAROL)
    assert [r["path"] for r in tenant.requests() if r["path"].startswith("/api/v2/")] == ["/api/v2/users/auth0|carol"]
    assert [(c["auth0_user_id"], c["mode"], c["user_pk"], c["user_saved"]) for c in received] == [(CAROL, "delete", int(user), True)]
    # Nobody else was touched.
    assert AuditEvent.objects.filter(pk=alice_event.pk, ip="198.51.100.77").exists()
    assert len(tenant.tenant.user_sessions(ALICE)) == alice_sessions and tenant.user(ALICE) is not None
    # The goodbye page, once; then this browser is just signed out.
    goodbye = carol.get(DELETE)
    assert goodbye.status_code == 200 and "Your account was deleted" in text(goodbye)
    assert 'id="selfservice-tabs"' not in text(goodbye) and "no-store" in goodbye["Cache-Control"]
    again = carol.get(DELETE)
    assert again.status_code == 302 and "/account/login/" in again["Location"]


def test_an_htmx_deletion_redirects_the_whole_page_to_the_goodbye(carol: Client, tenant: Emulator) -> None:
    response = confirm(carol, headers=HTMX)

    assert response.status_code == 200 and response["HX-Redirect"] == DELETE
    assert tenant.user(CAROL) is None
    assert "Your account was deleted" in text(carol.get(DELETE))


def test_anonymise_keeps_the_django_user_without_anything_personal(carol: Client, tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "ACCOUNT_DELETION": "anonymise"}
    user = User.objects.get(pk=carol.session["_auth_user_id"])
    event = AuditEventFactory(auth0_user_id=CAROL, user=user, action="login", ip="203.0.113.5", target=CAROL)

    assert confirm(carol).status_code == 302

    user.refresh_from_db()
    assert user.username.startswith("deleted-") and user.email == "" and not user.is_active
    assert not user.has_usable_password() and not UserSocialAuth.objects.filter(user=user).exists()
    event.refresh_from_db()
    assert (event.auth0_user_id, event.ip, event.user_agent, event.target, event.details) == ("", None, "", "", {})
    assert AuditEvent.objects.get(action="account.delete").details["mode"] == "anonymise"
    assert tenant.user(CAROL) is None


def test_a_wrong_typed_email_is_refused_with_nothing_sent(carol: Client, tenant: Emulator) -> None:
    user = int(carol.session["_auth_user_id"])

    response = confirm(carol, typed="alice@example.com")

    html = text(response)
    assert response.status_code == 422
    assert "This is not carol@example.com." in html and 'value="alice@example.com"' in html
    assert 'aria-invalid="true"' in html
    assert mutations(tenant) == []
    assert_nothing_deleted(tenant, user)
    refused = AuditEvent.objects.get(action="account.delete_refused")
    assert refused.auth0_user_id == CAROL and refused.details == {"reason": "confirmation_mismatch"}


def test_the_email_is_compared_without_case_or_spaces(carol: Client, tenant: Emulator) -> None:
    assert confirm(carol, typed="  Carol@Example.COM ").status_code == 302
    assert tenant.user(CAROL) is None


def test_an_old_sign_in_gets_the_step_up_on_the_confirm_step_and_on_the_post(old_carol: Client, tenant: Emulator) -> None:
    user = int(old_carol.session["_auth_user_id"])

    page = old_carol.get(DELETE)
    post = confirm(old_carol)
    htmx = confirm(old_carol, headers=HTMX)

    assert page.status_code == 200 and "Confirm it's you</h2>" in text(page)
    assert "You are about to delete your account" in text(page)
    assert "Confirm it's you</h2>" in text(post) and f'name="next" value="{DELETE}"' in text(post)
    assert htmx["HX-Redirect"].startswith(reverse("selfservice:step-up"))
    assert old_carol.session[PENDING_KEY] == CAROL
    assert [r for r in tenant.requests() if r["path"].startswith("/api/v2/")] == []
    assert_nothing_deleted(tenant, user)

    signed_in_at(old_carol)  # signed in again at Auth0: the confirm step, then the deletion
    assert "Type <strong>carol@example.com</strong>" in text(old_carol.get(DELETE))
    assert confirm(old_carol).status_code == 302 and tenant.user(CAROL) is None


@pytest.mark.parametrize(("method", "path", "status", "said"), [
    ("GET", USER_PATH, 503, "The sign-in service cannot be reached right now."),
    ("DELETE", SESSIONS_PATH, 503, "Your account was not deleted. Nothing was removed."),
    ("DELETE", SESSIONS_PATH, 429, "The sign-in service is busy. Try again in"),
    ("DELETE", USER_PATH, 503, "Your account was not deleted. Nothing was removed."),
    ("DELETE", USER_PATH, 400, "The sign-in service refused to delete your account. Nothing was deleted."),
    ("DELETE", USER_PATH, 403, "Your account was not deleted. Nothing was removed."),
])
def test_auth0_failing_at_any_step_deletes_nothing_and_keeps_what_was_typed(
    carol: Client, tenant: Emulator, method: str, path: str, status: int, said: str
) -> None:
    user = int(carol.session["_auth_user_id"])
    tenant.add_fault(path, method=method, status=status)

    response = confirm(carol)

    html = text(response)
    assert response.status_code in (429, 503), html[:300]
    assert said in html and 'value="carol@example.com"' in html
    assert "Try again</button>" in html  # resubmits the kept form
    # Sessions go first: when only the user's deletion failed, they are signed out all the same.
    user_step = method == "DELETE" and path == USER_PATH
    assert_nothing_deleted(tenant, user, sessions=not user_step)
    assert ("may have been signed out" in html) is user_step
    assert "Your account was deleted" not in html


def test_a_lost_answer_deletes_nothing_here_and_the_next_try_reads_auth0_again(carol: Client, tenant: Emulator) -> None:
    carol.get(DELETE)  # the profile is in the read cache now
    tenant.add_fault(USER_PATH, method="DELETE", status=200, body="<html>", times=1)  # a proxy's page

    first = confirm(carol)

    assert first.status_code == 503 and "We could not confirm whether your account was deleted at the sign-in service." in text(first)
    assert 'value="carol@example.com"' in text(first) and "Reload</a>" in text(first)
    assert UserSocialAuth.objects.filter(uid=CAROL).exists() and not AuditEvent.objects.filter(action="account.delete")
    tenant.clear_requests()
    assert "Type <strong>carol@example.com</strong>" in text(carol.get(DELETE))
    assert [r["path"] for r in tenant.requests() if r["path"].startswith("/api/v2/")] == ["/api/v2/users/auth0|carol"]
    assert confirm(carol).status_code == 302 and tenant.user(CAROL) is None


def test_an_account_auth0_already_deleted_is_finished_with_the_email_this_site_knows(
    carol: Client, tenant: Emulator
) -> None:
    local_email = User.objects.get(social_auth__uid=CAROL).email
    tenant.tenant.delete_user(CAROL)  # an earlier attempt went through, its answer was lost

    assert f"Type <strong>{local_email}</strong> to confirm" in text(carol.get(DELETE))
    assert confirm(carol).status_code == 422  # Auth0's email no longer counts
    response = confirm(carol, typed=local_email)

    assert response.status_code == 302 and not UserSocialAuth.objects.filter(uid=CAROL).exists()
    assert AuditEvent.objects.filter(action="account.delete").count() == 1


def test_a_tenant_without_session_endpoints_deletes_the_user_all_the_same(carol: Client, tenant: Emulator) -> None:
    tenant.tenant.sessions_enabled = False

    assert confirm(carol).status_code == 302

    assert mutations(tenant) == [("DELETE", "/api/v2/users/auth0|carol/sessions"), ("DELETE", "/api/v2/users/auth0|carol")]
    assert tenant.user(CAROL) is None


@pytest.mark.usefixtures("one_minute_window")
def test_attempts_are_limited_per_user_before_anything_is_read(carol: Client, tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {"account.delete": "1/m"}}
    confirm(carol, typed="wrong@example.com")
    tenant.clear_requests()

    response = confirm(carol)

    assert response.status_code == 429 and "You are making changes too quickly" in text(response)
    assert 'value="carol@example.com"' in text(response)
    assert [r for r in tenant.requests() if r["path"].startswith("/api/v2/")] == []
    assert tenant.user(CAROL) is not None


def test_a_receiver_that_fails_does_not_stop_the_local_cleanup(carol: Client, tenant: Emulator) -> None:
    def broken(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("site cleanup failed")

    signals.account_deleted.connect(broken)
    try:
        assert confirm(carol).status_code == 302
    finally:
        signals.account_deleted.disconnect(broken)
    assert not UserSocialAuth.objects.filter(uid=CAROL).exists()

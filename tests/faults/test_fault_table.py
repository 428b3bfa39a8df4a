"""The fault table: every Auth0 failure x every tab GET and every account mutation.

Faults: 500, 503, 429, a garbage 200, a read timeout *after* the request reached the tenant
(only a lost answer makes a write uncertain) and a token failure (the Management token is
refused and cannot be renewed). For each cell, through the URLs a browser uses:

- never a 500 (or any other status the app does not mean): the tab's error state, 429 or 503;
- at most one write reached the tenant (no retried change, nothing written twice);
- the typed input is still on the page where there is a form;
- once the fault clears, the same action works and its effect is in the tenant.

The fault applies to every Management call (reads and writes), so a mutation meets it wherever
it strikes first: its ownership read or its write.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from selfservice.emulator import Emulator
from selfservice.login.pipeline import SID_KEY
from selfservice.models import PreferenceSchema
from tests.conftest import ALICE, CAROL
from tests.faults.lost_answers import LosingAnswers, lose_answers
from tests.preferences.preferences_schema import FULL_SCHEMA
from tests.preferences.test_preferences import form_data
from tests.profile.test_identities import GOOGLE, linked
from tests.security.attack_support import upstream_writes

MANAGEMENT = r"^/api/v2/"
FAULTS = ["500", "503", "429", "garbage", "timeout", "token"]
ANSWERS_UNDER_FAULT = {200, 302, 429, 503}  # 200/302 only where no Management call was needed
ERROR_WORDS = ("cannot be reached", "busy", "could not confirm", "may no longer work", "Too many")


class Fault:
    """One kind of fault, switched on before the action and off before the recovery."""

    def __init__(self, kind: str, tenant: Emulator, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.kind, self.tenant, self.settings, self.monkeypatch = kind, tenant, settings, monkeypatch
        self.transport: LosingAnswers | None = None

    def on(self) -> None:
        spec: dict[str, Any] = {
            "500": {"status": 500}, "503": {"status": 503},
            "429": {"status": 429, "headers": {"Retry-After": "1"}},
            "garbage": {"status": 200, "body": "<html>a proxy's login page</html>"},
        }.get(self.kind, {})
        if spec:
            self.tenant.add_fault(MANAGEMENT, **spec)
        elif self.kind == "timeout":
            self.transport = lose_answers(self.settings)
        elif self.kind == "token":
            # The token in hand is refused (revoked); fetching a new one fails too.
            self.tenant.add_fault(MANAGEMENT, status=401, times=1, body={"statusCode": 401, "error": "Unauthorized",
                                                                         "message": "Invalid token", "errorCode": "invalid_token"})
            self.tenant.add_fault(r"^/oauth/token$", status=503)

    def off(self) -> None:
        self.tenant.clear_faults()
        if self.transport is not None:
            self.transport.losing = False
        if self.kind == "429":
            # The site keeps off the bucket until Auth0's Retry-After has passed: let it pass.
            real = time.time
            self.monkeypatch.setattr(time, "time", lambda: real() + 1.5)


@dataclass
class Target:
    """One action: who does it, what is posted, and how the tenant shows it happened."""

    url: str
    user: str = ALICE
    data: dict[str, Any] = field(default_factory=dict)
    typed: str | None = None  # a typed value the page must keep while it fails
    done: Callable[[Emulator], bool] | None = None  # None: the action's answer is its effect
    prepare: Callable[[Emulator], None] | None = None
    warm: str | None = None  # the tab the user is on before acting (its reads are cached)
    current: str | None = None  # this browser's Auth0 session id, as the login pipeline keeps it


def _user(tenant: Emulator, uid: str) -> dict[str, Any]:
    return tenant.user(uid) or {}


def _has_method(tenant: Emulator, uid: str, type_: str) -> bool:
    return any(m["type"] == type_ for m in tenant.tenant.methods.get(uid, []))


def _alice_sessions(tenant: Emulator) -> list[str]:
    return sorted(sid for sid, item in tenant.tenant.sessions.items() if item["user_id"] == ALICE)


def _link_google(tenant: Emulator) -> None:
    linked(tenant, GOOGLE)


def targets(tenant: Emulator) -> dict[str, Target]:
    """Every mutation of the account pages, with data that succeeds when Auth0 is well."""
    totp = next(m["id"] for m in tenant.tenant.methods[ALICE] if m["type"] == "totp")
    session, current = _alice_sessions(tenant)[:2]
    profile = {"name": "Alice Faulted", "given_name": "Alice", "family_name": "Liddell", "nickname": "ally", "picture": ""}
    return {
        "general": Target(reverse("selfservice:general"), data=profile, typed="Alice Faulted",
                          done=lambda t: _user(t, ALICE).get("name") == "Alice Faulted", warm="general"),
        "change-email": Target(reverse("selfservice:change-email"), typed="new.alice@example.com",
                               data={"email": "new.alice@example.com", "email_again": "new.alice@example.com"},
                               done=lambda t: _user(t, ALICE).get("email") == "new.alice@example.com", warm="general"),
        "resend-verification": Target(reverse("selfservice:resend-verification"), user=CAROL, warm="general"),
        "change-password": Target(reverse("selfservice:change-password"), data={"confirm": "1"}, warm="general"),
        "unlink-identity": Target(reverse("selfservice:unlink-identity", args=["google-oauth2", "alice"]),
                                  data={"confirm": "1"}, prepare=_link_google, warm="general",
                                  done=lambda t: len(_user(t, ALICE).get("identities", [])) == 1),
        "preferences": Target(reverse("selfservice:preferences"), typed="faulted", warm="preferences",
                              done=lambda t: _user(t, ALICE).get("user_metadata", {}).get("handle") == "faulted"),
        "enroll": Target(reverse("selfservice:enroll"), user=CAROL, data={"factor": "otp"}, warm="security"),
        "regenerate-recovery-code": Target(reverse("selfservice:regenerate-recovery-code"), data={"confirm": "1"},
                                           warm="security"),
        "remove-method": Target(reverse("selfservice:remove-method", args=[totp]), data={"confirm": "1"},
                                done=lambda t: not _has_method(t, ALICE, "totp"), warm="security"),
        "revoke-session": Target(reverse("selfservice:revoke-session", args=[session]), data={"confirm": "1"},
                                 done=lambda t: session not in _alice_sessions(t), warm="sessions"),
        "revoke-other-sessions": Target(reverse("selfservice:revoke-other-sessions"), data={"confirm": "1"},
                                        done=lambda t: _alice_sessions(t) == [current], warm="sessions", current=current),
        "export": Target(reverse("selfservice:export"), user=CAROL, warm="privacy"),
        "delete-account": Target(reverse("selfservice:delete-account"), user=CAROL, data={"confirmation": "carol@example.com"},
                                 done=lambda t: t.user(CAROL) is None, warm="privacy"),
    }


TABS = ["general", "preferences", "security", "sessions", "privacy", "activity"]
READS_NOTHING = {"privacy", "activity"}  # Privacy reads Auth0 only when used; activity is the site's own log
# Not here: linking (its first step is a redirect to the login page, no Management call; its
# confirm step needs a second sign-in and has its own fault tests in tests/profile) and logout.
MUTATIONS = ["general", "change-email", "resend-verification", "change-password", "unlink-identity",
             "preferences", "enroll", "regenerate-recovery-code", "remove-method", "revoke-session",
             "revoke-other-sessions", "export", "delete-account"]


@pytest.fixture
def schema(db: None) -> PreferenceSchema:
    return PreferenceSchema.objects.create(name="faults", version=1, schema=copy.deepcopy(FULL_SCHEMA), is_active=True)


def text(response: Any) -> str:
    return response.content.decode(errors="replace") if not response.streaming else ""


@pytest.mark.parametrize("kind", FAULTS)
@pytest.mark.parametrize("tab", TABS)
def test_a_tab_read_under_a_fault_is_an_honest_error_then_works_again(
    client_for: Callable[[str], Client], tenant: Emulator, settings: Any, schema: PreferenceSchema, tab: str, kind: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = client_for(CAROL)
    url = reverse(f"selfservice:{tab}")
    fault = Fault(kind, tenant, settings, monkeypatch)
    fault.on()

    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(url, headers=headers)
        if tab in READS_NOTHING:
            assert response.status_code == 200 and tenant.requests() == [], (tab, kind)
            continue
        assert response.status_code in {429, 503}, (tab, kind, headers, response.status_code)
        assert any(word in text(response) for word in ERROR_WORDS), (tab, kind)
    assert upstream_writes(tenant) == []

    fault.off()
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("kind", FAULTS)
@pytest.mark.parametrize("name", MUTATIONS)
def test_a_mutation_under_a_fault_never_500s_writes_at_most_once_and_works_once_it_clears(
    client_for: Callable[[str], Client], tenant: Emulator, settings: Any, schema: PreferenceSchema, name: str, kind: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = targets(tenant)[name]
    if target.prepare is not None:
        target.prepare(tenant)
    client = client_for(target.user)
    if target.current is not None:
        session = client.session
        session[SID_KEY] = target.current
        session.save()
    data = dict(target.data)
    if target.warm is not None:
        tab = client.get(reverse(f"selfservice:{target.warm}"))
        assert tab.status_code == 200
        if name == "preferences":
            data = {**form_data(tab), "handle": "faulted"}
    tenant.clear_requests()
    fault = Fault(kind, tenant, settings, monkeypatch)
    fault.on()

    response = client.post(target.url, data)

    assert response.status_code in ANSWERS_UNDER_FAULT, (name, kind, response.status_code)
    writes = upstream_writes(tenant)
    assert len(writes) <= 1, (name, kind, writes)  # the first failed change stops the action
    if response.status_code >= 400 and target.typed is not None:
        assert target.typed in text(response), (name, kind)  # the typed input is kept
    if response.status_code == 200 and target.done is not None and kind != "timeout":
        assert target.done(tenant), (name, kind)  # a 200 under a fault must mean it happened

    fault.off()
    if target.done is None or not target.done(tenant):
        again = client.post(target.url, data)
        assert again.status_code in {200, 302}, (name, kind, again.status_code)
        assert not any(word in text(again) for word in ERROR_WORDS), (name, kind)
    if target.done is not None:
        assert target.done(tenant), (name, kind)

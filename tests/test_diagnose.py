"""``manage.py selfservice_diagnose`` against the emulated tenant."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from selfservice.emulator import Emulator


def diagnose() -> str:
    out = StringIO()
    call_command("selfservice_diagnose", stdout=out)
    return out.getvalue()


def test_a_complete_tenant_passes_every_line(tenant: Emulator) -> None:
    output = diagnose()
    assert "Management API token: ok" in output and "scopes: ok" in output
    assert "MFA factors endpoint: ok (sms, otp, webauthn-roaming, recovery-code)" in output
    assert "session endpoints: available" in output
    assert "/account/backchannel-logout/" in output and "selfservice-web" in output


def test_a_tenant_without_session_endpoints_is_reported_as_a_plan_limit(tenant: Emulator) -> None:
    tenant.configure(sessions_enabled=False)
    output = diagnose()
    assert "session endpoints: not available on this plan" in output
    assert "Everything the account pages need answered." in output  # a plan limit is not a failure


def test_bad_credentials_fail_the_command(tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "AUTH0_CLIENT_SECRET": "wrong"}
    out = StringIO()
    with pytest.raises(CommandError, match="problem"):
        call_command("selfservice_diagnose", stdout=out)
    assert "Management API token: FAILED" in out.getvalue()


def test_missing_scopes_are_named(tenant: Emulator) -> None:
    client = tenant.tenant.clients["selfservice-m2m"]
    client.scopes = tuple(s for s in client.scopes if s not in ("read:sessions", "delete:refresh_tokens"))
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("selfservice_diagnose", stdout=out)
    output = out.getvalue()
    assert "scopes: missing read:sessions, delete:refresh_tokens" in output
    assert "session endpoints: FAILED" in output and "not available on this plan" not in output


def test_the_budget_line_names_the_rules_and_what_every_worker_spent(tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "MANAGEMENT_BUDGET": "free"}
    output = diagnose()
    # Free: 2/s with a burst of 2, spent as one call per half second; the diagnosis itself
    # read the factors and probed the session endpoints ("other" bucket, refused by none).
    assert "Management API budget: global 1/0.5s; other: 2 sent, 0 held back, 0 answered 429" in output

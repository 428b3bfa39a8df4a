"""``manage.py selfservice_diagnose`` against the emulated tenant: problems on stderr, only there."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from selfservice.emulator import Emulator

ROOT = Path(__file__).resolve().parent.parent
GATEWAY_LOGGER = "selfservice.gateway"


def diagnose(*, fails: bool = False) -> tuple[str, str]:
    """Run the command in-process; (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    if fails:
        with pytest.raises(CommandError, match="problem") as raised:
            call_command("selfservice_diagnose", stdout=out, stderr=err)
        err.write(str(raised.value))
    else:
        call_command("selfservice_diagnose", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def gateway_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == GATEWAY_LOGGER and r.levelno >= logging.WARNING]


def test_a_complete_tenant_passes_every_line_and_says_so(tenant: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    out, err = diagnose()

    assert err == ""
    assert "Management API token: ok" in out and "scopes: ok" in out
    assert "MFA factors endpoint: ok (sms, otp, webauthn-roaming, recovery-code)" in out
    assert "session endpoints: available" in out
    assert "/account/backchannel-logout/" in out and "selfservice-web" in out
    assert "Fine: Management API token, scopes, MFA factors endpoint, session endpoints, back-channel logout" in out
    assert out.rstrip().endswith("Everything the account pages need answered.")
    # The probe's 404 is the expected answer, not a failed call...
    assert gateway_warnings(caplog) == []
    # ... and it was really asked (the tenant answered 404 to the probe id).
    probes = [r for r in tenant.requests() if r["path"].startswith("/api/v2/sessions/")]
    assert [p["status"] for p in probes] == [404]


def test_a_failing_probe_is_still_logged_and_reported(tenant: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    tenant.add_fault(path="^/api/v2/sessions/", status=500)

    out, err = diagnose(fails=True)

    assert "session endpoints: FAILED" in err and "session endpoints" not in out
    assert gateway_warnings(caplog) == ["Auth0 get_session failed: status=500 errorCode=None"]
    assert "1 problem(s) found: session endpoints" in err
    assert "Fine: Management API token, scopes, MFA factors endpoint" in out


def test_the_404_filter_is_gone_after_the_command(tenant: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    diagnose()
    logging.getLogger(GATEWAY_LOGGER).warning("Auth0 %s failed: status=%s errorCode=%s%s", "get_session", 404, None, "")

    assert gateway_warnings(caplog) == ["Auth0 get_session failed: status=404 errorCode=None"]


def test_a_tenant_without_session_endpoints_is_a_note_not_a_problem(tenant: Emulator) -> None:
    tenant.configure(sessions_enabled=False)

    out, err = diagnose()

    assert err == ""
    assert "session endpoints: not available on this plan" in out
    assert "Everything the account pages need answered." in out  # a plan limit is not a failure


def test_bad_credentials_fail_the_command_on_stderr(tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "AUTH0_CLIENT_SECRET": "wrong"}

    out, err = diagnose(fails=True)

    assert "Management API token: FAILED" in err
    assert "FAILED" not in out and "Everything the account pages need answered." not in out


def test_missing_scopes_are_named_on_stderr(tenant: Emulator) -> None:
    client = tenant.tenant.clients["selfservice-m2m"]
    client.scopes = tuple(s for s in client.scopes if s not in ("read:sessions", "delete:refresh_tokens"))

    out, err = diagnose(fails=True)

    assert "scopes: missing read:sessions, delete:refresh_tokens" in err
    assert "session endpoints: FAILED" in err and "not available on this plan" not in out + err
    assert "2 problem(s) found: scopes, session endpoints" in err
    assert "Fine: Management API token, MFA factors endpoint" in out


def test_the_budget_line_names_the_rules_and_what_every_worker_spent(tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "MANAGEMENT_BUDGET": "free"}
    out, _ = diagnose()
    # Free: 2/s with a burst of 2, spent as one call per half second; the diagnosis itself
    # read the factors and probed the session endpoints ("other" bucket, refused by none).
    assert "Management API budget: global 1/0.5s; other: 2 sent, 0 held back, 0 answered 429" in out


@pytest.mark.multiprocess
def test_manage_py_prints_nothing_on_stderr_when_all_is_well(tenant: Emulator, tmp_path: Path) -> None:
    # As a site runs it: its own process, Python's last-resort handler printing any WARNING.
    (tmp_path / "diagnose_settings.py").write_text(
        "from tests.settings import *  # noqa: F403\n"
        "from selfservice.emulator.settings import emulated_tenant\n"
        "DEBUG = True  # one process: a per-process cache is fine (no selfservice.W001)\n"
        f"globals().update(emulated_tenant({tenant.url!r}, SELFSERVICE))  # noqa: F405\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "diagnose_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        "PYTHONDONTWRITEBYTECODE": "1",
    }

    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "selfservice_diagnose", "--no-color"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )

    assert (result.returncode, result.stderr) == (0, "")
    assert "session endpoints: available" in result.stdout

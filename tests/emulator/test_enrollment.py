"""A Guardian enrollment ticket's page really enrolls the factor (TOTP checked with pyotp)."""

from __future__ import annotations

import re

import httpx
import pyotp
import pytest
from auth0.management import ManagementClient

from selfservice.emulator import Emulator

from .conftest import NO_RETRY


@pytest.fixture
def demo(emulator: Emulator) -> Emulator:
    emulator.seed("demo")
    return emulator


def _ticket(mc: ManagementClient, user_id: str, factor: str) -> str:
    url = mc.guardian.enrollments.create_ticket(user_id=user_id, factor=factor, request_options=NO_RETRY).ticket_url
    return url.split("tenant.emulator.test", 1)[1]


def test_otp_ticket_shows_a_secret_and_qr_code_and_checks_the_code(demo: Emulator, mc: ManagementClient, http: httpx.Client) -> None:
    path = _ticket(mc, "auth0|carol", "otp")
    page = http.get(path)
    assert page.status_code == 200 and "<svg" in page.text and "<script" not in page.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    wrong = http.post(path, data={"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"})
    assert wrong.status_code == 400 and "not valid" in wrong.text
    done = http.post(path, data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and 'id="enrolled"' in done.text
    methods = list(mc.users.authentication_methods.list("auth0|carol", request_options=NO_RETRY))
    assert [m.type for m in methods].count("totp") == 2
    assert http.get(path).status_code == 400  # a ticket is single use


def test_first_enrollment_also_issues_a_recovery_code(demo: Emulator, mc: ManagementClient, http: httpx.Client) -> None:
    demo.add_user({"user_id": "auth0|new", "email": "new@example.com"})
    path = _ticket(mc, "auth0|new", "otp")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', http.get(path).text).group(1)
    done = http.post(path, data={"code": pyotp.TOTP(secret).now()})
    assert re.search(r'id="recovery-code">[A-Z0-9]{24}<', done.text)
    assert sorted(m["type"] for m in demo.tenant.methods["auth0|new"]) == ["recovery-code", "totp"]
    assert demo.user("auth0|new")["multifactor"] == ["guardian"]


def test_phone_ticket_asks_for_a_number_and_enrolls_it_masked(demo: Emulator, mc: ManagementClient, http: httpx.Client) -> None:
    path = _ticket(mc, "auth0|alice", "phone")
    assert 'type="tel"' in http.get(path).text
    bad = http.post(path, data={"phone_number": "12<b>"})
    assert bad.status_code == 400 and "<b>" not in bad.text and "12&lt;b&gt;" in bad.text
    assert http.post(path, data={"phone_number": "+15555550123"}).status_code == 200
    phone = [m for m in mc.users.authentication_methods.list("auth0|alice", request_options=NO_RETRY) if m.type == "phone"]
    assert phone[0].phone_number == "XXXXXXXX0123" and phone[0].preferred_authentication_method == "sms"


def test_security_key_ticket_has_a_confirm_step(demo: Emulator, mc: ManagementClient, http: httpx.Client) -> None:
    path = _ticket(mc, "auth0|alice", "webauthn-roaming")
    assert http.post(path, data={"name": "Blue key"}).status_code == 200
    assert any(m["name"] == "Blue key" for m in demo.tenant.methods["auth0|alice"] if m["type"] == "webauthn-roaming")


def test_an_unknown_ticket_is_refused(demo: Emulator, http: httpx.Client) -> None:
    assert http.get("/mfa/enrollment?ticket=nope").status_code == 400

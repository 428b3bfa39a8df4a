"""Email changes and password-change tickets at the emulator: Auth0's refusals, the sent emails,
and a ticket page that really changes the password the login form accepts."""

from __future__ import annotations

import re

import httpx
import pytest
from auth0.management import ManagementClient
from auth0.management.core.api_error import ApiError

from selfservice.emulator import Emulator

from .conftest import NO_RETRY


@pytest.fixture
def demo(emulator: Emulator) -> Emulator:
    emulator.seed("demo")
    emulator.tenant.outbox.clear()
    return emulator


def _ticket_path(mc: ManagementClient, user_id: str, **extra: object) -> str:
    url = mc.tickets.change_password(user_id=user_id, request_options=NO_RETRY, **extra).ticket
    assert url is not None and url.startswith("https://tenant.emulator.test/u/reset-password?ticket=")
    return url.split("tenant.emulator.test", 1)[1].rstrip("#")


def _signs_in(http: httpx.Client, email: str, password: str) -> bool:
    query = {"client_id": "selfservice-web", "response_type": "code", "redirect_uri": "http://127.0.0.1:8000/complete/auth0/",
             "scope": "openid", "state": "s"}
    answer = http.post("/authorize", params=query, data={"email": email, "password": password})
    return answer.status_code == 302 and "code=" in answer.headers["location"]


def test_an_email_another_user_of_the_connection_has_is_refused(demo: Emulator, mc: ManagementClient) -> None:
    with pytest.raises(ApiError) as caught:
        mc.users.update("auth0|alice", email="CAROL@example.com", request_options=NO_RETRY)
    assert caught.value.status_code == 400
    assert caught.value.body["message"] == "The specified new email already exists"
    assert demo.user("auth0|alice")["email"] == "alice@example.com"
    assert demo.emails() == []


def test_a_new_email_with_verify_email_is_unverified_and_sends_the_verification(demo: Emulator, mc: ManagementClient) -> None:
    user = mc.users.update("auth0|alice", email="alice@new.example", email_verified=False, verify_email=True,
                           request_options=NO_RETRY)
    assert (user.email, user.email_verified) == ("alice@new.example", False)
    assert [(m["to"], m["kind"], m["user_id"]) for m in demo.emails()] == [("alice@new.example", "verification", "auth0|alice")]


def test_the_same_address_in_other_case_is_not_in_use_by_oneself(demo: Emulator, mc: ManagementClient) -> None:
    user = mc.users.update("auth0|alice", email="Alice@example.com", request_options=NO_RETRY)
    assert user.email == "Alice@example.com"


def test_a_verification_job_sends_an_email_only_to_an_unverified_address(demo: Emulator, mc: ManagementClient) -> None:
    mc.jobs.verification_email.create(user_id="auth0|alice", request_options=NO_RETRY)
    assert demo.emails() == []  # alice's address is verified
    mc.users.update("auth0|alice", email_verified=False, request_options=NO_RETRY)
    mc.jobs.verification_email.create(user_id="auth0|alice", request_options=NO_RETRY)
    assert [m["kind"] for m in demo.emails()] == ["verification"]


def test_the_ticket_page_changes_the_password_once(demo: Emulator, mc: ManagementClient, http: httpx.Client) -> None:
    path = _ticket_path(mc, "auth0|alice", result_url="https://site.example/account/general/")
    page = http.get(path)
    assert page.status_code == 200 and 'autocomplete="new-password"' in page.text and "<script" not in page.text

    short = http.post(path, data={"password": "short", "password_confirm": "short"})
    assert short.status_code == 400 and "8 to 128" in short.text
    differ = http.post(path, data={"password": "new-password-1", "password_confirm": "new-password-2"})
    assert differ.status_code == 400 and "not the same" in differ.text

    done = http.post(path, data={"password": "new-password-1", "password_confirm": "new-password-1"})
    assert done.status_code == 200 and 'id="password-changed"' in done.text
    assert re.search(r'id="back-to-app" href="https://site\.example/account/general/"', done.text)
    assert demo.user("auth0|alice")["last_password_reset"]
    assert [m["kind"] for m in demo.emails()] == ["password_changed"]
    assert http.get(path).status_code == 400  # single use
    assert _signs_in(http, "alice@example.com", "new-password-1")
    assert not _signs_in(http, "alice@example.com", "demo-password")


def test_a_ticket_for_a_result_url_that_is_not_a_web_page_offers_no_link(demo: Emulator, mc: ManagementClient, http: httpx.Client) -> None:
    path = _ticket_path(mc, "auth0|alice", result_url="javascript:alert(1)")
    done = http.post(path, data={"password": "new-password-1", "password_confirm": "new-password-1"})
    assert done.status_code == 200 and "javascript:" not in done.text


def test_unknown_and_social_tickets(demo: Emulator, mc: ManagementClient, http: httpx.Client) -> None:
    assert http.get("/u/reset-password?ticket=nope").status_code == 400
    with pytest.raises(ApiError) as caught:
        mc.tickets.change_password(user_id="google-oauth2|bob", request_options=NO_RETRY)
    assert caught.value.status_code == 400


def test_the_emails_are_on_the_control_api(demo: Emulator, mc: ManagementClient, http: httpx.Client) -> None:
    mc.users.update("auth0|alice", email="alice@new.example", verify_email=True, request_options=NO_RETRY)
    listed = http.get("/__emulator__/emails").json()
    assert [(m["to"], m["kind"]) for m in listed] == [("alice@new.example", "verification")]
    demo.reset()
    assert demo.emails() == []

"""The Security tab in a real browser: enroll in a popup, remove, recovery code; and with JS off."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from selfservice.emulator import Emulator

from .conftest import DEMO_PASSWORD, sign_in
from .test_demo import demo_site  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enroll_a_security_key_in_a_popup_then_remove_it_and_get_a_recovery_code(
    demo_site: Emulator, live_server: Any, page: Any, screenshot_dir: Path  # noqa: F811
) -> None:
    sign_in(page, live_server.url, "alice@example.com")
    page.get_by_role("link", name="Security").click()
    page.wait_for_url(live_server.url + "/account/security/")
    page.get_by_role("heading", name="Authenticator app").wait_for()
    assert page.get_by_role("link", name="Remove Authenticator app").is_visible()
    page.screenshot(path=str(screenshot_dir / "security-light.png"), full_page=True)

    key = page.locator("li.selfservice-factor").filter(has=page.get_by_role("heading", name="Security key"))
    with page.expect_popup() as opened:
        key.get_by_role("button", name="Set up").click()
    popup = opened.value
    popup.wait_for_url(re.compile(r"/mfa/enrollment\?ticket="))
    page.get_by_role("heading", name="Set up Security key").wait_for()  # what stays behind the popup
    popup.get_by_label("Name this key").fill("Desk key")
    popup.get_by_role("button", name="Confirm").click()
    popup.get_by_text("is set up").wait_for()
    popup.close()
    page.evaluate("window.dispatchEvent(new Event('focus'))")  # the user comes back to this window
    page.get_by_role("link", name="Remove Desk key").wait_for()
    assert page.url == live_server.url + "/account/security/"

    page.get_by_role("link", name="Remove Desk key").click()
    page.get_by_role("heading", name="Remove Desk key?").wait_for()
    page.get_by_role("button", name="Remove").click()
    page.locator("#selfservice-panel").get_by_text("Desk key was removed.").wait_for()
    assert not any(m.get("name") == "Desk key" for m in demo_site.tenant.methods["auth0|alice"])
    assert demo_site.count("DELETE") == 1

    # Alice's recovery code came with her first enrollment (Auth0 issues it then).
    assert page.get_by_text("Your current recovery code will stop working.").is_visible()
    page.get_by_role("link", name="Generate a new recovery code").click()
    page.get_by_role("heading", name="Generate a new recovery code?").wait_for()  # never one click
    page.get_by_role("button", name="Generate a new recovery code").click()
    page.get_by_role("heading", name="Your new recovery code").wait_for()
    code = page.locator("#selfservice-recovery-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{24}", code)
    page.get_by_role("button", name="Copy").wait_for()  # shown by security.js once it has run
    page.get_by_role("button", name="Print").wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").click()
    assert download.value.suggested_filename.startswith("recovery-code-")
    page.screenshot(path=str(screenshot_dir / "security-recovery-code.png"), full_page=True)


def test_the_security_tab_in_dark_mode_and_on_a_phone(
    demo_site: Emulator, screenshot_dark_and_phone: Callable[..., None]  # noqa: F811
) -> None:
    screenshot_dark_and_phone("security", ready=lambda page: page.get_by_role("heading", name="Security key").wait_for())


def test_keyboard_focus_follows_each_step(demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any]) -> None:  # noqa: F811
    page = signed_in_page("carol@example.com")
    page.goto(live_server.url + "/account/security/")

    def focused() -> str:
        return str(page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))

    page.get_by_role("link", name="Remove YubiKey 5C").focus()
    page.keyboard.press("Enter")
    # expect() polls from Python: wait_for_function would eval in the page, which the CSP forbids.
    expect(page.locator("#selfservice-remove-heading")).to_be_focused()  # not the page start
    page.keyboard.press("Tab")
    assert focused() == "Remove"
    page.keyboard.press("Enter")
    page.locator("#selfservice-panel").get_by_text("YubiKey 5C was removed.").wait_for()
    expect(page.locator("#selfservice-security-heading")).to_be_focused()
    assert not any(m.get("name") == "YubiKey 5C" for m in demo_site.tenant.methods["auth0|carol"])


def test_enroll_and_remove_work_with_javascript_disabled(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any]  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com", java_script_enabled=False)
    page.goto(live_server.url + "/account/security/")

    sms = page.locator("li.selfservice-factor").filter(has=page.get_by_role("heading", name="Text message"))
    sms.get_by_role("button", name="Set up").click()
    page.get_by_role("heading", name="Set up Text message").wait_for()
    setup = page.get_by_role("link", name="Open the setup page")
    assert "/mfa/enrollment?ticket=" in (setup.get_attribute("href") or "")
    assert page.get_by_role("link", name="I have finished: back to Security").is_visible()

    page.get_by_role("link", name="I have finished: back to Security").click()
    page.get_by_role("link", name="Remove Authenticator app").click()
    page.get_by_role("heading", name="Remove Authenticator app?").wait_for()
    page.get_by_role("button", name="Remove").click()
    page.locator("#selfservice-panel").get_by_text("Authenticator app was removed.").wait_for()
    assert page.url == live_server.url + "/account/security/"
    assert [m["type"] for m in demo_site.tenant.methods["auth0|alice"]] == ["recovery-code"]

    page.get_by_role("link", name="Generate a new recovery code").click()
    page.get_by_role("button", name="Generate a new recovery code").click()
    page.get_by_role("heading", name="Your new recovery code").wait_for()
    assert page.locator("#selfservice-panel").get_by_text("Your previous recovery code no longer works.").is_visible()
    assert not page.get_by_role("button", name="Copy").is_visible()  # the Copy button needs JavaScript


def test_a_failed_setup_closes_the_empty_popup_and_shows_the_error(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any]  # noqa: F811
) -> None:
    page = signed_in_page("carol@example.com")
    page.goto(live_server.url + "/account/security/")
    demo_site.add_fault(r"/guardian/enrollments/ticket$", status=503, times=1)

    key = page.locator("li.selfservice-factor").filter(has=page.get_by_role("heading", name="Security key"))
    with page.expect_popup() as opened:
        key.get_by_role("button", name="Add another").click()
    page.locator("#selfservice-panel").get_by_text("The sign-in service cannot be reached right now.").wait_for()
    popup = opened.value
    for _ in range(50):  # the blank popup does not stay behind (it may have closed already)
        if popup.is_closed():
            break
        page.wait_for_timeout(100)
    assert popup.is_closed()
    page.get_by_role("link", name="Retry").click()
    key.get_by_role("button", name="Add another").wait_for()  # the tab is back


def _sign_in_long_ago(page: Any, tenant: Emulator, user_id: str) -> None:
    """Make this browser's sign-in two hours old, here (auth_time) and at the tenant."""
    from importlib import import_module

    from django.conf import settings

    from selfservice.emulator.records import iso
    from selfservice.login.pipeline import AUTH_TIME_KEY, SID_KEY

    key = next(c["value"] for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    then = time.time() - 2 * 3600
    session[AUTH_TIME_KEY] = int(then)
    session.save()
    tenant.tenant.sessions[session[SID_KEY]]["authenticated_at"] = iso(datetime.fromtimestamp(then, UTC))
    assert tenant.tenant.sessions[session[SID_KEY]]["user_id"] == user_id


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_removing_a_method_after_an_old_sign_in_asks_to_sign_in_again_first(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any], screenshot_dir: Path,  # noqa: F811
    javascript: bool,
) -> None:
    page = signed_in_page("alice@example.com", java_script_enabled=javascript)
    _sign_in_long_ago(page, demo_site, "auth0|alice")
    page.goto(live_server.url + "/account/security/")
    demo_site.clear_requests()

    page.get_by_role("link", name="Remove Authenticator app").click()
    page.get_by_role("heading", name="Confirm it's you").wait_for()  # htmx: HX-Redirect to the page
    assert page.get_by_text("You are about to remove a way of proving it's you when you sign in.").is_visible()
    assert demo_site.requests() == []  # nothing read or removed yet
    if javascript:
        page.screenshot(path=str(screenshot_dir / "security-step-up.png"), full_page=True)

    page.get_by_role("button", name="Sign in again").click()
    email = page.get_by_label("Email")
    email.wait_for()  # the tenant's form, although this browser has a session there
    assert email.input_value() == "alice@example.com"  # login_hint
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("heading", name="Remove Authenticator app?").wait_for()  # back on the confirm step
    assert page.locator("#selfservice-panel").get_by_text("You signed in again. Now confirm to continue.").is_visible()
    assert demo_site.count("DELETE") == 0
    page.get_by_role("button", name="Remove").click()
    page.locator("#selfservice-panel").get_by_text("Authenticator app was removed.").wait_for()
    assert demo_site.count("DELETE") == 1
    assert [m["type"] for m in demo_site.tenant.methods["auth0|alice"]] == ["recovery-code"]

"""Email change and password change in a real browser, JS on (each look) and off.

Each look (light, dark, a 390 px phone) photographs the new pages: the email form with a
refusal on it, and the password confirm step; the password is then changed on the emulator's
ticket page, whose link comes back to the General tab.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from selfservice.emulator import Emulator

from .test_demo import demo_site  # noqa: F401 - the fixture
from .test_identities import LOOKS, fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALICE = "auth0|alice"


def change_email(page: Any, new: str, again: str) -> None:
    page.get_by_label("New email address").fill(new)
    page.get_by_label("Type it again").fill(again)
    page.get_by_role("button", name="Change email address").click()


def change_password_at_tenant(page: Any, password: str) -> None:
    page.get_by_role("heading", name="Change your password").wait_for()
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("Confirm the new password").fill(password)
    page.get_by_role("button", name="Reset password").click()
    page.get_by_role("heading", name="Password changed").wait_for()
    page.get_by_role("link", name="Back to the application").click()


@pytest.mark.parametrize(("look", "options"), LOOKS, ids=[name for name, _ in LOOKS])
def test_change_the_email_then_the_password(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any], screenshot_dir: Path,  # noqa: F811
    look: str, options: dict[str, Any],
) -> None:
    base, width = live_server.url, options["viewport"]["width"]
    page = signed_in_page("alice@example.com", **options)
    page.get_by_role("link", name="Change email address").click()
    page.get_by_role("heading", name="Change your email address").wait_for()
    change_email(page, "alice@new.example", "alice@other.example")
    page.locator("#selfservice-panel").get_by_text("The two addresses are not the same.").wait_for()
    assert page.get_by_label("New email address").input_value() == "alice@new.example"
    fits(page, width, "email form")
    page.screenshot(path=str(screenshot_dir / f"general-email-{look}.png"), full_page=True)
    change_email(page, "alice@new.example", "alice@new.example")
    page.locator("#selfservice-panel").get_by_text("Your email address is now alice@new.example.").wait_for()
    page.get_by_text("Not verified").wait_for()
    assert page.url == base + "/account/general/"
    assert demo_site.user(ALICE)["email"] == "alice@new.example"
    assert [m["to"] for m in demo_site.emails()] == ["alice@new.example"]

    page.get_by_role("link", name="Change password").click()
    page.get_by_role("heading", name="Change your password").wait_for()
    fits(page, width, "password confirm")
    page.screenshot(path=str(screenshot_dir / f"general-password-{look}.png"), full_page=True)
    page.get_by_role("button", name="Continue to change your password").click()
    change_password_at_tenant(page, f"new-{look}-password")
    page.wait_for_url(base + "/account/general/")
    assert demo_site.tenant.passwords[ALICE] == f"new-{look}-password"


def test_change_the_email_and_the_password_with_javascript_off(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any]  # noqa: F811
) -> None:
    base = live_server.url
    page = signed_in_page("alice@example.com", java_script_enabled=False)
    page.get_by_role("link", name="Change email address").click()
    page.wait_for_url(base + "/account/general/email/")
    change_email(page, "carol@example.com", "carol@example.com")
    page.locator("#selfservice-panel").get_by_text("This email address is already used by another account.").wait_for()
    change_email(page, "alice@new.example", "alice@new.example")
    page.wait_for_url(base + "/account/general/")
    page.locator("#selfservice-panel").get_by_text("Your email address is now alice@new.example.").wait_for()

    page.get_by_role("link", name="Change password").click()
    page.wait_for_url(base + "/account/general/password/")
    page.get_by_role("button", name="Continue to change your password").click()
    change_password_at_tenant(page, "new-nojs-password")
    page.wait_for_url(base + "/account/general/")
    assert demo_site.tenant.passwords[ALICE] == "new-nojs-password"


def test_a_google_user_is_told_where_the_password_lives(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any]  # noqa: F811
) -> None:
    page = signed_in_page("bob@example.com")
    page.get_by_text("Managed by Google").first.wait_for()
    assert page.get_by_role("link", name="Change password").count() == 0
    assert page.get_by_role("link", name="Change email address").count() == 0

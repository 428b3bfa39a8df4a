"""Sign in through the emulated tenant and use the account shell in a real browser (JS on and off)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from selfservice.emulator import Emulator

from .test_demo import demo_site  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/account/")
    page.get_by_role("button", name="Continue to sign in").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("demo-password")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(base + "/account/general/")


def test_sign_in_edit_the_profile_with_htmx_and_sign_out(
    demo_site: Emulator, live_server: Any, page: Any, screenshot_dir: Path  # noqa: F811
) -> None:
    sign_in(page, live_server.url, "alice@example.com")
    assert page.get_by_text("Alice Liddell", exact=True).first.is_visible()
    assert len(demo_site.tenant.user_sessions("auth0|alice")) == 4  # the 3 seeded + this browser
    assert page.get_by_text("Verified", exact=True).is_visible()
    page.screenshot(path=str(screenshot_dir / "general-light.png"), full_page=True)

    page.get_by_label("Nickname").fill("ally")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Your profile has been saved.").wait_for()
    assert page.url == live_server.url + "/account/general/"
    assert demo_site.user("auth0|alice")["nickname"] == "ally"
    patches = [r for r in demo_site.requests() if r["method"] == "PATCH"]
    assert len(patches) == 1

    page.get_by_role("link", name="Sessions").click()
    page.wait_for_url(live_server.url + "/account/sessions/")
    assert page.locator("nav [aria-current=page]").inner_text().strip() == "Sessions"
    page.go_back()
    page.wait_for_url(live_server.url + "/account/general/")
    page.get_by_label("Nickname").wait_for()
    assert page.get_by_label("Nickname").input_value() == "ally"

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(live_server.url + "/")
    assert len(demo_site.tenant.user_sessions("auth0|alice")) == 3  # this browser's Auth0 session ended
    page.goto(live_server.url + "/account/general/")
    assert "/account/login/" in page.url


def test_a_social_user_sees_provider_owned_fields_read_only(demo_site: Emulator, live_server: Any, page: Any) -> None:  # noqa: F811
    sign_in(page, live_server.url, "bob@example.com")
    assert page.get_by_text("Managed by Google", exact=False).is_visible()
    assert page.get_by_label("Full name").count() == 0


def test_the_general_tab_in_dark_mode_and_on_a_phone(
    demo_site: Emulator, live_server: Any, browser: Any, screenshot_dir: Path  # noqa: F811
) -> None:
    for name, options in (
        ("general-dark.png", {"color_scheme": "dark", "viewport": {"width": 1100, "height": 700}}),
        ("general-phone.png", {"color_scheme": "light", "viewport": {"width": 375, "height": 740}, "is_mobile": True}),
    ):
        context = browser.new_context(locale="en-US", **options)
        page = context.new_page()
        sign_in(page, live_server.url, "carol@example.com")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= options["viewport"]["width"], "no horizontal scrolling"
        page.screenshot(path=str(screenshot_dir / name), full_page=True)
        context.close()


def test_works_with_javascript_disabled(demo_site: Emulator, live_server: Any, browser: Any) -> None:  # noqa: F811
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    page = context.new_page()
    sign_in(page, live_server.url, "alice@example.com")
    page.get_by_label("Given name").fill("Alicia")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Your profile has been saved.").wait_for()
    assert demo_site.user("auth0|alice")["given_name"] == "Alicia"
    page.get_by_role("link", name="Security").click()
    assert page.url == live_server.url + "/account/security/"
    context.close()

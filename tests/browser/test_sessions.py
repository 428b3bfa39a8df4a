"""The Sessions tab in a real browser: two devices signed in, one signs the other out.

The tenant delivers back-channel logout over real HTTP to the live server (as in rundemo).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from selfservice.emulator import Emulator

from .test_account import sign_in
from .test_demo import demo_site  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP_UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0")
ANDROID_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/131.0.6778.81 Mobile Safari/537.36")


def test_a_laptop_lists_its_sessions_and_signs_the_phone_out(
    demo_site: Emulator, live_server: Any, browser: Any, screenshot_dir: Path  # noqa: F811
) -> None:
    demo_site.configure_client("selfservice-web", backchannel_logout_urls=[live_server.url + "/account/backchannel-logout/"])
    phone_context = browser.new_context(
        locale="en-US", user_agent=ANDROID_UA, viewport={"width": 390, "height": 800}, is_mobile=True
    )
    laptop_context = browser.new_context(locale="en-US", user_agent=LAPTOP_UA, viewport={"width": 1100, "height": 700})
    phone, laptop = phone_context.new_page(), laptop_context.new_page()
    try:
        sign_in(phone, live_server.url, "alice@example.com")
        sign_in(laptop, live_server.url, "alice@example.com")
        assert len(demo_site.tenant.user_sessions("auth0|alice")) == 5

        laptop.get_by_role("link", name="Sessions").click()
        laptop.wait_for_url(live_server.url + "/account/sessions/")
        sessions = laptop.locator(".selfservice-session")
        assert sessions.count() == 5
        assert "This device" in sessions.first.inner_text() and "Edge 131 on Windows" in sessions.first.inner_text()
        assert laptop.get_by_role("heading", name="Chrome 131 on Android").is_visible()
        laptop.screenshot(path=str(screenshot_dir / "sessions-light.png"), full_page=True)

        phone.goto(live_server.url + "/account/sessions/")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "no horizontal scrolling"
        phone.screenshot(path=str(screenshot_dir / "sessions-phone.png"), full_page=True)

        android = sessions.filter(has_text="Chrome 131 on Android")
        android.get_by_role("button", name="Sign out").click()
        laptop.get_by_text("Signed out Chrome 131 on Android.").wait_for()
        assert laptop.url == live_server.url + "/account/sessions/"
        assert laptop.locator(".selfservice-session").count() == 4
        assert [d["status"] for d in demo_site.backchannel_deliveries()] == [200]

        phone.reload()
        assert "/account/login/" in phone.url  # signed out of the site, from the other device
    finally:
        phone_context.close()
        laptop_context.close()


def test_the_sessions_tab_in_dark_mode_with_many_sessions(
    demo_site: Emulator, live_server: Any, browser: Any, screenshot_dir: Path  # noqa: F811
) -> None:
    context = browser.new_context(
        locale="en-US", color_scheme="dark", viewport={"width": 1100, "height": 700},
        user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    )
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "carol@example.com")  # 40 seeded sessions + this one
        page.goto(live_server.url + "/account/sessions/")
        assert page.locator(".selfservice-session").count() == 20
        assert page.get_by_text("Page 1 of 3").is_visible()
        page.screenshot(path=str(screenshot_dir / "sessions-dark.png"), full_page=False)
        page.get_by_role("link", name="Next").focus()
        page.keyboard.press("Enter")
        page.get_by_text("Page 2 of 3").wait_for()
        assert page.url == live_server.url + "/account/sessions/?page=2"  # htmx pushed the URL
        # The pressed link is gone: focus is on the tab's heading, not lost to <body>.
        assert page.evaluate("document.activeElement.id") == "selfservice-sessions-heading"
        assert "ago" in page.locator(".selfservice-session time").first.inner_text()
        page.go_back()
        page.get_by_text("Page 1 of 3").wait_for()
        assert page.url == live_server.url + "/account/sessions/"
    finally:
        context.close()


def test_without_javascript_sign_out_everywhere_else_asks_on_a_page_then_keeps_this_device(
    demo_site: Emulator, live_server: Any, signed_in_page: Any  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com", java_script_enabled=False)
    page.goto(live_server.url + "/account/sessions/")
    before = len(demo_site.tenant.user_sessions("auth0|alice"))
    assert before > 1

    page.get_by_role("button", name="Sign out everywhere else").click()
    page.get_by_role("heading", name="Sign out of every other device and browser?").wait_for()
    assert len(demo_site.tenant.user_sessions("auth0|alice")) == before  # asking changed nothing
    page.get_by_role("button", name="Sign out everywhere else").click()

    page.locator("#selfservice-panel").get_by_text("other sessions.").first.wait_for()
    assert page.url.endswith("/account/sessions/")
    assert len(demo_site.tenant.user_sessions("auth0|alice")) == 1


def test_with_javascript_the_confirm_is_the_pages_own_dialog_with_cancel(
    demo_site: Emulator, live_server: Any, signed_in_page: Any  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com")
    page.goto(live_server.url + "/account/sessions/")
    before = len(demo_site.tenant.user_sessions("auth0|alice"))
    page.on("dialog", lambda dialog: pytest.fail(f"the browser's own confirm() was used: {dialog.message}"))

    page.get_by_role("button", name="Sign out everywhere else").click()
    dialog = page.get_by_role("dialog", name="Sign out of every other device and browser?")
    dialog.wait_for()
    assert dialog.get_by_text("this device stays signed in").is_visible()
    dialog.get_by_role("button", name="Cancel").click()
    assert not dialog.is_visible() and len(demo_site.tenant.user_sessions("auth0|alice")) == before
    assert page.evaluate("document.activeElement.textContent.trim()") == "Sign out everywhere else"

    page.get_by_role("button", name="Sign out everywhere else").click()
    dialog.get_by_role("button", name="Sign out everywhere else").click()
    page.locator("#selfservice-panel").get_by_text("other sessions.").first.wait_for()
    assert len(demo_site.tenant.user_sessions("auth0|alice")) == 1

"""Sign in through the emulated tenant and use the account shell in a real browser (JS on and off)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from selfservice.emulator import Emulator

from .conftest import sign_in
from .test_demo import demo_site  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

__all__ = ["sign_in"]  # the other browser modules import it from here


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
    page.locator("#selfservice-panel").get_by_text("Your profile has been saved.").wait_for()
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
    assert page.get_by_text("Managed by Google: change your name and picture there.").is_visible()
    assert page.get_by_text("Managed by Google", exact=True).is_visible()  # the password row
    assert page.get_by_label("Full name").count() == 0


def test_the_general_tab_in_dark_mode_and_on_a_phone(
    demo_site: Emulator, screenshot_dark_and_phone: Callable[..., None]  # noqa: F811
) -> None:
    screenshot_dark_and_phone("general")


def test_works_with_javascript_disabled(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any]  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com", java_script_enabled=False)
    page.get_by_label("Given name").fill("Alicia")
    page.get_by_role("button", name="Save changes").click()
    page.locator("#selfservice-panel").get_by_text("Your profile has been saved.").wait_for()
    assert demo_site.user("auth0|alice")["given_name"] == "Alicia"
    page.get_by_role("link", name="Security").click()
    assert page.url == live_server.url + "/account/security/"

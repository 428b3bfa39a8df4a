"""Save pressed after the session ended: sign in again, and what was typed is back in the form.

The site's session cookie is removed under an open page (as an expiry or a sign-out in another
window leaves it); the CSRF cookie stays, so Save reaches the site as an anonymous POST, which
htmx must follow to the login page.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from selfservice.emulator import Emulator
from selfservice.emulator.seeds import DEMO_PASSWORD

from .test_demo import demo_site  # noqa: F401 - the fixture
from .test_preferences import demo_schema  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESTORED = "You had to sign in again before your changes could be saved. What you typed is back in the form: check it and save again."


def sign_in_again(page: Any, base: str, email: str, back_to: str) -> None:
    """From the login page: the tenant may still know the browser (no form), or ask again."""
    page.get_by_role("button", name="Continue to sign in").click()
    page.wait_for_url(lambda url: url.startswith(base + back_to) or "/authorize" in url or "/login" in url)
    if not page.url.startswith(base + back_to):
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(base + back_to)


LOOKS = {
    "light": {},
    "dark": {"color_scheme": "dark", "viewport": {"width": 1100, "height": 700}},
    "phone-no-javascript": {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "java_script_enabled": False},
}


@pytest.mark.parametrize("look", LOOKS)
def test_typed_profile_is_back_after_signing_in_again(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any], screenshot_dir: Path, look: str  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com", **LOOKS[look])
    page.context.clear_cookies(name="sessionid")
    page.get_by_label("Nickname").fill("ally-kept")
    page.get_by_role("button", name="Save changes").click()

    page.wait_for_url(f"{live_server.url}/account/login/?next=/account/general/")
    sign_in_again(page, live_server.url, "alice@example.com", "/account/general/")

    assert page.get_by_label("Nickname").input_value() == "ally-kept"
    assert page.locator("#selfservice-panel").get_by_text(RESTORED).is_visible()
    assert demo_site.user("auth0|alice")["nickname"] != "ally-kept"  # not saved for the user
    page.screenshot(path=str(screenshot_dir / f"general-kept-input-{look}.png"), full_page=True)

    if LOOKS[look].get("java_script_enabled", True):  # the kept values count as unsaved changes
        page.locator("#selfservice-tabs").get_by_role("link", name="Sessions", exact=True).click()
        page.locator("#selfservice-confirm").get_by_role("button", name="Cancel").click()
        assert page.get_by_label("Nickname").input_value() == "ally-kept"

    page.get_by_role("button", name="Save changes").click()
    page.locator("#selfservice-panel").get_by_text("Your profile has been saved.").wait_for()
    assert demo_site.user("auth0|alice")["nickname"] == "ally-kept"


def test_typed_preferences_survive_the_session_ending_while_editing(
    demo_site: Emulator, demo_schema: None, live_server: Any, signed_in_page: Callable[..., Any]  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com")
    page.goto(live_server.url + "/account/preferences/")
    page.context.clear_cookies(name="sessionid")
    page.get_by_label("City").fill("Oxford")
    page.get_by_label("Items per page").fill("40")
    page.get_by_label("Items per page").blur()  # inline validation of a changed field, while signed out
    page.wait_for_timeout(300)
    assert page.url == live_server.url + "/account/preferences/"  # still typing here, not sent away

    page.get_by_role("button", name="Save preferences").click()
    page.wait_for_url(f"{live_server.url}/account/login/?next=/account/preferences/")
    sign_in_again(page, live_server.url, "alice@example.com", "/account/preferences/")

    assert page.get_by_label("City").input_value() == "Oxford"
    assert page.get_by_label("Items per page").input_value() == "40"
    assert page.locator("#selfservice-panel").get_by_text(RESTORED).is_visible()
    assert (demo_site.user("auth0|alice") or {}).get("user_metadata", {}).get("address", {}).get("city") != "Oxford"

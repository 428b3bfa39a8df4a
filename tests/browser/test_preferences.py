"""The Preferences tab in a real browser: the demo schema, inline validation, saving (JS on and off)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from selfservice.emulator import Emulator
from selfservice.management.commands.load_preference_schema import load

from .test_account import sign_in
from .test_demo import demo_site  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_SCHEMA = Path(__file__).resolve().parents[2] / "demo_project" / "preference_schema.json"


@pytest.fixture
def demo_schema(db: None) -> None:
    load(json.loads(DEMO_SCHEMA.read_text()), "Account preferences", activate=True)


def test_edit_preferences_with_inline_validation_and_save(
    demo_site: Emulator, demo_schema: None, live_server: Any, page: Any, screenshot_dir: Path  # noqa: F811
) -> None:
    sign_in(page, live_server.url, "alice@example.com")
    page.get_by_role("link", name="Preferences").click()
    page.wait_for_url(live_server.url + "/account/preferences/")
    assert page.get_by_label("Language").input_value() == "en"
    assert page.get_by_label("Dark").is_checked()
    assert page.get_by_label("Send me the monthly newsletter").is_checked()

    items = page.get_by_label("Items per page")
    items.fill("7")
    items.press("Tab")  # "change": htmx asks the server about this field only
    page.locator("#selfservice-panel").get_by_text("Ensure this value is greater than or equal to 10.").wait_for()
    assert demo_site.count(method="PATCH") == 0
    page.locator('#id_items_per_page[aria-invalid="true"]').wait_for()  # the field says so too
    items.fill("50")
    items.press("Tab")
    page.locator("#selfservice-panel").get_by_text("Ensure this value is greater than or equal to 10.").wait_for(state="detached")
    page.locator("#id_items_per_page:not([aria-invalid])").wait_for()
    assert "selfservice-field--invalid" not in (items.locator("xpath=..").get_attribute("class") or "")

    page.get_by_label("Time zone").select_option("Europe/Madrid")
    page.get_by_label("Text message").check()
    page.get_by_label("City").fill("Oxford")
    page.get_by_label("Country").select_option("GB")
    page.get_by_role("button", name="Save preferences").click()
    page.get_by_text("Your preferences have been saved.").wait_for()
    page.screenshot(path=str(screenshot_dir / "preferences-light.png"), full_page=True)

    metadata = demo_site.user("auth0|alice")["user_metadata"]
    assert metadata["items_per_page"] == 50 and metadata["timezone"] == "Europe/Madrid"
    assert metadata["notification_channels"] == ["sms"]
    assert metadata["address"] == {"city": "Oxford", "country": "GB"}
    assert metadata["onboarding"] == {"completed": True}  # not in the schema: untouched
    assert metadata["theme"] == "dark" and metadata["newsletter"] is True
    assert demo_site.count(method="PATCH") == 1


def test_preferences_save_with_javascript_disabled(
    demo_site: Emulator, demo_schema: None, live_server: Any, browser: Any  # noqa: F811
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    page = context.new_page()
    sign_in(page, live_server.url, "carol@example.com")
    page.goto(live_server.url + "/account/preferences/")
    assert page.evaluate("document.documentElement.lang") == "es"  # carol's language preference applies
    page.get_by_label("Idioma").select_option("de")
    page.get_by_label("Claro").check()
    page.get_by_role("button", name="Guardar preferencias").click()
    # German has no catalog here: the page falls back to English, in German's name.
    page.get_by_text("Your preferences have been saved.").wait_for()
    assert page.evaluate("document.documentElement.lang") == "de"
    assert page.url == live_server.url + "/account/preferences/"
    metadata = demo_site.user("auth0|carol")["user_metadata"]
    assert metadata["language"] == "de" and metadata["address"]["city"] == "Madrid"
    context.close()


def test_the_preferences_tab_in_dark_mode_and_on_a_phone(
    demo_site: Emulator, demo_schema: None, screenshot_dark_and_phone: Callable[..., None]  # noqa: F811
) -> None:
    screenshot_dark_and_phone("preferences")


def test_a_theme_preference_overrides_the_device_and_a_language_one_the_browser(
    demo_site: Emulator, demo_schema: None, live_server: Any, signed_in_page: Callable[..., Any],  # noqa: F811
    screenshot_dir: Path,
) -> None:
    demo_site.tenant.users["auth0|alice"]["user_metadata"].update(theme="dark", language="es")
    page = signed_in_page("alice@example.com", color_scheme="light")
    page.goto(live_server.url + "/account/preferences/")  # the user is read: the session now knows

    page.goto(live_server.url + "/account/security/")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    panel = page.evaluate("getComputedStyle(document.querySelector('.selfservice')).color")
    assert background == "rgb(20, 20, 24)" and panel == "rgb(236, 236, 241)"  # the dark palette
    assert page.evaluate("document.documentElement.lang") == "es"
    page.get_by_role("heading", name="Seguridad", exact=True).wait_for()
    page.screenshot(path=str(screenshot_dir / "preferences-applied-dark-es.png"), full_page=True)

    page.get_by_role("link", name="Preferencias").click()
    page.get_by_label("Claro").check()
    page.get_by_role("button", name="Guardar preferencias").click()
    page.locator("#selfservice-panel").get_by_text("Se han guardado tus preferencias.").wait_for()  # the whole page reloaded
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(247, 247, 248)"

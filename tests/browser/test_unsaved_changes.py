"""Typed changes are not lost by a stray click: leaving a form with unsaved changes asks first.

A tab, Refresh or another form that would replace the panel asks in the page's confirm dialog;
closing the page gets the browser's own question. Nothing is asked when nothing changed, once
the changes are saved, or when the site itself sends the page elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from selfservice.emulator import Emulator

from .test_demo import demo_site  # noqa: F401 - the fixture
from .test_focus_and_tabs import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DIALOG = "#selfservice-confirm"


def open_dialog(page: Any) -> bool:
    return bool(page.evaluate(f"document.querySelector('{DIALOG}').open"))


def click_tab(page: Any, name: str) -> None:
    page.locator("#selfservice-tabs").get_by_role("link", name=name, exact=True).click()


def test_a_tab_asks_before_replacing_typed_changes_and_cancel_keeps_them(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any], screenshot_dir: Path  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com")
    page.get_by_label("Nickname").fill("ally-unsaved")
    click_tab(page, "Sessions")

    wait_until(page, f"document.querySelector('{DIALOG}').open")
    dialog = page.locator(DIALOG)
    assert dialog.locator("h2").inner_text() == "Leave without saving?"
    assert "has not been saved and will be lost" in dialog.inner_text()
    page.screenshot(path=str(screenshot_dir / "general-leave-without-saving.png"))
    dialog.get_by_role("button", name="Cancel").click()

    assert not open_dialog(page) and page.url == live_server.url + "/account/general/"
    assert page.get_by_label("Nickname").input_value() == "ally-unsaved"

    click_tab(page, "Sessions")
    dialog.get_by_role("button", name="Leave without saving").click()
    page.wait_for_url(live_server.url + "/account/sessions/")
    assert demo_site.user("auth0|alice")["nickname"] != "ally-unsaved"


def test_nothing_is_asked_without_changes_after_undoing_them_or_once_saved(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any]  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com")
    click_tab(page, "Security")
    page.wait_for_url(live_server.url + "/account/security/")
    click_tab(page, "General")
    page.wait_for_url(live_server.url + "/account/general/")

    nickname = page.get_by_label("Nickname")
    before = nickname.input_value()
    nickname.fill("typed then undone")
    nickname.fill(before)
    click_tab(page, "Sessions")
    page.wait_for_url(live_server.url + "/account/sessions/")
    assert not open_dialog(page)

    click_tab(page, "General")
    page.get_by_label("Nickname").fill("ally-saved")
    page.get_by_role("button", name="Save changes").click()
    page.locator("#selfservice-panel").get_by_text("Your profile has been saved.").wait_for()
    click_tab(page, "Sessions")
    page.wait_for_url(live_server.url + "/account/sessions/")
    assert not open_dialog(page)


def test_a_refused_save_still_counts_as_unsaved(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any]  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com")
    page.get_by_label("Picture URL").fill("http://not-https.example/me.png")
    page.get_by_role("button", name="Save changes").click()
    wait_until(page, "document.querySelector('.selfservice-field--invalid') !== null")  # 422: typed values rendered

    click_tab(page, "Privacy")
    wait_until(page, f"document.querySelector('{DIALOG}').open")
    assert page.locator(DIALOG).locator("h2").inner_text() == "Leave without saving?"


def test_closing_the_page_with_typed_changes_gets_the_browsers_question(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any]  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com")
    page.get_by_label("Nickname").click()
    page.keyboard.type("ally")  # typed by the user: the browser asks only after a real gesture

    with page.expect_event("dialog") as asked:
        page.close(run_before_unload=True)
    assert asked.value.type == "beforeunload"
    asked.value.dismiss()  # "stay"
    page.wait_for_timeout(200)
    assert not page.is_closed() and page.get_by_label("Nickname").input_value().endswith("ally")


def test_closing_the_page_without_changes_asks_nothing(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any]  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com")
    page.get_by_label("Nickname").click()  # a gesture, and nothing typed
    asked: list[str] = []
    page.on("dialog", lambda dialog: asked.append(dialog.type))

    with page.expect_event("close", timeout=5_000):
        page.close(run_before_unload=True)

    assert asked == [] and page.is_closed()



def test_a_page_the_site_sends_elsewhere_asks_nothing(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any]  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com")
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    page.context.clear_cookies(name="sessionid")  # Save will be sent to sign in again (HX-Redirect)
    page.get_by_label("Nickname").click()
    page.keyboard.type("ally")
    page.get_by_role("button", name="Save changes").click()

    page.wait_for_url(f"{live_server.url}/account/login/?next=/account/general/")
    assert asked == []  # the values are kept on the server: nothing to ask about

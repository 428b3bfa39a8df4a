"""An htmx request that fails says so beside what the user pressed, and keeps what they typed.

htmx swaps only the statuses the layout's config names (2xx, 422, 429, 503); without
selfservice.js's notice a CSRF failure, a server error or a dropped connection left Save looking
as if it did nothing. The CSRF failure here is a real one (the token cookie is gone, as after
signing in again in another window); a dropped connection and a server error are made by the
browser's router, since neither the site nor the emulator fails that way on purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from selfservice.emulator import Emulator

from .conftest import sign_in
from .test_demo import demo_site  # noqa: F401 - the fixture
from .test_focus_and_tabs import wait_until
from .test_preferences import demo_schema  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTICE = "[data-selfservice-request-failed]"
UNREACHABLE = "The site could not be reached. Check your connection and try again."
OUT_OF_DATE = "This page is out of date: you may have signed in or out in another window. Reload the page and try again."
REFRESHED = ("This page was out of date: you may have signed in again in another window. It is up to date now, "
             "and what you typed is still here: send the form again.")
FAILED = "Something went wrong and the site could not answer. Try again in a moment."


def fail_posts(page: Any, path: str, how: str) -> None:
    """Make the browser's POSTs to ``path`` fail: ``"abort"`` (no answer) or a status."""

    def handle(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()
        elif how == "abort":
            route.abort()
        else:
            route.fulfill(status=int(how), content_type="text/html", body="<h1>Server Error</h1>")

    page.route(f"**{path}", handle)


def notices(page: Any) -> list[str]:
    return [text.strip() for text in page.locator(NOTICE).all_inner_texts()]


def test_a_stale_csrf_token_is_replaced_and_sending_again_works_with_the_typed_value(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any], screenshot_dir: Path  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com", viewport={"width": 375, "height": 740}, is_mobile=True, color_scheme="dark")
    page.context.clear_cookies(name="csrftoken")  # as after signing in again in another window
    page.get_by_label("Nickname").fill("ally")
    page.get_by_role("button", name="Save changes").click()

    wait_until(page, f"document.querySelector('{NOTICE}') !== null")
    assert notices(page) == [REFRESHED]
    notice = page.locator(NOTICE)
    assert notice.get_attribute("role") == "alert"
    assert "selfservice-message--warning" in (notice.get_attribute("class") or "")  # a step to take, not a failure
    assert notice.evaluate("n => n.previousElementSibling && n.previousElementSibling.tagName") == "FORM"
    assert page.get_by_label("Nickname").input_value() == "ally"
    assert demo_site.user("auth0|alice")["nickname"] != "ally"
    assert page.evaluate("document.getElementById('selfservice-panel').getAttribute('aria-busy')") is None
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    notice.screenshot(path=str(screenshot_dir / "request-failed-refreshed-phone-dark.png"))

    page.get_by_role("button", name="Save changes").click()  # no reload: the page has the new token
    page.locator("#selfservice-panel").get_by_text("Your profile has been saved.").wait_for()
    assert notices(page) == [] and demo_site.user("auth0|alice")["nickname"] == "ally"


def test_a_page_of_someone_who_is_no_longer_signed_in_here_keeps_its_old_token(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any]  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com")
    other = page.context.new_page()  # another window of the same browser: Alice out, Carol in
    other.goto(live_server.url + "/account/general/")
    other.get_by_role("button", name="Sign out").click()
    other.wait_for_url(live_server.url + "/")
    sign_in(other, live_server.url, "carol@example.com")
    before = page.evaluate("document.body.getAttribute('hx-headers')")
    page.get_by_label("Nickname").fill("ally")
    page.get_by_role("button", name="Save changes").click()

    wait_until(page, f"document.querySelector('{NOTICE}') !== null")
    assert notices(page) == [OUT_OF_DATE]  # reload: the page would be Carol's now
    assert page.evaluate("document.body.getAttribute('hx-headers')") == before
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_timeout(500)
    assert notices(page) == [OUT_OF_DATE]
    assert demo_site.user("auth0|alice")["nickname"] != "ally" and demo_site.user("auth0|carol")["nickname"] != "ally"


def test_a_tab_that_cannot_be_loaded_is_said_above_the_panel(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any]  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com")
    page.route("**/account/sessions/", lambda route: route.abort())
    page.get_by_role("link", name="Sessions", exact=True).click()

    wait_until(page, f"document.querySelector('{NOTICE}') !== null")
    assert notices(page) == [UNREACHABLE]
    assert page.locator(NOTICE).evaluate("n => n.nextElementSibling.id") == "selfservice-panel"
    assert page.get_by_label("Nickname").is_visible()  # the General tab is still there


def test_the_notice_is_in_the_users_language(
    demo_site: Emulator, demo_schema: None, live_server: Any, signed_in_page: Callable[..., Any]  # noqa: F811
) -> None:  # Carol's preferred language is Spanish
    page = signed_in_page("carol@example.com", viewport={"width": 375, "height": 740}, is_mobile=True)
    page.goto(live_server.url + "/account/preferences/")  # the preferences are read: the session knows the language
    page.goto(live_server.url + "/account/general/")
    fail_posts(page, "/account/general/", "abort")
    page.get_by_role("button", name="Guardar cambios").click()

    wait_until(page, f"document.querySelector('{NOTICE}') !== null")
    assert notices(page) == [
        "No se ha podido conectar con el sitio. Comprueba tu conexión e inténtalo de nuevo."
    ]
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

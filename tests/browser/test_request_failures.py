"""An htmx request that fails says so beside what the user pressed, and keeps what they typed.

htmx swaps only the statuses the layout's config names (2xx, 422, 429, 503); without
selfservice.js's notice a CSRF failure, a server error or a dropped connection left Save looking
as if it did nothing. The CSRF failure here is a real one (the token cookie is gone, as after
signing in again in another window); a dropped connection and a server error are made by the
browser's router, since neither the site nor the emulator fails that way on purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from selfservice.emulator import Emulator

from .test_demo import demo_site  # noqa: F401 - the fixture
from .test_focus_and_tabs import wait_until
from .test_preferences import demo_schema  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTICE = "[data-selfservice-request-failed]"
UNREACHABLE = "The site could not be reached. Check your connection and try again."
OUT_OF_DATE = "This page is out of date: you may have signed in or out in another window. Reload the page and try again."
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


def test_a_csrf_failure_is_said_under_the_form_and_the_typed_value_is_kept(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any]  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com")
    page.context.clear_cookies(name="csrftoken")
    page.get_by_label("Nickname").fill("ally")
    page.get_by_role("button", name="Save changes").click()

    wait_until(page, f"document.querySelector('{NOTICE}') !== null")
    assert notices(page) == [OUT_OF_DATE]
    notice = page.locator(NOTICE)
    assert notice.get_attribute("role") == "alert"
    assert notice.evaluate("n => n.previousElementSibling && n.previousElementSibling.tagName") == "FORM"
    assert page.get_by_label("Nickname").input_value() == "ally"
    assert demo_site.user("auth0|alice")["nickname"] != "ally"
    assert page.evaluate("document.getElementById('selfservice-panel').getAttribute('aria-busy')") is None


@pytest.mark.parametrize(("how", "said"), [("abort", UNREACHABLE), ("500", FAILED)])
def test_no_answer_or_a_server_error_is_said_and_the_next_save_clears_it(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any], how: str, said: str  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com")
    fail_posts(page, "/account/general/", how)
    page.get_by_label("Nickname").fill("ally")
    page.get_by_role("button", name="Save changes").click()

    wait_until(page, f"document.querySelector('{NOTICE}') !== null")
    assert notices(page) == [said]
    assert page.get_by_label("Nickname").input_value() == "ally"

    page.get_by_role("button", name="Save changes").click()  # the same failure again: still one notice
    page.wait_for_timeout(300)
    assert notices(page) == [said]

    page.unroute("**/account/general/")
    page.get_by_role("button", name="Save changes").click()
    page.locator("#selfservice-panel").get_by_text("Your profile has been saved.").wait_for()
    assert notices(page) == [] and demo_site.user("auth0|alice")["nickname"] == "ally"


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

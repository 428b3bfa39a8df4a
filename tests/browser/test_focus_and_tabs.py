"""Focus after every htmx swap, the persistent live region, and the tab bar on narrow phones."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from selfservice.emulator import Emulator

from .test_demo import demo_site  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def active_id(page: Any) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def wait_until(page: Any, expression: str, timeout: float = 10.0) -> None:
    """Poll ``expression`` (page.wait_for_function evaluates strings, which the CSP refuses)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"never true: {expression}"
        page.wait_for_timeout(50)


def test_a_tab_switch_and_a_save_focus_the_new_heading_and_announce_the_message(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any]  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com")
    page.get_by_role("link", name="Security", exact=True).click()
    page.get_by_role("heading", name="Security", exact=True).wait_for()
    wait_until(page, "document.activeElement && document.activeElement.id === 'selfservice-security-heading'")

    page.get_by_role("link", name="General", exact=True).click()
    wait_until(page, "document.activeElement && document.activeElement.id === 'selfservice-general-heading'")
    page.get_by_label("Nickname").fill("ali")
    page.get_by_role("button", name="Save changes").click()
    wait_until(page, "document.getElementById('selfservice-live').textContent.includes('Your profile has been saved.')")
    assert active_id(page) == "selfservice-general-heading"
    assert page.evaluate("document.getElementById('selfservice-panel').getAttribute('aria-busy')") is None

    page.get_by_label("Picture URL").fill("http://not-https.example/a.png")
    page.get_by_role("button", name="Save changes").click()
    wait_until(page, "document.activeElement && document.activeElement.id === 'id_picture'")  # the first error


@pytest.mark.parametrize(("width", "locale"), [(320, "en-US"), (375, "es-ES")])
def test_the_tab_bar_is_one_row_that_never_widens_the_page(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any], width: int, locale: str  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com", viewport={"width": width, "height": 700}, is_mobile=True, locale=locale)
    page.goto(live_server.url + "/account/privacy/")

    tops = page.evaluate("[...document.querySelectorAll('#selfservice-tabs li')].map(li => li.offsetTop)")
    assert len(set(tops)) == 1, "the tabs wrapped to a second row"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    visible = page.evaluate(
        "(() => { const a = document.querySelector('#selfservice-tabs [aria-current=page]').getBoundingClientRect();"
        " return a.left >= 0 && a.right <= window.innerWidth; })()"
    )
    assert visible, "the current tab (the last one) is scrolled into view"

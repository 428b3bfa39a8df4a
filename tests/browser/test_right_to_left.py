"""The account pages in a right-to-left language, and text written in either direction.

A site that offers Arabic, Hebrew, Persian or Urdu gets ``dir="rtl"`` on ``<html>`` from the
layout. The stylesheet uses logical sides (inline-start, not left), so the page mirrors instead
of growing 10,000 px wide (the skip link sat at ``left: -9999px``, and the first view was blank).
Values that read left to right in every language (a phone number, a masked address, a code,
an email or web address being typed) keep their order; names typed in the forms take their own direction (``dir="auto"``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from selfservice.emulator import Emulator

from .test_demo import demo_site  # noqa: F401 - the fixture
from .test_preferences import demo_schema  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABS = ("general", "preferences", "security", "security/activity", "sessions", "privacy")
# Where the n-th character of the first text node under ``selector`` is drawn (its left edge).
CHARACTER_X = """([selector, index]) => {
  const walker = document.createTreeWalker(document.querySelector(selector), NodeFilter.SHOW_TEXT);
  let node = walker.nextNode();
  while (node && !node.data.trim()) { node = walker.nextNode(); }
  const at = index < 0 ? node.data.trimEnd().length + index : node.data.indexOf(node.data.trim()) + index;
  const range = document.createRange();
  range.setStart(node, at);
  range.setEnd(node, at + 1);
  return range.getBoundingClientRect().left;
}"""


@pytest.fixture
def arabic(settings: Any, demo_site: Emulator) -> None:  # noqa: F811
    """The site's language is Arabic; Carol has no language preference of her own."""
    settings.LANGUAGE_CODE = "ar"
    settings.LANGUAGES = [("ar", "العربية"), ("en", "English")]
    demo_site.tenant.users["auth0|carol"]["user_metadata"].pop("language", None)


@pytest.mark.parametrize("width", [1000, 375])
def test_every_tab_mirrors_without_growing_wider_than_the_screen(
    arabic: None, live_server: Any, signed_in_page: Callable[..., Any], width: int
) -> None:
    page = signed_in_page("carol@example.com", viewport={"width": width, "height": 800}, is_mobile=width < 500)
    for tab in TABS:
        page.goto(f"{live_server.url}/account/{tab}/")
        assert page.evaluate("document.documentElement.dir") == "rtl"
        assert page.evaluate("document.documentElement.scrollWidth") <= width, tab
        shown = page.evaluate(
            "(() => { const tab = document.querySelector('#selfservice-tabs [aria-current=page]').getBoundingClientRect();"
            " const bar = tab && document.querySelector('#selfservice-tabs ul').getBoundingClientRect();"
            " return tab.left >= bar.left - 1 && tab.right <= bar.right + 1; })()"
        )
        assert shown, f"the current tab ({tab}) is scrolled out of the tab bar"

    page.keyboard.press("Tab")  # the skip link, shown on focus inside the screen
    skip = page.evaluate("(() => { const r = document.activeElement.getBoundingClientRect(); return [document.activeElement.className, r.left, r.right]; })()")
    assert skip[0] == "selfservice-skip" and 0 <= skip[1] < skip[2] <= width


def test_numbers_addresses_and_codes_keep_their_order_on_a_mirrored_page(
    arabic: None, live_server: Any, signed_in_page: Callable[..., Any]
) -> None:
    page = signed_in_page("carol@example.com", viewport={"width": 1000, "height": 800})
    phone = "#selfservice-panel .selfservice-facts bdi[dir=ltr]"
    assert page.locator(phone).inner_text() == "+15555550199"
    assert page.evaluate(CHARACTER_X, [phone, 0]) < page.evaluate(CHARACTER_X, [phone, 1])  # "+" first, on the left

    page.goto(live_server.url + "/account/security/")
    masked = page.locator(".selfservice-method p.selfservice-muted bdi", has_text="@")
    assert masked.count() == 1
    masked.evaluate("node => node.setAttribute('data-probe', '')")
    first, last = (page.evaluate(CHARACTER_X, ["[data-probe]", index]) for index in (0, -1))
    assert first < last  # "caro*@exam*******" reads left to right: the stars stay at its end

    page.goto(live_server.url + "/account/general/email/")
    addresses = page.locator("#selfservice-panel input[type=email]")
    assert addresses.count() == 2  # Chromium mirrors email and url inputs on an RTL page; dir="ltr" does not
    assert addresses.evaluate_all("inputs => inputs.map(input => getComputedStyle(input).direction)") == ["ltr", "ltr"]

    page.goto(live_server.url + "/account/sessions/")
    accent = page.evaluate("getComputedStyle(document.querySelector('.selfservice-session--current')).boxShadow")
    assert "-4px 0px 0px" in accent  # the current session's bar on the start side: the right


def test_a_name_typed_in_arabic_on_an_english_page_runs_right_to_left(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any]  # noqa: F811
) -> None:
    page = signed_in_page("alice@example.com")
    name = page.get_by_label("Full name")
    assert name.evaluate("input => input.matches(':dir(ltr)')")
    name.fill("أليس ليدل")
    assert name.evaluate("input => input.matches(':dir(rtl)')")
    assert page.get_by_label("Picture URL").get_attribute("dir") == "ltr"  # an address reads left to right


def test_a_checkbox_keeps_its_gap_on_the_side_of_its_label(
    arabic: None, demo_schema: None, live_server: Any, signed_in_page: Callable[..., Any]  # noqa: F811
) -> None:
    page = signed_in_page("carol@example.com", viewport={"width": 1000, "height": 800})
    page.goto(live_server.url + "/account/preferences/")
    box = page.locator("#selfservice-panel input[type=checkbox]").first
    margins = box.evaluate("input => [getComputedStyle(input).marginLeft, getComputedStyle(input).marginRight]")
    assert margins == ["8px", "0px"]  # mirrored: the label is on the checkbox's left

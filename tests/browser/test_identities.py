"""Linked identities in a real browser: link GitHub (another email) and Google, then unlink, JS on and off.

Each look (light, dark, a 390 px phone) walks the whole flow once and photographs every new page:
the General tab's "Ways to sign in", the link confirm step and the unlink confirm step.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from selfservice.emulator import Emulator

from .conftest import DEMO_PASSWORD
from .test_demo import demo_site  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALICE = "auth0|alice"
LOOKS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("light", {"color_scheme": "light", "viewport": {"width": 1100, "height": 700}}),
    ("dark", {"color_scheme": "dark", "viewport": {"width": 1100, "height": 700}}),
    ("phone", {"color_scheme": "light", "viewport": {"width": 390, "height": 844}, "is_mobile": True}),
)


@pytest.fixture
def linkable(demo_site: Emulator, settings: Any) -> Emulator:  # noqa: F811
    """The demo site offering Google and GitHub as sign-ins to link."""
    settings.SELFSERVICE = {**settings.SELFSERVICE, "LINK_CONNECTIONS": ["google-oauth2", "github"]}
    return demo_site


def sign_in_at_tenant(page: Any, email: str, connection: str) -> None:
    page.get_by_text(f"With {connection}").wait_for()  # the emulator stands in for the provider
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()


def fits(page: Any, width: int, name: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name}: no horizontal scrolling"


@pytest.mark.parametrize(("look", "options"), LOOKS, ids=[name for name, _ in LOOKS])
def test_link_github_with_another_email_then_unlink_it(
    linkable: Emulator, live_server: Any, signed_in_page: Callable[..., Any], screenshot_dir: Path,
    look: str, options: dict[str, Any],
) -> None:
    base, width = live_server.url, options["viewport"]["width"]
    page = signed_in_page("alice@example.com", **options)
    page.get_by_role("heading", name="Ways to sign in").wait_for()
    fits(page, width, "general")
    page.screenshot(path=str(screenshot_dir / f"general-identities-{look}.png"), full_page=True)

    page.get_by_role("button", name="Link GitHub").click()
    sign_in_at_tenant(page, "alice.l@example.org", "github")
    page.wait_for_url(base + "/account/general/identities/link/")
    page.get_by_role("heading", name="Link GitHub to your account?").wait_for()
    fits(page, width, "link confirm")
    page.screenshot(path=str(screenshot_dir / f"general-identity-link-confirm-{look}.png"), full_page=True)
    page.get_by_role("button", name="Link account").click()
    page.locator("#selfservice-panel").get_by_text("Confirm that this address is yours").wait_for()  # 422: not confirmed yet
    page.get_by_label("alice.l@example.org is my email address").check()
    page.get_by_role("button", name="Link account").click()
    page.locator("#selfservice-panel").get_by_text("GitHub is linked: you can sign in with it too.").wait_for()
    assert [i["provider"] for i in linkable.user(ALICE)["identities"]] == ["auth0", "github"]
    assert linkable.user("github|alice") is None
    fits(page, width, "general, linked")
    page.screenshot(path=str(screenshot_dir / f"general-identities-linked-{look}.png"), full_page=True)

    page.get_by_role("link", name="Unlink GitHub").click()
    page.get_by_role("heading", name="Unlink GitHub?").wait_for()
    fits(page, width, "unlink confirm")
    page.screenshot(path=str(screenshot_dir / f"general-identity-unlink-{look}.png"), full_page=True)
    page.get_by_role("button", name="Unlink", exact=True).click()
    page.locator("#selfservice-panel").get_by_text("GitHub is unlinked: it is an account of its own again.").wait_for()
    assert [i["provider"] for i in linkable.user(ALICE)["identities"]] == ["auth0"]
    assert page.url == base + "/account/general/"


def test_link_google_and_unlink_it_with_javascript_off(
    linkable: Emulator, live_server: Any, signed_in_page: Callable[..., Any]
) -> None:
    base = live_server.url
    page = signed_in_page("alice@example.com", java_script_enabled=False)

    page.get_by_role("button", name="Link Google").click()
    sign_in_at_tenant(page, "alice@example.com", "google-oauth2")
    page.get_by_role("heading", name="Link Google to your account?").wait_for()
    assert page.get_by_label("alice@example.com is my email address").count() == 0  # her own verified address
    page.get_by_role("button", name="Link account").click()
    page.wait_for_url(base + "/account/general/")
    page.locator("#selfservice-panel").get_by_text("Google is linked: you can sign in with it too.").wait_for()
    assert linkable.user("google-oauth2|alice") is None

    page.get_by_role("link", name="Unlink Google").click()
    page.wait_for_url(base + "/account/general/identities/google-oauth2/alice/unlink/")
    page.get_by_role("button", name="Unlink", exact=True).click()
    page.wait_for_url(base + "/account/general/")
    page.locator("#selfservice-panel").get_by_text("Google is unlinked").wait_for()
    assert linkable.user("google-oauth2|alice") is not None
    assert [i["provider"] for i in linkable.user(ALICE)["identities"]] == ["auth0"]


def test_cancelling_the_link_confirm_step_links_nothing(linkable: Emulator, live_server: Any, signed_in_page: Callable[..., Any]) -> None:
    page = signed_in_page("alice@example.com")
    page.get_by_role("button", name="Link Google").click()
    sign_in_at_tenant(page, "alice@example.com", "google-oauth2")
    page.get_by_role("button", name="Cancel").click()
    page.locator("#selfservice-panel").get_by_text("Nothing was linked.").wait_for()
    assert len(linkable.user(ALICE)["identities"]) == 1 and linkable.user("google-oauth2|alice") is not None

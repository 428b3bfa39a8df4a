"""The demo site in a real browser, with the emulated tenant on a real socket."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from selfservice.emulator import Emulator


@pytest.fixture
def demo_site(settings: Any, emulator: Emulator) -> Emulator:
    """demo_project's pages on the live server, talking to the emulator over HTTP like rundemo."""
    emulator.seed("demo")
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "demo_project"]
    settings.ROOT_URLCONF = "demo_project.urls"
    settings.SELFSERVICE = {
        "AUTH0_DOMAIN": emulator.url.removeprefix("http://"),
        "AUTH0_BASE_URL": emulator.url,
        "AUTH0_CLIENT_ID": "selfservice-m2m",
        "AUTH0_CLIENT_SECRET": "selfservice-m2m-secret",
    }
    settings.SOCIAL_AUTH_AUTH0_BASE_URL = emulator.url
    settings.SOCIAL_AUTH_AUTH0_DOMAIN = emulator.url.removeprefix("http://")
    settings.LOGOUT_REDIRECT_URL = "gateway-status"
    return emulator


@pytest.mark.browser
def test_gateway_status_page_shows_the_demo_users(demo_site: Emulator, live_server: Any, page: Any, screenshot_dir: Path) -> None:
    response = page.goto(live_server.url + "/")

    assert response is not None and response.status == 200
    assert page.get_by_role("heading", name="Gateway status").is_visible()
    for text in ("Alice Liddell", "alice@example.com", "Bob Builder", "bob@example.com", "carol@example.com"):
        assert page.get_by_text(text, exact=True).is_visible(), text
    carol = page.get_by_role("row").filter(has_text="auth0|carol")
    assert carol.get_by_role("cell").last.inner_text().strip() == "40"
    assert page.locator("link[rel=stylesheet]").count() == 1
    assert page.evaluate("getComputedStyle(document.querySelector('table')).borderCollapse") == "collapse"
    page.screenshot(path=str(screenshot_dir / "demo-gateway-status.png"), full_page=True)
    assert demo_site.count(method="GET", path=r"^/api/v2/users/") >= 3


"""The browser suite: the system Chromium driven by Playwright (never `playwright install`).

Without Chromium (or Playwright) these tests skip, except under ``CI=true``, where a missing
browser is a broken build and must fail loudly.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

CHROMIUM = Path(os.environ.get("SELFSERVICE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the browser suite must run; install it with `apt-get install -y chromium`)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def browser(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A headless Chromium, started after the live server (and its database) is ready."""
    # Playwright's sync API keeps an asyncio loop in this thread, so Django would refuse ORM
    # calls made by the test body (SynchronousOnlyOperation). Nothing async touches the ORM.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not CHROMIUM.exists():
        unavailable(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 700}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``docs/screenshots/`` when ``SELFSERVICE_SCREENSHOTS=1``; otherwise a temporary folder.

    The pages are photographed either way (full-page rendering is part of the test), but a plain
    test run leaves the checkout as it was.
    """
    if os.environ.get("SELFSERVICE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


DEMO_PASSWORD = "demo-password"
#: The two extra looks every tab is photographed in: (file suffix, browser context options).
DARK_AND_PHONE: tuple[tuple[str, dict[str, Any]], ...] = (
    ("dark", {"color_scheme": "dark", "viewport": {"width": 1100, "height": 700}}),
    ("phone", {"color_scheme": "light", "viewport": {"width": 375, "height": 740}, "is_mobile": True}),
)


def sign_in(page: Any, base: str, email: str) -> None:
    """Sign in through the emulated tenant's login page; ends on the General tab."""
    page.goto(base + "/account/")
    page.get_by_role("button", name="Continue to sign in").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(base + "/account/general/")


@pytest.fixture
def signed_in_page(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """Open a page in a new browser context, signed in as ``email``: ``signed_in_page(email, **options)``.

    ``options`` go to ``browser.new_context`` (``locale`` defaults to en-US), e.g.
    ``java_script_enabled=False`` or ``color_scheme="dark"``. Every context is closed at teardown,
    also when the test fails half-way.
    """
    contexts: list[Any] = []

    def open_page(email: str, **options: Any) -> Any:
        context = browser.new_context(**{"locale": "en-US", **options})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, live_server.url, email)
        return page

    try:
        yield open_page
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def screenshot_dark_and_phone(
    signed_in_page: Callable[..., Any], live_server: Any, screenshot_dir: Path
) -> Callable[..., None]:
    """Photograph a tab as Carol in dark mode and on a phone: ``screenshot_dark_and_phone("security")``.

    Writes ``docs/screenshots/<tab>-dark.png`` and ``<tab>-phone.png`` after checking that the page
    never scrolls sideways. ``path`` defaults to ``/account/<tab>/``; ``ready(page)`` waits for
    whatever the tab loads before the picture is taken.
    """

    def shoot(tab: str, *, path: str | None = None, ready: Callable[[Any], None] | None = None) -> None:
        for suffix, options in DARK_AND_PHONE:
            page = signed_in_page("carol@example.com", **options)
            page.goto(live_server.url + (path or f"/account/{tab}/"))
            if ready is not None:
                ready(page)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= options["viewport"]["width"], f"{tab}-{suffix}: no horizontal scrolling"
            page.screenshot(path=str(screenshot_dir / f"{tab}-{suffix}.png"), full_page=True)

    return shoot

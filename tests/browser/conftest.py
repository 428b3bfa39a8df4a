"""The browser suite: the system Chromium driven by Playwright (never `playwright install`).

Without Chromium (or Playwright) these tests skip, except under ``CI=true``, where a missing
browser is a broken build and must fail loudly.

The pages are served under the README's Content-Security-Policy (tests/settings.py), and any
violation in any page or popup the suite opens fails the test at teardown: a policy that only
the header tests know about would let an inline script or style slip in unnoticed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from selfservice.core.csp import csp_settings

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


#: Runs first in every document of a watched context: each securitypolicyviolation event is
#: handed to Python at once (the document may be gone by teardown) and kept on window as well.
CSP_LISTENER = """
(() => {
  window.__selfserviceCspViolations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    const violation = {
      directive: event.effectiveDirective || event.violatedDirective,
      blocked: event.blockedURI, source: event.sourceFile, line: event.lineNumber,
      sample: event.sample, page: document.location.href,
      element: event.target instanceof Element ? event.target.outerHTML.slice(0, 160) : "",
    };
    window.__selfserviceCspViolations.push(violation);
    if (typeof window.__selfserviceCspViolation === "function") window.__selfserviceCspViolation(violation);
  }, true);
})();
"""


class CspViolations:
    """Every Content-Security-Policy violation in the contexts it watches, for the teardown check.

    Two sources, because neither sees everything: the DOM event (with the directive and the
    blocked URL) needs JavaScript; Chromium's console message ("Executing inline script
    violates the following Content Security Policy directive ...") also comes with JavaScript off.
    """

    def __init__(self) -> None:
        self.seen: list[str] = []

    def watch(self, context: Any) -> Any:
        context.expose_function("__selfserviceCspViolation", self._event)
        context.add_init_script(CSP_LISTENER)
        context.on("console", self._console)
        return context

    def _event(self, violation: dict[str, Any]) -> None:
        where = f"{violation.get('source') or violation.get('page')}:{violation.get('line')}"
        self.seen.append(
            f"event: {violation.get('directive')} blocked {violation.get('blocked')!r} at {where}"
            f" (sample {violation.get('sample')!r}) on {violation.get('element') or 'the document'}"
        )

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.seen.append(f"console: {message.text} [{message.location.get('url', '')}]")


class WatchedBrowser:
    """The Playwright Browser, except that each context it opens is watched for CSP violations."""

    def __init__(self, browser: Any, violations: CspViolations) -> None:
        self._browser = browser
        self._violations = violations

    def new_context(self, **options: Any) -> Any:
        return self._violations.watch(self._browser.new_context(**options))

    def new_page(self, **options: Any) -> Any:
        page = self._browser.new_page(**options)
        self._violations.watch(page.context)  # from its next navigation on
        return page

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(autouse=True)
def _csp_lets_forms_reach_the_emulator(request: pytest.FixtureRequest, settings: Any) -> None:
    """The live emulator's origin (a free port) in form-action, as the demo lists 127.0.0.1:8001.

    Signing in and out POST to the site, which redirects to the tenant; Chrome applies
    form-action to that redirect, so without the tenant's origin the login would be blocked.
    Both CSP middlewares read their setting per response, so the live server sees this.
    """
    if "emulator" not in request.fixturenames:
        return
    emulator = request.getfixturevalue("emulator")
    for name, value in csp_settings(emulator.url)["settings"].items():
        setattr(settings, name, value)


@pytest.fixture
def csp_violations() -> CspViolations:
    """What ``browser`` collected; a test may look, and ``browser`` fails the test on any."""
    return CspViolations()


@pytest.fixture
def browser(live_server: Any, monkeypatch: pytest.MonkeyPatch, csp_violations: CspViolations) -> Iterator[Any]:
    """A headless Chromium, started after the live server (and its database) is ready.

    Every context opened through it is watched; at teardown, any CSP violation fails the test.
    """
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
            yield WatchedBrowser(chromium, csp_violations)
        finally:
            chromium.close()
    if csp_violations.seen:
        pytest.fail("Content-Security-Policy violations:\n  " + "\n  ".join(csp_violations.seen), pytrace=False)


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

"""axe-core over every account page: light and dark, desktop and phone, signed in as Carol.

Carol has the most of everything (40 sessions, six MFA methods, rich preferences, an unverified
address), so every component is on some page. The pages include the confirm steps (remove a
method, new recovery code, sign out everywhere else, sign out) and the email and password steps.
axe-core (npm ``axe-core@4``, installed once outside the checkout: tests/npm_packages.py) runs
through Playwright's ``evaluate``, which the pages' CSP does not govern, so nothing in the
pages is loosened for it. Rules: WCAG 2.0-2.2 A and AA plus axe's best practices.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from selfservice.emulator import Emulator
from tests.npm_packages import npm_package

from .test_demo import demo_site  # noqa: F401 - the fixture
from .test_identities import LOOKS
from .test_preferences import demo_schema  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
PAGES = (
    "/account/general/", "/account/general/email/", "/account/general/password/",
    "/account/preferences/", "/account/security/", "/account/security/activity/",
    "/account/security/recovery-code/", "REMOVE", "/account/sessions/", "/account/sessions/revoke-others/",
    "/account/privacy/", "/account/logout/",
)


@pytest.fixture(scope="module")
def axe_source() -> str:
    return (npm_package("axe-core", "4") / "node_modules" / "axe-core" / "axe.min.js").read_text()


def violations(page: Any, axe_source: str) -> list[str]:
    """axe's violations on the page as "rule: target (impact)" lines."""
    page.evaluate(axe_source)
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map(v => v.nodes.map(n => `${v.id}: ${n.target.join(' ')} (${v.impact}) ${n.failureSummary}`)).flat()",
        TAGS,
    )
    return list(found)


@pytest.mark.parametrize(("look", "options"), LOOKS, ids=[name for name, _ in LOOKS])
def test_no_page_has_an_axe_violation(
    demo_site: Emulator, demo_schema: None, live_server: Any, signed_in_page: Callable[..., Any],  # noqa: F811
    axe_source: str, look: str, options: dict[str, Any],
) -> None:
    page = signed_in_page("carol@example.com", **options)
    totp = next(m["id"] for m in demo_site.tenant.methods["auth0|carol"] if m["type"] == "totp")
    found: dict[str, list[str]] = {}
    for path in PAGES:
        path = f"/account/security/{totp}/remove/" if path == "REMOVE" else path
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        page.wait_for_load_state("load")
        problems = violations(page, axe_source)
        if problems:
            found[path] = problems
    assert found == {}, "\n".join(f"{path}:\n  " + "\n  ".join(lines) for path, lines in found.items())


def test_the_login_page_has_no_axe_violation(demo_site: Emulator, live_server: Any, page: Any, axe_source: str) -> None:  # noqa: F811
    page.goto(live_server.url + "/account/login/")
    assert violations(page, axe_source) == []


def test_the_check_reports_a_known_violation(page: Any, axe_source: str) -> None:
    # The checks above can fail: an image without alt text and an unlabelled input are found.
    page.set_content('<html lang="en"><head><title>t</title></head><body><main><img src="data:,">'
                     '<input type="text"></main></body></html>')
    rules = {line.split(":", 1)[0] for line in violations(page, axe_source)}
    assert {"image-alt", "label"} <= rules

"""The Privacy tab in a real browser: download my data, then delete the account, JS on and off.

Every new page (activity, Privacy, the delete confirm step, goodbye) is photographed light, dark
and on a 390 px phone, into docs/screenshots/ with ``SELFSERVICE_SCREENSHOTS=1`` (like every
browser test), otherwise into a temporary folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from selfservice.emulator import Emulator
from selfservice.models import AuditEvent
from tests.factories import AuditEventFactory

from .test_demo import demo_site  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")
LOOKS: dict[str, dict[str, Any]] = {
    "light": {"color_scheme": "light", "viewport": {"width": 1100, "height": 700}},
    "dark": {"color_scheme": "dark", "viewport": {"width": 1100, "height": 700}},
    "phone": {"color_scheme": "light", "viewport": {"width": 390, "height": 800}, "is_mobile": True},
}


@pytest.fixture
def shots(screenshot_dir: Path) -> Path:
    screenshot_dir.mkdir(parents=True, exist_ok=True)
    return screenshot_dir


def photograph(page: Any, folder: Path, name: str, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name}: no horizontal scrolling"
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def download_my_data(page: Any, user_id: str) -> dict[str, Any]:
    with page.expect_download() as info:
        page.get_by_role("button", name="Download my data").click()
    download = info.value
    assert re.fullmatch(r"account-data-\d{4}-\d{2}-\d{2}\.json", download.suggested_filename)
    data: dict[str, Any] = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["profile"]["user_id"] == user_id
    return data


def delete_my_account(page: Any, base: str, email: str) -> None:
    page.get_by_role("link", name="Delete my account…").click()
    page.wait_for_url(base + "/account/privacy/delete/")
    page.get_by_role("heading", name="Delete your account?").wait_for()
    page.get_by_label(re.compile("to confirm")).fill("someone@example.com")
    page.get_by_role("button", name="Delete my account").click()
    page.locator("#selfservice-panel").get_by_text(f"This is not {email}.").wait_for()
    page.get_by_label(re.compile("to confirm")).fill(email)
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_role("heading", name="Your account was deleted").wait_for()
    assert page.url == base + "/account/privacy/delete/"


@pytest.mark.parametrize(("javascript", "email", "user_id"), [
    (True, "alice@example.com", "auth0|alice"),
    (False, "bob@example.com", "google-oauth2|bob"),
])
def test_download_my_data_then_delete_the_account(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any],  # noqa: F811
    javascript: bool, email: str, user_id: str,
) -> None:
    base = live_server.url
    page = signed_in_page(email, java_script_enabled=javascript)
    page.get_by_role("link", name="Privacy").click()
    page.wait_for_url(base + "/account/privacy/")
    assert page.locator("nav [aria-current=page]").inner_text().strip() == "Privacy"

    data = download_my_data(page, user_id)
    assert data["sessions"]["available"] and data["activity"][0]["action"] == "login"
    assert AuditEvent.objects.filter(action="privacy.export", auth0_user_id=user_id).count() == 1

    delete_my_account(page, base, email)
    assert demo_site.user(user_id) is None and demo_site.tenant.user_sessions(user_id) == []
    assert AuditEvent.objects.filter(action="account.delete").count() == 1
    assert not AuditEvent.objects.filter(auth0_user_id=user_id).exists()
    page.goto(base + "/account/general/")
    assert "/account/login/" in page.url  # signed out


@pytest.mark.parametrize(("look", "email"), [("light", "alice@example.com"), ("dark", "carol@example.com"),
                                             ("phone", "bob@example.com")])
def test_the_new_pages_light_dark_and_on_a_phone(
    demo_site: Emulator, live_server: Any, signed_in_page: Callable[..., Any], shots: Path,  # noqa: F811
    look: str, email: str,
) -> None:
    base, options = live_server.url, LOOKS[look]
    width = options["viewport"]["width"]
    page = signed_in_page(email, **options)

    user_id = {"alice": "auth0|alice", "bob": "google-oauth2|bob", "carol": "auth0|carol"}[email.split("@")[0]]
    earlier = timezone.now() - timedelta(days=2)
    AuditEventFactory(user=None, auth0_user_id=user_id, action="profile.update", created_at=earlier,
                      details={"fields": ["nickname"]}, user_agent=IPHONE, ip="2001:db8::7")
    AuditEventFactory(user=None, auth0_user_id=user_id, action="session.revoke_refused", target="x",
                      created_at=earlier - timedelta(hours=3), user_agent=IPHONE, ip="198.51.100.20")
    page.goto(base + "/account/security/")
    page.get_by_role("link", name="See recent security activity").click()
    page.get_by_role("heading", name="Security activity").wait_for()
    assert page.get_by_role("heading", name="Signed in").first.is_visible()
    photograph(page, shots, f"activity-{look}", width)

    page.goto(base + "/account/privacy/")
    photograph(page, shots, f"privacy-{look}", width)
    page.get_by_role("link", name="Delete my account…").click()
    page.get_by_role("heading", name="Delete your account?").wait_for()
    page.get_by_label(re.compile("to confirm")).fill("nope@example.com")
    page.get_by_role("button", name="Delete my account").click()
    page.locator("#selfservice-panel").get_by_text(f"This is not {email}.").wait_for()
    photograph(page, shots, f"privacy-delete-{look}", width)
    page.get_by_label(re.compile("to confirm")).fill(email)
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_role("heading", name="Your account was deleted").wait_for()
    photograph(page, shots, f"privacy-goodbye-{look}", width)

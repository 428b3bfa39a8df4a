"""The Sessions rows written in Python are the bytes the shipped row template renders, and a site's
own copy of the row or of the device icon is what the site gets."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from selfservice.core.shipped_templates import TEMPLATE_ROOT
from selfservice.emulator import Emulator
from tests.conftest import ALICE, CAROL, HTMX
from tests.sessions.test_devices import FIREFOX, IPHONE
from tests.sessions.test_sessions import iso, set_current

URL = reverse("selfservice:sessions")
ROW = "selfservice/includes/session_row.html"
ICON = "selfservice/includes/device_icon.html"
# What differs between two requests: CSRF tokens, signed (time-stamped) form state, "now"-stamped moments.
PER_REQUEST = re.compile(r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": ?|name="_state" value=|datetime=)"[^"]*"')


def override(settings: Any, folder: Path, files: dict[str, str | None]) -> None:
    """A site template folder ahead of the app's: each name holds the shipped file (None) or ``text``."""
    for name, text in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            shutil.copyfile(TEMPLATE_ROOT / name, target)
        else:
            target.write_text(text)
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [str(folder), *engine.get("DIRS", [])]}, *settings.TEMPLATES[1:]]


def page(client: Client, url: str = URL, **headers: str) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return PER_REQUEST.sub("", response.content.decode())


@pytest.fixture
def still_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """``timezone.now()`` held at one moment: the two renders a test compares say "5 minutes ago"
    alike even when a minute boundary passes between them."""
    moment = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


def templates_used(client: Client, url: str = URL, **headers: str) -> set[str]:
    """The templates the engine rendered for ``url`` (Django's test instrumentation records each)."""
    return {template.name for template in client.get(url, headers=headers).templates}


@pytest.fixture
def varied(tenant: Emulator) -> None:
    """Rows of every shape: the current one, no IP, no user agent, escaping-worthy text, several
    applications and methods, and more than a page (21 + Alice's seeded ones)."""
    now = datetime.now(UTC)
    tenant.add_session(ALICE, {"id": "current", "last_interacted_at": iso(now),
                               "device": {"initial_user_agent": FIREFOX, "initial_ip": "198.51.100.7"}})
    tenant.add_session(ALICE, {"id": "no-ip", "device": {"initial_user_agent": IPHONE}})
    tenant.add_session(ALICE, {"id": "bare", "created_at": iso(now - timedelta(days=2))})
    tenant.add_session(ALICE, {"id": "odd", "device": {"initial_user_agent": '<b>"Tool" & co</b>/1.0',
                                                       "initial_ip": "2001:db8::1"},
                               "clients": [{"client_id": "selfservice-web"}, {"client_id": "a<b>&c"}],
                               "authentication": {"methods": [{"name": "pwd"}, {"name": "mfa", "type": "otp"}]}})
    for index in range(18):
        tenant.add_session(ALICE, {"id": f"bulk-{index:02d}", "last_interacted_at": iso(now - timedelta(minutes=index))})


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(("url", "headers"), [(URL, {}), (URL, HTMX), (f"{URL}?page=2", HTMX)])
def test_the_rows_are_the_bytes_the_shipped_template_renders(
    logged_in_client: Client, varied: None, settings: Any, tmp_path: Path, language: str, url: str,
    headers: dict[str, str], still_clock: datetime,
) -> None:
    set_current(logged_in_client, "current")
    with translation.override(language):
        written = page(logged_in_client, url, **headers)
        override(settings, tmp_path, {ROW: None})  # the same file, found elsewhere: rendered as a template
        rendered = page(logged_in_client, url, **headers)

    assert written.count('class="selfservice-session') >= 2
    assert (">Sesiones</h2>" in written) is (language == "es")
    assert written == rendered
    assert ROW in templates_used(logged_in_client, url, **headers)  # the override's copy: as a template


def test_the_shipped_row_and_icon_templates_are_not_rendered_per_row(logged_in_client: Client, varied: None) -> None:
    logged_in_client.get(URL)  # the icons of these kinds, rendered once in this process if not yet
    used = templates_used(logged_in_client)

    assert ROW not in used and ICON not in used


def test_the_kept_icons_are_named_in_the_pages_language(logged_in_client: Client, varied: None) -> None:
    icon_names = re.compile(r'<svg class="selfservice-device-icon[^"]*" role="img" aria-label="([^"]+)"')
    english = set(icon_names.findall(page(logged_in_client)))
    with translation.override("es"):
        spanish = set(icon_names.findall(page(logged_in_client)))
    again = set(icon_names.findall(page(logged_in_client)))

    assert {"Computer", "Phone"} <= english == again
    assert {"Ordenador", "Teléfono"} <= spanish and not english & spanish


def test_shared_applications_and_methods_drop_the_same_facts_both_ways(
    client_for: Callable[[str], Client], settings: Any, tmp_path: Path, still_clock: datetime
) -> None:
    carol = client_for(CAROL)  # every seeded session of hers shares the application and the method
    written = page(carol)
    override(settings, tmp_path, {ROW: None})

    assert "selfservice-sessions-shared" in written
    assert written == page(carol)


def test_a_sites_own_row_template_is_rendered_with_the_rows_context(
    logged_in_client: Client, varied: None, settings: Any, tmp_path: Path
) -> None:
    override(settings, tmp_path, {ROW: '<li data-n="{{ number }}" data-page="{{ page_number }}">{{ row.device.label }}'
                                       ' · {{ sign_out }}</li>\n'})

    html = page(logged_in_client, f"{URL}?page=2")

    assert 'data-n="1" data-page="2"' in html
    assert html.count(" · Sign out</li>") == html.count("<li data-n=") >= 1
    assert "selfservice-session-revoke" not in html


def test_a_sites_own_device_icon_is_used_by_the_written_rows(
    logged_in_client: Client, varied: None, settings: Any, tmp_path: Path
) -> None:
    override(settings, tmp_path, {ICON: '<i class="site-icon" data-browser="{{ device.browser }}"></i>'})

    html = page(logged_in_client)

    assert re.search(r'data-browser="Firefox[^"]*"', html)  # per row: the override may show more than the kind
    assert "selfservice-device-icon" not in html
    assert html.count('class="site-icon"') == html.count('<li class="selfservice-session')

"""The tab bar is rendered once per language, active tab and placement, then reused: the bytes are
the template's, the links follow the script prefix, and a site's own tabs.html is used."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse, set_script_prefix
from django.utils import translation

from tests.conftest import CAROL, HTMX
from tests.sessions.test_row_markup import override, page, still_clock, templates_used  # noqa: F401 - fixture

TABS = "selfservice/includes/tabs.html"
URLS = [reverse(f"selfservice:{tab}") for tab in ("general", "security", "sessions", "privacy")]


@pytest.fixture
def carol(client_for: Callable[[str], Client]) -> Client:
    return client_for(CAROL)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_the_kept_bar_is_the_bytes_the_template_renders(
    carol: Client, settings: Any, tmp_path: Path, language: str, headers: dict[str, str], still_clock: Any,  # noqa: F811
) -> None:
    settings.LANGUAGE_CODE = language
    kept = [page(carol, url, **headers) for url in URLS]
    assert TABS not in templates_used(carol, URLS[0], **headers)  # reused, not rendered again
    override(settings, tmp_path, {TABS: None})  # the same file, found elsewhere: rendered each time

    assert kept == [page(carol, url, **headers) for url in URLS]
    assert TABS in templates_used(carol, URLS[0], **headers)


def test_the_bar_follows_the_language_and_the_active_tab(carol: Client, settings: Any, still_clock: Any) -> None:  # noqa: F811
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:2], "django.middleware.locale.LocaleMiddleware", *settings.MIDDLEWARE[2:]]
    with translation.override("en"):  # LocaleMiddleware leaves its language active in this thread
        english = page(carol, URLS[0], **HTMX, **{"Accept-Language": "en"})
        spanish = page(carol, URLS[0], **HTMX, **{"Accept-Language": "es"})
        security = page(carol, URLS[1], **HTMX, **{"Accept-Language": "es"})
        english_again = page(carol, URLS[0], **HTMX, **{"Accept-Language": "en"})

    assert '>Preferences</a>' in english and '>Preferencias</a>' in spanish
    assert 'href="/account/general/" hx-get="/account/general/" hx-target="#selfservice-panel" hx-swap="innerHTML" hx-push-url="true" aria-current="page">General' in english
    assert 'hx-push-url="true" aria-current="page">General</a>' in spanish
    assert 'hx-push-url="true" aria-current="page">Seguridad</a>' in security
    assert english_again == english


def test_the_links_follow_the_script_prefix(carol: Client) -> None:
    plain = carol.get(URLS[0], headers=HTMX).content.decode()
    set_script_prefix("/portal/")  # what the WSGI handler does for a site mounted under /portal
    try:
        mounted = carol.get(URLS[0], headers=HTMX).content.decode()
    finally:
        set_script_prefix("/")

    assert 'href="/account/sessions/"' in plain and "/portal/" not in plain
    assert 'href="/portal/account/sessions/"' in mounted


def test_a_sites_own_tab_bar_is_rendered_with_the_pages_context(carol: Client, settings: Any, tmp_path: Path) -> None:
    override(settings, tmp_path, {TABS: '<nav class="site-tabs" data-active="{{ active_tab }}"'
                                        ' data-user="{{ request.user.pk }}">{% if oob %}oob{% endif %}</nav>'})

    html = page(carol, URLS[1], **HTMX)

    assert '<nav class="site-tabs" data-active="security" data-user="' in html and ">oob</nav>" in html
    assert "selfservice-tabs" not in html

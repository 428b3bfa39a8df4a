"""The htmx contract, for every tab: full page or partial, Vary, caching, and login redirects."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse

from tests.conftest import HTMX

TABS = ["general", "preferences", "security", "sessions", "privacy"]


@pytest.fixture(params=TABS)
def tab(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _templates(response: object) -> list[str]:
    return [t.name for t in response.templates if t.name]  # type: ignore[attr-defined]


def _active_link(tab: str) -> str:
    url = reverse(f"selfservice:{tab}")
    return f'hx-get="{url}" hx-target="#selfservice-panel" hx-swap="innerHTML" hx-push-url="true" aria-current="page"'


def test_a_plain_get_returns_the_full_page_with_the_tab_bar(logged_in_client: Client, tab: str) -> None:
    response = logged_in_client.get(reverse(f"selfservice:{tab}"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<!DOCTYPE html>") and "<html" in html
    assert 'id="selfservice-tabs"' in html and '<main id="selfservice-panel"' in html
    assert "hx-swap-oob" not in html
    assert html.count('aria-current="page"') == 1 and _active_link(tab) in html
    templates = _templates(response)
    assert "selfservice/page.html" in templates
    assert f"selfservice/{tab}.html" in templates and f"selfservice/partials/{tab}.html" in templates


def test_an_htmx_get_returns_only_the_tab_partial(logged_in_client: Client, tab: str) -> None:
    response = logged_in_client.get(reverse(f"selfservice:{tab}"), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<main" not in html
    assert _templates(response)[0] == f"selfservice/partials/{tab}.html"
    assert "selfservice/page.html" not in _templates(response)
    # The tab bar comes along out of band, so the active tab follows the swap.
    assert '<nav id="selfservice-tabs"' in html and 'hx-swap-oob="true"' in html
    assert html.count('aria-current="page"') == 1 and _active_link(tab) in html
    assert "<title>" in html


def test_an_htmx_history_restore_gets_the_full_page(logged_in_client: Client, tab: str) -> None:
    response = logged_in_client.get(
        reverse(f"selfservice:{tab}"), headers={**HTMX, "HX-History-Restore-Request": "true"}
    )

    assert "<html" in response.content.decode()
    assert "selfservice/page.html" in _templates(response)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_every_answer_varies_on_hx_request_and_is_never_cached(
    logged_in_client: Client, tab: str, headers: dict[str, str]
) -> None:
    response = logged_in_client.get(reverse(f"selfservice:{tab}"), headers=headers)

    assert "HX-Request" in response["Vary"]
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_an_anonymous_get_redirects_to_login_with_next(client: Client, db: None, tab: str) -> None:
    url = reverse(f"selfservice:{tab}")

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={quote(url)}"
    assert "HX-Request" in response["Vary"]


def test_an_anonymous_htmx_get_gets_hx_redirect_instead_of_302(client: Client, db: None, tab: str) -> None:
    url = reverse(f"selfservice:{tab}")

    response = client.get(url, headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{resolve_url(settings.LOGIN_URL)}?next={quote(url)}"
    assert not response.content
    assert "HX-Request" in response["Vary"]


def test_the_account_root_redirects_to_general(client: Client) -> None:
    response = client.get(reverse("selfservice:index"))

    assert response.status_code == 302
    assert response["Location"] == reverse("selfservice:general")

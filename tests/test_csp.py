"""The Content-Security-Policy header: the README's policy, from the demo's own settings.

django-csp (Django 5.2) writes the directives in set order, which changes from one process to
the next, so headers are compared directive by directive; Django 6 keeps the documented order.
"""

from __future__ import annotations

import json
import re
import runpy
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from selfservice.core import csp
from selfservice.core.csp import BUILTIN_CSP, csp_directives, csp_settings, tenant_origin
from selfservice.emulator import Emulator
from tests.conftest import HTMX

#: The README's policy, for the demo's emulated tenant.
DEMO_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "frame-ancestors 'none'; form-action 'self' http://127.0.0.1:8001; base-uri 'none'"
)
SETTING = "SECURE_CSP" if BUILTIN_CSP else "CONTENT_SECURITY_POLICY"
MIDDLEWARE = "django.middleware.csp.ContentSecurityPolicyMiddleware" if BUILTIN_CSP else "csp.middleware.CSPMiddleware"


def directives(header: str) -> dict[str, str]:
    """``"a x; b y z"`` -> ``{"a": "x", "b": "y z"}``, failing on a directive given twice."""
    parsed: dict[str, str] = {}
    for part in header.split("; "):
        name, _, sources = part.partition(" ")
        assert name not in parsed, f"{name} twice in {header!r}"
        parsed[name] = sources
    return parsed


def assert_policy(header: str | None, expected: str) -> None:
    assert header is not None, "no Content-Security-Policy header"
    assert directives(header) == directives(expected)
    if BUILTIN_CSP:
        assert header == expected  # Django 6 keeps the order it is given


def demo_settings(monkeypatch: pytest.MonkeyPatch, **environ: str) -> dict[str, Any]:
    """demo_project/settings.py evaluated afresh with ``environ`` (no AUTH0_*: the emulator)."""
    for name in ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_module("demo_project.settings")


@pytest.fixture
def demo_csp(settings: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The demo's MIDDLEWARE and CSP setting on the test site (before the client's first request)."""
    demo = demo_settings(monkeypatch)
    settings.MIDDLEWARE = demo["MIDDLEWARE"]
    setattr(settings, SETTING, demo[SETTING])
    return demo


# -- the demo's settings --------------------------------------------------------------------------


def test_the_demo_adds_the_middleware_right_after_security_middleware(monkeypatch: pytest.MonkeyPatch) -> None:
    middleware = demo_settings(monkeypatch)["MIDDLEWARE"]

    assert middleware[:2] == ["django.middleware.security.SecurityMiddleware", MIDDLEWARE]
    assert middleware.count(MIDDLEWARE) == 1


@pytest.mark.parametrize("path", [reverse("selfservice:general"), reverse("selfservice:sessions"), reverse("selfservice:security")])
def test_the_account_pages_send_exactly_the_documented_policy(
    demo_csp: dict[str, Any], logged_in_client: Client, path: str
) -> None:
    response = logged_in_client.get(path)

    assert response.status_code == 200
    assert_policy(response.headers.get("Content-Security-Policy"), DEMO_POLICY)
    assert "Content-Security-Policy-Report-Only" not in response.headers


def test_htmx_partials_and_the_login_page_send_it_too(demo_csp: dict[str, Any], logged_in_client: Client, client: Client) -> None:
    partial = logged_in_client.get(reverse("selfservice:general"), headers=HTMX)
    logged_in_client.logout()
    login = client.get(reverse("selfservice:login"))

    assert "<html" not in partial.content.decode()
    assert_policy(partial.headers.get("Content-Security-Policy"), DEMO_POLICY)
    assert_policy(login.headers.get("Content-Security-Policy"), DEMO_POLICY)


def test_a_real_tenant_is_listed_in_form_action(monkeypatch: pytest.MonkeyPatch) -> None:
    demo = demo_settings(monkeypatch, AUTH0_DOMAIN="example.eu.auth0.com", AUTH0_CLIENT_ID="m2m", AUTH0_CLIENT_SECRET="s")

    assert demo["DEMO_EMULATOR"] is None
    assert csp_directives_of(demo)["form-action"] == ["'self'", "https://example.eu.auth0.com"]


def csp_directives_of(settings_module: dict[str, Any]) -> dict[str, list[str]]:
    value = settings_module[SETTING]
    return dict(value if BUILTIN_CSP else value["DIRECTIVES"])


def test_the_test_settings_run_every_test_under_the_policy(tenant: Emulator, logged_in_client: Client) -> None:
    header = logged_in_client.get(reverse("selfservice:general")).headers.get("Content-Security-Policy")

    assert_policy(header, DEMO_POLICY.replace("http://127.0.0.1:8001", "https://tenant.emulator.test"))


def test_the_account_pages_have_no_inline_script_style_or_handler(demo_csp: dict[str, Any], logged_in_client: Client) -> None:
    # What the policy would block; the browser suite catches it too, but only on the pages it visits.
    for name in ("general", "preferences", "security", "sessions"):
        html = logged_in_client.get(reverse(f"selfservice:{name}")).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), name
        assert "<style" not in html and " style=" not in html, name
        assert not re.search(r"\son[a-z]+=", html) and "javascript:" not in html, name
        meta = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
        assert meta is not None, name
        config = json.loads(meta.group(1))
        assert config["includeIndicatorStyles"] is False, name  # htmx would inject a <style>
        assert "style" not in config["attributesToSettle"], name  # nor setAttribute("style") after a swap


# -- the seam ------------------------------------------------------------------------------------


def test_csp_settings_names_this_django_versions_middleware_and_setting() -> None:
    result = csp_settings("http://127.0.0.1:8001")

    assert result["middleware"] == MIDDLEWARE
    assert list(result["settings"]) == [SETTING]
    policy = csp_directives_of(result["settings"])
    assert policy == csp_directives("http://127.0.0.1:8001")
    assert "; ".join(f"{name} {' '.join(sources)}" for name, sources in policy.items()) == DEMO_POLICY


@pytest.mark.skipif(BUILTIN_CSP, reason="Django 6 needs no django-csp")
def test_without_django_csp_on_django_5_it_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csp.importlib.util, "find_spec", lambda name: None)

    with pytest.raises(ImproperlyConfigured, match=r"django-selfservice\[csp\]"):
        csp_settings("https://example.eu.auth0.com")


@pytest.mark.skipif(not BUILTIN_CSP, reason="Django 6.x only")
def test_django_6_uses_its_own_constants() -> None:
    from django.utils.csp import CSP

    policy = csp_settings("https://example.eu.auth0.com")["settings"]["SECURE_CSP"]

    assert policy["default-src"] == [CSP.SELF] and policy["base-uri"] == [CSP.NONE]


@pytest.mark.parametrize(
    ("given", "origin"),
    [
        ("example.eu.auth0.com", "https://example.eu.auth0.com"),
        ("https://example.eu.auth0.com/", "https://example.eu.auth0.com"),
        ("https://login.example.com/authorize?x=1", "https://login.example.com"),
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001"),
        ("127.0.0.1:8001", "https://127.0.0.1:8001"),
    ],
)
def test_tenant_origin(given: str, origin: str) -> None:
    assert tenant_origin(given) == origin


@pytest.mark.parametrize("given", ["", "   ", "ftp://example.eu.auth0.com", "https://", "javascript:alert(1)"])
def test_tenant_origin_refuses_what_is_not_one(given: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        tenant_origin(given)

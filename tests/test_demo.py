"""The demo site: its gateway status page against the emulator, its settings, and rundemo."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client

from selfservice.conf import get_settings
from selfservice.emulator import Emulator
from selfservice.management.commands import rundemo

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def demo_site(settings: Any) -> Any:
    """Serve demo_project's URLs and templates from the test settings."""
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "demo_project"]
    settings.ROOT_URLCONF = "demo_project.urls"
    return settings


def test_status_page_shows_the_demo_users_factors_and_sessions(
    demo_site: Any, selfservice_emulator: Emulator, client: Client
) -> None:
    selfservice_emulator.seed("demo")

    response = client.get("/")

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "demo_project/gateway_status.html"
    html = response.content.decode()
    for text in ("auth0|alice", "Alice Liddell", "alice@example.com", "google-oauth2|bob", "bob@example.com", "auth0|carol", "carol@example.com"):
        assert text in html
    rows = {row.user_id: row for row in response.context["status"].users}
    assert rows["google-oauth2|bob"].provider == "google-oauth2"
    assert rows["google-oauth2|bob"].profile.is_social
    assert rows["auth0|alice"].provider == "auth0"
    assert rows["auth0|alice"].session_count == 3
    assert rows["auth0|carol"].session_count == 40
    assert {f.name for f in response.context["enabled_factors"]} == {"otp", "sms", "webauthn-roaming", "recovery-code"}
    assert "<code>otp</code>" in html
    assert "<script" not in html


def test_status_page_escapes_what_the_tenant_returns(
    demo_site: Any, selfservice_emulator: Emulator, client: Client
) -> None:
    selfservice_emulator.add_user({"user_id": "auth0|alice", "email": "alice@example.com", "name": "<script>alert(1)</script>"})

    html = client.get("/").content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html


def test_users_missing_from_the_tenant_are_listed_as_such(
    demo_site: Any, selfservice_emulator: Emulator, client: Client
) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert response.content.decode().count("Not in this tenant.") == 3


def test_an_unavailable_tenant_gives_a_friendly_error_not_a_500(
    demo_site: Any, selfservice_emulator: Emulator, client: Client
) -> None:
    selfservice_emulator.seed("demo")
    selfservice_emulator.add_fault(path="/api/v2/", status=503)

    response = client.get("/")

    assert response.status_code == 503
    html = response.content.decode()
    assert "The Auth0 tenant could not be reached" in html
    assert 'role="alert"' in html
    assert "Traceback" not in html


def test_a_rate_limited_tenant_says_when_to_retry(
    demo_site: Any, selfservice_emulator: Emulator, client: Client
) -> None:
    selfservice_emulator.seed("demo")
    selfservice_emulator.add_fault(path="/api/v2/", status=429, headers={"Retry-After": "7"})

    response = client.get("/")

    assert response.status_code == 503
    assert "Try again in 7 seconds." in response.content.decode()


def test_demo_settings_point_at_the_emulator_when_no_tenant_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)

    demo = runpy.run_module("demo_project.settings")

    assert demo["DEMO_EMULATOR"] == {"host": "127.0.0.1", "port": 8001}
    assert demo["SELFSERVICE"] == {
        "AUTH0_DOMAIN": "127.0.0.1:8001",
        "AUTH0_BASE_URL": "http://127.0.0.1:8001",
        "AUTH0_CLIENT_ID": "selfservice-m2m",
        "AUTH0_CLIENT_SECRET": "selfservice-m2m-secret",
        "API_AUDIENCE": "https://selfservice.demo/api/v1/",  # the demo seed's API (JSON API tokens)
    }


def test_demo_settings_use_a_real_tenant_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH0_DOMAIN", "example.eu.auth0.com")
    monkeypatch.setenv("AUTH0_CLIENT_ID", "m2m-id")
    monkeypatch.setenv("AUTH0_CLIENT_SECRET", "m2m-secret")
    monkeypatch.delenv("AUTH0_API_AUDIENCE", raising=False)

    demo = runpy.run_module("demo_project.settings")

    assert demo["DEMO_EMULATOR"] is None
    assert demo["SELFSERVICE"] == {
        "AUTH0_DOMAIN": "example.eu.auth0.com",
        "AUTH0_CLIENT_ID": "m2m-id",
        "AUTH0_CLIENT_SECRET": "m2m-secret",
    }


def test_demo_settings_take_the_apis_audience_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH0_DOMAIN", "example.eu.auth0.com")
    monkeypatch.setenv("AUTH0_API_AUDIENCE", " https://api.example.com/account/ ")

    demo = runpy.run_module("demo_project.settings")

    assert demo["SELFSERVICE"]["API_AUDIENCE"] == "https://api.example.com/account/"


def test_demo_settings_pass_the_system_checks() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH0_")}
    env["DJANGO_SETTINGS_MODULE"] = "demo_project.settings"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_rundemo_migrates_starts_the_emulator_and_points_the_site_at_it(
    demo_site: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo_site.DEMO_EMULATOR = {"host": "127.0.0.1", "port": 8001}
    seen: dict[str, Any] = {}

    def serve(self: rundemo.Command, addrport: str) -> None:
        conf = get_settings()
        seen["addrport"] = addrport
        seen["base_url"] = conf.auth0_base_url
        seen["domain"] = conf.auth0_domain
        seen["login_base_url"] = django_settings.SOCIAL_AUTH_AUTH0_BASE_URL
        seen["discovery"] = httpx.get(f"{conf.auth0_base_url}/.well-known/openid-configuration").json()
        seen["page"] = Client().get("/").content.decode()
        seen["csp"] = Client().get("/account/login/").get("Content-Security-Policy", "")
        seen["web_client"] = httpx.patch(f"{conf.auth0_base_url}/__emulator__/clients/selfservice-web", json={}).json()

    monkeypatch.setattr(rundemo.Command, "serve", serve)

    call_command("rundemo", "--port", "8123", "--emulator-port", "0")

    assert seen["addrport"] == "127.0.0.1:8123"
    assert seen["base_url"].startswith("http://127.0.0.1:")
    assert seen["domain"] == seen["base_url"].removeprefix("http://")
    assert seen["discovery"]["issuer"] == seen["base_url"] + "/"
    assert seen["login_base_url"] == seen["base_url"]
    assert "Alice Liddell" in seen["page"]
    # The login form may go to the port the tenant really got (--emulator-port), not 8001.
    assert f"form-action 'self' {seen['base_url']}" in seen["csp"]
    assert "carol@example.com" in seen["page"]
    # Ending a session at the tenant reaches the demo's back-channel logout endpoint over HTTP.
    assert seen["web_client"]["backchannel_logout_urls"] == ["http://127.0.0.1:8123/account/backchannel-logout/"]
    # The override ends with the command.
    assert get_settings().auth0_base_url != seen["base_url"]


@pytest.mark.django_db
def test_rundemo_with_a_real_tenant_starts_no_emulator(demo_site: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    demo_site.DEMO_EMULATOR = None
    before = get_settings()
    seen: list[str] = []
    monkeypatch.setattr(rundemo.Command, "serve", lambda self, addrport: seen.append(addrport))
    monkeypatch.setattr("selfservice.emulator.Emulator.start", lambda *a, **k: pytest.fail("emulator started"))

    call_command("rundemo", "--skip-migrate")

    assert seen == ["127.0.0.1:8000"]
    assert get_settings() == before


@pytest.mark.django_db
def test_rundemo_explains_a_busy_emulator_port(demo_site: Any, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.management.base import CommandError

    busy = int(emulator.url.rsplit(":", 1)[1])
    demo_site.DEMO_EMULATOR = {"host": "127.0.0.1", "port": busy}
    monkeypatch.setattr(rundemo.Command, "serve", lambda self, addrport: pytest.fail("served"))

    with pytest.raises(CommandError, match="--emulator-port"):
        call_command("rundemo", "--skip-migrate")


@pytest.mark.django_db
def test_rundemo_loads_the_demo_preference_schema_once(demo_site: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from selfservice.models import PreferenceSchema

    demo_site.DEMO_EMULATOR = None
    demo_site.DEMO_PREFERENCE_SCHEMA = ROOT / "demo_project" / "preference_schema.json"
    monkeypatch.setattr(rundemo.Command, "serve", lambda self, addrport: None)

    call_command("rundemo", "--skip-migrate")
    call_command("rundemo", "--skip-migrate")  # a schema exists now: nothing is loaded again

    active = PreferenceSchema.active()
    assert active is not None and (active.name, active.version) == ("Account preferences", 1)
    assert PreferenceSchema.objects.count() == 1
    assert list(active.ordered_schema["properties"])[:3] == ["language", "timezone", "theme"]


def test_the_demo_answers_the_browsers_favicon_request(demo_site: Any, client: Any) -> None:
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("/demo_project/favicon.svg")

"""The Privacy tab and "Download my data": one JSON attachment, the user's own data, never a secret."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from selfservice.adapter import DefaultAdapter
from selfservice.emulator import Emulator
from selfservice.models import AuditEvent
from tests.conftest import ALICE, CAROL, HTMX
from tests.factories import AuditEventFactory

TAB = reverse("selfservice:privacy")
EXPORT = reverse("selfservice:export")
SECRET_KEY = re.compile(r"(?:^|[_-])(?:pass(?:word)?|secret|token|otp|ticket(?:_url)?|api_key|private_key|credentials?)$", re.I)


class SiteAdapter(DefaultAdapter):
    """What a site adds to the download (and a secret it must never leak)."""

    def export_data(self, request: Any, profile: Any) -> dict[str, Any]:
        return {"orders": [{"id": 7, "total": "12.50"}], "plan": profile.app_metadata.get("plan"),
                "api_token": "site-secret-token-123", "nested": {"password": "hunter2", "when": date(2026, 1, 2)}}


def management(tenant: Emulator) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in tenant.requests() if r["path"].startswith("/api/v2/")]


def download(client: Client) -> tuple[Any, dict[str, Any]]:
    response = client.post(EXPORT)
    assert response.status_code == 200, response.content[:400]
    return response, json.loads(response.content)


def all_keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(k for item in value.values() for k in all_keys(item))]
    if isinstance(value, list):
        return [k for item in value for k in all_keys(item)]
    return []


def test_the_privacy_tab_offers_the_download_and_the_deletion_without_calling_auth0(carol: Client, tenant: Emulator) -> None:
    response = carol.get(TAB)

    html = " ".join(response.content.decode().split())
    assert response.status_code == 200
    assert f'<form class="selfservice-form selfservice-privacy-export" method="post" action="{EXPORT}">' in html
    assert "hx-post" not in html.split("selfservice-privacy-export")[1].split("</form>")[0]  # a file: plain post
    assert f'href="{reverse("selfservice:delete-account")}"' in html
    assert html.count("<li><a href=") == 5 and 'aria-current="page">Privacy</a>' in html
    assert management(tenant) == []
    assert carol.get(EXPORT).status_code == 200  # GET shows the tab: a download is a POST
    assert not AuditEvent.objects.filter(action="privacy.export").exists()


def test_the_download_is_one_dated_json_attachment_of_the_users_own_data(carol: Client, tenant: Emulator) -> None:
    AuditEventFactory(auth0_user_id=CAROL, action="profile.update", ip="203.0.113.5", details={"fields": ["name"]})
    AuditEventFactory(auth0_user_id=ALICE, action="mfa.remove", ip="198.51.100.77")

    response, data = download(carol)

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="account-data-\d{4}-\d{2}-\d{2}\.json"', response["Content-Disposition"])
    assert "no-store" in response["Cache-Control"]
    assert data["format"] == "selfservice-export/1"
    assert data["profile"]["user_id"] == CAROL and data["profile"]["email"] == "carol@example.com"
    assert data["profile"]["phone_number"] == "+15555550199" and data["profile"]["logins_count"] == 311
    assert data["user_metadata"]["address"]["postal_code"] == "28013"  # the user's own data, as it is
    assert [i["provider"] for i in data["identities"]] == ["auth0"]
    assert data["sessions"]["available"] is True and len(data["sessions"]["items"]) == 40
    assert set(data["sessions"]["items"][0]) >= {"id", "created_at", "device", "applications", "authentication"}
    assert sorted(m["type"] for m in data["authentication_methods"]) == [
        "email", "phone", "recovery-code", "totp", "webauthn-roaming", "webauthn-roaming",
    ]
    assert [(e["action"], e["ip"]) for e in data["activity"]] == [("profile.update", "203.0.113.5")]
    assert "198.51.100.77" not in response.content.decode() and ALICE not in response.content.decode()
    assert "app_metadata" not in data["profile"] and data["site"] == {}


def test_the_download_never_contains_a_secret_code_or_ticket(carol: Client, tenant: Emulator, settings: Any) -> None:
    tenant.tenant.factors["otp"] = True
    carol.post(reverse("selfservice:enroll"), {"factor": "otp"})  # a ticket URL now exists upstream
    recovery = carol.post(reverse("selfservice:regenerate-recovery-code"))
    code = recovery.context["recovery_code"]
    tickets = list(tenant.tenant.tickets)
    hidden = [str(v) for methods in tenant.tenant.methods.values() for m in methods
              for k, v in m.items() if k.startswith("_")]
    assert code and hidden

    response, data = download(carol)

    body = response.content.decode()
    assert code not in body and not any(value in body for value in hidden)
    assert not any(ticket in body for ticket in tickets)
    assert "ticket_url" not in body and "/guardian/" not in body
    assert "selfservice-m2m-secret" not in body and "demo-password" not in body
    assert not [key for key in all_keys(data) if SECRET_KEY.search(key)]


def test_the_site_adds_its_own_data_through_the_adapter_with_secrets_redacted(carol: Client, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "ADAPTER": f"{__name__}.SiteAdapter"}

    response, data = download(carol)

    assert data["site"]["orders"] == [{"id": 7, "total": "12.50"}] and data["site"]["plan"] == "pro"
    assert data["site"]["api_token"] == "[redacted]" and data["site"]["nested"] == {"password": "[redacted]", "when": "2026-01-02"}
    assert "site-secret-token-123" not in response.content.decode() and "hunter2" not in response.content.decode()


def test_a_download_is_audited_and_a_second_one_in_the_ttl_costs_no_auth0_call(carol: Client, tenant: Emulator) -> None:
    download(carol)
    first = management(tenant)
    tenant.clear_requests()
    _, second = download(carol)

    assert first == [
        ("GET", "/api/v2/users/auth0|carol"),
        ("GET", "/api/v2/users/auth0|carol/authentication-methods"),
        ("GET", "/api/v2/users/auth0|carol/sessions"),
    ]
    assert management(tenant) == []  # the read cache served all three
    assert set(second["sources"]) == {"user", "methods", "sessions"}
    rows = AuditEvent.objects.filter(action="privacy.export")
    assert rows.count() == 2 and {r.auth0_user_id for r in rows} == {CAROL}
    assert [e["action"] for e in second["activity"]] == ["privacy.export"]  # the first download


def test_downloads_are_limited_per_user(carol: Client, tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {"privacy.export": "1/h"}}
    download(carol)
    tenant.clear_requests()

    refused = carol.post(EXPORT)

    assert refused.status_code == 429 and "Content-Disposition" not in refused
    assert "You are making changes too quickly" in refused.content.decode()
    assert management(tenant) == [] and AuditEvent.objects.filter(action="privacy.export").count() == 1


def test_the_download_needs_the_csrf_token(tenant: Emulator, auth0_user: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(auth0_user(CAROL))

    assert client.post(EXPORT).status_code == 403
    assert management(tenant) == []


@pytest.mark.parametrize("path", [r"^/api/v2/users/auth0\|carol$", r"/authentication-methods$", r"/sessions$"])
def test_auth0_failing_on_any_read_gives_the_tab_with_retry_and_no_file(
    carol: Client, tenant: Emulator, path: str
) -> None:
    tenant.add_fault(path, method="GET", status=503)

    response = carol.post(EXPORT, headers=HTMX)

    assert response.status_code == 503 and "Content-Disposition" not in response
    assert "The sign-in service cannot be reached right now." in response.content.decode()
    assert "Nothing was downloaded." in response.content.decode()
    assert not AuditEvent.objects.filter(action="privacy.export").exists()


def test_a_tenant_without_session_endpoints_still_downloads_the_rest(carol: Client, tenant: Emulator) -> None:
    tenant.tenant.sessions_enabled = False

    _, data = download(carol)

    assert data["sessions"] == {"available": False, "items": []}
    assert data["profile"]["user_id"] == CAROL


def test_a_social_user_downloads_their_identities(client_for: Any, tenant: Emulator) -> None:
    bob = client_for("google-oauth2|bob")

    _, data = download(bob)

    assert data["identities"] == [{"provider": "google-oauth2", "user_id": "bob", "connection": "google-oauth2",
                                   "is_social": True, "profile_data": {}}]
    assert data["profile"]["email"] == "bob@example.com"

"""Stored XSS: a payload in every field Auth0 or staff can fill, over every page that shows it.

Mallory's Auth0 user carries a different payload in each field (profile, metadata, phone,
identities, sessions' devices, MFA method names and numbers), and the preference schema staff
loaded carries them in its titles, descriptions and choice labels. Every account page and
confirm step is rendered for her, in full and as the htmx partial. The payloads must come out as
text: never a tag, an event handler or a ``javascript:`` URL, and each field's payload must be
on some page, escaped (so the check is not passing because a field was never shown).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from selfservice.emulator import Emulator
from selfservice.models import PreferenceSchema
from tests.conftest import HTMX

MALLORY = "auth0|mallory"
SHAPES = (
    '<script>alert("{f}")</script>',
    '"><img src=x onerror=alert("{f}")>',
    "'><svg onload=alert('{f}')>",
    "</textarea></title><iframe srcdoc='{f}'>",
)


def payload(field: str) -> str:
    """The payload planted in ``field``: every shape, each naming the field."""
    return "".join(shape.format(f=field) for shape in SHAPES)


def iso(hours_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": payload("schema.title"),
    "properties": {
        "motto": {"type": "string", "title": payload("schema.motto.title"), "description": payload("schema.motto.description"),
                  "maxLength": 400},
        "tone": {"type": "string", "title": "Tone", "oneOf": [{"const": "a", "title": payload("schema.tone.choice")},
                                                             {"const": "b", "title": "Plain"}]},
    },
}
# The fields some page shows (the others -- the schema's own title, an identity's name, the raw
# user agent, which is shown parsed -- are planted too, and checked for markup, but never shown).
FIELDS = ("name", "nickname", "given_name", "family_name", "phone_number", "metadata.motto", "identity.email",
          "session.ip", "method.name", "schema.motto.title", "schema.motto.description", "schema.tone.choice")


@pytest.fixture
def mallory(tenant: Emulator, client_for: Callable[[str], Client], db: None) -> Client:
    PreferenceSchema.objects.create(name="xss", version=1, schema=SCHEMA, is_active=True)
    tenant.add_user({
        "user_id": MALLORY, "email": "mallory@example.com", "email_verified": False,
        "name": payload("name"), "nickname": payload("nickname"), "given_name": payload("given_name"),
        "family_name": payload("family_name"), "phone_number": payload("phone_number"),
        "picture": "javascript:alert('picture')",
        "user_metadata": {"motto": payload("metadata.motto"), "tone": "a"},
        "identities": [
            {"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": "mallory", "isSocial": False},
            {"connection": "github", "provider": "github", "user_id": "666", "isSocial": True,
             "profileData": {"name": payload("identity.name"), "email": payload("identity.email")}},
        ],
        "sessions": [{"created_at": iso(30 - i), "last_interacted_at": iso(1 + i),
                      "device": {"initial_user_agent": payload("session.user_agent"), "initial_ip": payload("session.ip"),
                                 "initial_asn": "64496"}} for i in range(2)],
        "authentication_methods": [{"type": "totp", "name": payload("method.name")}, {"type": "recovery-code"}],
    })
    return client_for(MALLORY)


def pages(tenant: Emulator) -> list[str]:
    totp = next(m["id"] for m in tenant.tenant.methods[MALLORY] if m["type"] == "totp")
    return [reverse(f"selfservice:{name}") for name in (
        "general", "change-email", "change-password", "preferences", "security", "activity",
        "regenerate-recovery-code", "sessions", "revoke-other-sessions", "privacy",
    )] + [reverse("selfservice:remove-method", args=[totp]), reverse("selfservice:unlink-identity", args=["github", "666"])]


class Markup(HTMLParser):
    """Collects what a browser would run: event-handler attributes, script-ish URLs, inline or foreign scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.unsafe: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on") or name == "srcdoc":
                self.unsafe.append(f"<{tag} {name}=...>")
            scripted = re.match(r"\s*(javascript|vbscript|data):", value or "", re.IGNORECASE)
            if name in ("href", "src", "action", "formaction", "data") and scripted and not (
                tag == "img" and (value or "").startswith("data:image/")
            ):
                self.unsafe.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            source = dict(attrs).get("src") or ""
            if not source.startswith("/static/"):
                self.unsafe.append(f"<script src={source!r}> (not one of the app's static files)")
            self.in_script = True
        if tag in ("iframe", "object", "embed", "base"):  # the app's own inline <svg> icons are fine
            self.unsafe.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.unsafe.append(f"inline script: {data.strip()[:60]!r}")


def unsafe_markup(body: str) -> list[str]:
    parser = Markup()
    parser.feed(body)
    parser.close()
    return parser.unsafe


def test_every_planted_payload_is_shown_as_text_and_never_as_markup(mallory: Client, tenant: Emulator) -> None:
    shown = ""
    for url in pages(tenant):
        for headers in ({}, HTMX):
            response = mallory.get(url, headers=headers)
            assert response.status_code == 200, (url, headers, response.status_code)
            body = response.content.decode()
            assert unsafe_markup(body) == [], (url, headers)
            shown += body
    missing = [field for field in FIELDS if html.escape(f'<script>alert("{field}")', quote=True) not in shown
               and f'&lt;script&gt;alert(&quot;{field}&quot;)' not in shown]
    assert missing == [], f"never rendered (so never checked): {missing}"


def test_the_api_answers_the_payloads_as_json_strings_a_browser_will_not_sniff(mallory: Client) -> None:
    response = mallory.get("/account/api/v1/me")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.json()["name"] == payload("name")


def test_the_markup_check_finds_what_it_looks_for() -> None:
    # The check above can fail: each kind of unsafe markup is reported.
    page = ('<a href="javascript:alert(1)">x</a><img src=x onerror=alert(1)><script>alert(1)</script>'
            '<script src="https://evil.example/x.js"></script><iframe></iframe><form action=" JavaScript:x"></form>')
    assert len(unsafe_markup(page)) == 7
    assert unsafe_markup('<p>&lt;script&gt; onerror=alert(1) javascript:x</p><script src="/static/a.js" defer></script>') == []

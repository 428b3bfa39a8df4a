"""The OpenAPI 3.1 document and the docs page (local files only, under the strict CSP)."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from .conftest import BASE

OPERATIONS = {
    ("get", "/me"), ("patch", "/me"), ("delete", "/me"), ("get", "/me/preferences"), ("patch", "/me/preferences"),
    ("get", "/me/authentication-methods"), ("delete", "/me/authentication-methods/{method_id}"),
    ("post", "/me/authentication-methods/enrollment-ticket"), ("post", "/me/recovery-code"),
    ("get", "/me/sessions"), ("delete", "/me/sessions/{session_id}"), ("post", "/me/sessions/revoke-others"),
    ("get", "/me/identities"), ("delete", "/me/identities/{provider}/{user_id}"), ("post", "/me/email"),
    ("post", "/me/email/verification"), ("post", "/me/password"), ("get", "/me/activity"), ("get", "/me/export"),
}


def test_the_document_lists_every_operation_with_both_ways_in(db: None) -> None:
    document: dict[str, Any] = Client().get(f"{BASE}/openapi.json").json()

    assert document["openapi"].startswith("3.1")
    found = {(method, path.removeprefix(BASE)) for path, item in document["paths"].items() for method in item}
    assert found == OPERATIONS
    schemes = document["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    assert "read:me" in document["info"]["description"]


def test_the_docs_page_loads_nothing_from_elsewhere(db: None) -> None:
    page = Client().get(f"{BASE}/docs").content.decode()

    assert "/static/ninja/swagger-ui-bundle.js" in page
    # Every script, style and icon comes from this site (a random CSRF token may spell "cdn").
    sources = re.findall(r'\b(?:src|href)="([^"]*)"', page)
    assert sources and all(source.startswith("/") and not source.startswith("//") for source in sources)
    assert "https://" not in page and "http://" not in page

"""What the attack suites share: every URL pattern of ``selfservice.urls``, and upstream writes."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from selfservice.emulator import Emulator

WRITES = {"POST", "PATCH", "PUT", "DELETE"}


def patterns() -> dict[str, list[str]]:
    """``url name -> its path parameters`` for every named pattern under the selfservice namespace."""
    found: dict[str, list[str]] = {}

    def walk(entries: list[Any], namespace: str | None) -> None:
        for entry in entries:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and namespace == "selfservice" and entry.name:
                found[entry.name] = list(entry.pattern.converters)

    walk(get_resolver().url_patterns, None)
    return found


def upstream_writes(tenant: Emulator) -> list[tuple[str, str]]:
    """The Management API changes the tenant saw since its log was last cleared."""
    return [(r["method"], r["path"]) for r in tenant.requests() if r["method"] in WRITES and r["path"].startswith("/api/v2/")]

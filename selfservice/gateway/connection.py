"""The per-process SDK client: one ``ManagementClient`` and ``httpx.Client`` per settings shape.

``ManagementClient(domain, token=ManagementToken, httpx_client=<shared httpx.Client>)``, built
on first use and shared by every thread. The token callable reads Django's cache on each call,
and the httpx client carries the budget hooks (:mod:`.budget`), so nothing that must be shared
between workers lives here.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass

import httpx
from auth0.management import ManagementClient

from selfservice.conf import SelfServiceSettings

from .tokens import ManagementToken
from .transport import build_http_client

__all__ = ["Connection", "connection"]


@dataclass(frozen=True)
class Connection:
    """The per-process SDK client, its token source and the httpx client under both."""

    api: ManagementClient
    token: ManagementToken
    http: httpx.Client


_connections: dict[tuple[Hashable, ...], Connection] = {}
_connections_lock = threading.Lock()
_MAX_CONNECTIONS = 8  # settings shapes kept (tests build one per transport)


def connection(settings: SelfServiceSettings) -> Connection:
    """The :class:`Connection` for these settings, built on first use (thread-safe)."""
    key = _shape(settings)
    found = _connections.get(key)
    if found is None:
        with _connections_lock:
            found = _connections.get(key)
            if found is None:
                while len(_connections) >= _MAX_CONNECTIONS:
                    # Not closed: another thread may still be using it; it is garbage soon.
                    _connections.pop(next(iter(_connections)))
                http = build_http_client(settings)
                token = ManagementToken(settings, http)
                api = ManagementClient(
                    domain=settings.auth0_domain, token=token, httpx_client=http, timeout=settings.timeout
                )
                found = _connections[key] = Connection(api=api, token=token, http=http)
    return found


def _shape(settings: SelfServiceSettings) -> tuple[Hashable, ...]:
    transport = settings.auth0_transport
    try:
        hash(transport)
    except TypeError:
        transport = ("unhashable", id(transport))
    return (
        settings.auth0_domain,
        settings.auth0_client_id,
        settings.auth0_client_secret,
        settings.auth0_audience,
        settings.auth0_base_url,
        transport,
        settings.timeout,
        settings.write_timeout,
        settings.cache_alias,
        settings.cache_key_prefix,
        settings.token_refresh_margin,
        settings.management_budget,
    )

"""OIDC Back-Channel Logout: when a session ends, tell each client that used it.

Auth0 POSTs ``application/x-www-form-urlencoded`` with one field ``logout_token`` (an RS256 JWT
with iss, aud, iat, exp, jti, events, sid, sub and no nonce) to the client's registered URL
(auth0-facts.md addendum). Real Auth0 requires public https URLs; the emulator allows loopback.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from selfservice.emulator.keys import now

if TYPE_CHECKING:
    from selfservice.emulator.tenant import Tenant

logger = logging.getLogger("selfservice.emulator")

EVENT = "http://schemas.openid.net/event/backchannel-logout"
TOKEN_LIFETIME = 120

# (url, form body) -> HTTP status; replaceable so tests can deliver into a Django test client.
Sender = Callable[[str, bytes], int]


def http_sender(url: str, body: bytes) -> int:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - URLs come from client config
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError) as exc:
        logger.warning("back-channel logout to %s failed: %s", url, exc)
        return 0


def logout_token(tenant: Tenant, session: dict[str, Any], client_id: str, issuer: str) -> str:
    issued = now()
    return tenant.key.sign(
        {
            "iss": issuer,
            "sub": session["user_id"],
            "aud": client_id,
            "iat": issued,
            "exp": issued + TOKEN_LIFETIME,
            "jti": uuid.uuid4().hex,
            "events": {EVENT: {}},
            "sid": session["id"],
        },
        typ="logout+jwt",
    )


def notify(tenant: Tenant, session: dict[str, Any], issuer: str | None) -> list[tuple[str, int]]:
    """Send a logout token to every back-channel URL of every client of the ended session."""
    issuer = tenant.public_url or issuer
    if not issuer:
        return []
    deliveries = []
    for item in session.get("clients") or []:
        client = tenant.clients.get(item.get("client_id", ""))
        if client is None:
            continue
        for url in client.backchannel_logout_urls:
            body = urlencode({"logout_token": logout_token(tenant, session, client.client_id, issuer)}).encode()
            status = tenant.backchannel_sender(url, body)
            deliveries.append((url, status))
    with tenant.lock:
        tenant.backchannel_log.extend({"url": url, "status": status, "sid": session["id"]} for url, status in deliveries)
    return deliveries

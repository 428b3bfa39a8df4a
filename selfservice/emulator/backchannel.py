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
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from selfservice.emulator.keys import SigningKey, now

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


def logout_token(key: SigningKey, session: dict[str, Any], client_id: str, issuer: str) -> str:
    issued = now()
    return key.sign(
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


def notify(
    session: dict[str, Any],
    issuer: str,
    *,
    key: SigningKey,
    urls_by_client: Mapping[str, Sequence[str]],
    send: Sender,
) -> list[tuple[str, int]]:
    """Send a logout token to every back-channel URL of every client of the ended session.

    Takes the tenant's parts rather than the tenant, so this module does not import it.
    """
    deliveries = []
    for item in session.get("clients") or []:
        client_id = item.get("client_id", "")
        for url in urls_by_client.get(client_id, ()):
            body = urlencode({"logout_token": logout_token(key, session, client_id, issuer)}).encode()
            deliveries.append((url, send(url, body)))
    return deliveries

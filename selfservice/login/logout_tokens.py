"""OIDC Back-Channel Logout 1.0: validate Auth0's ``logout_token`` and end the local sessions.

When an Auth0 session ends (the user signs out elsewhere, a session is revoked from the
Sessions tab or the dashboard), Auth0 POSTs a signed ``logout_token`` to the login client's
*Back-Channel Logout URI*. :func:`validate` checks it like an ID token and more:

- signature: RS256 only, with a key from the tenant's JWKS (``/.well-known/jwks.json``),
  fetched through the gateway's transport (so ``AUTH0_BASE_URL``/``AUTH0_TRANSPORT`` reach the
  emulator too), kept in Django's cache and fetched again when an unknown ``kid`` shows up
  (at most once a minute, so forged ``kid`` values cannot make us hammer Auth0);
- ``iss`` is the issuer of the site's ID tokens (``SOCIAL_AUTH_AUTH0_BASE_URL`` or
  ``https://{SOCIAL_AUTH_AUTH0_DOMAIN}``, plus ``/``); ``aud`` is ``SOCIAL_AUTH_AUTH0_KEY``;
- ``iat`` is present, not in the future and at most :data:`MAX_AGE` seconds old; ``exp``, when
  present, not passed;
- ``events`` holds ``http://schemas.openid.net/event/backchannel-logout`` (an object); ``sid``
  or ``sub`` is present; there is no ``nonce`` (so an ID token cannot pass for a logout token);
- ``jti`` is present (the spec requires it) and used once (remembered in Django's cache for
  :data:`MAX_AGE`).

:func:`selfservice.login.session_map.end_local_sessions` then deletes the Django sessions
recorded for that ``sid`` (or, with only ``sub``, every session of that user).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import jwt
from django.conf import settings

from selfservice.conf import get_settings
from selfservice.core import jwks
from selfservice.core.shared_cache import shared_cache

__all__ = [
    "EVENT",
    "MAX_AGE",
    "LogoutClaims",
    "LogoutTokenError",
    "SigningKeysUnavailable",
    "expected_audience",
    "expected_issuer",
    "validate",
]

logger = logging.getLogger("selfservice.login.logout_tokens")

EVENT = "http://schemas.openid.net/event/backchannel-logout"
#: Seconds a logout token stays acceptable after ``iat`` (Auth0's tokens live 2 minutes).
MAX_AGE = 300
#: Clock skew tolerated between Auth0 and this server.
LEEWAY = 30


class LogoutTokenError(Exception):
    """The token is not a valid logout token; ``str(error)`` says why (safe to return)."""


class SigningKeysUnavailable(LogoutTokenError):
    """The tenant's JWKS could not be read: not the token's fault (the endpoint answers 503)."""


@dataclass(frozen=True)
class LogoutClaims:
    """What a valid logout token names: an Auth0 session (``sid``), a user (``sub``), or both."""

    sid: str | None
    sub: str | None
    jti: str


def expected_issuer() -> str:
    """The issuer of this site's ID tokens, with Auth0's trailing slash."""
    base = getattr(settings, "SOCIAL_AUTH_AUTH0_BASE_URL", None)
    origin = str(base).rstrip("/") if base else f"https://{getattr(settings, 'SOCIAL_AUTH_AUTH0_DOMAIN', '')}"
    return origin + "/"


def expected_audience() -> str:
    """The login client's id: logout tokens are addressed to it."""
    return str(getattr(settings, "SOCIAL_AUTH_AUTH0_KEY", "") or "")


def validate(token: str, *, now: float | None = None) -> LogoutClaims:
    """Return the claims of a valid logout token; raise :class:`LogoutTokenError` otherwise."""
    now = time.time() if now is None else now
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise LogoutTokenError("The logout token is not a JWT.") from exc
    if header.get("alg") != "RS256":
        raise LogoutTokenError("The logout token must be signed with RS256.")
    key = _signing_key(str(header.get("kid") or ""))
    audience = expected_audience()
    if not audience:
        raise LogoutTokenError("SOCIAL_AUTH_AUTH0_KEY is not set: no audience to check.")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=audience,
            issuer=expected_issuer(),
            leeway=LEEWAY,
            options={"require": ["iss", "aud", "iat"], "verify_iat": False},
        )
    except jwt.ExpiredSignatureError as exc:
        raise LogoutTokenError("The logout token has expired.") from exc
    except jwt.InvalidAudienceError as exc:
        raise LogoutTokenError("The logout token is for another audience.") from exc
    except jwt.InvalidIssuerError as exc:
        raise LogoutTokenError("The logout token comes from another issuer.") from exc
    except jwt.InvalidSignatureError as exc:
        raise LogoutTokenError("The logout token's signature does not verify.") from exc
    except jwt.PyJWTError as exc:
        raise LogoutTokenError(f"The logout token is not valid: {exc}") from exc
    return _check_logout_claims(claims, now)


def _check_logout_claims(claims: dict[str, Any], now: float) -> LogoutClaims:
    issued = claims.get("iat")
    if not isinstance(issued, int | float) or isinstance(issued, bool):
        raise LogoutTokenError("The logout token has no valid iat.")
    if issued > now + LEEWAY:
        raise LogoutTokenError("The logout token was issued in the future.")
    if issued < now - MAX_AGE:
        raise LogoutTokenError("The logout token is too old.")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(EVENT), dict):
        raise LogoutTokenError("The logout token has no back-channel logout event.")
    if "nonce" in claims:
        raise LogoutTokenError("A logout token must not contain a nonce.")
    sid = claims.get("sid")
    sub = claims.get("sub")
    sid = str(sid) if isinstance(sid, str) and sid else None
    sub = str(sub) if isinstance(sub, str) and sub else None
    if sid is None and sub is None:
        raise LogoutTokenError("The logout token names neither a session (sid) nor a user (sub).")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        # Required by OIDC Back-Channel Logout 1.0 (2.4): without it a captured token could be
        # replayed for as long as it is fresh.
        raise LogoutTokenError("The logout token has no jti (a unique token id).")
    if not _first_use(jti):
        raise LogoutTokenError("The logout token was already used.")
    return LogoutClaims(sid=sid, sub=sub, jti=jti)


# -- keys ------------------------------------------------------------------------------------


def _cache_key(name: str) -> str:
    return f"{get_settings().cache_key_prefix}:backchannel:{name}"


def _cache() -> Any:
    return shared_cache(get_settings().cache_alias)


def _first_use(jti: str) -> bool:
    return bool(_cache().add(_cache_key(f"jti:{jti}"), 1, timeout=MAX_AGE + LEEWAY))


def _signing_key(kid: str) -> Any:
    try:
        return jwks.signing_key(kid)
    except jwks.UnknownKey as exc:
        raise LogoutTokenError("The logout token is signed with an unknown key.") from exc
    except jwks.KeysUnavailable as exc:
        raise SigningKeysUnavailable(str(exc)) from exc

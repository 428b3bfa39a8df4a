"""The tenant's signing keys (``/.well-known/jwks.json``), shared by every token this app checks.

Back-channel logout tokens and the JSON API's bearer tokens are both signed by the tenant.
The key set is fetched through the gateway's HTTP client (so ``AUTH0_BASE_URL`` and
``AUTH0_TRANSPORT`` reach the emulator too), kept in Django's cache (shared by the workers),
and fetched again when a token names an unknown ``kid`` — at most once a minute, so forged
``kid`` values cannot make the site hammer the tenant.
"""

from __future__ import annotations

import logging
from typing import Any

import jwt

from selfservice.conf import get_settings
from selfservice.core.shared_cache import process_copies, shared_cache

__all__ = ["KeysUnavailable", "UnknownKey", "signing_key"]

logger = logging.getLogger("selfservice.core.jwks")

JWKS_TTL = 3600
JWKS_REFETCH_INTERVAL = 60
# The key set as this process last saw it. Used only while the shared cache cannot be reached,
# with the same once-a-minute refetch limit.
_WHILE_UNREACHABLE = process_copies()


class UnknownKey(Exception):
    """No key of the tenant has this ``kid`` (a forged token, or one from another tenant)."""


class KeysUnavailable(Exception):
    """The key set could not be read: not the token's fault (answer 503, not 401)."""


def signing_key(kid: str) -> Any:
    """The public key with this ``kid`` (or the only key, for a token without one)."""
    cache = shared_cache(get_settings().cache_alias)
    jwks = cache.get(_key("jwks"))
    if jwks is None and not cache.reached:
        return _signing_key_while_unreachable(kid)
    key = _find(jwks, kid)
    if key is None and cache.add(_key("jwks-fetched"), 1, timeout=JWKS_REFETCH_INTERVAL if jwks else 1):
        jwks = _fetch()
        cache.set(_key("jwks"), jwks, timeout=JWKS_TTL)
        key = _find(jwks, kid)
    if jwks is not None:
        _WHILE_UNREACHABLE.keep(_key("jwks"), jwks)
    if key is None:
        raise UnknownKey(kid)
    return key


def _signing_key_while_unreachable(kid: str) -> Any:
    """The key from this process's copy, fetched again at most once a minute (forged ``kid``s)."""
    key = _find(_WHILE_UNREACHABLE.get(_key("jwks"), JWKS_TTL), kid)
    if key is None and _WHILE_UNREACHABLE.age(_key("jwks")) >= JWKS_REFETCH_INTERVAL:
        jwks = _fetch()
        _WHILE_UNREACHABLE.keep(_key("jwks"), jwks)
        key = _find(jwks, kid)
    if key is None:
        raise UnknownKey(kid)
    return key


def _key(name: str) -> str:
    # The same keys as before this module existed: a deploy does not refetch the key set.
    return f"{get_settings().cache_key_prefix}:backchannel:{name}"


def _find(jwks: Any, kid: str) -> Any:
    if not isinstance(jwks, dict):
        return None
    try:
        keyset = jwt.PyJWKSet.from_dict(jwks)
    except jwt.PyJWTError:
        return None
    for item in keyset.keys:
        if item.key_id == kid or (not kid and len(keyset.keys) == 1):
            return item.key
    return None


def _fetch() -> dict[str, Any]:
    import httpx

    from selfservice.gateway.auth0 import connection

    current = get_settings()
    try:
        response = connection(current).http.get(
            f"https://{current.auth0_domain}/.well-known/jwks.json", timeout=current.timeout
        )
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        logger.warning("Could not read the tenant's JWKS: %s", type(exc).__name__)
        raise KeysUnavailable("The tenant's signing keys could not be read; try again.") from exc
    if not isinstance(data, dict):
        raise KeysUnavailable("The tenant's signing keys could not be read; try again.")
    return data

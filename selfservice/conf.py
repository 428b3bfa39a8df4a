"""The one ``SELFSERVICE`` settings dict, merged over documented defaults.

Read it with :func:`get_settings`; the result is a frozen, typed object built once and rebuilt
when Django's ``setting_changed`` fires (``override_settings``, pytest-django's ``settings``).
Nothing here validates or raises: ``manage.py check`` (``selfservice.checks``) reports every
problem at once, with an id and a hint.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings

SETTINGS_NAME = "SELFSERVICE"

DEFAULTS: dict[str, Any] = {
    # Your tenant's domain, e.g. "example.eu.auth0.com" (no scheme). Required.
    "AUTH0_DOMAIN": "",
    # Machine-to-machine application that calls the Management API (client credentials). Required.
    "AUTH0_CLIENT_ID": "",
    "AUTH0_CLIENT_SECRET": "",
    # Management API audience; None means "https://{AUTH0_DOMAIN}/api/v2/".
    "AUTH0_AUDIENCE": None,
    # Send every Auth0 call to this origin instead of https://{AUTH0_DOMAIN}
    # (e.g. "http://127.0.0.1:8001" for `python -m selfservice.emulator`). None: real Auth0.
    "AUTH0_BASE_URL": None,
    # An httpx transport (or a dotted path to a zero-argument callable returning one) that
    # carries every Auth0 call; tests use httpx.WSGITransport around the emulator. None: network.
    "AUTH0_TRANSPORT": None,
    # Dotted path of the gateway class (see selfservice.gateway.base.Gateway).
    "GATEWAY": "selfservice.gateway.auth0.Auth0Gateway",
    # Dotted path of the site-policy adapter (see selfservice.adapter.DefaultAdapter).
    "ADAPTER": "selfservice.adapter.DefaultAdapter",
    # Per-user limits on mutations, django-ratelimit rates such as "10/m" (None turns one off).
    # A site's dict is merged over this one. Counters live in django-ratelimit's cache
    # (RATELIMIT_USE_CACHE), which must be shared by all workers in production.
    "RATELIMIT": {"profile.update": "10/m", "preferences.update": "10/m", "sessions.revoke": "10/m", "sessions.revoke_others": "3/m", "mfa.enroll": "10/m", "mfa.remove": "10/m", "mfa.recovery_code": "5/m"},
    # Seconds an Auth0 call may take before the page shows "try again" (connect + read).
    "TIMEOUT": 5.0,
    # Django cache alias holding the Management token and tenant-wide data (shared by workers).
    "CACHE_ALIAS": "default",
    # Prefix of every cache key this app writes.
    "CACHE_KEY_PREFIX": "selfservice",
    # Refresh the Management token this many seconds before it expires.
    "TOKEN_REFRESH_MARGIN": 300,
    # Seconds to cache tenant-wide data such as the enabled guardian factors.
    "FACTORS_CACHE_TTL": 300,
    # Preferences tab: refuse a save that would make the user's Auth0 profile (serialized JSON,
    # user_metadata included) larger than this many bytes. Auth0 documents 10 KB per profile.
    "PREFERENCES_PROFILE_LIMIT": 10240,
    # Security tab: the MFA factors offered, e.g. ["otp", "webauthn-roaming"] (Auth0's factor names,
    # so the phone factor is "sms"), in that order. None: every factor the tenant enables.
    "MFA_FACTORS": None,
    # Sessions tab: sessions shown per page (1..50). The tab reads all of a user's sessions (50 per
    # Management API call, Auth0's maximum) to order them by last activity, then pages locally.
    "SESSIONS_PAGE_SIZE": 20,
    # Sessions tab: Auth0 client id -> the name users see under "Applications". The login client
    # (SOCIAL_AUTH_AUTH0_KEY) is "This site" unless named here; unnamed clients show their id.
    "SESSIONS_CLIENT_NAMES": {},
}


@dataclass(frozen=True)
class SelfServiceSettings:
    """Typed view of ``settings.SELFSERVICE`` merged over :data:`DEFAULTS`."""

    auth0_domain: str
    auth0_client_id: str
    auth0_client_secret: str
    auth0_audience: str
    auth0_base_url: str | None
    auth0_transport: Any
    gateway: str
    adapter: str
    ratelimit: dict[str, str | None]
    timeout: float
    cache_alias: str
    cache_key_prefix: str
    token_refresh_margin: int
    factors_cache_ttl: int
    mfa_factors: tuple[str, ...] | None
    sessions_page_size: int
    sessions_client_names: dict[str, str]
    preferences_profile_limit: int
    unknown_keys: tuple[str, ...]
    raw: dict[str, Any]


def user_settings() -> dict[str, Any]:
    """The site's own ``SELFSERVICE`` dict (empty when unset or not a dict)."""
    value = getattr(django_settings, SETTINGS_NAME, None)
    return dict(value) if isinstance(value, dict) else {}


@functools.cache
def get_settings() -> SelfServiceSettings:
    """Return the merged settings; cached until a setting changes."""
    given = user_settings()
    merged = {**DEFAULTS, **given}
    domain = str(merged["AUTH0_DOMAIN"] or "").strip()
    audience = merged["AUTH0_AUDIENCE"] or f"https://{domain}/api/v2/"
    base_url = merged["AUTH0_BASE_URL"]
    return SelfServiceSettings(
        auth0_domain=domain,
        auth0_client_id=str(merged["AUTH0_CLIENT_ID"] or ""),
        auth0_client_secret=str(merged["AUTH0_CLIENT_SECRET"] or ""),
        auth0_audience=str(audience),
        auth0_base_url=str(base_url).rstrip("/") if base_url else None,
        auth0_transport=merged["AUTH0_TRANSPORT"],
        gateway=str(merged["GATEWAY"]),
        adapter=str(merged["ADAPTER"]),
        ratelimit=_rates(given.get("RATELIMIT")),
        timeout=_as_float(merged["TIMEOUT"], DEFAULTS["TIMEOUT"]),
        cache_alias=str(merged["CACHE_ALIAS"]),
        cache_key_prefix=str(merged["CACHE_KEY_PREFIX"]),
        token_refresh_margin=int(_as_float(merged["TOKEN_REFRESH_MARGIN"], DEFAULTS["TOKEN_REFRESH_MARGIN"])),
        factors_cache_ttl=int(_as_float(merged["FACTORS_CACHE_TTL"], DEFAULTS["FACTORS_CACHE_TTL"])),
        mfa_factors=_factor_names(merged["MFA_FACTORS"]),
        sessions_page_size=_page_size(merged["SESSIONS_PAGE_SIZE"]),
        sessions_client_names=_names(merged["SESSIONS_CLIENT_NAMES"]),
        preferences_profile_limit=_positive_int(merged["PREFERENCES_PROFILE_LIMIT"], DEFAULTS["PREFERENCES_PROFILE_LIMIT"]),
        unknown_keys=tuple(sorted(set(given) - set(DEFAULTS))),
        raw=merged,
    )


def _rates(given: Any) -> dict[str, str | None]:
    rates: dict[str, str | None] = dict(DEFAULTS["RATELIMIT"])
    if isinstance(given, dict):
        rates.update({str(name): (str(rate) if rate else None) for name, rate in given.items()})
    return rates


def _page_size(value: Any) -> int:
    # 1..50 sessions per page of the tab; a bad value is reported by selfservice.E041.
    size = int(_as_float(value, DEFAULTS["SESSIONS_PAGE_SIZE"]))
    return size if 1 <= size <= 50 else int(DEFAULTS["SESSIONS_PAGE_SIZE"])


def _positive_int(value: Any, default: int) -> int:
    # A bad value is reported by selfservice.E020; at run time the default applies.
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return default


def _names(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}  # reported by selfservice.E040
    return {str(key): str(name) for key, name in value.items() if key and name}


def _factor_names(value: Any) -> tuple[str, ...] | None:
    # None offers every enabled factor; a bad value is reported by selfservice.E030 (and offers all).
    if isinstance(value, list | tuple) and all(isinstance(name, str) for name in value):
        return tuple(dict.fromkeys(value))
    return None


def _as_float(value: Any, default: float) -> float:
    # Bad values are reported by the system checks; at run time fall back to the default.
    try:
        number = float(value)
    except (TypeError, ValueError):
        return float(default)
    return number if math.isfinite(number) else float(default)


def reset_settings_cache(*, setting: str, **kwargs: Any) -> None:
    """``setting_changed`` receiver: forget the merged settings."""
    if setting in (SETTINGS_NAME, "CACHES"):
        get_settings.cache_clear()

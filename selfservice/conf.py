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
    # Its secret. Required; read it from the environment, never from source control.
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
    # Per-user limits on mutations, django-ratelimit rates such as "10/m" (None turns one off),
    # counted per Auth0 user for the pages and the JSON API together. A site's dict is merged
    # over this one. Counters live in django-ratelimit's cache (RATELIMIT_USE_CACHE), which
    # must be shared by all workers in production; RATELIMIT_ENABLE = False turns them off.
    "RATELIMIT": {"profile.update": "10/m", "preferences.update": "10/m", "sessions.revoke": "10/m", "sessions.revoke_others": "3/m", "mfa.enroll": "10/m", "mfa.remove": "10/m", "mfa.recovery_code": "5/m",
                  # Every account page request, per signed-in user and per client IP: reads are
                  # generous (tab switches, paging, inline validation), writes (any other POST) tighter.
                  "read.user": "3000/m", "read.ip": "6000/m", "write.user": "30/m", "write.ip": "60/m",
                  # Auth0 login, per client IP (anonymous): POST /login/auth0/ and /complete/auth0/.
                  "login.start": "20/m", "login.complete": "20/m", "login.backchannel": "120/m",
                  # Privacy tab: downloads of "my data" and account deletion attempts, per user.
                  "privacy.export": "5/h", "account.delete": "5/m",
                  # General tab: "Send the verification email again" (each one sends an email).
                  "email.verify": "3/h",
                  # General tab: changing the email (each change sends an email) and starting a
                  # password change (each makes an Auth0 ticket), per user.
                  "email.change": "5/h", "password.change": "5/h",
                  # The same per client IP ("NAME.ip" counts every user behind one address).
                  "email.verify.ip": "10/h", "email.change.ip": "10/h", "password.change.ip": "10/h",
                  # General tab: starting or confirming a link, and unlinking, per user.
                  "identities.link": "10/m", "identities.unlink": "10/m"},
    # How many proxies in front of Django append to X-Forwarded-For: 0 (the default) trusts no
    # header and takes the client IP from REMOTE_ADDR; 1 takes the last address the one proxy
    # added, and so on. Never more than the proxies you run: clients can write the header too.
    "TRUSTED_PROXIES": 0,
    # Seconds an Auth0 call may take before the page shows "try again" (connect + read).
    "TIMEOUT": 5.0,
    # Seconds a change (PATCH, DELETE, POST) may take: longer than a read, because giving up on
    # a change leaves its outcome unknown ("we could not confirm this").
    "WRITE_TIMEOUT": 10.0,
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
    # Per-user read cache (in CACHE_ALIAS): seconds a copy is fresh, per kind. Within it a tab
    # view makes no Auth0 call; a save stores Auth0's answer; "Refresh" reads again.
    "READ_CACHE_TTL": {"user": 300, "methods": 60, "sessions": 30},
    # Seconds a copy is kept after that, to show (marked with its age) while Auth0 is busy.
    "READ_CACHE_STALE_TTL": 3600,
    # The site's own Management API budget, shared by every worker: None (obey Auth0's headers
    # only), a plan preset ("free", "essentials", "enterprise") or {bucket: "N/s"|"N/m"|
    # {"rate": "N/m", "burst": B}} with buckets "global", "users.read", "users.write", "other".
    "MANAGEMENT_BUDGET": None,
    # Seconds a read with no cached copy may wait for budget before the tab says "busy".
    "BUDGET_WAIT": 2.0,
    # General tab: connections a user may link as another way of signing in, e.g.
    # ["google-oauth2", "github"] (each enabled for the login application). Empty: no Link button.
    "LINK_CONNECTIONS": [],
    # Step-up: sensitive actions (remove an MFA method, a new recovery code, sign out everywhere
    # else) need a sign-in at most this many seconds old (the ID token's auth_time); an older
    # one signs in again first (max_age=0, prompt=login). None turns step-up off.
    "STEP_UP_MAX_AGE": 300,
    # Security activity (security/activity/): days a user's security events are kept and shown.
    # `manage.py selfservice_prune` deletes older rows (run it daily); None keeps them forever.
    "ACTIVITY_RETENTION_DAYS": 180,
    # Security activity: events shown per page (1..100).
    "ACTIVITY_PAGE_SIZE": 25,
    # Delete my account (privacy/delete/): once Auth0 deleted the account, the Django user is
    # "delete"d (with everything that cascades from it and the user's audit events) or
    # "anonymise"d (kept for the site's own records, inactive, without name, email, password or
    # social-auth link; its audit events lose IP, user agent and ids). Anything else: "anonymise".
    "ACCOUNT_DELETION": "delete",
    # Preferences that take effect (a schema property with "x-applies": language, time_zone or
    # theme; PreferencesMiddleware): "account" applies them on the account pages, "site" on
    # every page of a signed-in user, None nowhere.
    "APPLY_PREFERENCES": "account",
    # The JSON API (selfservice.api, the `api` extra): the identifier of the site's API in Auth0
    # (the audience of the access tokens apps send as "Authorization: Bearer"). None: bearer
    # tokens are refused and only the session cookie gets in.
    "API_AUDIENCE": None,
}

#: Auth0's published Management API limits per plan (auth0-facts.md §6.3), as MANAGEMENT_BUDGET.
BUDGET_PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "free": {"global": {"rate": "2/s", "burst": 2}},
    "essentials": {
        "users.read": {"rate": "500/m", "burst": 40},
        "users.write": {"rate": "200/m", "burst": 20},
        "other": {"rate": "150/m", "burst": 10},
    },
    "enterprise": {"global": {"rate": "16/s", "burst": 50}},
}
BUDGET_BUCKETS = ("global", "users.read", "users.write", "other")
READ_CACHE_KINDS = ("user", "methods", "sessions")
_PERIODS = {"s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class BudgetRule:
    """One bucket of the site's budget: at most ``limit`` calls per ``window`` seconds.

    Built from a rate and Auth0's burst: ``limit`` is half the burst (at least 1) and ``window``
    is how long the plan takes to earn ``limit`` calls, so two windows back to back never send
    more than the burst and the sustained rate is the plan's.
    """

    bucket: str
    limit: int
    window: float


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
    write_timeout: float
    cache_alias: str
    cache_key_prefix: str
    token_refresh_margin: int
    factors_cache_ttl: int
    mfa_factors: tuple[str, ...] | None
    sessions_page_size: int
    sessions_client_names: dict[str, str]
    preferences_profile_limit: int
    read_cache_ttl: dict[str, int]
    read_cache_stale_ttl: int
    management_budget: tuple[BudgetRule, ...]
    budget_wait: float
    trusted_proxies: int
    step_up_max_age: int | None
    activity_retention_days: int | None
    activity_page_size: int
    account_deletion: str
    apply_preferences: str | None
    api_audience: str | None
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
        write_timeout=_as_float(merged["WRITE_TIMEOUT"], DEFAULTS["WRITE_TIMEOUT"]),
        cache_alias=str(merged["CACHE_ALIAS"]),
        cache_key_prefix=str(merged["CACHE_KEY_PREFIX"]),
        token_refresh_margin=int(_as_float(merged["TOKEN_REFRESH_MARGIN"], DEFAULTS["TOKEN_REFRESH_MARGIN"])),
        factors_cache_ttl=int(_as_float(merged["FACTORS_CACHE_TTL"], DEFAULTS["FACTORS_CACHE_TTL"])),
        mfa_factors=_factor_names(merged["MFA_FACTORS"]),
        sessions_page_size=_page_size(merged["SESSIONS_PAGE_SIZE"]),
        sessions_client_names=_names(merged["SESSIONS_CLIENT_NAMES"]),
        preferences_profile_limit=_positive_int(merged["PREFERENCES_PROFILE_LIMIT"], DEFAULTS["PREFERENCES_PROFILE_LIMIT"]),
        read_cache_ttl=_read_cache_ttl(given.get("READ_CACHE_TTL")),
        read_cache_stale_ttl=_non_negative_int(merged["READ_CACHE_STALE_TTL"], DEFAULTS["READ_CACHE_STALE_TTL"]),
        management_budget=_budget_or_none(merged["MANAGEMENT_BUDGET"]),
        budget_wait=max(_as_float(merged["BUDGET_WAIT"], DEFAULTS["BUDGET_WAIT"]), 0.0),
        trusted_proxies=_non_negative_int(merged["TRUSTED_PROXIES"], 0),
        step_up_max_age=_step_up_max_age(merged["STEP_UP_MAX_AGE"]),
        activity_retention_days=_retention_days(merged["ACTIVITY_RETENTION_DAYS"]),
        activity_page_size=_activity_page_size(merged["ACTIVITY_PAGE_SIZE"]),
        account_deletion="delete" if merged["ACCOUNT_DELETION"] == "delete" else "anonymise",
        apply_preferences=merged["APPLY_PREFERENCES"] if merged["APPLY_PREFERENCES"] in ("account", "site") else None,
        api_audience=str(merged["API_AUDIENCE"]) if merged["API_AUDIENCE"] else None,
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


def _step_up_max_age(value: Any) -> int | None:
    # A bad value is reported by selfservice.E050; at run time the default applies (step-up stays on).
    return None if value is None else _positive_int(value, DEFAULTS["STEP_UP_MAX_AGE"])


def _retention_days(value: Any) -> int | None:
    # None keeps events forever; anything that is not a positive whole number: the default.
    return None if value is None else _positive_int(value, DEFAULTS["ACTIVITY_RETENTION_DAYS"])


def _activity_page_size(value: Any) -> int:
    size = _positive_int(value, DEFAULTS["ACTIVITY_PAGE_SIZE"])
    return size if size <= 100 else int(DEFAULTS["ACTIVITY_PAGE_SIZE"])


def _non_negative_int(value: Any, default: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return default


def _read_cache_ttl(given: Any) -> dict[str, int]:
    # A site's dict is merged over the defaults; a bad value is reported by selfservice.E019.
    ttl: dict[str, int] = dict(DEFAULTS["READ_CACHE_TTL"])
    if isinstance(given, dict):
        for kind, value in given.items():
            if kind in ttl:
                ttl[kind] = _non_negative_int(value, ttl[kind])
    return ttl


def budget_rules(value: Any) -> tuple[BudgetRule, ...]:
    """``MANAGEMENT_BUDGET`` as rules; raises ValueError for a value selfservice.E017 reports."""
    if value is None:
        return ()
    if isinstance(value, str):
        if value not in BUDGET_PRESETS:
            raise ValueError(f"unknown preset {value!r}; use one of: {', '.join(BUDGET_PRESETS)}")
        value = BUDGET_PRESETS[value]
    if not isinstance(value, dict):
        raise ValueError(f"must be None, a preset name or a dict, not {type(value).__name__}")
    rules = []
    for bucket, spec in value.items():
        if bucket not in BUDGET_BUCKETS:
            raise ValueError(f"unknown bucket {bucket!r}; use: {', '.join(BUDGET_BUCKETS)}")
        rate, burst = (spec.get("rate"), spec.get("burst")) if isinstance(spec, dict) else (spec, None)
        per_second = _per_second(rate)
        if burst is None:
            burst = max(2, math.ceil(per_second))
        if not isinstance(burst, int) or isinstance(burst, bool) or burst < 1:
            raise ValueError(f"{bucket}: burst must be a positive whole number, not {burst!r}")
        limit = max(1, burst // 2)
        rules.append(BudgetRule(bucket=str(bucket), limit=limit, window=limit / per_second))
    return tuple(rules)


def _per_second(rate: Any) -> float:
    if isinstance(rate, str) and "/" in rate:
        count, _, unit = rate.partition("/")
        if count.strip().isdigit() and int(count) > 0 and unit.strip() in _PERIODS:
            return int(count) / _PERIODS[unit.strip()]
    raise ValueError(f'rate must look like "2/s", "500/m" or "1000/h", not {rate!r}')


def _budget_or_none(value: Any) -> tuple[BudgetRule, ...]:
    try:
        return budget_rules(value)
    except ValueError:
        return ()  # reported by selfservice.E017; no local budget until it is fixed


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

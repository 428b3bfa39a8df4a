"""System checks for the ``SELFSERVICE`` settings and the apps/middleware the app relies on.

``conf.get_settings()`` never validates (it must not raise at import or request time), so this
is where a misconfiguration surfaces: ``manage.py check`` lists *every* problem at once, each
with a stable id and a hint naming the fix. Every id, message and hint lives in one table,
:data:`selfservice.core.problems.PROBLEMS`, so ids cannot be reused by accident
(``tests/test_checks.py`` asserts they are unique). The checks of one tab's settings sit in that
tab's package (``security/checks.py`` ...) and are run from here, in one order. A check never
raises: a broken value is reported, not tripped over.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage
from django.utils.module_loading import import_string

from selfservice.conf import DEFAULTS, READ_CACHE_KINDS, SETTINGS_NAME, budget_rules, get_settings, user_settings
from selfservice.core.problems import HTMX_MIDDLEWARE, PROBLEMS
from selfservice.core.step_up_checks import check_step_up_settings
from selfservice.core.window_counters import rate_period
from selfservice.login.checks import check_login_settings
from selfservice.preferences.checks import check_preferences_settings
from selfservice.security.checks import check_mfa_factors
from selfservice.sessions.checks import check_sessions_settings

REQUIRED_APPS = ("django_htmx", "social_django")
PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


def check_settings(app_configs: Iterable[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Report every problem with ``SELFSERVICE``, INSTALLED_APPS and MIDDLEWARE (never raises)."""
    messages = [*_check_apps(), *_check_middleware()]
    value = getattr(settings, SETTINGS_NAME, None)
    if value is not None and not isinstance(value, dict):
        # Nothing inside can be trusted; report the shape and stop here.
        return [PROBLEMS["not_a_dict"](type=type(value).__name__), *messages]
    given = user_settings()
    merged = {**DEFAULTS, **given}
    for check in _SETTING_CHECKS:
        messages.extend(check(merged))
    messages.extend(_check_unknown_keys(given))
    return messages


def _check_apps() -> list[CheckMessage]:
    from django.apps import apps

    return [PROBLEMS["missing_app"](app=app) for app in REQUIRED_APPS if not apps.is_installed(app)]


def _check_middleware() -> list[CheckMessage]:
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if HTMX_MIDDLEWARE in middleware:
        return []
    # A site may subclass the middleware; accept anything that imports to a subclass.
    try:
        from django_htmx.middleware import HtmxMiddleware

        if any(_is_subclass(path, HtmxMiddleware) for path in middleware):
            return []
    except Exception:  # pragma: no cover - django_htmx missing is reported by _check_apps
        pass
    return [PROBLEMS["missing_htmx_middleware"]()]


def _check_credentials(merged: dict[str, Any]) -> list[CheckMessage]:
    messages = []
    domain = merged["AUTH0_DOMAIN"]
    if not domain:
        messages.append(PROBLEMS["missing_domain"]())
    elif not _is_bare_host(domain):
        messages.append(PROBLEMS["domain_not_a_host"](value=domain))
    if not merged["AUTH0_CLIENT_ID"]:
        messages.append(PROBLEMS["missing_client_id"]())
    if not merged["AUTH0_CLIENT_SECRET"]:
        messages.append(PROBLEMS["missing_client_secret"]())
    return messages


def _check_base_url(merged: dict[str, Any]) -> list[CheckMessage]:
    value = merged["AUTH0_BASE_URL"]
    if value is None or _is_http_origin(value):
        return []
    return [PROBLEMS["bad_base_url"](value=value)]


def _check_same_tenant(merged: dict[str, Any]) -> list[CheckMessage]:
    """W003 when the Management API and the login would reach different tenants.

    The two halves are configured apart (``SELFSERVICE`` for the Management API, social-auth's
    ``SOCIAL_AUTH_AUTH0_*`` for the login), and pointing only one at the emulator otherwise shows
    up as a login at the real Auth0 domain. Compared as origins (scheme, host, port). Skipped when
    either side is missing or malformed: that is E002/E005/E006, or a site that logs in another way.
    """
    management = _origin(merged["AUTH0_BASE_URL"]) if merged["AUTH0_BASE_URL"] else _domain_origin(merged["AUTH0_DOMAIN"])
    login_base = getattr(settings, "SOCIAL_AUTH_AUTH0_BASE_URL", None)
    login = _origin(login_base) if login_base else _domain_origin(getattr(settings, "SOCIAL_AUTH_AUTH0_DOMAIN", None))
    if management is None or login is None or management == login:
        return []
    return [PROBLEMS["tenant_mismatch"](management=management, login=login)]


def _domain_origin(domain: Any) -> str | None:
    return _origin(f"https://{domain}") if _is_bare_host(domain) else None


def _origin(value: Any) -> str | None:
    """``scheme://host[:port]``, lower case, the scheme's default port left out; None if unusable."""
    if not _is_http_origin(value):
        return None
    parts = urlsplit(value)
    default = {"http": 80, "https": 443}[parts.scheme]
    port = "" if parts.port in (None, default) else f":{parts.port}"
    host = str(parts.hostname)
    return f"{parts.scheme}://{f'[{host}]' if ':' in host else host}{port}"


def _check_numbers(merged: dict[str, Any]) -> list[CheckMessage]:
    messages = []
    timeout = merged["TIMEOUT"]
    if not (_is_number(timeout) and timeout > 0 and math.isfinite(timeout)):
        messages.append(PROBLEMS["bad_timeout"](value=timeout))
    for key, problem in (("TOKEN_REFRESH_MARGIN", "bad_refresh_margin"), ("FACTORS_CACHE_TTL", "bad_factors_ttl")):
        value = merged[key]
        if not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
            messages.append(PROBLEMS[problem](value=value))
    return messages


def _check_cache(merged: dict[str, Any]) -> list[CheckMessage]:
    alias = merged["CACHE_ALIAS"]
    caches = getattr(settings, "CACHES", None)
    caches = caches if isinstance(caches, dict) else {}
    if not isinstance(alias, str) or alias not in caches:
        return [PROBLEMS["unknown_cache"](value=alias, aliases=", ".join(map(repr, caches)) or "(none)")]
    config = caches[alias]
    backend = config.get("BACKEND", "") if isinstance(config, dict) else ""
    if settings.DEBUG or not isinstance(backend, str):
        return []
    if backend in PER_PROCESS_CACHES or _is_per_process_backend(backend):
        return [PROBLEMS["per_process_cache"](alias=alias, backend=backend.rsplit(".", 1)[-1])]
    return []


def _check_dotted_paths(merged: dict[str, Any]) -> list[CheckMessage]:
    messages = []
    for key, problem in (("GATEWAY", "bad_gateway"), ("ADAPTER", "bad_adapter")):
        value = merged.get(key)
        if not isinstance(value, str) or not value:
            messages.append(PROBLEMS[problem](value=value, error="not a dotted path."))
            continue
        try:
            import_string(value)
        except Exception as exc:  # ImportError, or anything the module raises while importing
            messages.append(PROBLEMS[problem](value=value, error=f"{type(exc).__name__}: {exc}"))
    return messages


def _check_ratelimit(merged: dict[str, Any]) -> list[CheckMessage]:
    value = merged.get("RATELIMIT")
    if not isinstance(value, dict):
        return [PROBLEMS["ratelimit_not_a_dict"](type=type(value).__name__)]
    return [
        PROBLEMS["bad_rate"](name=name, value=rate)
        for name, rate in value.items()
        if rate is not None and not (isinstance(rate, str) and _is_rate(rate))
    ]


def _is_rate(rate: str) -> bool:
    """django-ratelimit's rate syntax, as the request counters read it ("10/m", "100/5m")."""
    try:
        rate_period(rate)
    except ValueError:
        return False
    return True


def _check_upstream_budget(merged: dict[str, Any]) -> list[CheckMessage]:
    messages = []
    try:
        budget_rules(merged.get("MANAGEMENT_BUDGET"))
    except ValueError as exc:
        messages.append(PROBLEMS["bad_budget"](value=merged.get("MANAGEMENT_BUDGET"), error=exc))
    wait = merged.get("BUDGET_WAIT")
    if not (isinstance(wait, int | float) and not isinstance(wait, bool) and 0 <= wait <= 30):
        messages.append(PROBLEMS["bad_budget_wait"](value=wait))
    ttl = merged.get("READ_CACHE_TTL")
    if not isinstance(ttl, dict):
        messages.append(PROBLEMS["bad_read_cache"](key="READ_CACHE_TTL", value=ttl, error="not a dict"))
    else:
        for kind, seconds in ttl.items():
            if kind not in READ_CACHE_KINDS:
                error = f"unknown kind {kind!r}"
            elif not (isinstance(seconds, int) and not isinstance(seconds, bool) and seconds >= 0):
                error = f"{kind}: not a whole number of seconds"
            else:
                continue
            messages.append(PROBLEMS["bad_read_cache"](key="READ_CACHE_TTL", value=ttl, error=error))
    proxies = merged.get("TRUSTED_PROXIES")
    if not (isinstance(proxies, int) and not isinstance(proxies, bool) and proxies >= 0):
        messages.append(PROBLEMS["bad_trusted_proxies"](value=proxies))
    stale = merged.get("READ_CACHE_STALE_TTL")
    if not (isinstance(stale, int) and not isinstance(stale, bool) and stale >= 0):
        messages.append(PROBLEMS["bad_read_cache"](key="READ_CACHE_STALE_TTL", value=stale, error="not a whole number"))
    return messages


def _check_unknown_keys(given: dict[Any, Any]) -> list[CheckMessage]:
    try:
        unknown: Iterable[Any] = get_settings().unknown_keys
    except Exception:
        # get_settings() coerces values; an unusable one is reported above, so list keys ourselves.
        unknown = [key for key in given if key not in DEFAULTS]
    unknown = [str(key) for key in unknown]
    if not unknown:
        return []
    return [PROBLEMS["unknown_keys"](keys=", ".join(unknown), known=", ".join(DEFAULTS))]


_SETTING_CHECKS: tuple[Callable[[dict[str, Any]], list[CheckMessage]], ...] = (
    _check_credentials,
    _check_base_url,
    _check_same_tenant,
    _check_numbers,
    _check_cache,
    _check_dotted_paths,
    _check_ratelimit,
    _check_upstream_budget,
    check_mfa_factors,
    check_sessions_settings,
    check_preferences_settings,
    check_step_up_settings,
    check_login_settings,
)


def _is_bare_host(value: Any) -> bool:
    if not isinstance(value, str) or value != value.strip() or not value:
        return False
    if any(char in value for char in "/?#@ \\"):
        return False
    try:
        parts = urlsplit(f"//{value}")
        parts.port  # noqa: B018 - raises ValueError for a non-numeric port
    except ValueError:
        return False
    return bool(parts.hostname) and parts.netloc == value


def _is_http_origin(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a non-numeric port
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and "@" not in parts.netloc
        and parts.path in ("", "/")
        and not parts.query
        and not parts.fragment
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_subclass(path: Any, base: type) -> bool:
    try:
        candidate = import_string(path)
    except Exception:
        return False
    return isinstance(candidate, type) and issubclass(candidate, base)


def _is_per_process_backend(path: str) -> bool:
    from django.core.cache.backends.dummy import DummyCache
    from django.core.cache.backends.locmem import LocMemCache

    return _is_subclass(path, LocMemCache) or _is_subclass(path, DummyCache)

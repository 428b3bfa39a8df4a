"""System checks for the ``SELFSERVICE`` settings and the apps/middleware the app relies on.

``conf.get_settings()`` never validates (it must not raise at import or request time), so this
is where a misconfiguration surfaces: ``manage.py check`` lists *every* problem at once, each
with a stable id and a hint naming the fix. Every id, message and hint lives in :data:`PROBLEMS`,
one table, so ids cannot be reused by accident (``tests/test_checks.py`` asserts they are
unique). A check never raises: a broken value is reported, not tripped over.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.utils.module_loading import import_string

from .conf import DEFAULTS, SETTINGS_NAME, get_settings, user_settings

README = "See the SELFSERVICE settings table in the README."
HTMX_MIDDLEWARE = "django_htmx.middleware.HtmxMiddleware"
REQUIRED_APPS = ("django_htmx", "social_django")
# django-ratelimit's rate syntax: "10/m", "100/5m" (count / optional multiplier + unit).
RATE = re.compile(r"[0-9]+/[0-9]*[smhd]")
PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@dataclass(frozen=True)
class Problem:
    """One row of the table: a stable id, a message template and a hint that names the fix."""

    id: str
    level: type[Error] | type[Warning]
    message: str
    hint: str

    def __call__(self, **values: Any) -> CheckMessage:
        return self.level(self.message.format(**values), hint=self.hint.format(**values), id=self.id)


PROBLEMS: dict[str, Problem] = {
    "not_a_dict": Problem(
        "selfservice.E001", Error,
        "settings.SELFSERVICE must be a dict, not {type}.",
        'Define SELFSERVICE = {{"AUTH0_DOMAIN": ..., "AUTH0_CLIENT_ID": ..., "AUTH0_CLIENT_SECRET": ...}}. ' + README,
    ),
    "missing_domain": Problem(
        "selfservice.E002", Error,
        'SELFSERVICE["AUTH0_DOMAIN"] is not set.',
        'Set it to your tenant\'s domain, e.g. "example.eu.auth0.com"; the demo reads the AUTH0_DOMAIN environment variable.',
    ),
    "missing_client_id": Problem(
        "selfservice.E003", Error,
        'SELFSERVICE["AUTH0_CLIENT_ID"] is not set.',
        "Use the client id of the machine-to-machine application that may call the Management API; "
        "the demo reads the AUTH0_CLIENT_ID environment variable.",
    ),
    "missing_client_secret": Problem(
        "selfservice.E004", Error,
        'SELFSERVICE["AUTH0_CLIENT_SECRET"] is not set (secrets have no default).',
        "Read it from the environment, never from source control; the demo reads the "
        "AUTH0_CLIENT_SECRET environment variable.",
    ),
    "domain_not_a_host": Problem(
        "selfservice.E005", Error,
        'SELFSERVICE["AUTH0_DOMAIN"] = {value!r} is not a bare host name.',
        'Give only the host, e.g. "example.eu.auth0.com": no "https://", no path. To send calls to '
        'another origin (the emulator), set AUTH0_BASE_URL instead.',
    ),
    "bad_base_url": Problem(
        "selfservice.E006", Error,
        'SELFSERVICE["AUTH0_BASE_URL"] = {value!r} is not an http(s) origin.',
        'Use None for real Auth0, or an origin such as "http://127.0.0.1:8001" (scheme and host, no path).',
    ),
    "bad_timeout": Problem(
        "selfservice.E007", Error,
        'SELFSERVICE["TIMEOUT"] = {value!r} is not a positive number of seconds.',
        "Use a small positive number such as 5.0 (the default): a web request must not wait long for Auth0.",
    ),
    "bad_refresh_margin": Problem(
        "selfservice.E008", Error,
        'SELFSERVICE["TOKEN_REFRESH_MARGIN"] = {value!r} is not a non-negative integer.',
        "Use a whole number of seconds such as 300 (the default).",
    ),
    "bad_factors_ttl": Problem(
        "selfservice.E009", Error,
        'SELFSERVICE["FACTORS_CACHE_TTL"] = {value!r} is not a non-negative integer.',
        "Use a whole number of seconds such as 300 (the default); 0 turns the cache off.",
    ),
    "unknown_cache": Problem(
        "selfservice.E010", Error,
        'SELFSERVICE["CACHE_ALIAS"] = {value!r} is not a key of settings.CACHES.',
        'Add a {value!r} entry to CACHES or set CACHE_ALIAS to one of: {aliases}.',
    ),
    "bad_gateway": Problem(
        "selfservice.E011", Error,
        'SELFSERVICE["GATEWAY"] = {value!r} cannot be imported: {error}',
        'Give the dotted path of a gateway class, e.g. "selfservice.gateway.auth0.Auth0Gateway" (the default).',
    ),
    "missing_app": Problem(
        "selfservice.E012", Error,
        "{app!r} is not in INSTALLED_APPS; selfservice needs it.",
        'Add "{app}" to INSTALLED_APPS (next to "selfservice").',
    ),
    "missing_htmx_middleware": Problem(
        "selfservice.E013", Error,
        f"{HTMX_MIDDLEWARE!r} is not in MIDDLEWARE; the account pages read request.htmx.",
        f'Add "{HTMX_MIDDLEWARE}" to MIDDLEWARE (after SessionMiddleware is fine).',
    ),
    "bad_adapter": Problem(
        "selfservice.E014", Error,
        'SELFSERVICE["ADAPTER"] = {value!r} cannot be imported: {error}',
        'Give the dotted path of a DefaultAdapter subclass, e.g. "selfservice.adapter.DefaultAdapter" (the default).',
    ),
    "ratelimit_not_a_dict": Problem(
        "selfservice.E015", Error,
        'SELFSERVICE["RATELIMIT"] must be a dict of mutation name -> rate, not {type}.',
        'Use e.g. {{"profile.update": "10/m"}}; your dict is merged over the defaults.',
    ),
    "bad_rate": Problem(
        "selfservice.E016", Error,
        'SELFSERVICE["RATELIMIT"][{name!r}] = {value!r} is not a django-ratelimit rate.',
        'Use "count/period" such as "10/m" or "100/5m" (period s, m, h or d), or None to turn this limit off.',
    ),
    "bad_profile_limit": Problem(
        "selfservice.E020", Error,
        'SELFSERVICE["PREFERENCES_PROFILE_LIMIT"] = {value!r} is not a positive whole number of bytes.',
        "Use Auth0's documented profile limit, 10240 (the default), or less.",
    ),
    "per_process_cache": Problem(
        "selfservice.W001", Warning,
        'SELFSERVICE["CACHE_ALIAS"] = {alias!r} uses {backend}, which is not shared between processes: '
        "every worker would fetch its own Management API token.",
        "Point CACHE_ALIAS at a shared cache (Redis, Memcached or the database cache) in production.",
    ),
    "unknown_keys": Problem(
        "selfservice.W002", Warning,
        "SELFSERVICE has unknown keys (typo?): {keys}.",
        "Known keys: {known}. " + README,
    ),
    # Security tab (MFA_FACTORS): E030-E039, W030-W039.
    "mfa_factors_not_a_list": Problem(
        "selfservice.E030", Error,
        'SELFSERVICE["MFA_FACTORS"] must be None or a list of factor names, not {type}.',
        'Use None (offer every factor the tenant enables) or e.g. ["otp", "webauthn-roaming", "recovery-code"].',
    ),
    "unknown_mfa_factors": Problem(
        "selfservice.W030", Warning,
        'SELFSERVICE["MFA_FACTORS"] names factors the Security tab does not know: {names}.',
        "Use Auth0's factor names: {known}. The phone factor is \"sms\" (\"phone\" is only a ticket name).",
    ),
    "mfa_factors_not_offerable": Problem(
        "selfservice.W031", Warning,
        'SELFSERVICE["MFA_FACTORS"] lists factors that cannot be set up from the account pages: {names}.',
        "Remove them from MFA_FACTORS: {reasons}",
    ),
    "mfa_factors_empty": Problem(
        "selfservice.W032", Warning,
        'SELFSERVICE["MFA_FACTORS"] is empty: the Security tab offers no multi-factor method.',
        "Use None to offer every factor the tenant enables, or list the ones to offer.",
    ),
    # Sessions tab: E040-E049, W040-W049.
    "sessions_client_names_not_a_dict": Problem(
        "selfservice.E040", Error,
        'SELFSERVICE["SESSIONS_CLIENT_NAMES"] must be a dict of Auth0 client id -> display name, not {type}.',
        'Use e.g. {{"AbC123...": "Mobile app"}}; the login client is shown as "This site" unless named.',
    ),
    "bad_sessions_page_size": Problem(
        "selfservice.E041", Error,
        'SELFSERVICE["SESSIONS_PAGE_SIZE"] = {value!r} is not a whole number from 1 to 50.',
        "Use how many sessions the Sessions tab shows per page, e.g. 20 (the default).",
    ),
    "cookie_sessions_backchannel": Problem(
        "selfservice.W040", Warning,
        "SESSION_ENGINE is {engine!r}: sessions live in the browser's cookie, so back-channel logout "
        "and revoking a session from the Sessions tab cannot end them on this site.",
        'Use a server-side engine ("django.contrib.sessions.backends.db", "cache" or "cached_db").',
    ),
}


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
        if rate is not None and not (isinstance(rate, str) and RATE.fullmatch(rate))
    ]


def _check_mfa_factors(merged: dict[str, Any]) -> list[CheckMessage]:
    from .mfa import FACTORS, NOT_OFFERED

    value = merged.get("MFA_FACTORS")
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(name, str) for name in value):
        return [PROBLEMS["mfa_factors_not_a_list"](type=type(value).__name__)]
    if not value:
        return [PROBLEMS["mfa_factors_empty"]()]
    messages = []
    unknown = [name for name in value if name not in FACTORS and name not in NOT_OFFERED]
    if unknown:
        messages.append(PROBLEMS["unknown_mfa_factors"](names=", ".join(unknown), known=", ".join(FACTORS)))
    blocked = [name for name in value if name in NOT_OFFERED]
    if blocked:
        reasons = " ".join(f"{name}: {NOT_OFFERED[name]}" for name in blocked)
        messages.append(PROBLEMS["mfa_factors_not_offerable"](names=", ".join(blocked), reasons=reasons))
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


def _check_sessions_tab(merged: dict[str, Any]) -> list[CheckMessage]:
    messages = []
    names = merged.get("SESSIONS_CLIENT_NAMES")
    if not isinstance(names, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in names.items()):
        messages.append(PROBLEMS["sessions_client_names_not_a_dict"](type=_shape(names)))
    size = merged.get("SESSIONS_PAGE_SIZE")
    if not (isinstance(size, int) and not isinstance(size, bool) and 1 <= size <= 50):
        messages.append(PROBLEMS["bad_sessions_page_size"](value=size))
    engine = str(getattr(settings, "SESSION_ENGINE", "") or "")
    if engine == "django.contrib.sessions.backends.signed_cookies":
        messages.append(PROBLEMS["cookie_sessions_backchannel"](engine=engine))
    return messages


def _shape(value: Any) -> str:
    # "dict with non-string keys or names" reads better than "dict" for a dict of the wrong kind.
    return "a dict with non-string keys or names" if isinstance(value, dict) else type(value).__name__


def _check_preferences(merged: dict[str, Any]) -> list[CheckMessage]:
    value = merged.get("PREFERENCES_PROFILE_LIMIT")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return []
    return [PROBLEMS["bad_profile_limit"](value=value)]


_SETTING_CHECKS: tuple[Callable[[dict[str, Any]], list[CheckMessage]], ...] = (
    _check_credentials,
    _check_base_url,
    _check_numbers,
    _check_cache,
    _check_dotted_paths,
    _check_ratelimit,
    _check_mfa_factors,
    _check_sessions_tab,
    _check_preferences,
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

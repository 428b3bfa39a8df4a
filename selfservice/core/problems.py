"""The one table of system-check problems: every id, message and hint of ``manage.py check``.

Kept in one table so ids cannot be reused by accident (``tests/test_checks.py`` asserts they are
unique). The checks that use it live beside what they check: ``selfservice.checks`` (settings,
apps, middleware) and each feature's ``checks`` module (Security, Sessions, Preferences).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.checks import CheckMessage, Error, Warning

README = "See the SELFSERVICE settings table in the README."
HTMX_MIDDLEWARE = "django_htmx.middleware.HtmxMiddleware"
LOGIN_ERROR_MIDDLEWARE = "selfservice.login.middleware.LoginErrorMiddleware"
PREFERENCES_MIDDLEWARE = "selfservice.preferences.middleware.PreferencesMiddleware"


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
    "bad_budget": Problem(
        "selfservice.E017", Error,
        'SELFSERVICE["MANAGEMENT_BUDGET"] = {value!r} is not usable: {error}.',
        'Use None, a preset ("free", "essentials", "enterprise") or e.g. {{"global": "2/s"}} or '
        '{{"users.read": {{"rate": "500/m", "burst": 40}}}}. See docs/deployment.md.',
    ),
    "bad_budget_wait": Problem(
        "selfservice.E018", Error,
        'SELFSERVICE["BUDGET_WAIT"] = {value!r} is not a number of seconds from 0 to 30.',
        "Use a short wait such as 2.0 (the default); 0 answers \"busy\" at once.",
    ),
    "bad_read_cache": Problem(
        "selfservice.E019", Error,
        'SELFSERVICE["{key}"] = {value!r} is not usable: {error}.',
        'READ_CACHE_TTL is a dict of kind ("user", "methods", "sessions") -> seconds (0 turns that '
        "kind's cache off); READ_CACHE_STALE_TTL is a whole number of seconds.",
    ),
    "bad_trusted_proxies": Problem(
        "selfservice.E021", Error,
        'SELFSERVICE["TRUSTED_PROXIES"] = {value!r} is not a whole number of proxies (0 or more).',
        "Use 0 (the default: the client IP is REMOTE_ADDR) or how many proxies in front of Django "
        "append to X-Forwarded-For, never more: clients can write that header too.",
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
    "tenant_mismatch": Problem(
        "selfservice.W003", Warning,
        "The Management API and the login name different Auth0 tenants: SELFSERVICE sends Management "
        "calls to {management} (AUTH0_BASE_URL, else https://AUTH0_DOMAIN), social-auth sends the login "
        "to {login} (SOCIAL_AUTH_AUTH0_BASE_URL, else https://SOCIAL_AUTH_AUTH0_DOMAIN).",
        "Point both at the same tenant: SOCIAL_AUTH_AUTH0_DOMAIN = SELFSERVICE[\"AUTH0_DOMAIN\"] (and the "
        "same base URL for the emulator: selfservice.emulator.settings.emulated_tenant(url) sets both). "
        "If the login uses a custom domain of the same tenant, add \"selfservice.W003\" to "
        "SILENCED_SYSTEM_CHECKS.",
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
    "cached_db_sessions_outage": Problem(
        "selfservice.W041", Warning,
        "SESSION_ENGINE is {engine!r} on the shared cache {alias!r}: while that cache cannot be "
        "reached, every signed-in request whose session is not in it is a 500 (Django reads the "
        "database, then writes the copy to the cache without catching the error).",
        'Use "selfservice.login.session_store": the same engine, answering from the database while '
        "the cache is down (docs/deployment.md).",
    ),
    # Step-up (STEP_UP_MAX_AGE): E050-E059.
    "bad_step_up_max_age": Problem(
        "selfservice.E050", Error,
        'SELFSERVICE["STEP_UP_MAX_AGE"] = {value!r} is not a positive whole number of seconds or None.',
        "Use how old a sign-in may be for a sensitive action, e.g. 300 (the default), leaving the user "
        "time to confirm after signing in again; None turns step-up off. See docs/security.md.",
    ),
    # Login (selfservice/login/checks.py): E060-E069, W060-W069.
    "missing_login_error_middleware": Problem(
        "selfservice.W060", Warning,
        f"{LOGIN_ERROR_MIDDLEWARE!r} is not in MIDDLEWARE: a cancelled, stale or forged Auth0 login "
        "answers 500 instead of the login page, and login is not rate limited.",
        f'Add "{LOGIN_ERROR_MIDDLEWARE}" to MIDDLEWARE, after AuthenticationMiddleware.',
    ),
    # Preferences that take effect (selfservice/preferences/checks.py): W070-W079.
    "missing_preferences_middleware": Problem(
        "selfservice.W070", Warning,
        f"APPLY_PREFERENCES is {{scope!r}} but {PREFERENCES_MIDDLEWARE!r} is not in MIDDLEWARE: "
        "a language, time zone or theme preference never takes effect.",
        f'Add "{PREFERENCES_MIDDLEWARE}" to MIDDLEWARE (after AuthenticationMiddleware, before '
        'MessageMiddleware), or set SELFSERVICE["APPLY_PREFERENCES"] = None.',
    ),
    "preferences_middleware_order": Problem(
        "selfservice.W071", Warning,
        f"{PREFERENCES_MIDDLEWARE!r} must come after {{after}} and before {{before}} in MIDDLEWARE.",
        "Move it: it needs the signed-in user and the session, and messages must be stored while "
        "the user's language is active.",
    ),
}

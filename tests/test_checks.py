"""One case per check id (exact id list), a clean config, registration, and id uniqueness."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import Error, Warning
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django_htmx.middleware import HtmxMiddleware

from selfservice.checks import PROBLEMS, check_settings
from selfservice.core.problems import PREFERENCES_MIDDLEWARE
from selfservice.emulator.settings import emulated_tenant
from tests import settings as test_settings

CLEAN = {
    "AUTH0_DOMAIN": "example.eu.auth0.com",
    "AUTH0_CLIENT_ID": "client-id",
    "AUTH0_CLIENT_SECRET": "client-secret",
}
SHARED_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache"}}
LOCMEM_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def clean(settings: Any) -> Any:
    """A production-like configuration that passes every check; each case breaks one thing."""
    settings.DEBUG = False
    settings.CACHES = SHARED_CACHE
    settings.SELFSERVICE = dict(CLEAN)
    settings.SOCIAL_AUTH_AUTH0_DOMAIN = CLEAN["AUTH0_DOMAIN"]  # the login at the same tenant (W003)
    return settings


def ids(messages: list[Any]) -> list[str]:
    return [message.id for message in messages]


def without(items: list[str], item: str) -> list[str]:
    return [each for each in items if each != item]


def test_clean_configuration_reports_nothing(clean: Any) -> None:
    assert check_settings(None) == []


def test_clean_configuration_with_every_key_set_reports_nothing(clean: Any) -> None:
    clean.CACHES = {**SHARED_CACHE, "tokens": SHARED_CACHE["default"]}
    clean.SOCIAL_AUTH_AUTH0_BASE_URL = "http://127.0.0.1:8001"
    clean.SELFSERVICE = {
        **CLEAN,
        "AUTH0_DOMAIN": "127.0.0.1:8001",
        "AUTH0_AUDIENCE": "https://example.eu.auth0.com/api/v2/",
        "AUTH0_BASE_URL": "http://127.0.0.1:8001/",
        "GATEWAY": "selfservice.gateway.auth0.Auth0Gateway",
        "ADAPTER": "selfservice.adapter.DefaultAdapter",
        "RATELIMIT": {"profile.update": "100/5m", "sessions.revoke": None},
        "TIMEOUT": 1,
        "CACHE_ALIAS": "tokens",
        "CACHE_KEY_PREFIX": "ss",
        "TOKEN_REFRESH_MARGIN": 0,
        "FACTORS_CACHE_TTL": 0,
        "MFA_FACTORS": ["otp", "webauthn-roaming", "recovery-code"],
        "SESSIONS_PAGE_SIZE": 50,
        "SESSIONS_CLIENT_NAMES": {"mobile-app": "Acme for iOS"},
        "PREFERENCES_PROFILE_LIMIT": 4096,
        "MANAGEMENT_BUDGET": {"global": "2/s", "other": {"rate": "150/m", "burst": 10}},
        "BUDGET_WAIT": 0,
        "READ_CACHE_TTL": {"user": 60},
        "READ_CACHE_STALE_TTL": 0,
    }
    assert check_settings(None) == []


# (id, how to break the clean configuration, exact ids expected)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], list[str]]] = [
    ("selfservice.E001", {}, {"__replace__": ["not", "a", "dict"]}, ["selfservice.E001"]),
    ("selfservice.E002", {}, {"AUTH0_DOMAIN": ""}, ["selfservice.E002"]),
    ("selfservice.E003", {}, {"AUTH0_CLIENT_ID": None}, ["selfservice.E003"]),
    ("selfservice.E004", {}, {"AUTH0_CLIENT_SECRET": ""}, ["selfservice.E004"]),
    ("selfservice.E005", {}, {"AUTH0_DOMAIN": "https://example.eu.auth0.com"}, ["selfservice.E005"]),
    ("selfservice.E006", {}, {"AUTH0_BASE_URL": "127.0.0.1:8001"}, ["selfservice.E006"]),
    ("selfservice.E007", {}, {"TIMEOUT": 0}, ["selfservice.E007"]),
    ("selfservice.E008", {}, {"TOKEN_REFRESH_MARGIN": -1}, ["selfservice.E008"]),
    ("selfservice.E009", {}, {"FACTORS_CACHE_TTL": 2.5}, ["selfservice.E009"]),
    ("selfservice.E010", {}, {"CACHE_ALIAS": "tokens"}, ["selfservice.E010"]),
    ("selfservice.E011", {}, {"GATEWAY": "selfservice.gateway.nowhere.Missing"}, ["selfservice.E011"]),
    ("selfservice.E012", {"INSTALLED_APPS": "-django_htmx"}, {}, ["selfservice.E012"]),
    ("selfservice.E013", {"MIDDLEWARE": "-django_htmx.middleware.HtmxMiddleware"}, {}, ["selfservice.E013"]),
    ("selfservice.E014", {}, {"ADAPTER": "selfservice.adapter.Missing"}, ["selfservice.E014"]),
    ("selfservice.E015", {}, {"RATELIMIT": "10/m"}, ["selfservice.E015"]),
    ("selfservice.E016", {}, {"RATELIMIT": {"profile.update": "ten per minute"}}, ["selfservice.E016"]),
    ("selfservice.E017", {}, {"MANAGEMENT_BUDGET": "gold"}, ["selfservice.E017"]),
    ("selfservice.E018", {}, {"BUDGET_WAIT": -1}, ["selfservice.E018"]),
    ("selfservice.E019", {}, {"READ_CACHE_TTL": {"user": "5 min"}}, ["selfservice.E019"]),
    ("selfservice.E020", {}, {"PREFERENCES_PROFILE_LIMIT": "10 KB"}, ["selfservice.E020"]),
    ("selfservice.E021", {}, {"TRUSTED_PROXIES": "1"}, ["selfservice.E021"]),
    ("selfservice.E030", {}, {"MFA_FACTORS": "otp"}, ["selfservice.E030"]),
    ("selfservice.W001", {"CACHES": LOCMEM_CACHE}, {}, ["selfservice.W001"]),
    ("selfservice.W002", {}, {"TIMEOUTT": 3}, ["selfservice.W002"]),
    ("selfservice.W003", {"SOCIAL_AUTH_AUTH0_DOMAIN": "other.eu.auth0.com"}, {}, ["selfservice.W003"]),
    ("selfservice.W030", {}, {"MFA_FACTORS": ["otp", "phone"]}, ["selfservice.W030"]),
    ("selfservice.W031", {}, {"MFA_FACTORS": ["otp", "duo"]}, ["selfservice.W031"]),
    ("selfservice.W032", {}, {"MFA_FACTORS": []}, ["selfservice.W032"]),
    ("selfservice.E040", {}, {"SESSIONS_CLIENT_NAMES": ["selfservice-web"]}, ["selfservice.E040"]),
    ("selfservice.E041", {}, {"SESSIONS_PAGE_SIZE": 51}, ["selfservice.E041"]),
    ("selfservice.W040", {"SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies"}, {}, ["selfservice.W040"]),
    ("selfservice.W041", {"SESSION_ENGINE": "django.contrib.sessions.backends.cached_db"}, {}, ["selfservice.W041"]),
    ("selfservice.E050", {}, {"STEP_UP_MAX_AGE": "5 min"}, ["selfservice.E050"]),
    ("selfservice.W060", {"MIDDLEWARE": "-selfservice.login.middleware.LoginErrorMiddleware"}, {}, ["selfservice.W060"]),
    ("selfservice.W070", {"MIDDLEWARE": "-" + PREFERENCES_MIDDLEWARE}, {}, ["selfservice.W070"]),
    ("selfservice.W071", {"MIDDLEWARE": [m for m in test_settings.MIDDLEWARE if m != PREFERENCES_MIDDLEWARE] + [PREFERENCES_MIDDLEWARE]},
     {}, ["selfservice.W071"]),
]


@pytest.mark.parametrize(("code", "django_changes", "selfservice_changes", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_check_id_is_reported_alone(
    clean: Any, code: str, django_changes: dict[str, Any], selfservice_changes: dict[str, Any], expected: list[str]
) -> None:
    for name, value in django_changes.items():
        if isinstance(value, str) and value.startswith("-"):
            value = without(list(getattr(clean, name)), value[1:])
        setattr(clean, name, value)
    # "__replace__" swaps the whole SELFSERVICE value instead of merging into it.
    clean.SELFSERVICE = selfservice_changes.get("__replace__", {**CLEAN, **selfservice_changes})

    messages = check_settings(None)

    assert ids(messages) == expected
    problem = next(p for p in PROBLEMS.values() if p.id == code)
    assert all(isinstance(m, problem.level) for m in messages)
    assert all(m.hint for m in messages)


@pytest.mark.parametrize(
    "broken",
    [
        {"MANAGEMENT_BUDGET": {"users.read": "lots"}},
        {"MANAGEMENT_BUDGET": {"users": "2/s"}},
        {"MANAGEMENT_BUDGET": {"global": {"rate": "2/s", "burst": 0}}},
        {"MANAGEMENT_BUDGET": ["free"]},
        {"BUDGET_WAIT": "2s"},
        {"READ_CACHE_TTL": {"profile": 60}},
        {"READ_CACHE_TTL": ["user"]},
        {"READ_CACHE_STALE_TTL": None},
    ],
)
def test_every_broken_upstream_budget_setting_is_reported(clean: Any, broken: dict[str, Any]) -> None:
    clean.SELFSERVICE = {**CLEAN, **broken}
    found = ids(check_settings(None))
    assert len(found) == 1 and found[0] in ("selfservice.E017", "selfservice.E018", "selfservice.E019")


def test_every_id_in_the_table_has_a_case() -> None:
    assert sorted(case[0] for case in CASES) == sorted(p.id for p in PROBLEMS.values())


def test_check_ids_are_unique() -> None:
    codes = [problem.id for problem in PROBLEMS.values()]
    assert len(codes) == len(set(codes))


def test_ids_follow_the_level() -> None:
    for problem in PROBLEMS.values():
        prefix = "selfservice.E" if problem.level is Error else "selfservice.W"
        assert problem.id.startswith(prefix), problem
        assert problem.level in (Error, Warning)


def test_missing_secret_hint_names_the_environment_variable(clean: Any) -> None:
    clean.SELFSERVICE = {**CLEAN, "AUTH0_CLIENT_SECRET": ""}
    [message] = check_settings(None)
    assert "AUTH0_CLIENT_SECRET" in message.hint


def test_unset_selfservice_reports_the_three_required_keys(clean: Any) -> None:
    del clean.SELFSERVICE
    assert ids(check_settings(None)) == ["selfservice.E002", "selfservice.E003", "selfservice.E004"]


def test_every_missing_app_is_reported(clean: Any) -> None:
    clean.INSTALLED_APPS = [a for a in clean.INSTALLED_APPS if a not in ("django_htmx", "social_django")]
    messages = check_settings(None)
    assert ids(messages) == ["selfservice.E012", "selfservice.E012"]
    assert "'django_htmx'" in messages[0].msg
    assert "'social_django'" in messages[1].msg


def test_a_subclass_of_the_htmx_middleware_is_accepted(clean: Any) -> None:
    path = "django_htmx.middleware.HtmxMiddleware"
    clean.MIDDLEWARE = [*without(list(clean.MIDDLEWARE), path), "tests.test_checks.CustomHtmxMiddleware"]
    assert check_settings(None) == []


def test_per_process_cache_is_fine_while_debugging(clean: Any) -> None:
    clean.CACHES = LOCMEM_CACHE
    clean.DEBUG = True
    assert check_settings(None) == []


@pytest.mark.parametrize("engine", ["selfservice.login.session_store", "django.contrib.sessions.backends.db"])
def test_session_engines_that_survive_a_cache_outage_are_fine(clean: Any, engine: str) -> None:
    clean.SESSION_ENGINE = engine
    assert check_settings(None) == []


def test_cached_db_on_a_cache_in_the_process_is_fine(clean: Any) -> None:
    clean.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    clean.CACHES = LOCMEM_CACHE
    clean.DEBUG = True  # W001 is about production; the session engine is not the problem here
    assert check_settings(None) == []


def test_dummy_cache_is_per_process_too(clean: Any) -> None:
    clean.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert ids(check_settings(None)) == ["selfservice.W001"]


@pytest.mark.parametrize("domain", ["example.eu.auth0.com/", "example.eu.auth0.com/api", "//example.com", "a b.com", "user@x.com", "x.com:port"])
def test_domains_with_a_path_or_scheme_are_refused(clean: Any, domain: str) -> None:
    clean.SELFSERVICE = {**CLEAN, "AUTH0_DOMAIN": domain}
    assert ids(check_settings(None)) == ["selfservice.E005"]


@pytest.mark.parametrize("url", ["ftp://127.0.0.1", "http://127.0.0.1:8001/api/v2", "http://", "https://x.com?q=1", 8001, "http://x.com:port"])
def test_base_urls_that_are_not_origins_are_refused(clean: Any, url: Any) -> None:
    clean.SELFSERVICE = {**CLEAN, "AUTH0_BASE_URL": url}
    assert ids(check_settings(None)) == ["selfservice.E006"]


@pytest.mark.parametrize("timeout", [-1, "5", True, float("inf"), float("nan"), None])
def test_timeouts_that_are_not_positive_numbers_are_refused(clean: Any, timeout: Any) -> None:
    clean.SELFSERVICE = {**CLEAN, "TIMEOUT": timeout}
    assert ids(check_settings(None)) == ["selfservice.E007"]


WEIRD = [None, "", "x", -1, 0, 1.5, float("inf"), float("nan"), True, b"bytes", ["list"], {"a": 1}, object()]


@pytest.mark.parametrize("key", sorted(CLEAN) + ["AUTH0_AUDIENCE", "AUTH0_BASE_URL", "GATEWAY", "ADAPTER", "RATELIMIT", "TIMEOUT", "CACHE_ALIAS", "CACHE_KEY_PREFIX", "TOKEN_REFRESH_MARGIN", "FACTORS_CACHE_TTL", "MFA_FACTORS"])
def test_checks_never_raise_whatever_the_value(clean: Any, key: str) -> None:
    for value in WEIRD:
        clean.SELFSERVICE = {**CLEAN, key: value, 1: "non-string key"}
        messages = check_settings(None)
        assert "selfservice.W002" in ids(messages)


@pytest.mark.parametrize("size", [0, -1, 50.0, "20", True, None])
def test_sessions_page_sizes_outside_1_to_50_are_refused(clean: Any, size: Any) -> None:
    clean.SELFSERVICE = {**CLEAN, "SESSIONS_PAGE_SIZE": size}
    assert ids(check_settings(None)) == ["selfservice.E041"]


def test_client_names_must_map_strings_to_strings(clean: Any) -> None:
    clean.SELFSERVICE = {**CLEAN, "SESSIONS_CLIENT_NAMES": {"abc": 3}}
    [message] = check_settings(None)
    assert message.id == "selfservice.E040" and "non-string" in message.msg
    clean.SELFSERVICE = {**CLEAN, "SESSIONS_CLIENT_NAMES": {"abc": "Mobile app"}, "SESSIONS_PAGE_SIZE": 1}
    assert check_settings(None) == []


def test_check_command_runs_the_registered_check(clean: Any) -> None:
    clean.SELFSERVICE = {**CLEAN, "AUTH0_CLIENT_SECRET": ""}
    with pytest.raises(SystemCheckError, match=r"selfservice\.E004"):
        call_command("check", tags=["security"])


class CustomHtmxMiddleware(HtmxMiddleware):
    """Stands in for a site's own subclass of django-htmx's middleware."""


@pytest.mark.parametrize("rate", ["10", "m", "10/minute", "/m", 10, True, "10/m "])
def test_rates_django_ratelimit_cannot_read_are_refused(clean: Any, rate: Any) -> None:
    clean.SELFSERVICE = {**CLEAN, "RATELIMIT": {"profile.update": rate, "other": "5/h"}}
    assert ids(check_settings(None)) == ["selfservice.E016"]


def test_the_emulator_helper_points_both_halves_at_one_tenant(clean: Any) -> None:
    for name, value in emulated_tenant("http://127.0.0.1:8001").items():
        setattr(clean, name, value)
    assert check_settings(None) == []


def test_a_management_api_at_the_emulator_and_a_login_at_auth0_is_a_warning(clean: Any) -> None:
    # The fresh site: SELFSERVICE pointed at the emulator, the login left at the README's domain.
    clean.SELFSERVICE = {**CLEAN, "AUTH0_DOMAIN": "127.0.0.1:8001", "AUTH0_BASE_URL": "http://127.0.0.1:8001"}

    [warning] = check_settings(None)

    assert warning.id == "selfservice.W003" and not warning.is_serious()
    assert "http://127.0.0.1:8001" in warning.msg and "https://example.eu.auth0.com" in warning.msg
    assert "SOCIAL_AUTH_AUTH0_BASE_URL" in warning.msg and "emulated_tenant" in warning.hint
    assert "SILENCED_SYSTEM_CHECKS" in warning.hint


@pytest.mark.parametrize(
    ("management", "login"),
    [
        ({"AUTH0_BASE_URL": "http://127.0.0.1:8001"}, {"SOCIAL_AUTH_AUTH0_BASE_URL": "http://127.0.0.1:8002"}),
        ({"AUTH0_BASE_URL": "http://127.0.0.1:8001"}, {"SOCIAL_AUTH_AUTH0_BASE_URL": "https://127.0.0.1:8001"}),
        ({}, {"SOCIAL_AUTH_AUTH0_DOMAIN": "example.us.auth0.com"}),
        ({}, {"SOCIAL_AUTH_AUTH0_BASE_URL": "http://example.eu.auth0.com"}),
    ],
)
def test_another_port_scheme_or_host_is_another_tenant(clean: Any, management: dict[str, Any], login: dict[str, Any]) -> None:
    clean.SELFSERVICE = {**CLEAN, **management}
    for name, value in login.items():
        setattr(clean, name, value)
    assert ids(check_settings(None)) == ["selfservice.W003"]


@pytest.mark.parametrize(
    ("management", "login"),
    [
        ({"AUTH0_DOMAIN": "Example.EU.auth0.com"}, {"SOCIAL_AUTH_AUTH0_DOMAIN": "example.eu.auth0.com:443"}),
        ({"AUTH0_BASE_URL": "http://127.0.0.1:8001/"}, {"SOCIAL_AUTH_AUTH0_BASE_URL": "HTTP://127.0.0.1:8001"}),
        ({}, {"SOCIAL_AUTH_AUTH0_BASE_URL": "https://example.eu.auth0.com", "SOCIAL_AUTH_AUTH0_DOMAIN": "x.com"}),
        # Nothing to compare: a site that logs in another way, or a base URL E006-style broken.
        ({}, {"SOCIAL_AUTH_AUTH0_DOMAIN": None}),
        ({}, {"SOCIAL_AUTH_AUTH0_DOMAIN": "", "SOCIAL_AUTH_AUTH0_BASE_URL": "127.0.0.1:8001"}),
    ],
)
def test_the_same_origin_written_differently_is_the_same_tenant(clean: Any, management: dict[str, Any], login: dict[str, Any]) -> None:
    clean.SELFSERVICE = {**CLEAN, **management}
    for name, value in login.items():
        setattr(clean, name, value)
    assert check_settings(None) == []


def test_a_custom_login_domain_can_silence_the_tenant_warning(clean: Any) -> None:
    clean.SOCIAL_AUTH_AUTH0_DOMAIN = "login.example.com"
    with pytest.raises(SystemCheckError, match=r"selfservice\.W003"):
        call_command("check", fail_level="WARNING")
    clean.SILENCED_SYSTEM_CHECKS = ["selfservice.W003"]
    call_command("check", fail_level="WARNING")

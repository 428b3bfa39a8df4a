"""``get_settings()``: defaults, merging, derived values, and the cache reset on setting changes."""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings
from django.test import override_settings

from selfservice.conf import DEFAULTS, get_settings, user_settings


def test_defaults_apply_when_selfservice_is_unset(settings: Any) -> None:
    del settings.SELFSERVICE
    # Deleting through pytest-django's fixture sends no setting_changed (Django has no signal
    # for a removed setting), so a copy merged before (by an earlier test) would be returned.
    get_settings.cache_clear()

    conf = get_settings()

    assert conf.auth0_domain == ""
    assert conf.auth0_client_id == ""
    assert conf.auth0_client_secret == ""
    assert conf.auth0_base_url is None
    assert conf.auth0_transport is None
    assert conf.gateway == DEFAULTS["GATEWAY"] == "selfservice.gateway.auth0.Auth0Gateway"
    assert conf.adapter == DEFAULTS["ADAPTER"] == "selfservice.adapter.DefaultAdapter"
    assert conf.ratelimit == DEFAULTS["RATELIMIT"]
    assert conf.timeout == 5.0
    assert conf.cache_alias == "default"
    assert conf.cache_key_prefix == "selfservice"
    assert conf.token_refresh_margin == 300
    assert conf.factors_cache_ttl == 300
    assert conf.unknown_keys == ()
    assert conf.raw == DEFAULTS


def test_site_values_are_merged_over_the_defaults(settings: Any) -> None:
    settings.SELFSERVICE = {"AUTH0_DOMAIN": " example.eu.auth0.com ", "TIMEOUT": 2, "CACHE_ALIAS": "tokens"}

    conf = get_settings()

    assert conf.auth0_domain == "example.eu.auth0.com"
    assert conf.timeout == 2.0
    assert isinstance(conf.timeout, float)
    assert conf.cache_alias == "tokens"
    assert conf.factors_cache_ttl == DEFAULTS["FACTORS_CACHE_TTL"]


def test_rate_limits_are_merged_over_the_default_rates(settings: Any) -> None:
    settings.SELFSERVICE = {"RATELIMIT": {"sessions.revoke": "5/m"}}
    assert get_settings().ratelimit == {**DEFAULTS["RATELIMIT"], "sessions.revoke": "5/m"}


def test_audience_defaults_to_the_tenants_management_api(settings: Any) -> None:
    settings.SELFSERVICE = {"AUTH0_DOMAIN": "example.eu.auth0.com"}
    assert get_settings().auth0_audience == "https://example.eu.auth0.com/api/v2/"


def test_an_explicit_audience_is_kept(settings: Any) -> None:
    settings.SELFSERVICE = {"AUTH0_DOMAIN": "example.eu.auth0.com", "AUTH0_AUDIENCE": "https://custom/api/v2/"}
    assert get_settings().auth0_audience == "https://custom/api/v2/"


def test_base_url_loses_its_trailing_slash(settings: Any) -> None:
    settings.SELFSERVICE = {"AUTH0_BASE_URL": "http://127.0.0.1:8001/"}
    assert get_settings().auth0_base_url == "http://127.0.0.1:8001"


def test_unknown_keys_are_kept_and_listed(settings: Any) -> None:
    settings.SELFSERVICE = {"AUTH0_DOMIAN": "typo.example.com", "ZETA": 1}

    conf = get_settings()

    assert conf.unknown_keys == ("AUTH0_DOMIAN", "ZETA")
    assert conf.raw["AUTH0_DOMIAN"] == "typo.example.com"
    assert conf.auth0_domain == ""


def test_values_of_the_wrong_type_fall_back_to_the_default_at_run_time(settings: Any) -> None:
    # The system checks report them; a request must still not crash.
    settings.SELFSERVICE = {"TIMEOUT": "soon", "TOKEN_REFRESH_MARGIN": None}

    conf = get_settings()

    assert conf.timeout == DEFAULTS["TIMEOUT"]
    assert conf.token_refresh_margin == DEFAULTS["TOKEN_REFRESH_MARGIN"]


def test_a_selfservice_value_that_is_not_a_dict_reads_as_empty(settings: Any) -> None:
    settings.SELFSERVICE = ["AUTH0_DOMAIN", "x"]
    assert user_settings() == {}
    assert get_settings().auth0_domain == ""


def test_the_merged_settings_are_built_once(settings: Any) -> None:
    settings.SELFSERVICE = {"AUTH0_DOMAIN": "one.example.com"}
    assert get_settings() is get_settings()


def test_the_cache_is_reset_when_the_setting_changes(settings: Any) -> None:
    settings.SELFSERVICE = {"AUTH0_DOMAIN": "one.example.com"}
    assert get_settings().auth0_domain == "one.example.com"

    with override_settings(SELFSERVICE={"AUTH0_DOMAIN": "two.example.com"}):
        assert get_settings().auth0_domain == "two.example.com"

    assert get_settings().auth0_domain == "one.example.com"


def test_reading_settings_never_writes_into_django_settings(settings: Any) -> None:
    settings.SELFSERVICE = {"AUTH0_DOMAIN": "example.eu.auth0.com"}
    get_settings()
    assert django_settings.SELFSERVICE == {"AUTH0_DOMAIN": "example.eu.auth0.com"}
    assert not hasattr(django_settings, "SELFSERVICE_TIMEOUT")

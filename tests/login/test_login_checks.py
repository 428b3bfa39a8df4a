"""``manage.py check`` warns when the login error middleware is missing (selfservice.W060)."""

from __future__ import annotations

from typing import Any

from selfservice.checks import check_settings
from selfservice.login.middleware import LoginErrorMiddleware

MIDDLEWARE = "selfservice.login.middleware.LoginErrorMiddleware"


class SiteLoginErrors(LoginErrorMiddleware):
    """A site's own subclass (e.g. other wording) counts as installed."""


def ids(settings: Any) -> list[str]:
    return [message.id for message in check_settings(None)]


def test_the_test_settings_have_the_middleware(settings: Any) -> None:
    assert MIDDLEWARE in settings.MIDDLEWARE
    assert "selfservice.W060" not in ids(settings)


def test_a_missing_middleware_is_a_warning_naming_the_fix(settings: Any) -> None:
    settings.MIDDLEWARE = [path for path in settings.MIDDLEWARE if path != MIDDLEWARE]

    [warning] = [m for m in check_settings(None) if m.id == "selfservice.W060"]
    assert warning.is_serious() is False
    assert MIDDLEWARE in warning.hint and "500" in warning.msg


def test_a_subclass_is_accepted(settings: Any) -> None:
    settings.MIDDLEWARE = [
        f"{__name__}.SiteLoginErrors" if path == MIDDLEWARE else path for path in settings.MIDDLEWARE
    ]
    assert "selfservice.W060" not in ids(settings)


def test_a_path_that_does_not_import_is_not_mistaken_for_it(settings: Any) -> None:
    settings.MIDDLEWARE = [path for path in settings.MIDDLEWARE if path != MIDDLEWARE] + ["nowhere.Middleware"]
    assert "selfservice.W060" in ids(settings)

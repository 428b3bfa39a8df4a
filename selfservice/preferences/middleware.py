"""Apply the user's language, time zone and theme (``APPLY_PREFERENCES``; see ``applied``).

Add ``"selfservice.preferences.middleware.PreferencesMiddleware"`` to ``MIDDLEWARE`` after
``SessionMiddleware``, ``AuthenticationMiddleware`` and ``LocaleMiddleware`` (it overrides the
language LocaleMiddleware chose from the browser) and before ``MessageMiddleware``, which
turns the messages of the request into text on the way out, still in the user's language
(``selfservice.W070`` checks the order). It reads what the account pages kept in the
session: no Auth0 call and no query. With ``"account"`` it acts on this app's pages only, with
``"site"`` on every page a signed-in user opens; after the response it restores the language
and time zone the request had, so nothing leaks into the next request on the thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from selfservice.conf import get_settings
from selfservice.preferences.applied import ACTIVE, activate, stored

__all__ = ["PreferencesMiddleware"]


class PreferencesMiddleware:
    """Activate the kept preferences in ``process_view`` (when the view is known); undo after."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = translation.get_language()
        response = self.get_response(request)
        if getattr(request, ACTIVE, False):
            if translation.get_language() != language:
                # LocaleMiddleware only sets Content-Language when nothing did (setdefault).
                response.headers.setdefault("Content-Language", str(translation.get_language()))
                translation.activate(language) if language else translation.deactivate()
            timezone.deactivate()
        return response

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any) -> None:
        scope = get_settings().apply_preferences
        if scope is None:
            return None
        match = request.resolver_match
        if scope == "account" and (match is None or "selfservice" not in match.namespaces):
            return None  # before request.user: another page of the site loads no session or user for this
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        setattr(request, ACTIVE, True)  # the account views may also activate what they just read
        values = stored(request)
        if values:
            activate(request, values)
        return None

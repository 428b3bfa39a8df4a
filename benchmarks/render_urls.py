"""The URLconf of ``bench_render``: the test site's URLs plus two views that only serve stored answers.

- ``/__bench__/bare/<key>/`` renders the stored template names with the stored plain dict
  (what a tab view built, copied before it was rendered) and nothing else: the bare render.
- ``/__bench__/static/<key>/`` returns the stored bytes as they are: a static HttpResponse.
- ``?login=1`` on either first does the tabs' login check (``request.user.is_authenticated``,
  which loads the session and the user), so the only difference left to a tab is its view.

Both go through the same handler and middleware as the tabs (sessions, auth, CSRF, messages,
htmx), so the differences between the three are the view's own work and the template's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.template.loader import select_template
from django.urls import path
from django.utils import timezone, translation

from tests.urls import urlpatterns as site_patterns

#: key -> (template names, context dict) for ``bare``; key -> bytes for ``static``.
TEMPLATES: dict[str, tuple[list[str], dict[str, Any]]] = {}
BYTES: dict[str, bytes] = {}
#: key -> the language and time zone the tab rendered in (the user's applied preferences): the
#: bare render uses the same, or it would render other bytes (English, UTC) and be compared unfairly.
LOCALE: dict[str, tuple[str | None, str | None]] = {}


def _login_check(request: HttpRequest) -> None:
    if request.GET.get("login") == "1" and not request.user.is_authenticated:
        raise PermissionError("the bench session is not signed in")


def bare(request: HttpRequest, key: str) -> HttpResponse:
    _login_check(request)
    names, context = TEMPLATES[key]
    language, zone = LOCALE.get(key, (None, None))
    # ``messages`` is the one entry bound to a request: this request's, as the tab's was its own.
    with translation.override(language), timezone.override(zone):
        return HttpResponse(select_template(names).render({**context, "messages": get_messages(request)}, request))


def static(request: HttpRequest, key: str) -> HttpResponse:
    _login_check(request)
    return HttpResponse(BYTES[key])


urlpatterns = [
    *site_patterns,
    path("__bench__/bare/<str:key>/", bare),
    path("__bench__/static/<str:key>/", static),
]

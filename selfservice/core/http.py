"""Request typing and the few response helpers the account views share.

``HtmxHttpRequest`` is what every selfservice view receives once
``django_htmx.middleware.HtmxMiddleware`` has run (DESIGN's integration contract installs it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

__all__ = ["HtmxHttpRequest", "client_aware_login_redirect", "client_redirect", "segment_urls", "wants_partial"]

_PLACEHOLDER = "selfservice-path-segment"
# What reverse() leaves unquoted in a path segment (RFC 3986 sub-delims, ~ : @), minus "/".
_SEGMENT_SAFE = "!$&'()*+,;=~:@"


def segment_urls(name: str, kwarg: str) -> Callable[[str], str]:
    """``value -> reverse(name, kwargs={kwarg: value})`` for a ``<str:...>`` segment, reversing once.

    For lists (a page of sessions, the MFA methods): the same path :func:`reverse` builds
    (script prefix, mount point, quoting), with each value put where a placeholder was. A value
    ``reverse()`` would refuse (empty, or holding a ``/``) gets "".
    """
    head, tail = reverse(name, kwargs={kwarg: _PLACEHOLDER}).rsplit(_PLACEHOLDER, 1)
    return lambda value: f"{head}{quote(value, safe=_SEGMENT_SAFE)}{tail}" if value and "/" not in value else ""


class HtmxHttpRequest(HttpRequest):
    """An ``HttpRequest`` after ``HtmxMiddleware``: ``request.htmx`` is always present."""

    htmx: HtmxDetails


def wants_partial(request: HttpRequest) -> bool:
    """True for htmx requests that swap a fragment.

    htmx also sends ``HX-Request`` when it restores history after a cache miss; that request
    replaces the whole ``<body>``, so it must get the full page.
    """
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def client_redirect(request: HttpRequest, response: HttpResponse, url: str) -> HttpResponse:
    """``HX-Redirect`` for htmx requests, ``response`` (a normal redirect) otherwise.

    An XHR follows a 302 silently and htmx would swap the target page (a login form, another
    site) into the panel; ``HX-Redirect`` makes the browser navigate instead.
    """
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return response


def client_aware_login_redirect(
    request: HttpRequest, login_url: str, redirect_field_name: str = "next", next_url: str | None = None
) -> HttpResponse:
    """Send an anonymous user to ``login_url?next=<this page>``, as a 302 or as ``HX-Redirect``.

    ``next_url`` replaces "this page" (e.g. a POST-only action URL, which is no page to return to).
    """
    response = redirect_to_login(next_url or request.get_full_path(), login_url, redirect_field_name)
    return client_redirect(request, response, response["Location"])

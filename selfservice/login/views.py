"""Sign in and sign out: the pages around social-auth's Auth0 flow.

social-auth-app-django only starts a login on a CSRF-protected POST (login CSRF), so
``LOGIN_URL`` points at :class:`LoginView`, a page with one button that POSTs to
``social:begin`` (works without JavaScript). :func:`login_page` renders the same page when a
login failed (:mod:`selfservice.login.middleware`), with the reason and a "Try again" button.
:class:`LogoutView` ends the Django session and then the Auth0 session, through the tenant's
``/v2/logout`` (which also tells the other applications of that session through back-channel
logout).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.generic import TemplateView

from selfservice.core.http import client_redirect

__all__ = ["LoginView", "LogoutView", "auth0_logout_url", "login_page"]

REDIRECT_FIELD = "next"
LOGIN_TEMPLATE = "selfservice/login.html"


def _safe_next(request: HttpRequest, default: str, candidate: str | None = None) -> str:
    if candidate is None:
        candidate = request.POST.get(REDIRECT_FIELD) or request.GET.get(REDIRECT_FIELD) or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default)


def auth0_base_url() -> str:
    """Where browsers reach the tenant: ``SOCIAL_AUTH_AUTH0_BASE_URL`` or ``https://{DOMAIN}``."""
    base = getattr(settings, "SOCIAL_AUTH_AUTH0_BASE_URL", None)
    return str(base).rstrip("/") if base else f"https://{getattr(settings, 'SOCIAL_AUTH_AUTH0_DOMAIN', '')}"


def auth0_logout_url(return_to: str) -> str:
    """Auth0's logout endpoint for the login client, coming back to ``return_to`` (absolute)."""
    query = urlencode({"client_id": getattr(settings, "SOCIAL_AUTH_AUTH0_KEY", ""), "returnTo": return_to})
    return f"{auth0_base_url()}/v2/logout?{query}"


def login_page(
    request: HttpRequest, *, status: int, error: Promise | str, detail: Promise | str | None = None
) -> HttpResponse:
    """The login page after a failed or refused login: the reason, and the button as "Try again".

    Rendered in place (no redirect) so the status says what happened. ``next`` is where the
    failed login was going: social-auth keeps it in the session at the start; the start
    itself (refused before social-auth ran) still has it in the form.
    """
    session = getattr(request, "session", None)
    remembered = session.get(REDIRECT_FIELD) if session is not None else None
    candidate = request.POST.get(REDIRECT_FIELD) or (remembered if isinstance(remembered, str) else "")
    context = {"next": _safe_next(request, "selfservice:index", candidate), "login_error": error, "login_error_detail": detail}
    response = render(request, LOGIN_TEMPLATE, context, status=status)
    add_never_cache_headers(response)
    return response


@method_decorator(never_cache, name="dispatch")
class LoginView(TemplateView):
    """The ``LOGIN_URL`` page: explains where the user goes and POSTs to ``social:begin``."""

    template_name = LOGIN_TEMPLATE

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        next_url = _safe_next(request, "selfservice:index")
        if request.user.is_authenticated:
            return HttpResponseRedirect(next_url)
        return self.render_to_response(self.get_context_data(next=next_url))


@method_decorator([never_cache, csrf_protect], name="dispatch")
class LogoutView(TemplateView):
    """GET asks for confirmation; POST signs out here and at Auth0."""

    template_name = "selfservice/logout.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        was_signed_in = request.user.is_authenticated
        logout(request)  # flushes the session, sid included
        after = request.build_absolute_uri(resolve_url(getattr(settings, "LOGOUT_REDIRECT_URL", None) or "/"))
        target = auth0_logout_url(after) if was_signed_in else after
        return client_redirect(request, HttpResponseRedirect(target), target)

"""Sign in and sign out: the pages around social-auth's Auth0 flow.

social-auth-app-django only starts a login on a CSRF-protected POST (login CSRF), so
``LOGIN_URL`` points at :class:`LoginView`, a page with one button that POSTs to
``social:begin`` (works without JavaScript). :class:`LogoutView` ends the Django session and
then the Auth0 session, through the tenant's ``/v2/logout`` (which also tells the other
applications of that session through back-channel logout).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.generic import TemplateView

from selfservice.core.http import client_redirect

__all__ = ["LoginView", "LogoutView", "auth0_logout_url"]

REDIRECT_FIELD = "next"


def _safe_next(request: HttpRequest, default: str) -> str:
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


@method_decorator(never_cache, name="dispatch")
class LoginView(TemplateView):
    """The ``LOGIN_URL`` page: explains where the user goes and POSTs to ``social:begin``."""

    template_name = "selfservice/login.html"

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

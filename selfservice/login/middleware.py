"""Failed and too-frequent Auth0 logins answer with the login page and a 4xx, never a 500.

Add it to ``MIDDLEWARE`` after ``AuthenticationMiddleware`` (and ``CsrfViewMiddleware``)::

    "selfservice.login.middleware.LoginErrorMiddleware",

It only looks at social-auth's begin view (``POST /login/auth0/``) and callback
(``/complete/auth0/``) for the ``auth0`` backend; every other request passes untouched.

- **Errors.** social-core raises an exception for a cancelled login, a missing, forged, replayed
  or expired ``state``, a provider error on the callback, a token endpoint that fails or cannot
  be reached, or an ID token that does not verify. Django would answer 500 (or show a
  traceback in DEBUG). Here it becomes the login page with a plain message
  (:mod:`selfservice.login.errors`), a "Try again" button and a 4xx: 403 when the user
  cancelled, 400 otherwise. Each failure is audited (``login.failed``, ``details.reason``) and
  logged at WARNING, with no code, state, token or provider text. social-auth's own
  ``SocialAuthExceptionMiddleware`` redirects to ``LOGIN_ERROR_URL`` (so the status is lost)
  and re-raises in DEBUG; this one renders in place, in DEBUG too, and goes first when both
  are installed (exception middleware runs bottom-up: keep this one lower in the list).
- **Limits.** Both steps are counted per client IP (:mod:`selfservice.login.limits`); over a
  limit the page says how long to wait, with 429 and ``Retry-After``, before social-auth runs:
  no state is minted, no redirect to Auth0 issued, no token call made.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch
from django.utils.translation import ngettext
from social_django import views as social_views

from selfservice.core import audit
from selfservice.core.ratelimits import client_ip
from selfservice.login import limits
from selfservice.login.errors import HANDLED, classify
from selfservice.login.views import login_page

__all__ = ["BACKEND", "LoginErrorMiddleware"]

logger = logging.getLogger(__name__)

BACKEND = "auth0"
_STEPS: dict[str, limits.Step] = {"begin": "start", "complete": "complete"}
_VIEWS: dict[Any, limits.Step] = {social_views.auth: "start", social_views.complete: "complete"}


def auth0_step(match: ResolverMatch | None) -> limits.Step | None:
    """``"start"`` or ``"complete"`` when the request is social-auth's view for the Auth0 backend."""
    if match is None or match.kwargs.get("backend") != BACKEND:
        return None
    step = _VIEWS.get(match.func)
    if step is None and social_views.NAMESPACE in match.namespaces:
        step = _STEPS.get(match.url_name or "")
    return step


class LoginErrorMiddleware:
    """Rate-limit the Auth0 login steps per IP; render their failures as the login page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        step = auth0_step(request.resolver_match)
        if step is None or (step == "start" and request.method != "POST"):
            return None  # a GET of the begin view is social-auth's 405, nothing to count
        verdict = limits.check(request, step)
        if verdict is None:
            return None
        if verdict.first:  # once per window: a flood must not flood the logs and the audit table
            logger.warning("Sign-in %s refused: over %s from %s.", step, verdict.name, client_ip(request))
            _record(request, {"reason": "rate_limited", "limit": verdict.name})
        seconds = verdict.retry_after
        message = ngettext(
            "Too many sign-in attempts from your network. Try again in %(seconds)d second.",
            "Too many sign-in attempts from your network. Try again in %(seconds)d seconds.",
            seconds,
        ) % {"seconds": seconds}
        response = login_page(request, status=429, error=message)
        response["Retry-After"] = str(seconds)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, HANDLED) or auth0_step(request.resolver_match) is None:
            return None
        failure = classify(exception)
        # Never the exception's text: it may hold the provider's error_description.
        logger.warning(
            "Sign-in failed: reason=%s social_code=%s stage=%s provider_error=%s status=%s",
            failure.reason, failure.social_code or type(exception).__name__, failure.stage or "-",
            failure.provider_error or "-", failure.status,
        )
        _record(request, failure.audit_details)
        return login_page(request, status=failure.status, error=failure.headline, detail=failure.detail)


def _record(request: HttpRequest, details: dict[str, str]) -> None:
    # The Auth0 user is not known yet (it is what failed); a signed-in user stays named.
    audit.record(request, action="login.failed", target=BACKEND, details=details)

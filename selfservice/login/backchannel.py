"""The OIDC Back-Channel Logout endpoint Auth0 calls when a session ends.

Register ``https://YOUR-SITE/<mount>/backchannel-logout/`` as the login application's
*Back-Channel Logout URI* in Auth0. Per OIDC Back-Channel Logout 1.0 the endpoint takes a
form-encoded ``logout_token``, answers 200 once the matching local sessions are gone (also when
there were none), 400 with a JSON error for a token it refuses, and never lets a cache keep
the answer. It is CSRF-exempt (Auth0 has no CSRF token): the signed token is the proof.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from selfservice.core import audit
from selfservice.core.read_cache import forget_user
from selfservice.login import limits
from selfservice.login.logout_tokens import LogoutTokenError, SigningKeysUnavailable, validate
from selfservice.login.session_map import end_local_sessions
from selfservice.models import Auth0Session

__all__ = ["BackchannelLogoutView"]

logger = logging.getLogger("selfservice.login.logout_tokens")


@method_decorator(csrf_exempt, name="dispatch")
class BackchannelLogoutView(View):
    """POST ``logout_token=<JWT>``: validate it, end the Django sessions of that Auth0 session."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        over = limits.check(request, "backchannel")
        if over is not None:
            refused = self.error("temporarily_unavailable", "Too many logout requests; try again later.", status=429)
            refused["Retry-After"] = str(over.retry_after)
            return refused
        token = request.POST.get("logout_token", "")
        if not token:
            return self.error("invalid_request", "The logout_token parameter is missing.")
        try:
            claims = validate(token)
        except SigningKeysUnavailable as exc:
            logger.warning("Back-channel logout could not be checked: %s", exc)
            return self.error("temporarily_unavailable", str(exc), status=503)
        except LogoutTokenError as exc:
            logger.warning("Back-channel logout token refused: %s", exc)
            return self.error("invalid_request", str(exc))
        owner = claims.sub or Auth0Session.objects.filter(sid=claims.sid or "").values_list("auth0_user_id", flat=True).first()
        ended = end_local_sessions(sid=claims.sid, sub=claims.sub)
        forget_user(owner or "")  # that user's cached copies (their session listing changed)
        audit.record(
            request, action="session.backchannel_logout", target=claims.sid or "",
            details={"sub": claims.sub or "", "ended": ended, "jti": claims.jti},
            auth0_user_id=claims.sub or "",
        )
        response = HttpResponse(status=200)
        response["Cache-Control"] = "no-store"
        return response

    def error(self, code: str, description: str, *, status: int = 400) -> JsonResponse:
        response = JsonResponse({"error": code, "error_description": description}, status=status)
        response["Cache-Control"] = "no-store"
        return response

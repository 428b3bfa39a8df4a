"""``general/email/verify/``: send the email verification message again (DESIGN.md URL contract).

Why a view of its own: the General tab shows "Not verified" beside an unverified address, and
the one thing a user can do about it here is ask Auth0 for the message again
(``POST /api/v2/jobs/verification-email`` through the gateway). It is limited hard
(``email.verify``, 3 an hour per user, plus the per-IP write limit): every request sends an
email, and Auth0 counts the emails a tenant sends. An address that is already verified sends
nothing. POST only (CSRF), audited, then back to the General tab (PRG; ``HX-Redirect`` for htmx).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _

from selfservice.core import audit, ratelimits
from selfservice.core.http import client_redirect
from selfservice.gateway import GatewayError, NotFound
from selfservice.profile.views import GeneralView

__all__ = ["ResendVerificationView"]


class ResendVerificationView(GeneralView):
    """POST: ask Auth0 to send the verification email again, for the signed-in user only.

    A refusal (the limit, Auth0 busy or failing) answers with the General tab and the problem
    (429 with ``Retry-After``, 503), like a failed save; the tab's data comes from the read cache.
    """

    http_method_names = ["post"]

    @method_decorator(ratelimits.limit("email.verify"))
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        back = redirect("selfservice:general")
        try:
            profile = self.gateway.get_user(self.auth0_user_id)
            if ratelimits.is_limited(request):
                audit.record(request, action="email.resend_verification_refused", details={"reason": "limit"},
                             auth0_user_id=self.auth0_user_id)
                return self.render_profile(profile, problem=self.throttled_problem("email.verify"))
            if profile.email_verified or not profile.email:
                messages.info(request, str(_("Your email address is already verified.") if profile.email
                                           else _("Your account has no email address to verify.")))
                return client_redirect(request, back, back["Location"])
            client_id = str(getattr(settings, "SOCIAL_AUTH_AUTH0_KEY", "") or "") or None
            try:
                self.gateway.send_verification_email(self.auth0_user_id, client_id=client_id)
            except GatewayError as error:
                return self.render_profile(profile, problem=self.upstream_problem(error))
        except NotFound:
            return self.not_linked_response(missing=True)
        except GatewayError:
            messages.error(request, str(_("The verification email could not be sent: try again in a moment.")))
            return client_redirect(request, back, back["Location"])
        audit.record(request, action="email.resend_verification", target=self.auth0_user_id, auth0_user_id=self.auth0_user_id)
        messages.success(request, str(_("We sent a verification email to %(email)s.") % {"email": profile.email}))
        return client_redirect(request, back, back["Location"])

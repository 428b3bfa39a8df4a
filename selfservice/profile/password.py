"""``general/password/``: start a password change at Auth0 (DESIGN.md URL contract).

The password is never typed into this site: Auth0 makes a password-change ticket (its own page,
its password policy) whose ``result_url`` comes back to the General tab. The ticket changes the
password of whoever holds the link, and Auth0 does not check who asks for it, so only the
signed-in user may start one, after a recent sign-in (step-up, ``"password.change"``), limited
per user and per IP (``password.change``, ``password.change.ip``), and audited.

GET shows what happens next (the confirm step the step-up returns to); POST ``confirm=1``
creates the ticket and sends the browser there (``HX-Redirect`` for htmx). Users whose
password lives with a social or enterprise provider are told so, and nothing is sent to Auth0.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _

from selfservice.core import audit, ratelimits
from selfservice.core.http import client_redirect
from selfservice.core.views import UpstreamProblem
from selfservice.gateway import GatewayError, NotFound, Rejected, UserProfile
from selfservice.profile.steps import GeneralStepView

__all__ = ["ChangePasswordView", "password_changeable"]


def password_changeable(adapter: Any, profile: UserProfile) -> bool:
    """Whether Auth0 holds a password for this user (their primary identity is a database one)."""
    return str(adapter.primary_provider(profile)) == "auth0"


class ChangePasswordView(GeneralStepView):
    """GET: the confirm step (or where the password lives); POST ``confirm=1``: go to Auth0's page."""

    http_method_names = ["get", "post"]
    template_name = "selfservice/general_password.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        profile = self.user_after_step_up("password.change")
        if isinstance(profile, HttpResponse):
            return profile
        return self.password_page(profile)

    @method_decorator(ratelimits.limit("password.change"))
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.POST.get("confirm") != "1":
            return self.get(request, *args, **kwargs)
        if ratelimits.is_limited(request):
            audit.record(request, action="password.change_refused", details={"reason": "limit"},
                         auth0_user_id=self.auth0_user_id)
            return self.throttled("password.change")
        profile = self.user_after_step_up("password.change")
        if isinstance(profile, HttpResponse):
            return profile
        if not password_changeable(self.adapter, profile):
            audit.record(request, action="password.change_refused", details={"reason": "provider_owned"},
                         auth0_user_id=self.auth0_user_id)
            return self.password_page(profile, status=422)
        client_id = str(getattr(settings, "SOCIAL_AUTH_AUTH0_KEY", "") or "") or None
        back = request.build_absolute_uri(self.tab_url())
        try:
            ticket = self.gateway.create_password_change_ticket(self.auth0_user_id, result_url=back, client_id=client_id)
        except NotFound:
            return self.not_linked_response(missing=True)
        except Rejected:
            messages.error(request, _("The password of this account cannot be changed here."))
            return self.password_page(profile, status=422)
        except GatewayError as error:
            return self.failed(error, _("Nothing was changed."), profile=profile, changeable=True)
        if urlsplit(ticket).scheme not in ("https", "http"):
            # Only ever a web page: never a javascript: or data: URL to send the browser to.
            return self.step_page(problem=UpstreamProblem("unavailable", 503, self.tab_url()))
        audit.record(request, action="password.change_started", target=self.auth0_user_id, auth0_user_id=self.auth0_user_id)
        return client_redirect(request, HttpResponseRedirect(ticket), ticket)

    def password_page(self, profile: UserProfile, *, status: int = 200) -> HttpResponse:
        changeable = password_changeable(self.adapter, profile)
        return self.step_page(
            status=status, profile=profile, changeable=changeable, password_url=self.request.path,
            owner="" if changeable else self.adapter.profile_owner_label(profile),
        )

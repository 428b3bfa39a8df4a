"""The Privacy tab: download my data (``privacy/export/``), delete my account (``privacy/delete/``).

Costs (Management API calls, counted at the emulator in the tests):

- the tab (``privacy/``): none;
- a download: the user, the authentication methods and the session listing, each through the
  read cache (none while fresh);
- deleting: the user through the read cache (to check the typed email), then two calls:
  ``DELETE /users/{id}/sessions`` and ``DELETE /users/{id}``.

Both actions are POSTs with CSRF, limited per user (``privacy.export``, ``account.delete``) and
per IP (``write.ip``), and audited. Deleting needs a recent sign-in (step-up,
``"account.delete"``) and the user's email typed again; if Auth0 refuses or times out, nothing
here is deleted, the user is told, and what they typed is kept.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from selfservice.conf import get_settings
from selfservice.core import audit, ratelimits, step_up
from selfservice.core.http import client_redirect
from selfservice.core.views import AccountTabView, UpstreamProblem
from selfservice.gateway import GatewayError, NotFound, Rejected, UpstreamUncertain, UserProfile
from selfservice.privacy.deletion import UpstreamStepFailed, delete_local, delete_upstream
from selfservice.privacy.export import build_export, export_filename, to_json

__all__ = ["DeleteAccountForm", "DeleteAccountView", "ExportView", "PrivacyView"]

#: Session key: the account was just deleted; the next GET of privacy/delete/ says goodbye.
GOODBYE_KEY = "selfservice_account_deleted"


class PrivacyTabView(AccountTabView):
    """What the Privacy views share: the tab, its template and its links."""

    tab = "privacy"
    title = _("Privacy")
    template_name = "selfservice/privacy.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            export_url=reverse("selfservice:export"),
            delete_url=reverse("selfservice:delete-account"),
            **kwargs,
        )


class PrivacyView(PrivacyTabView):
    """GET: what the site holds, the download button, the way to delete the account."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_tab()


class ExportView(PrivacyTabView):
    """GET: the tab (where the download button is); POST: the JSON attachment.

    The download is a plain form post (no htmx: a file cannot be swapped into the panel). A
    failure answers with the tab and the problem instead of a file.
    """

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_tab()

    @method_decorator(ratelimits.limit("privacy.export"))
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if ratelimits.is_limited(request):
            return self.render_tab(problem=self.throttled_problem("privacy.export"))
        try:
            document = build_export(request, self.gateway, self.auth0_user_id, self.adapter)
        except NotFound:
            return self.not_linked_response(missing=True)
        except GatewayError as error:
            messages.error(request, str(_("Your data could not be gathered. Nothing was downloaded.")))
            return self.render_tab(problem=self.upstream_problem(error))
        audit.record(
            request, action="privacy.export", target=self.auth0_user_id,
            details={"activity": len(document["activity"]), "sessions": len(document["sessions"]["items"])},
            auth0_user_id=self.auth0_user_id,
        )
        response = HttpResponse(to_json(document), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{export_filename()}"'
        return response


class DeleteAccountForm(forms.Form):
    """The user types their email (or, without one, their username or id) to confirm."""

    confirmation = forms.CharField(
        label=_("Type your email address to confirm"), max_length=320, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false", "dir": "ltr"}),
    )

    def __init__(self, *args: Any, expected: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected = expected
        if expected:
            # "Type <strong>carol@example.com</strong> to confirm": the address escaped, in bold.
            label = conditional_escape(gettext("Type %(expected)s to confirm"))
            self.fields["confirmation"].label = mark_safe(label % {"expected": format_html("<strong>{}</strong>", expected)})

    def clean_confirmation(self) -> str:
        typed: str = self.cleaned_data["confirmation"]
        if typed.casefold() != self.expected.strip().casefold():
            raise forms.ValidationError(
                _("This is not %(expected)s. Type it exactly to delete your account."),
                code="mismatch",
                params={"expected": self.expected},
            )
        return typed


def confirmation_text(profile: UserProfile | None, user: Any) -> str:
    """What the user must type: the Auth0 email, else username, phone or id (Django's email if gone)."""
    if profile is None:
        return str(getattr(user, "email", "") or getattr(user, "get_username", lambda: "")() or "")
    return profile.email or profile.username or profile.phone_number or profile.user_id


class DeleteAccountView(PrivacyTabView):
    """GET: what goes, and the typed confirmation; POST (step-up): delete the account.

    After the deletion the browser is signed out and redirected (PRG) to this URL, whose GET
    shows the goodbye page once (a flag in the new, anonymous session).
    """

    http_method_names = ["get", "post"]
    confirm_template_name = "selfservice/privacy_delete.html"
    goodbye_template_name = "selfservice/privacy_goodbye.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated and request.method == "GET" and request.session.pop(GOODBYE_KEY, False):
            response = TemplateResponse(request, self.goodbye_template_name, {"tab_title": _("Account deleted")})
            add_never_cache_headers(response)
            patch_vary_headers(response, ("HX-Request",))
            return response
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        stepping_up = step_up.require_recent_login(self, "account.delete", request.path)
        if stepping_up is not None:
            return stepping_up
        loaded = self.profile_or_response()
        if isinstance(loaded, HttpResponse):
            return loaded
        return self.confirm(DeleteAccountForm(expected=confirmation_text(loaded, request.user)))

    @method_decorator(ratelimits.limit("account.delete"))
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if ratelimits.is_limited(request):
            form = DeleteAccountForm(request.POST, expected="")
            return self.confirm(form, problem=self.throttled_problem("account.delete", resubmit=True))
        stepping_up = step_up.require_recent_login(self, "account.delete", request.path)
        if stepping_up is not None:
            return stepping_up
        loaded = self.profile_or_response(kept=True)
        if isinstance(loaded, HttpResponse):
            return loaded
        form = DeleteAccountForm(request.POST, expected=confirmation_text(loaded, request.user))
        if not form.is_valid():
            audit.record(
                request, action="account.delete_refused", details={"reason": "confirmation_mismatch"},
                auth0_user_id=self.auth0_user_id,
            )
            return self.confirm(form, status=422)
        try:
            delete_upstream(self.gateway, self.auth0_user_id)
        except UpstreamStepFailed as failed:
            return self.refused_upstream(form, failed)
        mode = get_settings().account_deletion
        delete_local(request, sender=type(self), auth0_user_id=self.auth0_user_id, mode=mode)
        logout(request)
        request.session[GOODBYE_KEY] = True
        return client_redirect(request, HttpResponseRedirect(request.path), request.path)

    def profile_or_response(self, *, kept: bool = False) -> UserProfile | None | HttpResponse:
        """The Auth0 user (None: Auth0 no longer has it), or the error answer to give.

        A user Auth0 already deleted (an earlier attempt whose answer was lost) can still finish:
        the confirmation is then their email as this site knows it.
        """
        try:
            return self.gateway.get_user(self.auth0_user_id)
        except NotFound:
            return None
        except GatewayError as error:
            form = DeleteAccountForm(self.request.POST if kept else None, expected="")
            return self.confirm(form, problem=self.upstream_problem(error, resubmit=kept))

    def refused_upstream(self, form: DeleteAccountForm, failed: UpstreamStepFailed) -> HttpResponse:
        """Auth0 did not delete the account (or we cannot tell): nothing local changed; say so."""
        error = failed.error
        if isinstance(error, UpstreamUncertain):
            messages.error(self.request, str(_(
                "We could not confirm whether your account was deleted at the sign-in service. Nothing was deleted on this site: "
                "try again to finish."
            )))
            return self.confirm(form, problem=UpstreamProblem("uncertain", 503, self.request.path))
        if isinstance(error, Rejected):
            said = _("The sign-in service refused to delete your account. Nothing was deleted.")
            problem = UpstreamProblem("unavailable", 503, self.request.path, None, True)
        else:
            said = _("Your account was not deleted. Nothing was removed.")
            problem = self.upstream_problem(error, resubmit=True)
        messages.error(self.request, str(said))
        if failed.step == "user":
            messages.warning(self.request, str(_("Your other devices and browsers may have been signed out.")))
        return self.confirm(form, problem=problem)

    def confirm(
        self, form: DeleteAccountForm, *, status: int = 200, problem: UpstreamProblem | None = None
    ) -> TemplateResponse:
        """The confirm step (page or partial) with ``form`` (typed values kept)."""
        if problem is not None:
            status = problem.status
        context = self.get_context_data(
            form=form, expected=form.expected, upstream_problem=problem,
            mode=get_settings().account_deletion, privacy_url=self.tab_url(),
        )
        response = TemplateResponse(self.request, self.confirm_template_name, context, status=status)
        if problem is not None and problem.retry_after:
            response["Retry-After"] = str(problem.retry_after)
        return response

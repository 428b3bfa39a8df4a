"""``general/email/``: change the email address of a database user (DESIGN.md URL contract).

The address is how the user signs in and where password resets go, so whoever changes it owns
the account: the form needs a recent sign-in (step-up, ``"email.change"``), the new address
typed twice, and is limited per user and per IP (``email.change``, ``email.change.ip``). One
write does it (:meth:`~selfservice.gateway.base.Gateway.change_email`: the address set
unverified, Auth0 sends its verification email); the read cache keeps Auth0's answer, so the
tab shows the new address at once with "Not verified".

Social and enterprise users get the page without a form: their provider owns the address, and
nothing is sent to Auth0 for them. Refusals (an address in use, one Auth0 finds invalid) are
shown on the form, with what the user typed kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from selfservice import signals
from selfservice.core import audit, ratelimits
from selfservice.core.form_rendering import stock_markup_renderer
from selfservice.core.http import client_redirect
from selfservice.gateway import GatewayError, NotFound, Rejected, UpstreamUnavailable, UpstreamUncertain, UserProfile
from selfservice.profile.steps import GeneralStepView

__all__ = ["ChangeEmailForm", "ChangeEmailView", "email_changeable"]

#: The providers whose users own their address here: database and passwordless-email users.
EMAIL_PROVIDERS = frozenset({"auth0", "email"})
#: RFC 5321's limit on a forward path; Django's EmailValidator checks the parts.
EMAIL_MAX_LENGTH = 254


def email_changeable(adapter: Any, profile: UserProfile) -> bool:
    """Whether this user may change their address here (their primary identity owns it)."""
    return str(adapter.primary_provider(profile)) in EMAIL_PROVIDERS


class ChangeEmailForm(forms.Form):
    """The new address, typed twice; refused when it is the current one."""

    email = forms.EmailField(
        label=gettext_lazy("New email address"), max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false", "dir": "ltr"}),
    )
    email_again = forms.EmailField(
        label=gettext_lazy("Type it again"), max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false", "dir": "ltr"}),
    )

    def __init__(self, data: Mapping[str, Any] | None = None, *, current: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("renderer", stock_markup_renderer())
        super().__init__(data, **kwargs)
        self.current = current

    @classmethod
    def from_submitted(cls, data: Mapping[str, Any]) -> ChangeEmailForm:
        """The form as typed, for an error page when the profile could not be read."""
        return cls(data)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        email, again = cleaned.get("email"), cleaned.get("email_again")
        if email and again and email.casefold() != again.casefold():
            self.add_error("email_again", forms.ValidationError(_("The two addresses are not the same."), code="mismatch"))
        elif email and self.current and email.casefold() == self.current.casefold():
            self.add_error("email", forms.ValidationError(_("This is already your email address."), code="unchanged"))
        return cleaned


class ChangeEmailView(GeneralStepView):
    """GET: the form (or who owns the address); POST: change it, then back to the General tab."""

    http_method_names = ["get", "post"]
    template_name = "selfservice/general_email.html"
    keeps_input = True

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        profile = self.user_after_step_up("email.change")
        if isinstance(profile, HttpResponse):
            return profile
        current = profile.email or ""
        form = self.restored_form(lambda typed: ChangeEmailForm(typed, current=current)) or ChangeEmailForm(current=current)
        return self.email_page(profile, form)

    @method_decorator(ratelimits.limit("email.change"))
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if ratelimits.is_limited(request):
            audit.record(request, action="email.change_refused", details={"reason": "limit"}, auth0_user_id=self.auth0_user_id)
            return self.throttled("email.change", form=ChangeEmailForm.from_submitted(request.POST))
        profile = self.user_after_step_up("email.change", ChangeEmailForm.from_submitted)
        if isinstance(profile, HttpResponse):
            return profile
        if not email_changeable(self.adapter, profile):
            audit.record(request, action="email.change_refused", details={"reason": "provider_owned"},
                         auth0_user_id=self.auth0_user_id)
            return self.email_page(profile, None, status=422)
        form = ChangeEmailForm(request.POST, current=profile.email or "")
        if not form.is_valid():
            return self.email_page(profile, form, status=422)
        new = str(form.cleaned_data["email"])
        client_id = str(getattr(settings, "SOCIAL_AUTH_AUTH0_KEY", "") or "") or None
        details: dict[str, Any] = {"verification_sent": True}
        not_changed = _("Your email address was not changed.")
        unconfirmed = _("We could not confirm whether your email address was changed: reload the General tab to see it.")
        try:
            updated = self.gateway.change_email(self.auth0_user_id, new, client_id)
        except NotFound:
            return self.not_linked_response(missing=True)
        except Rejected as error:
            audit.record(request, action="email.change_refused", details={"reason": error.code or "rejected"},
                         auth0_user_id=self.auth0_user_id)
            in_use = "already exists" in error.message or error.code == "email_already_exists"
            form.add_error("email", _("This email address is already used by another account.") if in_use
                           else _("The sign-in service refused this address: %(reason)s") % {"reason": error.message})
            return self.email_page(profile, form, status=422)
        except UpstreamUncertain as error:
            truth = self.read_user_back("email.change")
            if truth.value is None or (truth.value.email or "").casefold() != new.casefold():
                # Unknown (the read failed too), or known not to have happened (safe to retry).
                return self.failed(
                    error if truth.value is None else UpstreamUnavailable("The address is unchanged after all."),
                    not_changed, unconfirmed, form=form, profile=truth.value or profile, changeable=True,
                )
            updated, details["confirmed_by"] = truth.value, "read_back"
        except GatewayError as error:
            return self.failed(error, not_changed, unconfirmed, form=form, profile=profile, changeable=True)
        self.follow_locally(new)
        audit.record(request, action="email.change", target=self.auth0_user_id, details=details,
                     auth0_user_id=self.auth0_user_id)
        signals.profile_updated.send(sender=type(self), request=request, user=request.user,
                                     auth0_user_id=self.auth0_user_id, changed_fields=["email"])
        messages.success(request, _(
            "Your email address is now %(email)s. We sent a message to it: open its link to verify the address."
        ) % {"email": updated.email or new})
        back = redirect(self.tab_url())
        return client_redirect(request, back, back["Location"])

    def follow_locally(self, new: str) -> None:
        """The site's own user follows the address (login fills it from Auth0 the same way)."""
        user: Any = self.request.user
        if getattr(user, "pk", None) is not None and hasattr(user, "email"):
            user.email = new
            user.save(update_fields=["email"])

    def email_page(self, profile: UserProfile, form: ChangeEmailForm | None, *, status: int = 200) -> HttpResponse:
        changeable = email_changeable(self.adapter, profile)
        return self.step_page(
            status=status, profile=profile, form=form if changeable else None, changeable=changeable,
            owner=self.adapter.profile_owner_label(profile) if not changeable else "",
        )

"""The General tab: the user's Auth0 profile, and editing the root attributes they own.

Costs: a GET makes one Management API call (read the user); a save makes one read and, only
when something changed, one write with just the changed attributes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _

from selfservice import signals
from selfservice.core import audit, ratelimits
from selfservice.core.adapter import DATABASE_PROVIDERS, PROFILE_FIELDS
from selfservice.core.http import wants_partial
from selfservice.core.views import AccountTabView, UpstreamProblem
from selfservice.gateway import GatewayError, NotFound, Rejected, UpstreamUncertain
from selfservice.profile.email import email_changeable
from selfservice.profile.forms import ProfileForm
from selfservice.profile.identities import identities_context
from selfservice.profile.password import password_changeable

if TYPE_CHECKING:
    from selfservice.gateway import UserProfile

__all__ = ["GeneralView", "avatar_url", "initials"]


class GeneralView(AccountTabView):
    """GET shows the profile; POST saves the changed editable attributes (PRG or htmx swap)."""

    tab = "general"
    title = _("General")
    template_name = "selfservice/general.html"
    keeps_input = True

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        profile = self.read_user()
        if isinstance(profile, HttpResponse):
            return profile  # Auth0 failed or the user is gone
        editable = self.adapter.editable_fields(profile)
        return self.render_profile(profile, form=self.restored_form(
            lambda typed: ProfileForm(typed, editable=editable, profile=profile)
        ))

    @method_decorator(ratelimits.limit("profile.update"))
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        profile = self.user_for_save(ProfileForm.from_submitted, "profile.update")
        if isinstance(profile, HttpResponse):
            return profile  # throttled, Auth0 failed or the user is gone; typed input kept

        form = ProfileForm(request.POST, editable=self.adapter.editable_fields(profile), profile=profile)
        if not form.is_valid():
            return self.render_profile(profile, form=form, status=422)
        changes = form.changes(profile)
        if not changes:
            messages.info(request, _("Nothing to save: your profile already has these values."))
            return self.saved(profile)

        fields = list(changes)
        details: dict[str, Any] = {"fields": fields}
        try:
            updated = self.gateway.update_user(self.auth0_user_id, changes)
        except NotFound:
            return self.not_linked_response(missing=True)
        except Rejected as error:
            form.add_error(None, error.message)
            return self.render_profile(profile, form=form, status=422)
        except UpstreamUncertain as error:
            truth = self.read_user_back("profile.update")
            if truth.value is None:
                return self.render_profile(profile, form=form, problem=self.upstream_problem(error))
            if form.changes(truth.value):
                # Auth0 does not have the typed values: not saved, so saving again is safe.
                messages.error(request, _("Your profile was not saved."))
                return self.render_profile(truth.value, form=form, problem=self.unchanged_problem(resubmit=True))
            updated, details["confirmed_by"] = truth.value, "read_back"
        except GatewayError as error:
            return self.render_profile(profile, form=form, problem=self.upstream_problem(error, resubmit=True))

        audit.record(request, action="profile.update", target=self.auth0_user_id, details=details,
                     auth0_user_id=self.auth0_user_id)
        signals.profile_updated.send(
            sender=type(self), request=request, user=request.user,
            auth0_user_id=self.auth0_user_id, changed_fields=fields,
        )
        messages.success(request, _("Your profile has been saved."))
        return self.saved(updated)

    def saved(self, profile: UserProfile) -> HttpResponse:
        """After a save: a fresh partial for htmx (no second read), a redirect (PRG) otherwise."""
        if wants_partial(self.request):
            return self.render_profile(profile)
        return redirect(self.tab_url())

    def render_profile(
        self,
        profile: UserProfile,
        *,
        form: ProfileForm | None = None,
        status: int = 200,
        problem: UpstreamProblem | None = None,
    ) -> TemplateResponse:
        """The tab with ``profile`` shown and ``form`` (bound or fresh) for the editable fields."""
        editable = self.adapter.editable_fields(profile)
        if form is None:
            form = ProfileForm(editable=editable, profile=profile)
        readonly = [
            {"name": name, "label": ProfileForm.base_fields[name].label, "value": getattr(profile, name)}
            for name in PROFILE_FIELDS
            if name not in editable and name != "picture"  # the picture is the avatar
        ]
        provider_owned = bool(readonly) and self.adapter.primary_provider(profile) not in DATABASE_PROVIDERS
        return self.render_tab(
            status=status,
            problem=problem,
            profile=profile,
            form=form,
            readonly_fields=readonly,
            profile_owner=self.adapter.profile_owner_label(profile) if provider_owned else "",
            sign_in_methods=self.adapter.sign_in_methods(profile),
            avatar_url=avatar_url(profile.picture),
            initials=initials(profile),
            email_changeable=email_changeable(self.adapter, profile),
            password_changeable=password_changeable(self.adapter, profile),
            **identities_context(self.adapter, profile),
        )


def initials(profile: UserProfile) -> str:
    """One or two letters for the avatar when there is no picture ("Alice Liddell" -> "AL")."""
    source = profile.name or profile.nickname or profile.email or ""
    if "@" in source:
        source = source.split("@", 1)[0]
    words = [word for word in re.split(r"[\s._+-]+", source) if word]
    return "".join(word[0] for word in words[:2]).upper() or "?"


def avatar_url(picture: str | None) -> str:
    """``picture`` when it is an absolute https URL, else "" (the template shows the initials).

    The picture comes from Auth0, where a provider, an Action or another app may have set it to
    anything: ``javascript:``, ``data:text/html``, a scheme-relative ``//host/x`` (whatever the
    page's scheme is) or plain ``http:`` (mixed content, and refused by img-src anyway). Only
    https is what this app itself accepts (HttpsURLField), so only https is shown.
    """
    value = (picture or "").strip()
    if not value or any(ord(char) <= 0x20 or ord(char) == 0x7F for char in value):
        return ""  # browsers drop tabs and newlines inside URLs: "java\tscript:" is javascript:
    parts = urlsplit(value)
    return value if parts.scheme == "https" and parts.hostname else ""

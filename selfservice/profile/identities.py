"""Linked identities on the General tab: list them, link another, unlink a secondary.

- **List** (:func:`identities_context`, part of the General tab): each identity with its
  provider, connection, email, "since" (the account's creation for the primary; the audited
  link for a secondary, when this site linked it) and which one is primary. No extra call: the
  identities are in the user object the tab reads anyway.
- **Link** (``general/identities/link/``, :class:`LinkIdentityView`): a POST ``connection=NAME``
  (step-up ``"identities.link"``) starts a second Auth0 sign-in as that provider
  (:mod:`selfservice.login.linking`); it comes back here (GET) to a confirm step, which vets the
  account first: its email must be verified, an email that is not the user's (verified) own
  must be confirmed as theirs, and an account with data of its own (metadata, other linked
  accounts, other sessions, a site account) is refused unless the adapter allows a merge.
  Confirming POSTs ``confirm=1``, vetted again, then ``POST /users/{id}/identities``.
- **Unlink** (``general/identities/<provider>/<user_id>/unlink/``,
  :class:`UnlinkIdentityView`): confirm step and POST, both after step-up
  (``"identities.unlink"``); only a secondary identity of the user's own, else 404 and nothing
  is sent.

Costs (Management API calls): the confirm step 2 (the secondary account and its sessions; the
user object comes from the read cache), the link 3, the unlink 1 (``DELETE``); the cached user
is written through with the identities Auth0 answers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from social_django.models import UserSocialAuth

from selfservice.conf import get_settings
from selfservice.core import audit, ratelimits, step_up
from selfservice.core.http import client_redirect
from selfservice.gateway import (
    GatewayError,
    Identity,
    NotFound,
    Rejected,
    UpstreamMisconfigured,
    UpstreamUncertain,
    UserProfile,
)
from selfservice.login import linking
from selfservice.models import AuditEvent
from selfservice.profile.steps import GeneralStepView

if TYPE_CHECKING:
    from selfservice.core.adapter import DefaultAdapter
    from selfservice.login.linking import ReturnedIdentity

__all__ = ["IdentityRow", "LinkIdentityView", "UnlinkIdentityView", "identities_context"]

logger = logging.getLogger("selfservice")


@dataclass(frozen=True)
class IdentityRow:
    """One identity as the General tab lists it."""

    label: str
    provider: str
    connection: str
    email: str
    primary: bool
    since: datetime | None
    unlink_url: str


def unlink_url(identity: Identity) -> str:
    """The identity's unlink URL ("" when its id cannot travel in one path segment)."""
    try:
        return reverse("selfservice:unlink-identity", kwargs={"provider": identity.provider, "user_id": identity.user_id})
    except NoReverseMatch:
        return ""


def identities_context(adapter: DefaultAdapter, profile: UserProfile) -> dict[str, Any]:
    """What ``includes/general_identities.html`` needs: the rows and the connections to link."""
    linked_at: dict[str, datetime] = {}
    if len(profile.identities) > 1:
        events = AuditEvent.objects.filter(auth0_user_id=profile.user_id, action="identity.link").order_by("created_at")
        linked_at = dict(events.values_list("target", "created_at"))
    rows = [
        IdentityRow(
            label=adapter.provider_label(identity),
            provider=identity.provider,
            connection=identity.connection or "",
            email=str((profile.email if index == 0 else identity.profile_data.get("email")) or ""),
            primary=index == 0,
            since=profile.created_at if index == 0 else linked_at.get(f"{identity.provider}|{identity.user_id}"),
            unlink_url="" if index == 0 else unlink_url(identity),
        )
        for index, identity in enumerate(profile.identities)
    ]
    choices = [(name, adapter.link_label(name)) for name in adapter.link_connections(profile)]
    return {"identity_rows": rows, "link_choices": choices, "link_url": reverse("selfservice:link-identity")}


@dataclass(frozen=True)
class Vetted:
    """A returned identity that may be linked; ``confirm_email``: the user must say it is theirs."""

    result: ReturnedIdentity
    email: str
    confirm_email: bool
    label: str


class LinkIdentityView(GeneralStepView):
    """POST ``connection=NAME``: sign in with it; GET: confirm; POST ``confirm=1``: link it."""

    http_method_names = ["get", "post"]
    template_name = "selfservice/general_identity_link_confirm.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        result = linking.pending_result(request.session, self.auth0_user_id)
        if result is None:
            return redirect(self.tab_url())  # nothing (left) to confirm: the tab says what is linked
        profile = self.read_user()
        if isinstance(profile, HttpResponse):
            return profile
        vetted = self.vet(profile, result)
        if isinstance(vetted, HttpResponse):
            return vetted
        return self.confirm_page(vetted)

    @method_decorator(ratelimits.limit("identities.link"))
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if ratelimits.is_limited(request):
            return self.throttled("identities.link")
        if "connection" in request.POST:
            return self.begin(str(request.POST["connection"]))
        if request.POST.get("cancel") == "1":
            linking.drop(request.session)
            messages.info(request, _("Nothing was linked."))
            return self.to_tab()
        if request.POST.get("confirm") != "1":
            return self.get(request, *args, **kwargs)
        return self.link()

    def begin(self, connection: str) -> HttpResponse:
        """Check the button (step-up, offered), then leave for Auth0's sign-in as that connection."""
        stepping_up = step_up.require_recent_login(self, "identities.link", self.tab_url())
        if stepping_up is not None:
            return stepping_up
        profile = self.read_user()
        if isinstance(profile, HttpResponse):
            return profile
        if connection not in self.adapter.link_connections(profile):
            # Not a button the tab shows: tampered, turned off since, or linked meanwhile.
            audit.record(self.request, action="identity.link.refused", target=connection[:255],
                         details={"reason": "not_offered"}, auth0_user_id=self.auth0_user_id)
            messages.error(self.request, _("This sign-in method cannot be linked here."))
            return self.step_page(status=422)
        audit.record(self.request, action="identity.link.start", target=connection, auth0_user_id=self.auth0_user_id)
        response = linking.start(self.request, self.auth0_user_id, connection)
        return client_redirect(self.request, response, response["Location"])

    def link(self) -> HttpResponse:
        request = self.request
        result = linking.pending_result(request.session, self.auth0_user_id)
        if result is None:
            messages.error(request, _("That sign-in has expired: start linking again."))
            return self.to_tab()
        profile = self.read_user()
        if isinstance(profile, HttpResponse):
            return profile
        vetted = self.vet(profile, result)
        if isinstance(vetted, HttpResponse):
            return vetted
        if vetted.confirm_email and request.POST.get("confirm_email") != "1":
            return self.confirm_page(vetted, status=422, email_error=True)
        # Auth0 takes the ID token itself only from the client it was issued to (its aud must be
        # the caller's azp); otherwise the identity this very sign-in verified goes by its id.
        by_token = get_settings().auth0_client_id in result.audiences
        try:
            if by_token:
                self.gateway.link_identity(self.auth0_user_id, id_token=result.id_token)
            else:
                self.gateway.link_identity(self.auth0_user_id, provider=result.provider, secondary_user_id=result.bare_id)
        except NotFound:
            return self.not_linked_response(missing=True)
        except Rejected as error:
            return self.refuse(result, "auth0_rejected", _("The sign-in service refused to link this account: %(reason)s")
                               % {"reason": error.message}, code=error.code or "")
        except GatewayError as error:
            if isinstance(error, UpstreamUncertain):
                linking.drop(request.session)  # it may be linked: never send it twice
            return self.failed(error, _("Nothing was linked."))
        linking.drop(request.session)
        audit.record(request, action="identity.link", target=result.sub, auth0_user_id=self.auth0_user_id,
                     details={"connection": result.connection, "by": "id_token" if by_token else "user_id"})
        messages.success(request, _("%(label)s is linked: you can sign in with it too.") % {"label": vetted.label})
        return self.to_tab()

    def to_tab(self) -> HttpResponse:
        """Back to the General tab as a page: the confirm step was reached by a full navigation
        (back from Auth0), so htmx must load the tab's URL too (``HX-Redirect``), not only swap it."""
        return client_redirect(self.request, redirect(self.tab_url()), self.tab_url())

    def vet(self, profile: UserProfile, result: ReturnedIdentity) -> Vetted | HttpResponse:
        """May ``result`` become the user's secondary identity? A refusal is audited and answered."""
        if any(i.provider == result.provider and i.user_id == result.bare_id for i in profile.identities):
            return self.refuse(result, "already_linked", _("That account is already linked to yours."))
        inner = self.gateway.inner  # the other account's data: read fresh, never into this user's cache
        try:
            secondary = inner.get_user(result.sub)
        except NotFound:
            return self.refuse(result, "secondary_gone", _("That account no longer exists on its own: nothing was linked."))
        except GatewayError as error:
            return self.failed(error, _("Nothing was linked."))
        email = secondary.email or result.email
        if not email or not result.email_verified or secondary.email_verified is not True:
            return self.refuse(result, "email_unverified", _(
                "The email address of that account is not verified, so it cannot be linked: verify it there first."
            ))
        own_data = self.own_data(secondary, result)
        if isinstance(own_data, HttpResponse):
            return own_data
        if own_data and not self.adapter.allows_identity_merge(self.request, profile, secondary, own_data):
            return self.refuse(result, "own_data", _(
                "That account has data of its own (settings, other sign-ins or sessions), so it cannot be linked "
                "here: it would be lost."
            ), data=list(own_data))
        same = email.casefold() == (profile.email or "").casefold() and profile.email_verified is True
        label = self.adapter.provider_label(secondary.primary_identity or Identity(result.provider, result.bare_id))
        return Vetted(result=result, email=email, confirm_email=not same, label=label)

    def own_data(self, secondary: UserProfile, result: ReturnedIdentity) -> tuple[str, ...] | HttpResponse:
        """What the account holds of its own: metadata, linked accounts, other sessions, a site account."""
        found = []
        if secondary.user_metadata:
            found.append("user_metadata")
        if len(secondary.identities) > 1:
            found.append("identities")
        try:
            page = self.gateway.inner.list_sessions(result.sub)
            if any(session.id != result.sid for session in page.sessions):
                found.append("sessions")
        except UpstreamMisconfigured:
            # Session endpoints are Enterprise-only: without them other sessions cannot be seen.
            logger.info("Linking %s: its sessions could not be listed (plan or scope).", result.connection)
        except GatewayError as error:
            return self.failed(error, _("Nothing was linked."))
        providers = self.adapter.social_auth_providers
        if UserSocialAuth.objects.filter(provider__in=providers, uid=result.sub).exists():
            found.append("site_account")
        return tuple(found)

    def refuse(self, result: ReturnedIdentity, reason: str, message: str, **details: Any) -> TemplateResponse:
        """Refused: forget the returned sign-in (and its token), audit, and say why (422)."""
        linking.drop(self.request.session)
        audit.record(self.request, action="identity.link.refused", target=result.sub, auth0_user_id=self.auth0_user_id,
                     details={"reason": reason, "connection": result.connection, **details})
        messages.error(self.request, message)
        return self.step_page(status=422)

    def confirm_page(self, vetted: Vetted, *, status: int = 200, email_error: bool = False) -> TemplateResponse:
        return self.step_page(status=status, vetted=vetted, link_url=self.request.path, email_error=email_error)


class UnlinkIdentityView(GeneralStepView):
    """GET (or a POST without ``confirm=1``): confirm step; POST ``confirm=1``: unlink it."""

    http_method_names = ["get", "post"]
    template_name = "selfservice/general_identity_unlink.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        profile = self.user_after_step_up("identities.unlink")
        if isinstance(profile, HttpResponse):
            return profile
        identity = self.own_secondary(profile)
        return self.step_page(identity=identity, label=self.adapter.provider_label(identity),
                              email=identity.profile_data.get("email") or "", unlink_url=request.path)

    @method_decorator(ratelimits.limit("identities.unlink"))
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.POST.get("confirm") != "1":
            return self.get(request, *args, **kwargs)
        if ratelimits.is_limited(request):
            return self.throttled("identities.unlink")
        profile = self.user_after_step_up("identities.unlink")
        if isinstance(profile, HttpResponse):
            return profile
        identity = self.own_secondary(profile, refused_audit=True)
        label = self.adapter.provider_label(identity)
        try:
            self.gateway.unlink_identity(self.auth0_user_id, identity.provider, identity.user_id)
        except NotFound:
            pass  # unlinked already (another tab, an admin): what the user wanted is true
        except Rejected as error:
            messages.error(request, _("The sign-in service refused to unlink it: %(reason)s") % {"reason": error.message})
            return self.step_page(status=422)
        except GatewayError as error:
            return self.failed(error, _("Nothing was unlinked."))
        audit.record(request, action="identity.unlink", target=f"{identity.provider}|{identity.user_id}",
                     details={"connection": identity.connection or ""}, auth0_user_id=self.auth0_user_id)
        messages.success(request, _("%(label)s is unlinked: it is an account of its own again.") % {"label": label})
        return redirect(self.tab_url())

    def own_secondary(self, profile: UserProfile, *, refused_audit: bool = False) -> Identity:
        """The user's own secondary identity named by the URL, or 404 (never the primary)."""
        provider, user_id = str(self.kwargs["provider"]), str(self.kwargs["user_id"])
        index = next((n for n, i in enumerate(profile.identities) if i.provider == provider and i.user_id == user_id), None)
        if index is None or index == 0:
            if refused_audit:
                audit.record(self.request, action="identity.unlink.refused", target=f"{provider}|{user_id}"[:255],
                             details={"reason": "primary" if index == 0 else "not_found"}, auth0_user_id=self.auth0_user_id)
            raise Http404("No such linked identity.")
        return profile.identities[index]

"""The rest of the account: identities, email, password, activity, export, deletion.

Each does what its page does, with the same limits, step-up and audit: unlinking only a
secondary identity of the caller's own (404 otherwise, nothing sent), the email change for
users whose address Auth0 holds (one PATCH, verification sent), a password-change ticket for
database users (its URL returned), the caller's own activity, the "Download my data" document,
and the deletion of the account (Auth0 first; nothing local goes if Auth0 refuses).
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Router

from selfservice import signals
from selfservice.api.auth import Caller
from selfservice.api.common import begin, json_answer, upstream
from selfservice.api.problems import ApiProblem, from_gateway
from selfservice.api.schemas import ActivityOut, EmailIn, IdentityOut, PasswordOut, Problem
from selfservice.core import audit
from selfservice.core.adapter import get_adapter
from selfservice.core.read_cache import ReadCache
from selfservice.gateway import GatewayError, NotFound, Rejected, UserProfile
from selfservice.privacy.export import build_export
from selfservice.profile.email import email_changeable
from selfservice.profile.password import password_changeable
from selfservice.security.activity import detail_for, events_for, is_refused, label_for
from selfservice.sessions.devices import describe

__all__ = ["router"]

router = Router(tags=["account"])
ERRORS: dict[int | str, Any] = {"4XX": Problem, "5XX": Problem}
ACTIVITY_MAX = 100


def _user(gateway: ReadCache, caller: Caller) -> UserProfile:
    with upstream():
        return gateway.get_user(caller.auth0_user_id)


def _client_id() -> str | None:
    return str(getattr(settings, "SOCIAL_AUTH_AUTH0_KEY", "") or "") or None


@router.get("/me/identities", response={200: list[IdentityOut], 304: None, **ERRORS}, summary="Linked sign-in methods")
def list_identities(request: HttpRequest) -> HttpResponse:
    caller, gateway = begin(request, "read:me")
    profile = _user(gateway, caller)
    adapter = get_adapter()
    data = [{"provider": i.provider, "user_id": i.user_id, "connection": i.connection, "is_social": i.is_social,
             "primary": n == 0, "label": adapter.provider_label(i),
             "email": profile.email if n == 0 else i.profile_data.get("email")} for n, i in enumerate(profile.identities)]
    return json_answer(request, data, gateway=gateway)


@router.delete("/me/identities/{provider}/{user_id}", response={204: None, **ERRORS},
               summary="Unlink a secondary identity (step-up)")
def unlink_identity(request: HttpRequest, provider: str, user_id: str) -> HttpResponse:
    caller, gateway = begin(request, "update:me", "identities.unlink", step_up="identities.unlink")
    profile = _user(gateway, caller)
    index = next((n for n, i in enumerate(profile.identities) if i.provider == provider and i.user_id == user_id), None)
    if index is None or index == 0:
        audit.record(request, action="identity.unlink.refused", target=f"{provider}|{user_id}"[:255],
                     details={"reason": "primary" if index == 0 else "not_found", "via": "api"},
                     auth0_user_id=caller.auth0_user_id)
        raise ApiProblem(404, "No such linked identity.", code="not_found")
    identity = profile.identities[index]
    with upstream(), contextlib.suppress(NotFound):  # NotFound: unlinked already
        gateway.unlink_identity(caller.auth0_user_id, identity.provider, identity.user_id)
    audit.record(request, action="identity.unlink", target=f"{provider}|{user_id}",
                 details={"connection": identity.connection or "", "via": "api"}, auth0_user_id=caller.auth0_user_id)
    return HttpResponse(status=204)


@router.post("/me/email", response={200: dict, **ERRORS}, summary="Change the email address (step-up)")
def change_email(request: HttpRequest, body: EmailIn) -> HttpResponse:
    caller, gateway = begin(request, "update:me", "email.change", step_up="email.change")
    try:
        validate_email(body.email)
    except ValidationError:
        raise ApiProblem(422, "Enter a valid email address.", code="invalid",
                         errors=[{"pointer": "/email", "detail": "Enter a valid email address."}]) from None
    profile = _user(gateway, caller)
    if not email_changeable(get_adapter(), profile):
        raise ApiProblem(409, f"The address comes from {get_adapter().profile_owner_label(profile)}: change it there.",
                         code="provider_owned")
    if profile.email and profile.email.casefold() == body.email.casefold():
        raise ApiProblem(422, "This is already your email address.", code="unchanged",
                         errors=[{"pointer": "/email", "detail": "This is already your email address."}])
    try:
        updated = gateway.change_email(caller.auth0_user_id, body.email, _client_id())
    except Rejected as error:
        in_use = "already exists" in error.message
        detail = "This email address is already used by another account." if in_use else error.message
        raise ApiProblem(422, detail, code="in_use" if in_use else "rejected",
                         errors=[{"pointer": "/email", "detail": detail}]) from error
    except GatewayError as error:
        raise from_gateway(error) from error
    audit.record(request, action="email.change", target=caller.auth0_user_id,
                 details={"verification_sent": True, "via": "api"}, auth0_user_id=caller.auth0_user_id)
    signals.profile_updated.send(sender=change_email, request=request, user=request.user,
                                 auth0_user_id=caller.auth0_user_id, changed_fields=["email"])
    return json_answer(request, {"email": updated.email, "email_verified": updated.email_verified})


@router.post("/me/email/verification", response={202: dict, **ERRORS}, summary="Send the verification email again")
def send_verification(request: HttpRequest) -> HttpResponse:
    caller, gateway = begin(request, "update:me", "email.verify")
    profile = _user(gateway, caller)
    if not profile.email or profile.email_verified:
        raise ApiProblem(409, "There is no unverified address to verify.", code="nothing_to_verify")
    with upstream():
        gateway.send_verification_email(caller.auth0_user_id, client_id=_client_id())
    audit.record(request, action="email.resend_verification", target=caller.auth0_user_id, details={"via": "api"},
                 auth0_user_id=caller.auth0_user_id)
    return json_answer(request, {"sent_to": profile.email}, status=202)


@router.post("/me/password", response={201: PasswordOut, **ERRORS},
             summary="Start a password change (step-up): the URL of Auth0's page")
def change_password(request: HttpRequest) -> HttpResponse:
    caller, gateway = begin(request, "update:me", "password.change", step_up="password.change")
    profile = _user(gateway, caller)
    if not password_changeable(get_adapter(), profile):
        raise ApiProblem(409, f"The password lives with {get_adapter().profile_owner_label(profile)}.", code="provider_owned")
    back = request.build_absolute_uri(reverse("selfservice:general"))
    with upstream():
        ticket = gateway.create_password_change_ticket(caller.auth0_user_id, result_url=back, client_id=_client_id())
    audit.record(request, action="password.change_started", target=caller.auth0_user_id, details={"via": "api"},
                 auth0_user_id=caller.auth0_user_id)
    return json_answer(request, {"ticket_url": ticket}, status=201, headers={"Cache-Control": "no-store"})


@router.get("/me/activity", response={200: list[ActivityOut], 304: None, **ERRORS}, summary="Recent security events")
def activity(request: HttpRequest, limit: int = 25, before: int | None = None) -> HttpResponse:
    caller, _ = begin(request, "read:me")
    events = events_for(caller.auth0_user_id)
    if before is not None:
        events = events.filter(pk__lt=before)
    rows = list(events.order_by("-created_at", "-pk")[: max(1, min(limit, ACTIVITY_MAX))])
    data = [{"id": e.pk, "action": e.action, "label": label_for(e.action), "refused": is_refused(e.action),
             "detail": detail_for(e), "created_at": e.created_at, "ip": e.ip,
             "device": describe(e.user_agent).label if e.user_agent else ""} for e in rows]
    return json_answer(request, data)


@router.get("/me/export", response={200: dict, **ERRORS}, summary="Download my data (GDPR articles 15 and 20)")
def export(request: HttpRequest) -> HttpResponse:
    caller, gateway = begin(request, "read:me", "privacy.export")
    with upstream():
        document = build_export(request, gateway, caller.auth0_user_id, get_adapter())
    audit.record(request, action="privacy.export", target=caller.auth0_user_id,
                 details={"activity": len(document["activity"]), "via": "api"}, auth0_user_id=caller.auth0_user_id)
    return json_answer(request, document, headers={"Cache-Control": "no-store"})

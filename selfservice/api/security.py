"""``me/authentication-methods`` and ``me/recovery-code``: the Security tab's operations.

The list is the tab's (offered factors first, hidden types left out); only a listed, removable
method of the caller's own can be removed (anything else: 404, audited, nothing sent to Auth0).
Removing a method and a new recovery code need a recent sign-in (RFC 9470 step-up).
"""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from ninja import Router

from selfservice import signals
from selfservice.api.auth import Caller
from selfservice.api.common import begin, json_answer, upstream
from selfservice.api.problems import ApiProblem, from_gateway
from selfservice.api.schemas import EnrollmentIn, EnrollmentOut, MethodOut, Problem, RecoveryCodeOut
from selfservice.conf import get_settings
from selfservice.core import audit
from selfservice.core.read_cache import ReadCache
from selfservice.gateway import GatewayError, NotFound, Rejected
from selfservice.security.mfa import (
    ENROLL_BY_TICKET,
    FACTORS,
    REGENERATE,
    SecurityOverview,
    build_overview,
    offered_factor_names,
)

__all__ = ["router"]

router = Router(tags=["security"])
ERRORS: dict[int | str, Any] = {"4XX": Problem, "5XX": Problem}


def _overview(gateway: ReadCache, caller: Caller) -> SecurityOverview:
    with upstream():
        factors = gateway.list_factors()
        methods = gateway.list_authentication_methods(caller.auth0_user_id)
    return build_overview(factors, methods, get_settings().mfa_factors)


@router.get("/me/authentication-methods", response={200: list[MethodOut], 304: None, **ERRORS},
            summary="The user's MFA methods")
def list_methods(request: HttpRequest) -> HttpResponse:
    caller, gateway = begin(request, "read:me")
    overview = _overview(gateway, caller)
    data = [{"id": m.id, "type": m.type, "label": m.label, "detail": m.detail, "confirmed": m.confirmed,
             "removable": m.removable, "added": m.added, "last_used": m.last_used} for m in overview.methods]
    return json_answer(request, data, gateway=gateway)


@router.post("/me/authentication-methods/enrollment-ticket", response={201: EnrollmentOut, **ERRORS},
             summary="Start setting up a method: an Auth0 enrollment page to open")
def enrollment_ticket(request: HttpRequest, body: EnrollmentIn) -> HttpResponse:
    caller, gateway = begin(request, "update:me", "mfa.enroll")
    with upstream():
        offered = offered_factor_names(gateway.list_factors(), get_settings().mfa_factors)
    if body.factor not in offered or FACTORS[body.factor].action != ENROLL_BY_TICKET:
        raise ApiProblem(422, "This method cannot be set up here.", code="not_offered",
                         errors=[{"pointer": "/factor", "detail": f"Offered: {', '.join(n for n in offered if FACTORS[n].action == ENROLL_BY_TICKET)}"}])
    try:
        ticket = gateway.create_enrollment_ticket(caller.auth0_user_id, body.factor)
    except Rejected as error:
        raise ApiProblem(422, "This method cannot be set up here.", code="not_offered") from error
    except GatewayError as error:
        raise from_gateway(error) from error
    if urlsplit(ticket.ticket_url).scheme not in ("https", "http"):
        raise ApiProblem(503, "The identity provider sent an unusable enrollment link.", code="unavailable")
    audit.record(request, action="mfa.enroll", target=body.factor, details={"via": "api"}, auth0_user_id=caller.auth0_user_id)
    return json_answer(request, {"factor": body.factor, "ticket_url": ticket.ticket_url}, status=201)


@router.delete("/me/authentication-methods/{method_id}", response={204: None, **ERRORS},
               summary="Remove one of the user's methods (step-up)")
def remove_method(request: HttpRequest, method_id: str) -> HttpResponse:
    caller, gateway = begin(request, "update:me", "mfa.remove", step_up="mfa.remove")
    method = _overview(gateway, caller).find(method_id)
    if method is None or not method.removable:
        audit.record(request, action="mfa.remove.refused", target=method_id[:255],
                     details={"reason": "not_removable" if method else "not_found", "via": "api"},
                     auth0_user_id=caller.auth0_user_id)
        raise ApiProblem(404, "No such authentication method.", code="not_found")
    with upstream(), contextlib.suppress(NotFound):  # NotFound: gone already: what the caller wanted is true
        gateway.delete_authentication_method(caller.auth0_user_id, method.id)
    audit.record(request, action="mfa.remove", target=method.id, details={"type": method.type, "via": "api"},
                 auth0_user_id=caller.auth0_user_id)
    signals.authentication_method_removed.send(sender=remove_method, request=request, user=request.user,
                                               auth0_user_id=caller.auth0_user_id, method_id=method.id,
                                               method_type=method.type)
    return HttpResponse(status=204)


@router.post("/me/recovery-code", response={201: RecoveryCodeOut, **ERRORS},
             summary="Replace the recovery code (step-up); the new code is in this answer only")
def recovery_code(request: HttpRequest) -> HttpResponse:
    caller, gateway = begin(request, "update:me", "mfa.recovery_code", step_up="mfa.recovery_code")
    row = _overview(gateway, caller).factor("recovery-code")
    if row is None or row.action != REGENERATE:
        raise ApiProblem(409, "You get a recovery code when you set up your first method.", code="no_recovery_code")
    with upstream():
        code = gateway.regenerate_recovery_code(caller.auth0_user_id)
    audit.record(request, action="mfa.recovery_code", details={"via": "api"}, auth0_user_id=caller.auth0_user_id)
    return json_answer(request, {"recovery_code": code}, status=201, headers={"Cache-Control": "no-store"})

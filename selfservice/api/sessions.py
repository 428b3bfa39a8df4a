"""``me/sessions``: the Sessions tab's operations (list, revoke one, revoke every other).

A session id from the caller is checked against the caller's own listing (or Auth0) before
anything is revoked: another user's id, or none, is a 404 (audited, nothing revoked). "Every
other" keeps the caller's own session: the ``sid`` of the bearer token (when Auth0 put one in)
or of the browser's session; without one nothing is revoked (409). It revokes at most
``REVOKE_BATCH`` sessions per call and says how many remain; it needs a recent sign-in.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from selfservice import signals
from selfservice.api.common import begin, json_answer, upstream
from selfservice.api.problems import ApiProblem, from_gateway
from selfservice.api.schemas import Problem, RevokedOut, SessionOut
from selfservice.core import audit
from selfservice.gateway import GatewayError, NotFound
from selfservice.login.session_map import end_local_sessions
from selfservice.sessions.listing import RowDescriber, fetch_sessions, is_plan_restriction
from selfservice.sessions.views import REVOKE_BATCH

__all__ = ["router"]

router = Router(tags=["sessions"])
ERRORS: dict[int | str, Any] = {"4XX": Problem, "5XX": Problem}


def _plan_refusal(error: GatewayError) -> ApiProblem:
    if is_plan_restriction(error):
        return ApiProblem(409, "The tenant's plan has no session management.", code="sessions_unavailable")
    return from_gateway(error)


@router.get("/me/sessions", response={200: list[SessionOut], 304: None, **ERRORS}, summary="Where the user is signed in")
def list_sessions(request: HttpRequest) -> HttpResponse:
    caller, gateway = begin(request, "read:me")
    try:
        listing = fetch_sessions(gateway, caller.auth0_user_id, caller.sid)
    except GatewayError as error:
        raise _plan_refusal(error) from error
    rows = RowDescriber(caller.sid, revoke_url=lambda _id: "").rows(listing.sessions)
    data = [{"id": r.id, "current": r.is_current, "device": r.device.label, "ip": r.ip, "created_at": r.created_at,
             "last_active": r.last_active, "expires_at": r.expires_at, "applications": list(r.applications),
             "authentication": list(r.authentication)} for r in rows]
    return json_answer(request, data, gateway=gateway)


@router.post("/me/sessions/revoke-others", response={200: RevokedOut, **ERRORS},
             summary="Sign out every other session (step-up)")
def revoke_others(request: HttpRequest) -> HttpResponse:
    caller, gateway = begin(request, "update:me", "sessions.revoke_others", step_up="sessions.revoke_others")
    if not caller.sid:
        raise ApiProblem(409, "The caller's own session is not known, so it cannot be kept.", code="no_current_session")
    try:
        listing = fetch_sessions(gateway, caller.auth0_user_id, caller.sid)
    except GatewayError as error:
        raise _plan_refusal(error) from error
    others = [s.id for s in listing.sessions if s.id != caller.sid]
    revoked: list[str] = []
    failure: GatewayError | None = None
    for session_id in others[:REVOKE_BATCH]:
        try:
            gateway.revoke_session(session_id)
        except NotFound:
            pass
        except GatewayError as error:
            failure = error
            break
        revoked.append(session_id)
        _revoked(request, caller.auth0_user_id, session_id, current=False)
    audit.record(request, action="session.revoke_others", target=caller.sid,
                 details={"revoked": revoked, "remaining": len(others) - len(revoked), "via": "api"},
                 auth0_user_id=caller.auth0_user_id)
    if failure is not None and not revoked:
        raise from_gateway(failure)
    return json_answer(request, {"revoked": revoked, "remaining": len(others) - len(revoked)})


@router.delete("/me/sessions/{session_id}", response={204: None, **ERRORS}, summary="Sign out one session")
def revoke_session(request: HttpRequest, session_id: str) -> HttpResponse:
    caller, gateway = begin(request, "update:me", "sessions.revoke")
    try:
        session = gateway.cached_session(caller.auth0_user_id, session_id) or gateway.get_session(session_id)
    except NotFound:
        session = None
    except GatewayError as error:
        raise _plan_refusal(error) from error
    if session is None or session.user_id != caller.auth0_user_id:
        audit.record(request, action="session.revoke_refused", target=session_id[:255],
                     details={"reason": "unknown" if session is None else "not_owner", "via": "api"},
                     auth0_user_id=caller.auth0_user_id)
        raise ApiProblem(404, "No such session.", code="not_found")
    with upstream(), contextlib.suppress(NotFound):  # NotFound: ended meanwhile: the goal is reached
        gateway.revoke_session(session_id)
    _revoked(request, caller.auth0_user_id, session_id, current=session_id == caller.sid)
    audit.record(request, action="session.revoke", target=session_id,
                 details={"current": session_id == caller.sid, "via": "api"}, auth0_user_id=caller.auth0_user_id)
    return HttpResponse(status=204)


def _revoked(request: HttpRequest, auth0_user_id: str, session_id: str, *, current: bool) -> None:
    end_local_sessions(sid=session_id, sub=auth0_user_id)
    signals.session_revoked.send(sender=revoke_session, request=request, user=request.user,
                                 auth0_user_id=auth0_user_id, session_id=session_id, current=current)

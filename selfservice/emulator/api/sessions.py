"""Sessions (Enterprise plans): list a user's (cursor-paginated), get, delete, revoke, delete all."""

from __future__ import annotations

import base64
import json
from typing import Any

from selfservice.emulator.errors import ApiError, invalid_body, invalid_query
from selfservice.emulator.http import Request, Response, json_response
from selfservice.emulator.routing import Route
from selfservice.emulator.tenant import Tenant

MAX_TAKE = 50  # the public-cloud maximum (facts §3.1)
# An omitted ``take`` means 50: the endpoint's own spec says "Defaults to 50", as the types of
# auth0-python 6.8, node-auth0 4.37 and 5.14 (all generated from it) repeat. The general
# Management API page's "half the maximum" is not what this endpoint documents.
DEFAULT_TAKE = 50


def _cursor(session: dict[str, Any]) -> str:
    raw = json.dumps([session["created_at"], session["id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(value: str) -> tuple[str, str]:
    try:
        created, sid = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        return str(created), str(sid)
    except (ValueError, TypeError):
        raise invalid_query("Invalid checkpoint cursor", "from") from None


def list_user_sessions(tenant: Tenant, request: Request, user_id: str) -> Response:
    """Checkpoint pages: always ``{"sessions": [...], "next"?}``, whatever ``include_totals`` says.

    A real tenant answered ``?take=50`` (no include_totals) with ``{"sessions":[]}``, and
    node-auth0 v4 types this call as that object with or without include_totals (facts §3.1).
    """
    tenant.require_sessions_feature()
    tenant.user(user_id)
    raw_take = request.arg("take")
    try:
        take = int(raw_take) if raw_take else DEFAULT_TAKE
    except ValueError:
        raise invalid_query("Expected type integer", "take") from None
    if not 1 <= take <= MAX_TAKE:
        raise invalid_query(f"Value must be between 1 and {MAX_TAKE}", "take")
    sessions = tenant.user_sessions(user_id)
    start = request.arg("from")
    if start:
        after = _decode_cursor(start)  # checkpoint cursors only move forward
        sessions = [s for s in sessions if (s["created_at"], s["id"]) > after]
    page = sessions[:take]
    body: dict[str, Any] = {"sessions": page}
    if len(sessions) > take:
        body["next"] = _cursor(page[-1])
    return json_response(body)


def delete_user_sessions(tenant: Tenant, request: Request, user_id: str) -> Response:
    tenant.require_sessions_feature()
    tenant.user(user_id)
    for session in tenant.user_sessions(user_id):
        tenant.end_session(session["id"], request.issuer)
    return json_response({}, 202)


def _session(tenant: Tenant, session_id: str) -> dict[str, Any]:
    tenant.require_sessions_feature()
    session = tenant.sessions.get(session_id)
    if session is None:
        # The exact 404 body is UNVERIFIED (auth0-facts.md §10).
        raise ApiError(404, "The session does not exist.", "session_not_found")
    return session


def get_session(tenant: Tenant, request: Request, session_id: str) -> Response:
    return json_response(_session(tenant, session_id))


def delete_session(tenant: Tenant, request: Request, session_id: str) -> Response:
    _session(tenant, session_id)
    tenant.end_session(session_id, request.issuer)
    return json_response({}, 202)


def revoke_session(tenant: Tenant, request: Request, session_id: str) -> Response:
    _session(tenant, session_id)
    tenant.end_session(session_id, request.issuer)
    with tenant.lock:
        tenant.revoked_refresh_tokens += 1
    return json_response({}, 202)


def update_session(tenant: Tenant, request: Request, session_id: str) -> Response:
    session = _session(tenant, session_id)
    body = request.json()
    if not isinstance(body, dict) or set(body) - {"session_metadata"}:
        raise invalid_body("Additional properties not allowed")
    metadata = body.get("session_metadata") or {}
    if not isinstance(metadata, dict) or len(metadata) > 25 or any(
        not isinstance(v, str) or len(v) > 255 for v in metadata.values()
    ):
        raise invalid_body("session_metadata: at most 25 string values of at most 255 characters", "session_metadata")
    with tenant.lock:
        session["session_metadata"] = metadata
    return json_response(session)


SESSION = r"/api/v2/sessions/(?P<session_id>[^/]+)"
ROUTES = (
    Route("GET", r"/api/v2/users/(?P<user_id>[^/]+)/sessions", list_user_sessions, ("read:sessions",)),
    Route("DELETE", r"/api/v2/users/(?P<user_id>[^/]+)/sessions", delete_user_sessions, ("delete:sessions",)),
    Route("GET", SESSION, get_session, ("read:sessions",)),
    Route("DELETE", SESSION, delete_session, ("delete:sessions",)),
    Route("PATCH", SESSION, update_session, ("update:sessions",)),
    Route("POST", SESSION + "/revoke", revoke_session, all_scopes=("delete:sessions", "delete:refresh_tokens")),
)

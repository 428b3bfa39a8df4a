"""``POST /api/v2/users/{id}/identities``: link a secondary account to a primary one.

Auth0 takes the secondary in one of two ways (auth0-facts.md "Account linking"): its ID token
(``link_with``; then nothing else may be sent), or ``provider`` + ``user_id`` (+ optional
``connection_id``) with an ``update:users`` token. An ID token must be RS256, signed by this
tenant, unexpired, and its ``aud`` must be the ``azp`` of the access token making the call
(Auth0's account-linking migration guide). The answer is 201 with the primary's new
``identities`` array, primary first, each entry with ``profileData`` (as in the go-auth0
recording ``TestUserManager_Link``); the secondary stops being a user of its own.

Error bodies whose exact text Auth0 does not document are marked UNVERIFIED below: the status
codes (400 for a bad body or token, 404 for an unknown primary, 409 for an identity already
linked) are what the SDK's raw client maps.
"""

from __future__ import annotations

import copy
from typing import Any

import jwt

from selfservice.emulator.errors import ApiError, invalid_body
from selfservice.emulator.http import Request, Response, json_response
from selfservice.emulator.routing import Route
from selfservice.emulator.tenant import Tenant

USER = r"/api/v2/users/(?P<user_id>[^/]+)"
BODY_FIELDS = frozenset({"provider", "connection_id", "user_id", "link_with"})
#: Root attributes a linked identity keeps in its ``profileData``.
PROFILE_DATA = (
    "email", "email_verified", "name", "username", "given_name", "family_name", "nickname", "picture",
    "phone_number", "phone_verified",
)


def link_identity(tenant: Tenant, request: Request, user_id: str) -> Response:
    body = request.json_object(BODY_FIELDS)
    with tenant.lock:
        primary = tenant.user(user_id)  # 404 inexistent_user
        secondary_id = _secondary_id(tenant, request, body)
        if secondary_id == user_id:
            # UNVERIFIED text.
            raise ApiError(400, "The main identity cannot be linked to itself.", "operation_not_supported")
        secondary = tenant.users.get(secondary_id)
        if secondary is None:
            if _linked_somewhere(tenant, secondary_id):
                # UNVERIFIED text; the status is the SDK's ConflictError.
                raise ApiError(409, "The identity is already linked to another user.", "identity_conflict")
            raise ApiError(400, "The user to be linked does not exist.", "inexistent_user")  # UNVERIFIED
        moved = [copy.deepcopy(identity) for identity in secondary.get("identities") or []]
        if moved:
            moved[0]["profileData"] = _profile_data(secondary)
        primary["identities"] = [*(primary.get("identities") or []), *moved]
        del tenant.users[secondary_id]
        tenant.methods.pop(secondary_id, None)
        # What becomes of the secondary's sessions is UNVERIFIED; here they follow its identity.
        for session in tenant.sessions.values():
            if session["user_id"] == secondary_id:
                session["user_id"] = user_id
        tenant.touch(primary)
        answer = copy.deepcopy(primary["identities"])
        answer[0] = {"profileData": _profile_data(primary), **answer[0]}
    return json_response(answer, 201)


def _secondary_id(tenant: Tenant, request: Request, body: dict[str, Any]) -> str:
    """The secondary's full user id (``provider|id``) from either way of calling."""
    if "link_with" in body:
        if (BODY_FIELDS - {"link_with"}) & set(body):
            raise invalid_body("provider, user_id and connection_id must not be sent with link_with")
        return _verified_subject(tenant, request, body["link_with"])
    provider, secondary = body.get("provider"), body.get("user_id")
    if not isinstance(provider, str) or not provider:
        raise invalid_body("Missing required property: provider")
    if not isinstance(secondary, (str, int)) or isinstance(secondary, bool) or str(secondary) == "":
        raise invalid_body("Missing required property: user_id")
    value = str(secondary)
    # The real API takes the bare id and the full one (the go-auth0 recording sends "auth0|...").
    return value if value.startswith(f"{provider}|") else f"{provider}|{value}"


def _verified_subject(tenant: Tenant, request: Request, token: Any) -> str:
    """The ``sub`` of a secondary ID token this tenant signed for the calling client."""
    if not isinstance(token, str) or not token:
        raise invalid_body("Expected type string", "link_with")
    try:
        header = jwt.get_unverified_header(token)
        claims = tenant.key.verify(token)
    except jwt.InvalidTokenError:
        # UNVERIFIED text and code.
        raise ApiError(400, "JWT validation error: the link_with token is invalid or expired.", "invalid_token") from None
    if header.get("alg") != "RS256" or not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise ApiError(400, "JWT validation error: the link_with token is invalid or expired.", "invalid_token")
    audience = claims.get("aud")
    audiences = [str(a) for a in (audience if isinstance(audience, list) else [audience])]
    if _caller(tenant, request) not in audiences:
        raise ApiError(  # UNVERIFIED text: the rule itself is Auth0's (aud must equal the caller's azp)
            400, "JWT validation error: the link_with token's aud must be the client that calls the API (azp).",
            "invalid_token",
        )
    return str(claims["sub"])


def _caller(tenant: Tenant, request: Request) -> str:
    """The ``azp`` of the (already verified) bearer token making this call."""
    token = request.headers.get("authorization", "").partition(" ")[2]
    try:
        return str(tenant.key.verify(token).get("azp") or "")
    except jwt.InvalidTokenError:
        return ""


def _linked_somewhere(tenant: Tenant, secondary_id: str) -> bool:
    provider, _, bare = secondary_id.partition("|")
    return any(
        identity.get("provider") == provider and str(identity.get("user_id")) == bare
        for user in tenant.users.values()
        for identity in user.get("identities") or []
    )


def _profile_data(user: dict[str, Any]) -> dict[str, Any]:
    return {key: user[key] for key in PROFILE_DATA if key in user}


ROUTES = (
    Route("POST", USER + "/identities", link_identity, ("update:users", "update:current_user_identities")),
)

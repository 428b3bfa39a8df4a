"""``/api/v2/users/{id}/authentication-methods``: list (offset pages), get, create, update, delete."""

from __future__ import annotations

from typing import Any

from selfservice.emulator import records
from selfservice.emulator.errors import ApiError, invalid_body
from selfservice.emulator.http import Request, Response, empty_response, json_response
from selfservice.emulator.routing import Route
from selfservice.emulator.tenant import Tenant

from . import paging

METHODS = r"/api/v2/users/(?P<user_id>[^/]+)/authentication-methods"
METHOD = METHODS + r"/(?P<method_id>[^/]+)"
UPDATABLE = {"name", "preferred_authentication_method"}


def list_methods(tenant: Tenant, request: Request, user_id: str) -> Response:
    # A bare array unless include_totals=true; an empty page has no total (facts §4.2).
    items = [records.public_method(m) for m in tenant.user_methods(user_id)]
    return paging.offset_response(request, "authenticators", items, total_when_empty=False)


def _find(tenant: Tenant, user_id: str, method_id: str) -> dict[str, Any]:
    for method in tenant.user_methods(user_id):
        if method["id"] == method_id:
            return method
    # The exact 404 body is UNVERIFIED.
    raise ApiError(404, "The authentication method does not exist.", "authentication_method_not_found")


def get_method(tenant: Tenant, request: Request, user_id: str, method_id: str) -> Response:
    return json_response(records.public_method(_find(tenant, user_id, method_id)))


def delete_method(tenant: Tenant, request: Request, user_id: str, method_id: str) -> Response:
    with tenant.lock:
        method = _find(tenant, user_id, method_id)
        link = method.get("link_id")
        # Methods sharing a link_id are deleted together (facts §4.3).
        tenant.methods[user_id] = [
            m for m in tenant.methods[user_id] if m is not method and not (link and m.get("link_id") == link)
        ]
    return empty_response(204)


def delete_all_methods(tenant: Tenant, request: Request, user_id: str) -> Response:
    with tenant.lock:
        tenant.user_methods(user_id).clear()
    return empty_response(204)


def create_method(tenant: Tenant, request: Request, user_id: str) -> Response:
    body = request.json()
    if not isinstance(body, dict):
        raise invalid_body("Expected type object")
    if body.get("type") not in {"phone", "email", "totp", "webauthn-roaming", "webauthn-platform", "passkey"}:
        raise invalid_body(f"No enum match for: {body.get('type')}", "type")
    with tenant.lock:
        methods = tenant.user_methods(user_id)
        method = records.build_method({k: v for k, v in body.items() if k != "totp_secret"})
        methods.append(method)
    return json_response(records.public_method(method), 201)


def update_method(tenant: Tenant, request: Request, user_id: str, method_id: str) -> Response:
    body = request.json()
    if not isinstance(body, dict) or set(body) - UPDATABLE:
        raise invalid_body(f"Additional properties not allowed: {','.join(sorted(set(body or {}) - UPDATABLE))}")
    with tenant.lock:
        method = _find(tenant, user_id, method_id)
        method.update(body)
    return json_response(records.public_method(method))


ROUTES = (
    Route("GET", METHODS, list_methods, ("read:authentication_methods",)),
    Route("POST", METHODS, create_method, ("create:authentication_methods",)),
    Route("DELETE", METHODS, delete_all_methods, ("delete:authentication_methods",)),
    Route("GET", METHOD, get_method, ("read:authentication_methods",)),
    Route("PATCH", METHOD, update_method, ("update:authentication_methods",)),
    Route("DELETE", METHOD, delete_method, ("delete:authentication_methods",)),
)

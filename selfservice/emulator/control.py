"""The control surface under ``/__emulator__/`` (DESIGN.md "Stable emulator contract").

Every operation here has a Python twin on :class:`selfservice.emulator.Emulator`.
"""

from __future__ import annotations

from typing import Any

from . import ratelimit, records, seeds
from .errors import ApiError
from .http import Request, Response, empty_response, json_response
from .tenant import FACTOR_NAMES, Fault, Tenant

PREFIX = "/__emulator__/"
TENANT_OPTIONS = {"latency_ms", "sessions_enabled", "profile_limit_bytes", "connections", "public_url"}


def dispatch(tenant: Tenant, request: Request) -> Response:
    route = request.path[len(PREFIX):].strip("/")
    method = request.method
    try:
        if route == "reset" and method == "POST":
            tenant.reset()
            return empty_response(204)
        if route == "seed" and method == "POST":
            body = request.json() or {}
            seeds.apply(tenant, str(body.get("name", "demo")))
            return empty_response(204)
        if route == "users" and method == "POST":
            return json_response(tenant.add_user(request.json()), 201)
        if route.startswith("users/") and method == "GET":
            return _stored_user(tenant, route[len("users/"):])
        if route == "faults" and method == "POST":
            return json_response(add_fault(tenant, request.json()).as_dict(), 201)
        if route == "faults" and method == "DELETE":
            tenant.faults.clear()
            return empty_response(204)
        if route == "faults" and method == "GET":
            return json_response([f.as_dict() for f in tenant.faults])
        if route == "rate-limit" and method == "PUT":
            return set_rate_limit(tenant, request.json())
        if route == "rate-limit" and method == "GET":
            return json_response(tenant.rate_limit_state())
        if route == "requests" and method == "GET":
            return json_response(list(tenant.log))
        if route == "requests" and method == "DELETE":
            tenant.log.clear()
            return empty_response(204)
        if route == "factors" and method == "PUT":
            return json_response(set_factors(tenant, request.json()))
        if route.startswith("clients/") and method == "PATCH":
            client = tenant.configure_client(route[len("clients/"):], **(request.json() or {}))
            return json_response({"client_id": client.client_id, "callbacks": client.callbacks,
                                  "allowed_logout_urls": client.allowed_logout_urls,
                                  "backchannel_logout_urls": client.backchannel_logout_urls})
        if route == "apis" and method == "POST":
            return json_response(add_api(tenant, request.json()), 201)
        if route == "emails" and method == "GET":
            return json_response(list(tenant.outbox))
        if route == "backchannel" and method == "GET":
            return json_response(list(tenant.backchannel_log))
        if route == "tenant" and method == "PATCH":
            return json_response(configure(tenant, request.json()))
    except (KeyError, TypeError, ValueError) as exc:
        return json_response(ApiError(400, f"Bad control request: {exc}", "invalid_body").body(), 400)
    except ApiError as exc:
        return json_response(exc.body(), exc.status)
    return json_response(ApiError(404, f"No control operation {method} {request.path}").body(), 404)


def add_fault(tenant: Tenant, body: Any) -> Fault:
    if not isinstance(body, dict) or not body.get("path"):
        raise ValueError("a fault needs at least a 'path' regex")
    allowed = {"path", "method", "status", "latency_ms", "body", "times", "headers"}
    return tenant.add_fault(**{k: v for k, v in body.items() if k in allowed and v is not None})


def set_rate_limit(tenant: Tenant, body: Any) -> Response:
    """``null`` (off, 204), ``{"per_second", "burst"}`` (one global bucket: answers that bucket),
    ``{"preset": NAME}`` or ``{"buckets": {...}}`` (answer what ``GET`` answers)."""
    if body is None:
        tenant.set_rate_limits(None)
        return empty_response(204)
    preset, limits = ratelimit.parse_body(body)
    tenant.set_rate_limits(limits, preset)
    if "per_second" in body:
        bucket = tenant.rate_limit
        return json_response(bucket.as_dict() if bucket else None)
    return json_response(tenant.rate_limit_state())


def set_factors(tenant: Tenant, body: Any) -> list[dict[str, Any]]:
    """``{"otp": true, "sms": false}`` or ``[{"name": "otp", "enabled": true}]``."""
    items = body.items() if isinstance(body, dict) else ((i["name"], i["enabled"]) for i in body)
    with tenant.lock:
        for name, enabled in items:
            if name not in FACTOR_NAMES:
                raise ValueError(f"unknown factor {name!r}")
            tenant.factors[name] = bool(enabled)
    return [{"name": n, "enabled": tenant.factors[n]} for n in FACTOR_NAMES]


def add_api(tenant: Tenant, body: Any) -> dict[str, Any]:
    """Register (or replace) an API: ``{identifier, scopes: [...], auth_time_claim: bool}``."""
    if not isinstance(body, dict) or not isinstance(body.get("identifier"), str) or not body["identifier"]:
        raise ValueError("an API needs an identifier (its audience)")
    scopes = body.get("scopes") or []
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise ValueError("scopes is a list of strings")
    api = {"identifier": body["identifier"], "scopes": list(scopes), "auth_time_claim": bool(body.get("auth_time_claim", True))}
    with tenant.lock:
        tenant.apis[api["identifier"]] = api
    return api


def configure(tenant: Tenant, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or set(body) - TENANT_OPTIONS:
        raise ValueError(f"tenant options are {sorted(TENANT_OPTIONS)}")
    with tenant.lock:
        for key, value in body.items():
            if key == "public_url":
                tenant.public_url = str(value).rstrip("/") + "/" if value else None
            else:
                setattr(tenant, key, value)
    return {key: getattr(tenant, key) for key in sorted(TENANT_OPTIONS)}


def _stored_user(tenant: Tenant, user_id: str) -> Response:
    """The raw stored state of one user, for assertions (not an Auth0 endpoint)."""
    user = tenant.users.get(user_id)
    if user is None:
        raise ApiError(404, "The user does not exist.", "inexistent_user")
    return json_response({
        "user": user,
        "sessions": tenant.user_sessions(user_id),
        "authentication_methods": [records.public_method(m) for m in tenant.methods.get(user_id, [])],
    })

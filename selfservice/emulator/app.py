"""The emulator's WSGI entry point: routing, bearer/scope checks, rate limits, faults, log.

A plain WSGI callable (no Django) so it runs in-process under ``httpx.WSGITransport``, as its
own process (``python -m selfservice.emulator``) or beside the demo site.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Iterable
from typing import Any

import jwt

from . import control
from .api import ROUTES
from .errors import ApiError, OAuthError, default_error_body
from .http import Request, Response, json_response
from .routing import Route
from .tenant import Tenant

logger = logging.getLogger("selfservice.emulator")

LOGGED_PREFIXES = ("/api/v2/", "/oauth/token")


class EmulatorApp:
    """WSGI app serving one :class:`Tenant`."""

    def __init__(self, tenant: Tenant | None = None, routes: Iterable[Route] = ROUTES) -> None:
        self.tenant = tenant or Tenant()
        self.routes = tuple(routes)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        return self.handle(request).wsgi(start_response)

    def handle(self, request: Request) -> Response:
        if request.path.startswith(control.PREFIX):
            return control.dispatch(self.tenant, request)
        generation = self.tenant.generation
        if self.tenant.latency_ms:
            time.sleep(self.tenant.latency_ms / 1000)
        response = self._faulted(request)
        if response is None and generation != self.tenant.generation:
            # The tenant was reset while this request waited (latency): it belongs to a tenant that
            # is gone, so it must not spend the new one's rate limit or change its data.
            response = json_response(ApiError(503, "The emulated tenant was reset during this request").body(), 503)
        elif response is None:
            response = self._routed(request)
        if request.path.startswith(LOGGED_PREFIXES):
            self.tenant.record(request.method, request.path, response.status, _query_string(request), generation)
        return response

    # -- stages ---------------------------------------------------------------------------------

    def _faulted(self, request: Request) -> Response | None:
        fault = self.tenant.take_fault(request.method, request.path)
        if fault is None:
            return None
        if fault.latency_ms:
            time.sleep(fault.latency_ms / 1000)
        if fault.status is None and fault.body is None:
            return None  # latency only: answer normally
        status = fault.status or 200
        headers = list(fault.headers.items())
        if status == 429 and not any(k.lower() in ("x-ratelimit-reset", "retry-after") for k, _ in headers):
            headers += [("x-ratelimit-limit", "10"), ("x-ratelimit-remaining", "0"),
                        ("x-ratelimit-reset", str(int(time.time()) + 1))]
        if fault.body is None:
            return json_response(default_error_body(status), status, headers)
        if isinstance(fault.body, str):
            # A raw string is sent as-is: how tests get garbage / non-JSON bodies.
            return Response(status, fault.body.encode(), [("Content-Type", "text/html"), *headers])
        return json_response(fault.body, status, headers)

    def _routed(self, request: Request) -> Response:
        allowed_methods = []
        for route in self.routes:
            params = route.match(request.path)
            if params is None:
                continue
            if route.method != request.method:
                allowed_methods.append(route.method)
                continue
            return self._dispatch(route, request, params)
        if allowed_methods:
            return json_response(ApiError(405, "Method not allowed").body(), 405,
                                 [("Allow", ", ".join(sorted(set(allowed_methods))))])
        return json_response(ApiError(404, "Not Found").body(), 404)

    def _dispatch(self, route: Route, request: Request, params: dict[str, Any]) -> Response:
        limit_headers: list[tuple[str, str]] = []
        try:
            if route.management:
                limit_headers = self._rate_limit(request)
                self._authorize(route, request)
            response = route.handler(self.tenant, request, **params)
        except _RateLimited as exc:
            response = json_response(exc.body(), exc.status)
            limit_headers = list(exc.headers.items())
        except ApiError as exc:
            response = json_response(exc.body(), exc.status)
        except OAuthError as exc:
            response = json_response(exc.body(), exc.status, [("Cache-Control", "no-store")])
        except Exception:  # pragma: no cover - a bug in the emulator must not kill the server
            logger.error("emulator error on %s %s\n%s", request.method, request.path, traceback.format_exc())
            response = json_response(ApiError(500, "Internal error").body(), 500)
        response.headers.extend(limit_headers)
        return response

    def _rate_limit(self, request: Request) -> list[tuple[str, str]]:
        """Auth0's buckets (global first, then the endpoint's); headers of the deciding bucket."""
        decision = self.tenant.take_rate_limit(request.method, request.path)
        if not decision.allowed:
            raise _RateLimited(decision.message, decision.headers)
        return list(decision.headers.items())

    def _authorize(self, route: Route, request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, "Missing authentication", attributes={"error": "Missing authentication"})
        try:
            claims = self.tenant.key.verify(token)
        except jwt.ExpiredSignatureError:
            message = "Expired token received for JSON Web Token validation"
            raise ApiError(401, message, attributes={"error": message}) from None
        except jwt.InvalidTokenError:
            raise ApiError(401, "Invalid token", attributes={"error": "Invalid token"}) from None
        audiences = claims.get("aud")
        audiences = audiences if isinstance(audiences, list) else [audiences]
        if not any(aud in management_audiences(request) for aud in audiences):
            message = f"Bad audience: {' '.join(str(a) for a in audiences)}"
            raise ApiError(401, message, attributes={"error": message})
        granted = set(str(claims.get("scope", "")).split())
        if route.scopes and not granted.intersection(route.scopes):
            raise ApiError(403, f"Insufficient scope, expected any of: {','.join(route.scopes)}", "insufficient_scope")
        missing = [s for s in route.all_scopes if s not in granted]
        if missing:
            raise ApiError(403, f"Insufficient scope, expected all of: {','.join(route.all_scopes)}", "insufficient_scope")


class _RateLimited(ApiError):
    def __init__(self, message: str, headers: dict[str, str]) -> None:
        super().__init__(429, message, "too_many_requests")
        self.headers = headers


def management_audiences(request: Request) -> set[str]:
    """The Management API audience under whichever scheme the client used."""
    return {f"https://{request.host}/api/v2/", f"http://{request.host}/api/v2/"}


def _query_string(request: Request) -> str:
    from urllib.parse import urlencode

    return urlencode([(k, v) for k, values in request.query.items() for v in values])


"""RFC 9457 problem details: every error the API gives is ``application/problem+json``.

``{"type", "title", "status", "detail"}`` plus, where they apply, ``code`` (a stable
machine-readable name), ``errors`` (``[{"pointer": "/name", "detail": "..."}]`` for 422) and
``retry_after``. Gateway errors map the way the pages show them: Auth0 busy → 429 with
``Retry-After``, unreachable → 503, an outcome Auth0 did not confirm → 503 ``uncertain``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from django.http import HttpResponse

from selfservice.gateway import GatewayError, NotFound, Rejected, UpstreamRateLimited, UpstreamUncertain

__all__ = ["PROBLEM_JSON", "ApiProblem", "from_gateway", "problem_response"]

PROBLEM_JSON = "application/problem+json"
TITLES = {
    400: "Bad request", 401: "Not authenticated", 403: "Forbidden", 404: "Not found",
    405: "Method not allowed", 409: "Conflict", 412: "Precondition failed", 413: "Content too large", 415: "Unsupported media type",
    422: "Unprocessable content", 428: "Precondition required", 429: "Too many requests",
    503: "Service unavailable",
}


class ApiProblem(Exception):
    """Raise anywhere in an operation: the API answers with this problem (and ``headers``)."""

    def __init__(
        self, status: int, detail: str = "", *, code: str = "", title: str | None = None,
        errors: Sequence[Mapping[str, str]] = (), headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or code or str(status))
        self.status = status
        self.detail = detail
        self.code = code
        self.title = title or TITLES.get(status, "Error")
        self.errors = [dict(e) for e in errors]
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": "about:blank", "title": self.title, "status": self.status}
        if self.detail:
            data["detail"] = self.detail
        if self.code:
            data["code"] = self.code
        if self.errors:
            data["errors"] = self.errors
        data.update(self.extra)
        return data


def problem_response(problem: ApiProblem) -> HttpResponse:
    response = HttpResponse(json.dumps(problem.body()), status=problem.status, content_type=PROBLEM_JSON)
    for name, value in problem.headers.items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


def from_gateway(error: GatewayError, *, not_found: str = "Auth0 has no such account any more.") -> ApiProblem:
    """The problem for a gateway error (the pages' wording, without the vendor's internals)."""
    if isinstance(error, NotFound):
        return ApiProblem(404, not_found, code="not_found")
    if isinstance(error, Rejected):
        return ApiProblem(422, error.message, code=error.code or "rejected")
    if isinstance(error, UpstreamRateLimited):
        wait = max(int(error.retry_after or 1), 1)
        return ApiProblem(429, "The identity provider is busy; try again later.", code="upstream_busy",
                          headers={"Retry-After": str(wait)}, extra={"retry_after": wait})
    if isinstance(error, UpstreamUncertain):
        return ApiProblem(503, "The identity provider did not confirm the change: it may or may not have been "
                          "made. Read the resource again before retrying.", code="uncertain")
    return ApiProblem(503, "The identity provider cannot be reached; try again in a moment.", code="unavailable",
                      headers={"Retry-After": "5"})

"""Auth0's two error shapes, one exception class each.

Management API errors carry ``{statusCode, error, message, errorCode}``; the OAuth endpoints
carry ``{error, error_description}`` (auth0-facts.md §1.1, §6.1).
"""

from __future__ import annotations

from typing import Any

_REASONS = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict", 413: "Payload Too Large",
    429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}


def reason(status: int) -> str:
    return _REASONS.get(status, "Error")


class ApiError(Exception):
    """A Management API error response."""

    def __init__(self, status: int, message: str, error_code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code
        self.extra = extra

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"statusCode": self.status, "error": reason(self.status), "message": self.message}
        if self.error_code:
            data["errorCode"] = self.error_code
        data.update(self.extra)
        return data


class OAuthError(Exception):
    """An Authentication API (``/oauth/token``) error response."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def default_error_body(status: int) -> dict[str, Any]:
    """The body a fault with a status but no body answers with (Auth0's shape)."""
    messages = {
        429: ("Global limit has been reached", "too_many_requests"),
        500: ("Internal error", None),
        503: ("Service unavailable", None),
    }
    message, code = messages.get(status, (reason(status), None))
    return ApiError(status, message, code).body()


def user_not_found() -> ApiError:
    return ApiError(404, "The user does not exist.", "inexistent_user")


def invalid_body(detail: str, prop: str | None = None) -> ApiError:
    where = f" on property {prop}" if prop else ""
    return ApiError(400, f"Payload validation error: '{detail}'{where}.", "invalid_body")


def invalid_query(detail: str, prop: str | None = None) -> ApiError:
    where = f" on property {prop}" if prop else ""
    return ApiError(400, f"Query validation error: '{detail}'{where}.", "invalid_query_string")

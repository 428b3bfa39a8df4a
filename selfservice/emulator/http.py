"""Tiny request/response types for the emulator's plain WSGI app (no framework, no Django)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from .errors import ApiError, invalid_body

REASONS = {
    200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 302: "Found", 303: "See Other",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict", 413: "Payload Too Large",
    415: "Unsupported Media Type", 422: "Unprocessable Entity", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout",
}

MAX_BODY_BYTES = 1024 * 1024  # Auth0: every Management API endpoint accepts at most 1 MB.


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    scheme: str
    host: str
    remote_addr: str

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(min(length, MAX_BODY_BYTES + 1)) if length > 0 else b""
        path = environ.get("PATH_INFO", "/") or "/"
        # WSGI servers decode PATH_INFO as latin-1; Auth0 ids are UTF-8.
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            path = path.encode("latin-1").decode("utf-8")
        host = headers.get("host") or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
        return cls(
            method=environ.get("REQUEST_METHOD", "GET").upper(),
            path=path,
            query=parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            headers=headers,
            body=body,
            scheme=environ.get("wsgi.url_scheme", "http"),
            host=host,
            remote_addr=environ.get("REMOTE_ADDR", "127.0.0.1"),
        )

    @property
    def issuer(self) -> str:
        """The tenant's issuer as this request sees it: ``{scheme}://{host}/``."""
        return f"{self.scheme}://{self.host}/"

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        """The JSON body; Auth0's 400 ``invalid_body`` when it is not JSON."""
        if len(self.body) > MAX_BODY_BYTES:
            raise ApiError(413, "Payload too large: the request body exceeds 1 MB.", "payload_too_large")
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, "Invalid request payload JSON format", "invalid_body") from exc

    def json_object(self, allowed: Collection[str] | None = None) -> dict[str, Any]:
        """The JSON body as an object with only ``allowed`` keys (when given), else Auth0's 400."""
        body = self.json()
        if not isinstance(body, dict):
            raise invalid_body("Expected type object")
        unknown = sorted(set(body) - set(allowed)) if allowed is not None else []
        if unknown:
            raise invalid_body(f"Additional properties not allowed: {','.join(unknown)}")
        return body

    def form(self) -> dict[str, str]:
        """Form-encoded or JSON body as a flat dict of strings (OAuth endpoints accept both)."""
        content_type = self.headers.get("content-type", "")
        if "json" in content_type:
            data = self.json()
            if not isinstance(data, dict):
                return {}
            return {k: v for k, v in data.items() if v is not None}
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[0] for key, values in parsed.items()}


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def wsgi(self, start_response: Any) -> Iterable[bytes]:
        start_response(f"{self.status} {REASONS.get(self.status, 'Unknown')}", self.headers)
        return [self.body]


def json_response(data: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Response:
    body = json.dumps(data, separators=(",", ":")).encode()
    return Response(status, body, [("Content-Type", "application/json; charset=utf-8"), *(headers or [])])


def empty_response(status: int = 204) -> Response:
    return Response(status, b"", [])


def html_response(html: str, status: int = 200) -> Response:
    return Response(
        status,
        html.encode(),
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'"),
            ("Cache-Control", "no-store"),
        ],
    )


def redirect_response(location: str, status: int = 302) -> Response:
    return Response(status, b"", [("Location", location), ("Cache-Control", "no-store")])

"""How bytes reach Auth0: the one ``httpx.Client`` shared by Management calls and token fetches.

auth0-python always builds ``https://{AUTH0_DOMAIN}/...`` URLs (and so do we, for the token),
so pointing the app somewhere else happens below the URL, in the httpx transport:

- ``AUTH0_TRANSPORT``: an ``httpx.BaseTransport`` (or a dotted path to a zero-argument callable
  returning one). Tests pass ``httpx.WSGITransport(app=emulator.app)`` and every call stays
  in-process.
- ``AUTH0_BASE_URL``: :class:`RewriteOriginTransport` sends every request to that origin
  (``http://127.0.0.1:8001`` for ``python -m selfservice.emulator``) while the ``Host`` header
  still names the tenant, so the emulator (like Auth0) sees which tenant was meant.

Both may be set: the rewrite then wraps the given transport.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
from django.utils.module_loading import import_string

from . import budget
from .errors import UnreadableAnswer

if TYPE_CHECKING:
    from selfservice.conf import SelfServiceSettings

__all__ = ["RewriteOriginTransport", "build_http_client", "resolve_transport"]


class RewriteOriginTransport(httpx.BaseTransport):
    """Send every request to ``base_url``'s scheme, host and port; keep path, query and Host."""

    def __init__(self, base_url: str, inner: httpx.BaseTransport | None = None) -> None:
        target = httpx.URL(base_url)
        if target.scheme not in ("http", "https") or not target.host:
            raise ValueError(f"AUTH0_BASE_URL must look like http://host:port, got {base_url!r}")
        self.base_url = base_url
        self._scheme = target.scheme
        self._host = target.host
        self._port = target.port
        self._inner = inner if inner is not None else httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url.copy_with(scheme=self._scheme, host=self._host, port=self._port)
        # The Host header was fixed when the request was built: it keeps the tenant domain.
        rewritten = httpx.Request(
            request.method,
            url,
            headers=request.headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        return self._inner.handle_request(rewritten)

    def close(self) -> None:
        self._inner.close()


def resolve_transport(value: Any) -> httpx.BaseTransport | None:
    """``AUTH0_TRANSPORT`` as a transport: None, a transport, or a dotted path to a factory."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = import_string(value)()
    if not isinstance(value, httpx.BaseTransport):
        raise TypeError(f"AUTH0_TRANSPORT must be an httpx.BaseTransport, got {type(value).__name__}")
    return value


def refuse_unreadable_write_answers(response: httpx.Response) -> None:
    """httpx response hook: a 2xx answer to a Management change must be empty or JSON.

    The SDK ignores the body of answers to deletes and other calls without a result, so a proxy's
    HTML page with status 200 would pass for success. Raising here (the SDK does not catch it)
    lets the gateway report the change as unconfirmed instead.
    """
    request = response.request
    if request.method in ("GET", "HEAD") or not request.url.path.startswith("/api/v2/"):
        return
    if not 200 <= response.status_code < 300:
        return
    if not response.read().strip():
        return  # 204 No Content and friends
    content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        return
    raise UnreadableAnswer(f"{request.method} answered {response.status_code} with {content_type or 'no type'}")


def build_http_client(settings: SelfServiceSettings) -> httpx.Client:
    """The client every Auth0 call goes through (thread-safe; built once per process and shape).

    Its hooks keep every Management call within the tenant's limits (:mod:`.budget`).
    """
    transport = resolve_transport(settings.auth0_transport)
    if settings.auth0_base_url:
        transport = RewriteOriginTransport(settings.auth0_base_url, inner=transport)
    hooks: dict[str, list[Callable[[Any], None]]] = {
        "request": [functools.partial(budget.before_request, settings)],
        "response": [functools.partial(budget.after_response, settings), refuse_unreadable_write_answers],
    }
    return httpx.Client(timeout=settings.timeout, transport=transport, follow_redirects=False, event_hooks=hooks)

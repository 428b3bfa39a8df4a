"""A transport that delivers requests to the tenant and loses the answers: a read timeout after sending."""

from __future__ import annotations

from typing import Any

import httpx


class LosingAnswers(httpx.BaseTransport):
    """Forwards every request; for Management calls of ``methods`` (all when empty), loses the answer.

    Only this makes a change truly uncertain: the tenant made it, the site never heard back.
    Set ``losing`` to False to let answers through again.
    """

    def __init__(self, inner: httpx.BaseTransport, methods: tuple[str, ...] = ()) -> None:
        self.inner = inner
        self.methods = methods
        self.losing = True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if self.losing and request.url.path.startswith("/api/v2/") and (not self.methods or request.method in self.methods):
            response.read()
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


def lose_answers(settings: Any, *methods: str) -> LosingAnswers:
    """Put a :class:`LosingAnswers` in front of the emulator's transport in ``settings.SELFSERVICE``."""
    transport = LosingAnswers(settings.SELFSERVICE["AUTH0_TRANSPORT"], methods)
    settings.SELFSERVICE = {**settings.SELFSERVICE, "AUTH0_TRANSPORT": transport}
    return transport

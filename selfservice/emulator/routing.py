"""Route table type shared by the API modules."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .http import Request, Response
    from .tenant import Tenant

Handler = Callable[..., "Response"]


@dataclass(frozen=True)
class Route:
    """``method`` + ``pattern`` (named groups become handler kwargs).

    ``scopes``: the token needs any one of them; ``all_scopes``: it needs every one of them.
    Routes under ``/api/v2/`` are Management API routes (bearer token, rate limit, log).
    """

    method: str
    pattern: str
    handler: Handler
    scopes: tuple[str, ...] = ()
    all_scopes: tuple[str, ...] = ()
    regex: re.Pattern[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(f"^{self.pattern}$"))

    @property
    def management(self) -> bool:
        return self.pattern.startswith("/api/v2/")

    def match(self, path: str) -> dict[str, Any] | None:
        found = self.regex.match(path)
        return found.groupdict() if found else None


def call(route: Route, tenant: Tenant, request: Request, params: dict[str, Any]) -> Response:
    return route.handler(tenant, request, **params)

"""A local Auth0 tenant for exactly what selfservice uses (DESIGN.md "The emulator").

Framework-free (no Django imports) so it runs as its own process, in-process under
``httpx.WSGITransport`` and as a pytest plugin loaded before Django is configured.

    from selfservice.emulator import Emulator
    emulator = Emulator(seed="demo")
    transport = emulator.transport()        # in-process
    url = emulator.start(port=8001)          # or over a socket
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from . import control, ratelimit, seeds
from .app import EmulatorApp
from .server import ServerThread
from .tenant import Fault, Tenant

if TYPE_CHECKING:
    import httpx

__all__ = ["Emulator", "EmulatorApp", "Fault", "Tenant"]


class Emulator:
    """One tenant, its WSGI app, and (on demand) a socket server: the Python control API.

    Every method has an HTTP twin under ``/__emulator__/`` (see ``control.py``).
    """

    def __init__(
        self,
        seed: str = "empty",
        public_url: str | None = None,
        latency_ms: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``clock``: the monotonic time rate-limit buckets refill by (tests pass a fake one)."""
        self.tenant = Tenant(public_url=public_url, clock=clock)
        self.tenant.latency_ms = latency_ms
        self.app = EmulatorApp(self.tenant)
        self._server: ServerThread | None = None
        self.seed(seed)

    # -- serving --------------------------------------------------------------------------------

    def transport(self) -> httpx.WSGITransport:
        """A new in-process httpx transport for this tenant."""
        import httpx

        return httpx.WSGITransport(app=self.app)

    def start(self, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> str:
        """Serve on a socket from a daemon thread; returns the base URL. Idempotent."""
        if self._server is None:
            self._server = ServerThread(self.app, host, port, verbose=verbose).start()
        return self._server.url

    @property
    def url(self) -> str:
        """Base URL of the socket server (started on first use, any free port)."""
        return self.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    # -- control --------------------------------------------------------------------------------

    def reset(self) -> None:
        """Empty tenant, default clients kept, faults/rate limit/log cleared."""
        self.tenant.reset()

    def seed(self, name: str) -> None:
        """Reset, then load the ``demo`` or ``empty`` seed."""
        seeds.apply(self.tenant, name)

    def add_user(self, user: dict[str, Any]) -> dict[str, Any]:
        """Store an Auth0 user object (+ ``password``, ``sessions``, ``authentication_methods``,
        ``organizations``: organization objects, or ``{"id"}`` of one already stored, to join)."""
        return self.tenant.add_user(user)

    def user(self, user_id: str) -> dict[str, Any] | None:
        return self.tenant.users.get(user_id)

    def add_session(self, user_id: str, session: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.tenant.add_session(user_id, session or {})

    def add_fault(
        self,
        path: str,
        method: str | None = None,
        status: int | None = None,
        latency_ms: int = 0,
        body: Any = None,
        times: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """Make matching requests fail (status/body), slow down (latency_ms) or both."""
        fault: Fault = control.add_fault(self.tenant, {
            "path": path, "method": method, "status": status, "latency_ms": latency_ms,
            "body": body, "times": times, "headers": headers,
        })
        return fault

    def clear_faults(self) -> None:
        self.tenant.faults.clear()

    def set_rate_limit(self, per_second: float | None, burst: int | None = None) -> None:
        """One global token bucket over the Management API (``None`` turns all limits off)."""
        self.tenant.set_rate_limit(per_second, burst)

    def set_rate_limit_preset(self, name: str | None) -> None:
        """An Auth0 plan's buckets: ``"free"``, ``"essentials"`` or ``"enterprise"`` (``None``: off).

        free: global burst 2, 2/s. essentials: users.read 40 + 500/min, users.write 20 + 200/min,
        other 10 + 150/min. enterprise: global burst 50, 16/s (auth0-facts.md §6.3).
        """
        self.tenant.set_rate_limit_preset(name)

    def set_rate_limits(self, buckets: Mapping[str, Mapping[str, float]] | None) -> None:
        """Buckets by name (``global``, ``users.read``, ``users.write``, ``other``), each
        ``{"per_second" or "per_minute": N, "burst": N}``; ``None`` or ``{}`` turns limits off."""
        self.tenant.set_rate_limits(ratelimit.bucket_limits(dict(buckets or {})))

    def rate_limits(self) -> dict[str, Any]:
        """``{"preset", "buckets": {name: {per_second, burst, tokens, remaining, reset}}}``."""
        return self.tenant.rate_limit_state()

    def set_factors(self, factors: dict[str, bool]) -> None:
        control.set_factors(self.tenant, factors)

    def configure(self, **options: Any) -> dict[str, Any]:
        """Tenant options: latency_ms, sessions_enabled, profile_limit_bytes, connections, public_url."""
        return control.configure(self.tenant, options)

    def configure_client(self, client_id: str, **fields: Any) -> Any:
        """Set a client's ``callbacks``, ``allowed_logout_urls`` or ``backchannel_logout_urls``."""
        return self.tenant.configure_client(client_id, **fields)

    def set_backchannel_sender(self, sender: Any) -> None:
        """Deliver back-channel logout POSTs with ``sender(url, body) -> status`` (reset restores HTTP)."""
        self.tenant.backchannel_sender = sender

    def backchannel_deliveries(self) -> list[dict[str, Any]]:
        """``{url, status, sid}`` of every back-channel logout sent since the last reset."""
        return list(self.tenant.backchannel_log)

    def add_api(self, identifier: str, scopes: tuple[str, ...] | list[str] = (), *, auth_time_claim: bool = True) -> None:
        """Register the site's own API (an Auth0 resource server): logins asking for this
        ``audience`` get access tokens for it with the asked ``scopes`` it defines, and
        ``auth_time`` when ``auth_time_claim`` (the emulated Action of docs/api.md) is on."""
        control.add_api(self.tenant, {"identifier": identifier, "scopes": list(scopes), "auth_time_claim": auth_time_claim})

    def emails(self) -> list[dict[str, Any]]:
        """``{to, kind, user_id, at}`` of every email the tenant "sent" since the last reset
        (``verification``: a verification-email job or ``verify_email``; ``password_changed``)."""
        return list(self.tenant.outbox)

    def requests(self) -> list[dict[str, Any]]:
        """``{method, path, status, query}`` of Management and token calls since the last reset."""
        return list(self.tenant.log)

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many logged calls match ``method`` and the ``path`` regex (searched)."""
        pattern = re.compile(path) if path else None
        return sum(
            1 for item in self.tenant.log
            if (method is None or item["method"] == method.upper())
            and (pattern is None or pattern.search(item["path"]))
        )

    def clear_requests(self) -> None:
        self.tenant.log.clear()

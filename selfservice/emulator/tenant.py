"""The emulated tenant's state: clients, users, sessions, methods, factors and the test knobs.

Everything is in memory behind one re-entrant lock (the socket server is threaded). ``reset()``
empties the tenant but keeps the default clients and the signing key.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import backchannel, records
from .errors import ApiError, invalid_body
from .keys import SigningKey, process_key
from .ratelimit import Clock, Decision, Limit, RateLimits, TokenBucket, legacy_limit, preset_limits

MANAGEMENT_SCOPES = ["read:users", "update:users", "delete:users", "read:sessions", "delete:sessions", "update:sessions", "delete:refresh_tokens", "read:guardian_factors", "update:guardian_factors", "read:authentication_methods", "create:authentication_methods", "update:authentication_methods", "delete:authentication_methods", "create:guardian_enrollment_tickets", "read:guardian_enrollments", "delete:guardian_enrollments", "create:user_tickets", "read:organizations"]

# Order as a real tenant lists them (auth0-facts.md §4.1).
FACTOR_NAMES = (
    "sms", "push-notification", "otp", "email", "duo", "webauthn-roaming", "webauthn-platform",
    "recovery-code",
)
DEFAULT_ENABLED_FACTORS = ("otp", "sms", "webauthn-roaming", "recovery-code")


@dataclass
class Client:
    client_id: str
    client_secret: str
    name: str
    app_type: str  # "non_interactive" (M2M) or "regular_web"
    scopes: tuple[str, ...] = ()
    callbacks: tuple[str, ...] = ()
    allowed_logout_urls: tuple[str, ...] = ()
    backchannel_logout_urls: tuple[str, ...] = ()


def default_clients() -> dict[str, Client]:
    return {
        "selfservice-m2m": Client(
            "selfservice-m2m", "selfservice-m2m-secret", "selfservice (Management API)",
            "non_interactive", tuple(MANAGEMENT_SCOPES),
        ),
        "selfservice-web": Client(
            "selfservice-web", "selfservice-web-secret", "selfservice demo", "regular_web",
            # Auth0 matches URLs exactly; the emulator accepts any loopback port and path.
            callbacks=("http://127.0.0.1:*/*", "http://localhost:*/*"),
            allowed_logout_urls=("http://127.0.0.1:*/*", "http://localhost:*/*"),
        ),
    }


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass
class Fault:
    """An injected failure: the first matching request gets it, ``times`` times (None: forever)."""

    path: str
    method: str | None = None
    status: int | None = None
    latency_ms: int = 0
    body: Any = None
    times: int | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Checked here, where a fault is made (control API or Python): a bad one would otherwise
        # fail later, inside the request it was meant to break, as the emulator's own 500.
        if not isinstance(self.path, str):
            raise ValueError("'path' must be a regex string")
        try:
            self.pattern = re.compile(self.path)
        except re.error as exc:
            raise ValueError(f"'path' is not a valid regex: {exc}") from None
        if self.method is not None and not isinstance(self.method, str):
            raise ValueError("'method' must be a string")
        self.method = self.method.upper() if self.method else None
        if self.status is not None and not (_whole(self.status) and 100 <= self.status <= 599):
            raise ValueError("'status' must be an HTTP status, 100 to 599")
        if not isinstance(self.latency_ms, int | float) or isinstance(self.latency_ms, bool) or self.latency_ms < 0:
            raise ValueError("'latency_ms' must be a number of milliseconds, 0 or more")
        if self.times is not None and not (_whole(self.times) and self.times >= 1):
            raise ValueError("'times' must be a whole number, 1 or more (or null: forever)")
        texts = (*self.headers, *self.headers.values()) if isinstance(self.headers, dict) else (None,)
        if not all(isinstance(text, str) for text in texts):
            raise ValueError("'headers' must be an object of strings")

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and bool(self.pattern.search(path))

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "method": self.method, "status": self.status,
            "latency_ms": self.latency_ms, "body": self.body, "times": self.times,
            "headers": self.headers,
        }


class Tenant:
    """One Auth0 tenant. Methods that change state take ``self.lock``."""

    def __init__(self, key: SigningKey | None = None, public_url: str | None = None,
                 clock: Clock = time.monotonic) -> None:
        self.lock = threading.RLock()
        self.clock = clock  # monotonic time for the rate-limit buckets; tests inject a fake one
        self.generation = 0  # bumped by reset(): requests begun before it are not logged after it
        self.key = key or process_key()
        # Where browsers reach the tenant (ticket and avatar URLs); None: the request's origin.
        self.public_url = public_url.rstrip("/") + "/" if public_url else None
        self.latency_ms = 0
        self.reset()

    # -- lifecycle ------------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.generation += 1
            self.backchannel_sender: backchannel.Sender = backchannel.http_sender
            self.clients: dict[str, Client] = default_clients()
            self.users: dict[str, dict[str, Any]] = {}
            self.passwords: dict[str, str] = {}
            self.sessions: dict[str, dict[str, Any]] = {}
            self.methods: dict[str, list[dict[str, Any]]] = {}
            self.factors: dict[str, bool] = {name: name in DEFAULT_ENABLED_FACTORS for name in FACTOR_NAMES}
            self.tickets: dict[str, dict[str, Any]] = {}
            self.jobs: dict[str, dict[str, Any]] = {}
            self.reset_tickets: dict[str, dict[str, Any]] = {}  # password-change tickets, single use
            self.apis: dict[str, dict[str, Any]] = {}  # the site's own APIs: identifier -> {scopes, auth_time_claim}
            self.outbox: list[dict[str, Any]] = []  # emails the tenant "sent": {to, kind, user_id, at}
            self.organizations: dict[str, dict[str, Any]] = {}  # id -> Auth0 organization object
            self.memberships: dict[str, list[str]] = {}  # user id -> organization ids, in join order
            self.codes: dict[str, dict[str, Any]] = {}  # authorization codes, single use
            self.sso: dict[str, str] = {}  # SSO cookie value -> session id
            self.session_issuers: dict[str, str] = {}  # session id -> issuer of its ID tokens
            self.backchannel_log: list[dict[str, Any]] = []
            self.faults: list[Fault] = []
            self.rate_limits = RateLimits(clock=self.clock)
            self.log: list[dict[str, Any]] = []
            self.sessions_enabled = True  # False: a non-Enterprise tenant refusing session endpoints
            # Auth0 documents 10 KB but currently accepts up to ~10x that ("extended allowance").
            self.profile_limit_bytes = 100 * 1024
            self.revoked_refresh_tokens = 0
            # connection name -> options; "set_user_root_attributes": "on_first_login" lets
            # social users edit name/picture (Auth0's "Sync user profile attributes" off).
            self.connections: dict[str, dict[str, Any]] = {}

    # -- users ----------------------------------------------------------------------------------

    def add_user(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Store a user (control API / seeds): Auth0 user object + password, sessions, methods."""
        if not isinstance(obj, dict):
            raise invalid_body("Expected type object")
        obj = dict(obj)
        password = obj.pop("password", None)
        sessions = obj.pop("sessions", None) or []
        methods = obj.pop("authentication_methods", None) or []
        organizations = obj.pop("organizations", None) or []
        user = records.build_user(obj)
        user_id = user["user_id"]
        with self.lock:
            self.users[user_id] = user
            if password:
                self.passwords[user_id] = str(password)
            for item in sessions:
                self.add_session(user_id, item)
            self.methods[user_id] = [records.build_method(item) for item in methods]
            self.memberships[user_id] = []
            for item in organizations:
                self.add_member(item, user_id)
        return user

    def user(self, user_id: str) -> dict[str, Any]:
        try:
            return self.users[user_id]
        except KeyError:
            from .errors import user_not_found

            raise user_not_found() from None

    def delete_user(self, user_id: str) -> None:
        """The user, their password, methods and sessions go (and the SSO cookies of those sessions)."""
        with self.lock:
            self.users.pop(user_id, None)
            self.passwords.pop(user_id, None)
            self.methods.pop(user_id, None)
            self.memberships.pop(user_id, None)
            for sid in [s for s, item in self.sessions.items() if item["user_id"] == user_id]:
                del self.sessions[sid]
                self.session_issuers.pop(sid, None)
                for cookie in [c for c, session_id in self.sso.items() if session_id == sid]:
                    del self.sso[cookie]

    def find_user_by_email(self, email: str) -> dict[str, Any] | None:
        email = email.strip().lower()
        for user in self.users.values():
            if str(user.get("email", "")).lower() == email:
                return user
        return None

    def email_taken(self, user: dict[str, Any], email: str) -> bool:
        """Whether another user of ``user``'s connection has ``email`` (Auth0: unique per connection)."""
        wanted = email.strip().casefold()
        connection = _connection(user)
        return any(
            other["user_id"] != user["user_id"] and _connection(other) == connection
            and str(other.get("email", "")).casefold() == wanted
            for other in self.users.values()
        )

    def send_email(self, user: dict[str, Any], kind: str, to: str | None = None) -> None:
        """Record an email the tenant would send (``kind``: ``verification``, ``password_changed``)."""
        with self.lock:
            self.outbox.append({"to": to or str(user.get("email", "")), "kind": kind,
                                "user_id": user["user_id"], "at": records.iso()})

    def connection_syncs_root_attributes(self, connection: str) -> bool:
        options = self.connections.get(connection) or {}
        return bool(options.get("set_user_root_attributes", "on_each_login") == "on_each_login")

    def touch(self, user: dict[str, Any]) -> None:
        user["updated_at"] = records.iso()

    # -- sessions -------------------------------------------------------------------------------

    def add_session(self, user_id: str, obj: dict[str, Any]) -> dict[str, Any]:
        session = records.build_session(user_id, obj, client_id="selfservice-web")
        with self.lock:
            self.sessions[session["id"]] = session
        return session

    def user_sessions(self, user_id: str) -> list[dict[str, Any]]:
        """A user's sessions in a stable order (creation time, then id)."""
        items = [s for s in self.sessions.values() if s["user_id"] == user_id]
        return sorted(items, key=lambda s: (s["created_at"], s["id"]))

    def end_session(self, session_id: str, issuer: str | None = None) -> dict[str, Any] | None:
        """End a session (logout, revoke, delete) and send back-channel logout tokens."""
        with self.lock:
            for cookie in [c for c, sid in self.sso.items() if sid == session_id]:
                del self.sso[cookie]
            session = self.sessions.pop(session_id, None)
            issuer = self.session_issuers.pop(session_id, None) or issuer
        issuer = self.public_url or issuer
        if session is not None and issuer:
            deliveries = backchannel.notify(
                session, issuer, key=self.key, send=self.backchannel_sender,
                urls_by_client={cid: client.backchannel_logout_urls for cid, client in self.clients.items()},
            )
            with self.lock:
                self.backchannel_log.extend({"url": url, "status": status, "sid": session["id"]} for url, status in deliveries)
        return session

    def require_sessions_feature(self) -> None:
        if not self.sessions_enabled:
            # What a non-Enterprise tenant answers is UNVERIFIED (auth0-facts.md §10).
            raise ApiError(
                403,
                "The sessions feature is not enabled for this tenant.",
                "operation_not_supported",
            )

    # -- organizations --------------------------------------------------------------------------

    def add_member(self, obj: dict[str, Any], user_id: str) -> dict[str, Any]:
        """Make ``user_id`` a member of an organization (an existing ``id``, or a new one)."""
        with self.lock:
            organization = self.organizations.get(str(obj.get("id") or "")) if isinstance(obj, dict) else None
            if organization is None:
                organization = records.build_organization(obj)
                self.organizations[organization["id"]] = organization
            joined = self.memberships.setdefault(user_id, [])
            if organization["id"] not in joined:
                joined.append(organization["id"])
        return organization

    def user_organizations(self, user_id: str) -> list[dict[str, Any]]:
        """The organizations a user belongs to (Auth0's 404 for an unknown user)."""
        self.user(user_id)
        return [self.organizations[org_id] for org_id in self.memberships.get(user_id, [])]

    # -- authentication methods -----------------------------------------------------------------

    def user_methods(self, user_id: str) -> list[dict[str, Any]]:
        self.user(user_id)
        return self.methods.setdefault(user_id, [])

    def configure_client(self, client_id: str, **fields: Any) -> Client:
        """Change a client's URLs: callbacks, allowed_logout_urls, backchannel_logout_urls."""
        allowed = {"callbacks", "allowed_logout_urls", "backchannel_logout_urls"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"client fields are {sorted(allowed)}, not {sorted(unknown)}")
        with self.lock:
            client = self.clients[client_id]
            for key, value in fields.items():
                setattr(client, key, tuple(value or ()))
        return client

    # -- knobs ----------------------------------------------------------------------------------

    def add_fault(self, **spec: Any) -> Fault:
        fault = Fault(**spec)
        with self.lock:
            self.faults.append(fault)
        return fault

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
                    return fault
        return None

    @property
    def rate_limit(self) -> TokenBucket | None:
        """The global bucket (what ``set_rate_limit`` configures), if there is one."""
        return self.rate_limits.buckets.get("global")

    def set_rate_limit(self, per_second: float | None, burst: int | None = None) -> None:
        """One global token bucket over the Management API (``None``: no limits at all)."""
        self.set_rate_limits(None if per_second is None else {"global": legacy_limit(per_second, burst)})

    def set_rate_limits(self, limits: Mapping[str, Limit] | None, preset: str | None = None) -> None:
        """Replace every bucket (full again) with ``limits``; ``None`` or empty: no limits."""
        with self.lock:
            self.rate_limits = RateLimits(limits, preset, clock=self.clock)

    def set_rate_limit_preset(self, name: str | None) -> None:
        """An Auth0 plan's Management API buckets: ``free``, ``essentials`` or ``enterprise``."""
        self.set_rate_limits(None if name is None else preset_limits(name), name)

    def take_rate_limit(self, method: str, path: str) -> Decision:
        """Spend this Management call's tokens, or refuse it (then nothing is spent)."""
        with self.lock:
            return self.rate_limits.check(method, path)

    def rate_limit_state(self) -> dict[str, Any]:
        """``{"preset", "buckets": {name: {per_second, burst, tokens, remaining, reset}}}``."""
        with self.lock:
            return self.rate_limits.as_dict()

    def record(self, method: str, path: str, status: int, query: str = "", generation: int | None = None) -> None:
        with self.lock:
            if generation is not None and generation != self.generation:
                return  # the request began before a reset (e.g. a slow fault finishing late)
            self.log.append({"method": method, "path": path, "status": status, "query": query})

    def public_base(self, issuer: str) -> str:
        return self.public_url or issuer


def _connection(user: dict[str, Any]) -> str:
    identity = (user.get("identities") or [{}])[0]
    return str(identity.get("connection") or identity.get("provider") or "")

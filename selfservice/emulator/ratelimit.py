"""Auth0's Management API rate limits: token buckets per endpoint class, behind a global one.

Auth0 limits with token buckets (burst = bucket size, sustained rate = refill rate) and checks
the global API bucket before the endpoint's own bucket (auth0-facts.md §6.2, §6.3). The app
that uses this emulator plans its upstream budget around exactly these buckets, so the emulator
has to refuse in the same places and send the same ``x-ratelimit-*`` headers.

Nothing here locks: :class:`~selfservice.emulator.tenant.Tenant` calls it under its lock.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Clock = Callable[[], float]

GLOBAL = "global"
USERS_READ = "users.read"
USERS_WRITE = "users.write"
OTHER = "other"
BUCKET_NAMES = (GLOBAL, USERS_READ, USERS_WRITE, OTHER)
MANAGEMENT_PREFIX = "/api/v2/"

GLOBAL_MESSAGE = "Global limit has been reached"  # verbatim from a real tenant (auth0-facts.md §6.1)
# What an endpoint bucket's 429 says is UNVERIFIED; the wording follows Auth0's docs on the headers.
ENDPOINT_MESSAGE = (
    "Too many requests. Check the X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset headers."
)


@dataclass(frozen=True)
class Limit:
    """One bucket's configuration: ``burst`` tokens at most, refilled at ``per_second``."""

    per_second: float
    burst: int


# auth0-facts.md §6.3. Essentials lists Delete Users as its own bucket with the same numbers as
# Write Users; the emulator folds deletes into ``users.write``.
PRESETS: dict[str, dict[str, Limit]] = {
    "free": {GLOBAL: Limit(2.0, 2)},
    "essentials": {
        USERS_READ: Limit(500 / 60, 40),
        USERS_WRITE: Limit(200 / 60, 20),
        OTHER: Limit(150 / 60, 10),
    },
    "enterprise": {GLOBAL: Limit(16.0, 50)},
}


def classify(method: str, path: str) -> str:
    """The endpoint bucket of a Management API call.

    ``users.read``/``users.write`` cover the user object itself (``/users`` and ``/users/{id}``);
    its sub-resources (sessions, authentication methods, ...) count as ``other``, as on Auth0.
    """
    parts = path[len(MANAGEMENT_PREFIX):].strip("/").split("/") if path.startswith(MANAGEMENT_PREFIX) else []
    if parts and parts[0] == "users" and len(parts) <= 2:
        if method == "GET":
            return USERS_READ
        if method in ("POST", "PATCH", "DELETE"):
            return USERS_WRITE
    return OTHER


class TokenBucket:
    """Auth0's limiter: ``burst`` requests at once, refilled at ``per_second``.

    ``clock`` is monotonic (refill must not jump with the wall clock); only the reset header
    is wall-clock time, because Auth0 sends it as UTC epoch seconds.
    """

    def __init__(self, per_second: float, burst: int, clock: Clock = time.monotonic) -> None:
        self.per_second = float(per_second)
        self.burst = int(burst)
        self.tokens = float(burst)
        self.clock = clock
        self.updated = clock()

    def refill(self) -> None:
        now = self.clock()
        self.tokens = min(float(self.burst), self.tokens + max(now - self.updated, 0.0) * self.per_second)
        self.updated = now

    @property
    def available(self) -> bool:
        return self.tokens >= 1

    def spend(self) -> None:
        self.tokens -= 1

    def take(self) -> tuple[bool, dict[str, str]]:
        """Refill, spend one token if there is one; ``(allowed, headers)``."""
        self.refill()
        allowed = self.available
        if allowed:
            self.spend()
        return allowed, self.headers()

    def remaining(self) -> int:
        return max(int(self.tokens), 0)

    def reset_epoch(self) -> int:
        """When the bucket is full again, in UTC epoch seconds (at least a second ahead)."""
        missing = self.burst - self.tokens
        seconds_to_full = missing / self.per_second if self.per_second > 0 else 3600
        return math.ceil(time.time() + max(seconds_to_full, 1))

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.burst),
            "x-ratelimit-remaining": str(self.remaining()),
            "x-ratelimit-reset": str(self.reset_epoch()),
        }

    def as_dict(self) -> dict[str, Any]:
        return {"per_second": self.per_second, "burst": self.burst}

    def state(self) -> dict[str, Any]:
        """Configuration plus the live token count (refilled to now)."""
        self.refill()
        return {**self.as_dict(), "tokens": round(self.tokens, 3), "remaining": self.remaining(),
                "reset": self.reset_epoch()}


@dataclass
class Decision:
    """The outcome of one call: which bucket decided, and the headers to send."""

    allowed: bool
    bucket: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return GLOBAL_MESSAGE if self.bucket == GLOBAL else ENDPOINT_MESSAGE


class RateLimits:
    """The tenant's buckets. No buckets: no limit and no headers."""

    def __init__(self, limits: Mapping[str, Limit] | None = None, preset: str | None = None,
                 clock: Clock = time.monotonic) -> None:
        self.preset = preset
        self.buckets = {name: TokenBucket(limit.per_second, limit.burst, clock) for name, limit in (limits or {}).items()}

    @property
    def enabled(self) -> bool:
        return bool(self.buckets)

    def check(self, method: str, path: str) -> Decision:
        """Spend a token from the global and the endpoint bucket, or from neither.

        The global bucket is checked first; a refused call spends nothing from either bucket.
        """
        endpoint = classify(method, path)
        chain = [(name, self.buckets[name]) for name in (GLOBAL, endpoint) if name in self.buckets]
        if not chain:
            return Decision(True)
        for _, bucket in chain:
            bucket.refill()
        for name, bucket in chain:
            if not bucket.available:
                return Decision(False, name, bucket.headers())
        for _, bucket in chain:
            bucket.spend()
        name, bucket = chain[-1]  # the endpoint bucket when there is one
        return Decision(True, name, bucket.headers())

    def as_dict(self) -> dict[str, Any]:
        return {"preset": self.preset, "buckets": {name: b.state() for name, b in self.buckets.items()}}


# -- control bodies ---------------------------------------------------------------------------

def parse_body(body: Any) -> tuple[str | None, dict[str, Limit]]:
    """``(preset, limits)`` from a ``PUT /__emulator__/rate-limit`` body; ``ValueError`` if bad.

    Accepts ``{"per_second": N, "burst": N}`` (one global bucket, the original contract),
    ``{"preset": NAME}`` or ``{"buckets": {NAME: {"per_second"|"per_minute": N, "burst": N}}}``.
    """
    if not isinstance(body, dict):
        raise ValueError('rate-limit body must be null, {"per_second", "burst"}, {"preset"} or {"buckets"}')
    shapes = [keys for keys in ({"per_second", "burst"}, {"preset"}, {"buckets"}) if keys & set(body)]
    if len(shapes) != 1 or set(body) - shapes[0]:
        raise ValueError('rate-limit body must have exactly one of "per_second" (with "burst"), '
                         f'"preset" or "buckets", not {sorted(body)}')
    if "preset" in body:
        return body["preset"], preset_limits(body["preset"])
    if "buckets" in body:
        return None, bucket_limits(body["buckets"])
    return None, {GLOBAL: legacy_limit(body.get("per_second"), body.get("burst"))}


def preset_limits(name: Any) -> dict[str, Limit]:
    if not isinstance(name, str) or name not in PRESETS:
        raise ValueError(f"unknown rate-limit preset {name!r}; presets are {sorted(PRESETS)}")
    return dict(PRESETS[name])


def bucket_limits(buckets: Any) -> dict[str, Limit]:
    if not isinstance(buckets, dict):
        raise ValueError('"buckets" must be an object of bucket name -> {"per_second", "burst"}')
    limits = {}
    for name, spec in buckets.items():
        if name not in BUCKET_NAMES:
            raise ValueError(f"unknown rate-limit bucket {name!r}; buckets are {list(BUCKET_NAMES)}")
        if not isinstance(spec, dict) or "burst" not in spec or len({"per_second", "per_minute"} & set(spec)) != 1 \
                or set(spec) - {"per_second", "per_minute", "burst"}:
            raise ValueError(f'bucket {name!r} needs "burst" and one of "per_second" or "per_minute"')
        rate = _number(spec.get("per_second", spec.get("per_minute")), f"{name}.rate")
        per_second = rate if "per_second" in spec else rate / 60
        limits[name] = Limit(per_second, _burst(spec["burst"], f"{name}.burst"))
    return limits


def legacy_limit(per_second: Any, burst: Any = None) -> Limit:
    """The one global bucket of ``set_rate_limit(per_second, burst)``; burst defaults to the rate."""
    rate = _number(per_second, "per_second")
    return Limit(rate, _burst(burst, "burst") if burst else max(int(rate), 1))


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name} must be a number, not {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{name} must be a finite number >= 0, not {value!r}")
    return number


def _burst(value: Any, name: str) -> int:
    number = _number(value, name)
    if number < 1 or number != int(number):
        raise ValueError(f"{name} must be a whole number >= 1, not {value!r}")
    return int(number)

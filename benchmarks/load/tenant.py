"""Talking to the emulated tenant from the harness: seed users, rate limits, the request log.

Everything goes through the emulator's HTTP control surface (DESIGN.md "Stable emulator
contract") because the tenant runs as its own process, as Auth0 would. The plan budgets live
here too, so the report can compare what the app spent with what the plan allows, whether the
emulator enforces the plan per bucket (a ``preset``) or as one bucket (the fallback).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

PASSWORD = "demo-password"
M2M = ("selfservice-m2m", "selfservice-m2m-secret")
WEB_CLIENT = "selfservice-web"
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
)
LANGUAGES = ("en", "es", "de", "fr")
THEMES = ("system", "light", "dark")


@dataclass(frozen=True)
class Bucket:
    """One Auth0 rate-limit bucket: ``burst`` at once, refilled at ``per_second``."""

    name: str
    pattern: str  # regex over "METHOD /path" of Management calls it covers
    burst: int
    per_second: float

    def allows(self, seconds: float) -> float:
        """Calls a bucket lets through in ``seconds`` from full (burst + refill)."""
        return self.burst + self.per_second * seconds


# auth0-facts.md §6.3 (Management API, 2026). Order matters: first match wins.
PLANS: dict[str, tuple[Bucket, ...]] = {
    "free": (Bucket("global", r".", 2, 2.0),),
    "essentials": (
        Bucket("users.read", r"^GET /api/v2/users(/[^/]+)?$", 40, 500 / 60),
        # Essentials lists Delete Users apart with the same numbers; folded in, as the emulator does.
        Bucket("users.write", r"^(POST|PATCH|DELETE) /api/v2/users(/[^/]+)?$", 20, 200 / 60),
        Bucket("other", r".", 10, 150 / 60),
    ),
    "enterprise": (Bucket("global", r".", 50, 16.0),),
}
# When the emulator has no presets yet: one bucket. For essentials that is the sum of the two
# buckets the account tabs read from (users.read + other), so it is looser than the real plan
# on sessions/authentication-methods calls; the report says which mode ran.
FALLBACK = {"free": (2.0, 2), "essentials": (650 / 60, 50), "enterprise": (16.0, 50)}


def bucket_for(plan: str, method: str, path: str) -> Bucket:
    """The bucket of ``plan`` that a Management call is charged to."""
    line = f"{method} {path}"
    return next(b for b in PLANS[plan] if re.search(b.pattern, line))


class TenantControl:
    """The emulator's control API (``/__emulator__/``) plus the Management calls the checks need."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.http = httpx.Client(base_url=self.url, timeout=15)

    def close(self) -> None:
        self.http.close()

    def _control(self, method: str, route: str, body: Any = None) -> httpx.Response:
        response = self.http.request(method, f"/__emulator__/{route}", json=body)
        if response.status_code >= 400:
            raise RuntimeError(f"emulator {method} {route}: {response.status_code} {response.text[:300]}")
        return response

    def add_load_user(self, index: int, user_id: str | None = None) -> str:
        """Seed one database user with two older sessions, MFA methods and some preferences."""
        user_id = user_id or f"auth0|load-{index:02d}"
        local = user_id.split("|", 1)[1]
        body = {
            "user_id": user_id,
            "email": f"{local}@example.com",
            "email_verified": True,
            "name": f"Load User {index}",
            "given_name": "Load",
            "family_name": f"User {index}",
            "password": PASSWORD,
            "user_metadata": {"language": LANGUAGES[index % 4], "theme": THEMES[index % 3],
                              "newsletter": index % 2 == 0, "timezone": "UTC"},
            "sessions": [{"device": {"initial_user_agent": AGENTS[i % 2], "initial_ip": f"203.0.113.{index % 250 + 1}"}}
                         for i in range(2)],
            "authentication_methods": [{"type": "totp", "name": "Authenticator app"}, {"type": "recovery-code"}],
        }
        self._control("POST", "users", body)
        return user_id

    def configure_backchannel(self, url: str) -> None:
        """Register the site's back-channel logout URL on the web login client."""
        self._control("PATCH", f"clients/{WEB_CLIENT}", {"backchannel_logout_urls": [url]})

    def set_rate_limit(self, preset: str | None) -> str:
        """Turn the plan's limit on (``None``: off); returns what the emulator enforces, for the report.

        A preset the emulator understands is enforced per bucket, like Auth0; an emulator
        without presets answers 400 and gets the plan as one ``per_second``/``burst`` bucket.
        """
        if preset is None:
            self._control("PUT", "rate-limit", None)
            return "off"
        response = self.http.put("/__emulator__/rate-limit", json={"preset": preset})
        if response.status_code < 300:
            return f"preset {preset} (per bucket)"
        per_second, burst = FALLBACK[preset]
        self._control("PUT", "rate-limit", {"per_second": per_second, "burst": burst})
        return f"fallback: one bucket {per_second:.2f}/s burst {burst}"

    def clear_requests(self) -> None:
        self._control("DELETE", "requests")

    def requests(self) -> list[dict[str, Any]]:
        """The tenant's request log since the last clear: Management API and token calls."""
        return list(self._control("GET", "requests").json())

    def backchannel_log(self) -> list[dict[str, Any]]:
        return list(self._control("GET", "backchannel").json())

    def newest_web_session(self, user_id: str) -> str:
        """Id of the user's newest session created by a login at the web client (the Auth0 ``sid``)."""
        stored = self._control("GET", f"users/{user_id}").json()
        mine = [s for s in stored["sessions"] if {"client_id": WEB_CLIENT} in (s.get("clients") or [])]
        if not mine:
            raise RuntimeError(f"{user_id} has no session from a login")
        return str(max(mine, key=lambda s: (s["created_at"], s["id"]))["id"])

    def revoke_session(self, session_id: str) -> int:
        """End a session the way an admin would: client credentials, then the Management API."""
        token = self.http.post("/oauth/token", data={
            "grant_type": "client_credentials", "client_id": M2M[0], "client_secret": M2M[1],
            "audience": f"{self.url}/api/v2/",
        })
        token.raise_for_status()
        revoked = self.http.post(f"/api/v2/sessions/{session_id}/revoke",
                                 headers={"Authorization": f"Bearer {token.json()['access_token']}"})
        return revoked.status_code

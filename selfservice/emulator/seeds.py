"""Named seeds: ``empty`` and ``demo`` (alice, bob, carol; DESIGN.md's stable contract)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from .records import iso
from .tenant import Tenant

DEMO_PASSWORD = "demo-password"
#: The demo site's own API (selfservice.api): logins asking for this audience get tokens for it.
DEMO_API_AUDIENCE = "https://selfservice.demo/api/v1/"
DEMO_API_SCOPES = ("read:me", "update:me", "delete:me")
# Listed on the emulator's login form while the demo seed is loaded.
DEMO_LOGINS = (
    ("auth0|alice", "alice@example.com"),
    ("google-oauth2|bob", "bob@example.com (Google)"),
    ("auth0|carol", "carol@example.com"),
    ("google-oauth2|alice", "alice@example.com (Google: link it to Alice)"),
    ("github|alice", "alice.l@example.org (GitHub: another email)"),
)

USER_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.102 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
)


def _sessions(count: int, start_hours_ago: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    sessions = []
    for index in range(count):
        created = now - timedelta(hours=start_hours_ago - index * 7)
        agent = USER_AGENTS[index % len(USER_AGENTS)]
        ip = f"203.0.113.{(index * 17) % 250 + 1}"
        sessions.append({
            "created_at": iso(created),
            # Active within Auth0's default 3-day idle lifetime, so no seeded session is expired.
            "last_interacted_at": iso(max(created, min(now - timedelta(minutes=5 + 97 * index), now))),
            "device": {"initial_user_agent": agent, "initial_ip": ip, "initial_asn": "64496"},
        })
    return sessions


def demo_users() -> list[dict[str, Any]]:
    return [
        {
            "user_id": "auth0|alice",
            "email": "alice@example.com",
            "email_verified": True,
            "name": "Alice Liddell",
            "given_name": "Alice",
            "family_name": "Liddell",
            "nickname": "alice",
            "created_at": "2024-03-02T09:15:00.000Z",
            "last_login": iso(datetime.now(UTC) - timedelta(hours=3)),
            "logins_count": 42,
            "password": DEMO_PASSWORD,
            # "onboarding" is not in the demo preference schema: the Preferences tab leaves it alone.
            "user_metadata": {"language": "en", "theme": "dark", "newsletter": True, "onboarding": {"completed": True}},
            "multifactor": ["guardian"],
            "sessions": _sessions(3, 50),
            # Auth0 issues a recovery code with the first enrollment when the tenant enables the
            # recovery-code factor (the demo tenant does), so an enrolled user has one.
            "authentication_methods": [{"type": "totp", "name": "Authenticator app"}, {"type": "recovery-code"}],
        },
        {
            "user_id": "google-oauth2|bob",
            "email": "bob@example.com",
            "email_verified": True,
            "name": "Bob Builder",
            "given_name": "Bob",
            "family_name": "Builder",
            "nickname": "bob",
            "created_at": "2025-01-20T14:00:00.000Z",
            "logins_count": 7,
            # The emulator's login form accepts him with this password, standing in for Google.
            "password": DEMO_PASSWORD,
            "identities": [{
                "connection": "google-oauth2", "provider": "google-oauth2", "user_id": "bob", "isSocial": True,
            }],
            "user_metadata": {"language": "de"},
            "sessions": _sessions(1, 5),
        },
        {
            "user_id": "auth0|carol",
            "email": "carol@example.com",
            "email_verified": False,
            "name": "Carol Danvers",
            "given_name": "Carol",
            "family_name": "Danvers",
            "nickname": "carol",
            "phone_number": "+15555550199",
            "created_at": "2023-07-11T18:30:00.000Z",
            "logins_count": 311,
            "password": DEMO_PASSWORD,
            "user_metadata": {
                "language": "es", "timezone": "Europe/Madrid", "theme": "light", "newsletter": False,
                "notification_channels": ["email", "sms"], "items_per_page": 25,
                "birthday": "1990-04-01",
                "address": {"street": "Calle Mayor 1", "city": "Madrid", "postal_code": "28013", "country": "ES"},
            },
            "app_metadata": {"plan": "pro"},
            "sessions": _sessions(40, 300),
            "authentication_methods": [
                {"type": "totp", "name": "Phone authenticator"},
                {"type": "phone", "name": "Mobile", "phone_number": "+15555550199"},
                {"type": "webauthn-roaming", "name": "YubiKey 5C"},
                {"type": "webauthn-roaming", "name": "Backup key"},
                {"type": "email", "name": "Email", "email": "carol@example.com"},
                {"type": "recovery-code"},
            ],
        },
    ]


def linkable_users() -> list[dict[str, Any]]:
    """Alice's other sign-ins, not linked yet: what the General tab's "Link" flow finds.

    Standalone users as Auth0 has them before linking (no metadata, no sessions), reached with
    ``/authorize?connection=google-oauth2`` or ``connection=github`` and the demo password.
    """
    return [
        {
            "user_id": "google-oauth2|alice", "email": "alice@example.com", "email_verified": True,
            "name": "Alice Liddell", "given_name": "Alice", "family_name": "Liddell", "nickname": "alice",
            "created_at": "2025-06-01T08:00:00.000Z", "password": DEMO_PASSWORD,
            "identities": [{"connection": "google-oauth2", "provider": "google-oauth2", "user_id": "alice", "isSocial": True}],
        },
        {
            "user_id": "github|alice", "email": "alice.l@example.org", "email_verified": True,
            "name": "Alice L.", "nickname": "alice-l", "created_at": "2025-09-15T12:00:00.000Z", "password": DEMO_PASSWORD,
            "identities": [{"connection": "github", "provider": "github", "user_id": "alice", "isSocial": True}],
        },
    ]


def apply(tenant: Tenant, name: str) -> None:
    """Reset the tenant and load the named seed."""
    if name not in ("demo", "empty"):
        raise ValueError(f"unknown seed {name!r}; use 'demo' or 'empty'")
    tenant.reset()
    if name == "demo":
        for user in [*demo_users(), *linkable_users()]:
            tenant.add_user(user)
        tenant.apis[DEMO_API_AUDIENCE] = {"identifier": DEMO_API_AUDIENCE, "scopes": list(DEMO_API_SCOPES),
                                          "auth_time_claim": True}

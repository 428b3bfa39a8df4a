"""Builders for the tenant's stored records and their public (wire) form.

Records are stored as Auth0 returns them, unmasked; masking of contact data and field
selection happen on the way out, as Auth0 does (auth0-facts.md §2.1, §3.2, §4.2).
"""

from __future__ import annotations

import copy
import secrets
import string
from datetime import UTC, datetime, timedelta
from typing import Any

from .errors import invalid_body

DATABASE_CONNECTION = "Username-Password-Authentication"

SOCIAL_PROVIDERS = {
    "google-oauth2", "github", "facebook", "twitter", "apple", "linkedin", "windowslive",
    "bitbucket", "dropbox", "paypal", "amazon", "box",
}
PASSWORDLESS_PROVIDERS = {"email", "sms"}

METHOD_TYPES = {
    "recovery-code", "totp", "push", "phone", "email", "email-verification", "webauthn-roaming",
    "webauthn-platform", "guardian", "passkey", "password",
}


def iso(moment: datetime | None = None) -> str:
    """Auth0's timestamp format: milliseconds and a ``Z``."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def random_id(length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def session_id() -> str:
    """A 32-character URL-safe id, the same value as the ID token's ``sid``."""
    return random_id(32, string.ascii_letters + string.digits + "-_")


def split_user_id(user_id: str) -> tuple[str, str]:
    provider, _, rest = user_id.partition("|")
    return (provider, rest) if rest else ("auth0", user_id)


def default_identity(user_id: str) -> dict[str, Any]:
    provider, uid = split_user_id(user_id)
    if provider == "auth0":
        connection = DATABASE_CONNECTION
    elif provider in PASSWORDLESS_PROVIDERS:
        connection = provider
    else:
        connection = provider
    return {
        "connection": connection,
        "user_id": uid,
        "provider": provider,
        "isSocial": provider in SOCIAL_PROVIDERS,
    }


def build_user(obj: dict[str, Any]) -> dict[str, Any]:
    """A stored user from a (possibly partial) Auth0 user object, filled the way Auth0 fills it."""
    user = copy.deepcopy({k: v for k, v in obj.items() if v is not None})
    if "user_id" not in user:
        user["user_id"] = f"auth0|{secrets.token_hex(12)}"
    if not isinstance(user["user_id"], str) or not user["user_id"]:
        raise invalid_body("user_id must be a non-empty string", "user_id")
    user_id = user["user_id"]
    user.setdefault("identities", [default_identity(user_id)])
    stamp = iso()
    user.setdefault("created_at", stamp)
    user.setdefault("updated_at", user["created_at"])
    email = user.get("email")
    if email:
        user.setdefault("email_verified", False)
        user.setdefault("name", email)
        user.setdefault("nickname", str(email).split("@")[0])
    user.setdefault("user_metadata", {})
    user.setdefault("app_metadata", {})
    check_metadata_keys(user["user_metadata"], "user_metadata")
    check_metadata_keys(user["app_metadata"], "app_metadata")
    return user


def check_metadata_keys(value: Any, prop: str) -> None:
    """Auth0 refuses metadata key names containing ``.`` or ``$`` (at any depth)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if "." in key or "$" in key:
                raise invalid_body(f"Invalid key name: {key}. Key names must not contain '.' or '$'", prop)
            check_metadata_keys(item, f"{prop}.{key}")
    elif isinstance(value, list):
        for item in value:
            check_metadata_keys(item, prop)


def public_user(user: dict[str, Any], fields: str | None = None, include_fields: str | None = None) -> dict[str, Any]:
    data = copy.deepcopy(user)
    if fields:
        wanted = {f.strip() for f in fields.split(",") if f.strip()}
        include = (include_fields or "true").lower() != "false"
        data = {k: v for k, v in data.items() if (k in wanted) == include}
    return data


def build_session(user_id: str, obj: dict[str, Any], client_id: str) -> dict[str, Any]:
    """A stored Auth0 session; seeded sessions may give only some fields."""
    now = datetime.now(UTC)
    created = obj.get("created_at") or iso(now)
    created_dt = parse_iso(created)
    last = obj.get("last_interacted_at") or obj.get("updated_at") or created
    device = {
        "initial_user_agent": "",
        "initial_ip": "127.0.0.1",
        "initial_asn": "0",
        **(obj.get("device") or {}),
    }
    device.setdefault("last_user_agent", device["initial_user_agent"])
    device.setdefault("last_ip", device["initial_ip"])
    device.setdefault("last_asn", device["initial_asn"])
    session = {
        "id": obj.get("id") or session_id(),
        "user_id": user_id,
        "created_at": created,
        "updated_at": obj.get("updated_at") or last,
        "authenticated_at": obj.get("authenticated_at") or created,
        "last_interacted_at": last,
        "idle_expires_at": obj.get("idle_expires_at") or iso(parse_iso(last) + timedelta(days=3)),
        "expires_at": obj.get("expires_at") or iso(created_dt + timedelta(days=30)),
        "device": device,
        "clients": obj.get("clients") or [{"client_id": client_id}],
        "authentication": obj.get("authentication")
        or {"methods": [{"name": "pwd", "timestamp": obj.get("authenticated_at") or created}]},
        "cookie": obj.get("cookie") or {"mode": "persistent"},
    }
    if obj.get("session_metadata"):
        session["session_metadata"] = obj["session_metadata"]
    return session


def build_method(obj: dict[str, Any]) -> dict[str, Any]:
    """A stored authentication method (confirmed, with an Auth0-style id)."""
    kind = obj.get("type")
    if kind not in METHOD_TYPES:
        raise invalid_body(f"No enum match for: {kind}", "type")
    method = copy.deepcopy({k: v for k, v in obj.items() if v is not None})
    suffix = random_id(16)
    method.setdefault("id", f"{kind}|dev_{suffix}")
    method.setdefault("confirmed", True)
    method.setdefault("created_at", iso())
    if kind == "phone" and "authentication_methods" not in method:
        preferred = method.setdefault("preferred_authentication_method", "sms")
        method["authentication_methods"] = [{"id": f"{preferred}|dev_{suffix}", "type": preferred}]
    return method


def build_organization(obj: dict[str, Any]) -> dict[str, Any]:
    """A stored organization as Auth0 lists it: ``id`` (``org_`` + 16), ``name``, ``display_name``.

    ``name`` is Auth0's required lowercase slug; ``branding`` and ``metadata`` are kept when given.
    """
    if not isinstance(obj, dict):
        raise invalid_body("Expected type object", "organizations")
    organization = copy.deepcopy({k: v for k, v in obj.items() if v is not None})
    organization.setdefault("id", f"org_{random_id(16)}")
    name = organization.get("name")
    if not isinstance(name, str) or not name:
        raise invalid_body("Missing required property: name", "organizations")
    return organization


def mask_email(email: str) -> str:
    """``chuck878@example.com`` -> ``chuc****@exam*******`` (as Auth0 lists methods)."""
    local, _, domain = email.partition("@")
    return f"{_mask(local)}@{_mask(domain)}"


def _mask(part: str) -> str:
    return "*" * len(part) if len(part) <= 4 else part[:4] + "*" * (len(part) - 4)


def mask_phone(number: str) -> str:
    """``+15555555044`` -> ``XXXXXXXXXXX5044``."""
    return "X" * max(len(number) - 4, 0) + number[-4:]


def public_method(method: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in copy.deepcopy(method).items() if not k.startswith("_")}
    if data.get("email"):
        data["email"] = mask_email(str(data["email"]))
    if data.get("phone_number"):
        data["phone_number"] = mask_phone(str(data["phone_number"]))
    return data

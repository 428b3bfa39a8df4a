"""The API's request and response bodies (pydantic, via django-ninja): what the OpenAPI shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field

__all__ = [
    "ActivityOut", "EmailIn", "EnrollmentIn", "EnrollmentOut", "IdentityOut", "MethodOut", "PasswordOut",
    "PreferencesOut", "ProfileOut", "ProfilePatch", "Problem", "RecoveryCodeOut", "RevokedOut", "SessionOut",
]


class Problem(Schema):
    """RFC 9457 problem details (``application/problem+json``)."""

    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    code: str | None = None
    errors: list[dict[str, str]] | None = None


class ProfileOut(Schema):
    user_id: str
    email: str | None
    email_verified: bool | None
    name: str | None
    given_name: str | None
    family_name: str | None
    nickname: str | None
    picture: str | None
    phone_number: str | None
    phone_verified: bool | None
    username: str | None
    created_at: datetime | None
    updated_at: datetime | None
    last_login: datetime | None
    logins_count: int | None
    editable: list[str] = Field(description="The attributes PATCH /me accepts for this user.")


class ProfilePatch(Schema):
    """Merge patch of the profile: only the attributes to change; ``null`` clears one."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    nickname: str | None = None
    picture: str | None = None


class PreferencesOut(Schema):
    values: dict[str, Any]
    schema_: dict[str, Any] | None = Field(alias="schema", description="The active JSON Schema (None: none yet).")


class MethodOut(Schema):
    id: str
    type: str
    label: str
    detail: str
    confirmed: bool
    removable: bool
    added: datetime | None
    last_used: datetime | None


class EnrollmentIn(Schema):
    model_config = ConfigDict(extra="forbid")
    factor: str = Field(description="One of the factors the Security tab offers (otp, webauthn-roaming, ...).")


class EnrollmentOut(Schema):
    factor: str
    ticket_url: str


class RecoveryCodeOut(Schema):
    recovery_code: str


class SessionOut(Schema):
    id: str
    current: bool
    device: str
    ip: str | None
    created_at: datetime | None
    last_active: datetime | None
    expires_at: datetime | None
    applications: list[str]
    authentication: list[str]


class RevokedOut(Schema):
    revoked: list[str]
    remaining: int = Field(description="Other sessions still to revoke (call again).")


class IdentityOut(Schema):
    provider: str
    user_id: str
    connection: str | None
    is_social: bool
    primary: bool
    label: str
    email: str | None


class EmailIn(Schema):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=254)


class PasswordOut(Schema):
    ticket_url: str


class ActivityOut(Schema):
    id: int
    action: str
    label: str
    refused: bool
    detail: str
    created_at: datetime
    ip: str | None
    device: str

"""What a gateway returns: frozen dataclasses, never SDK objects or raw dicts.

Views and templates depend on these shapes only, so a change in auth0-python's generated
models (or another identity provider behind another gateway) stops here. Timestamps are aware
``datetime`` objects in UTC; anything Auth0 left out is ``None`` or empty, never an error.

Each class that mirrors an Auth0 object has a ``from_auth0(data)`` builder taking Auth0's JSON
shape (a plain mapping, as the Management API documents it), so the builders are the one
place that knows Auth0's field names and the gateway only hands them plain data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "AuthenticationMethod",
    "EnrollmentTicket",
    "Factor",
    "Identity",
    "Session",
    "SessionAuthentication",
    "SessionDevice",
    "SessionPage",
    "UserProfile",
    "VerificationJob",
]


@dataclass(frozen=True)
class Identity:
    """One login identity of a user; the first one of a user is the primary identity."""

    provider: str
    user_id: str
    connection: str | None = None
    is_social: bool = False
    # Only linked (secondary) identities carry profile data: email, name, ...
    profile_data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_auth0(cls, data: Mapping[str, Any]) -> Identity:
        return cls(
            provider=_text(data.get("provider")) or "",
            user_id=_text(data.get("user_id")) or "",
            connection=_text(data.get("connection")),
            is_social=bool(data.get("isSocial", data.get("is_social", False))),
            profile_data=_dict(data.get("profileData", data.get("profile_data"))),
        )


@dataclass(frozen=True)
class UserProfile:
    """An Auth0 user as the account pages show it."""

    user_id: str
    email: str | None = None
    email_verified: bool | None = None
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    nickname: str | None = None
    picture: str | None = None
    phone_number: str | None = None
    phone_verified: bool | None = None
    username: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    last_login: datetime | None = None
    logins_count: int | None = None
    identities: tuple[Identity, ...] = ()
    user_metadata: dict[str, Any] = field(default_factory=dict)
    app_metadata: dict[str, Any] = field(default_factory=dict)
    multifactor: tuple[str, ...] = ()
    blocked: bool | None = None

    @classmethod
    def from_auth0(cls, data: Mapping[str, Any]) -> UserProfile:
        return cls(
            user_id=_text(data.get("user_id")) or "",
            email=_text(data.get("email")),
            email_verified=_flag(data.get("email_verified")),
            name=_text(data.get("name")),
            given_name=_text(data.get("given_name")),
            family_name=_text(data.get("family_name")),
            nickname=_text(data.get("nickname")),
            picture=_text(data.get("picture")),
            phone_number=_text(data.get("phone_number")),
            phone_verified=_flag(data.get("phone_verified")),
            username=_text(data.get("username")),
            created_at=_when(data.get("created_at")),
            updated_at=_when(data.get("updated_at")),
            last_login=_when(data.get("last_login")),
            logins_count=data.get("logins_count") if isinstance(data.get("logins_count"), int) else None,
            identities=identities_from_auth0(data.get("identities")),
            user_metadata=_dict(data.get("user_metadata")),
            app_metadata=_dict(data.get("app_metadata")),
            multifactor=tuple(str(item) for item in _items(data.get("multifactor"))),
            blocked=_flag(data.get("blocked")),
        )

    @property
    def primary_identity(self) -> Identity | None:
        """The identity the user signed up with (Auth0 lists it first)."""
        return self.identities[0] if self.identities else None

    @property
    def is_social(self) -> bool:
        """True when the primary identity comes from a social provider (it may own the profile)."""
        primary = self.primary_identity
        return bool(primary and primary.is_social)


@dataclass(frozen=True)
class Factor:
    """A tenant-wide MFA factor (``/guardian/factors``); phone is named ``sms`` here."""

    name: str
    enabled: bool
    trial_expired: bool | None = None

    @classmethod
    def from_auth0(cls, data: Mapping[str, Any]) -> Factor:
        return cls(
            name=_text(data.get("name")) or "",
            enabled=bool(data.get("enabled")),
            trial_expired=_flag(data.get("trial_expired")),
        )


@dataclass(frozen=True)
class AuthenticationMethod:
    """One enrolled (or partly enrolled) authentication method of a user.

    Contact data (``phone_number``, ``email``) arrives masked by Auth0.
    """

    id: str
    type: str
    name: str | None = None
    confirmed: bool | None = None
    created_at: datetime | None = None
    last_auth_at: datetime | None = None
    enrolled_at: datetime | None = None
    phone_number: str | None = None
    email: str | None = None
    preferred_authentication_method: str | None = None
    link_id: str | None = None
    credential_device_type: str | None = None
    credential_backed_up: bool | None = None
    key_id: str | None = None
    user_agent: str | None = None

    @classmethod
    def from_auth0(cls, data: Mapping[str, Any]) -> AuthenticationMethod:
        return cls(
            id=_text(data.get("id")) or "",
            type=_text(data.get("type")) or "",
            name=_text(data.get("name")),
            confirmed=_flag(data.get("confirmed")),
            created_at=_when(data.get("created_at")),
            last_auth_at=_when(data.get("last_auth_at")),
            enrolled_at=_when(data.get("enrolled_at")),
            phone_number=_text(data.get("phone_number")),
            email=_text(data.get("email")),
            preferred_authentication_method=_text(data.get("preferred_authentication_method")),
            link_id=_text(data.get("link_id")),
            credential_device_type=_text(data.get("credential_device_type")),
            credential_backed_up=_flag(data.get("credential_backed_up")),
            key_id=_text(data.get("key_id")),
            user_agent=_text(data.get("user_agent")),
        )


@dataclass(frozen=True)
class EnrollmentTicket:
    """A Guardian enrollment ticket: send the user to ``ticket_url`` to enroll the factor."""

    ticket_id: str | None
    ticket_url: str


@dataclass(frozen=True)
class SessionDevice:
    """Where a session started and where it was last used."""

    initial_user_agent: str | None = None
    initial_ip: str | None = None
    last_user_agent: str | None = None
    last_ip: str | None = None


@dataclass(frozen=True)
class SessionAuthentication:
    """How the user authenticated in a session (``pwd``, ``federated``, ``mfa`` + type, ...)."""

    name: str | None = None
    type: str | None = None
    timestamp: datetime | None = None


@dataclass(frozen=True)
class Session:
    """An Auth0 session; its ``id`` equals the ``sid`` claim of the ID token issued with it."""

    id: str
    user_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    authenticated_at: datetime | None = None
    last_interacted_at: datetime | None = None
    idle_expires_at: datetime | None = None
    expires_at: datetime | None = None
    device: SessionDevice = field(default_factory=SessionDevice)
    client_ids: tuple[str, ...] = ()
    authentication: tuple[SessionAuthentication, ...] = ()

    @classmethod
    def from_auth0(cls, data: Mapping[str, Any]) -> Session:
        device = _dict(data.get("device"))
        methods = _dict(data.get("authentication")).get("methods")
        return cls(
            id=_text(data.get("id")) or "",
            user_id=_text(data.get("user_id")),
            created_at=_when(data.get("created_at")),
            updated_at=_when(data.get("updated_at")),
            authenticated_at=_when(data.get("authenticated_at")),
            last_interacted_at=_when(data.get("last_interacted_at")),
            idle_expires_at=_when(data.get("idle_expires_at")),
            expires_at=_when(data.get("expires_at")),
            device=SessionDevice(
                initial_user_agent=_text(device.get("initial_user_agent")),
                initial_ip=_text(device.get("initial_ip")),
                last_user_agent=_text(device.get("last_user_agent")),
                last_ip=_text(device.get("last_ip")),
            ),
            client_ids=tuple(
                str(item["client_id"])
                for item in _items(data.get("clients"))
                if isinstance(item, Mapping) and item.get("client_id")
            ),
            authentication=tuple(
                SessionAuthentication(
                    name=_text(item.get("name")), type=_text(item.get("type")), timestamp=_when(item.get("timestamp"))
                )
                for item in _items(methods)
                if isinstance(item, Mapping)
            ),
        )


@dataclass(frozen=True)
class SessionPage:
    """One page of a user's sessions; pass ``next_cursor`` back to get the next page."""

    sessions: tuple[Session, ...] = ()
    next_cursor: str | None = None


@dataclass(frozen=True)
class VerificationJob:
    """The job Auth0 queues to send a verification email."""

    id: str
    type: str | None = None
    status: str | None = None
    created_at: datetime | None = None

    @classmethod
    def from_auth0(cls, data: Mapping[str, Any]) -> VerificationJob:
        return cls(
            id=_text(data.get("id")) or "",
            type=_text(data.get("type")),
            status=_text(data.get("status")),
            created_at=_when(data.get("created_at")),
        )


def identities_from_auth0(items: Any) -> tuple[Identity, ...]:
    """A user's ``identities`` array (also what linking and unlinking answer)."""
    return tuple(Identity.from_auth0(item) for item in _items(items) if isinstance(item, Mapping))


def _when(value: Any) -> datetime | None:
    """An aware UTC datetime from Auth0's ISO-8601 strings (``...539Z``); None otherwise."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None  # absent, or the SDK's "dict" variant of session dates
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _items(value: Any) -> Iterable[Any]:
    return value if isinstance(value, (list, tuple)) else ()

"""The gateway contract: what the account pages need from an identity provider.

Write another implementation (another IdP, a caching layer, a recording proxy) by providing
these methods and naming the class in ``SELFSERVICE["GATEWAY"]``. Rules every implementation
follows, because the views rely on them:

- Return only the dataclasses in :mod:`selfservice.gateway.types` (and ``str``/``None``); never
  SDK objects or dicts.
- Raise only the errors in :mod:`selfservice.gateway.errors`. Every method may raise
  :class:`UpstreamUnavailable` (which includes :class:`UpstreamMisconfigured`) and
  :class:`UpstreamRateLimited`; the docstrings below list the others.
- Never sleep to retry: a rate limit is reported with ``retry_after`` and the user decides.
- Never read the request or a thread-local: views pass plain values (the user id, fields).
- One instance serves one request (``get_gateway()`` makes a new one per call), so per-user
  data may be remembered on the instance; anything shared (tokens, tenant-wide data) lives in
  Django's cache, never in process memory.
- Ownership is the caller's job: methods taking a session or method id act on that id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from .types import (
    AuthenticationMethod,
    EnrollmentTicket,
    Factor,
    Identity,
    Session,
    SessionPage,
    UserProfile,
    VerificationJob,
)

__all__ = ["Gateway", "read_session_pages"]


@runtime_checkable
class Gateway(Protocol):
    """Everything the account pages ask of the identity provider."""

    # -- profile --------------------------------------------------------------------------------

    def get_user(self, user_id: str) -> UserProfile:
        """Return the user's profile, fetched at most once per instance (i.e. per request).

        Raises :class:`NotFound` when the user does not exist.
        """
        ...

    def update_user(self, user_id: str, changes: Mapping[str, Any]) -> UserProfile:
        """Set root attributes and return the updated profile (and remember it).

        Keys allowed: ``name, given_name, family_name, nickname, picture, email, phone_number,
        username, password``; a value ``None`` unsets the attribute. Any other key raises
        ``ValueError`` before any I/O (a programming error, not user input). Raises
        :class:`Rejected` when the provider refuses the values (e.g. ``operation_not_supported``
        for attributes a social provider owns), :class:`NotFound` for an unknown user.
        """
        ...

    def change_email(self, user_id: str, email: str, client_id: str | None = None) -> UserProfile:
        """Set a new email, unverified, and have the provider send its verification message.

        One write (Auth0: ``PATCH`` with ``email``, ``email_verified: false`` and
        ``verify_email: true``); returns the updated profile. Raises :class:`Rejected` when the
        address is refused (in use, invalid, a provider-owned email), :class:`NotFound`.
        """
        ...

    def update_metadata(self, user_id: str, changes: Mapping[str, Any]) -> UserProfile:
        """Merge ``changes`` into the top level of ``user_metadata``; return the updated profile.

        Each key replaces that key's whole value; ``None`` deletes the key; keys not given are
        kept; empty ``changes`` changes nothing. ``app_metadata`` is never touched. Raises
        :class:`Rejected` (before any I/O) for key names containing ``.`` or ``$``, and when the
        provider refuses the payload (e.g. profile too large); :class:`NotFound` for an unknown
        user.
        """
        ...

    def delete_user(self, user_id: str) -> None:
        """Delete the user for good. Deleting a user that is already gone is not an error."""
        ...

    def unlink_identity(self, user_id: str, provider: str, secondary_user_id: str) -> tuple[Identity, ...]:
        """Detach a linked identity; return the identities the user has left.

        ``secondary_user_id`` is the identity's own id (the part after ``|``). Raises
        :class:`NotFound` when no such identity is linked, :class:`Rejected` for the primary one.
        """
        ...

    def link_identity(
        self,
        user_id: str,
        *,
        id_token: str | None = None,
        provider: str | None = None,
        secondary_user_id: str | None = None,
    ) -> tuple[Identity, ...]:
        """Link another account to the user as a secondary identity; return all identities.

        Give the secondary either as ``id_token`` (the ID token of a sign-in as it: the provider
        checks the proof itself) or as ``provider`` + ``secondary_user_id`` (the part after
        ``|``, for a sign-in the caller has verified). Anything else raises ``ValueError`` before
        any I/O. The secondary account stops being a user of its own. Raises :class:`Rejected`
        (a bad or foreign token, an identity already linked, an unknown secondary) and
        :class:`NotFound` for an unknown user.
        """
        ...

    def create_password_change_ticket(
        self, user_id: str, result_url: str | None = None, client_id: str | None = None
    ) -> str:
        """Return the URL of a password-change page for the user.

        The provider does not check who asks: the caller must have verified the user. Raises
        :class:`Rejected` when the user has no password (e.g. social-only), :class:`NotFound`.
        """
        ...

    def send_verification_email(self, user_id: str, client_id: str | None = None) -> VerificationJob:
        """Queue an email-verification message; return the queued job. Raises :class:`NotFound`."""
        ...

    # -- MFA ------------------------------------------------------------------------------------

    def list_factors(self) -> tuple[Factor, ...]:
        """Return the tenant's MFA factors (enabled or not), from a shared cache when fresh.

        The phone factor is named ``sms`` here. Raises only the common errors.
        """
        ...

    def list_authentication_methods(self, user_id: str) -> tuple[AuthenticationMethod, ...]:
        """Return all the user's authentication methods (every page). Raises :class:`NotFound`."""
        ...

    def get_authentication_method(self, user_id: str, method_id: str) -> AuthenticationMethod:
        """Return one of the user's methods. Raises :class:`NotFound` (unknown user or method)."""
        ...

    def delete_authentication_method(self, user_id: str, method_id: str) -> None:
        """Remove one method (and the methods linked to it). Raises :class:`NotFound`."""
        ...

    def create_enrollment_ticket(self, user_id: str, factor: str) -> EnrollmentTicket:
        """Return a ticket whose URL lets the user enroll ``factor``; no email is sent.

        ``factor`` is a factor name as :meth:`list_factors` returns it (``sms``/``voice`` mean the
        phone factor). Raises :class:`Rejected` for a factor that cannot be enrolled by ticket
        or is disabled, :class:`NotFound` for an unknown user.
        """
        ...

    def regenerate_recovery_code(self, user_id: str) -> str:
        """Replace the user's MFA recovery code; return the new code (show it once).

        Raises :class:`NotFound`.
        """
        ...

    def invalidate_remember_browser(self, user_id: str) -> None:
        """Make every browser ask for MFA again at next login. Raises :class:`NotFound`."""
        ...

    # -- sessions -------------------------------------------------------------------------------

    def list_sessions(self, user_id: str, cursor: str | None = None, take: int = 50) -> SessionPage:
        """Return one page of the user's sessions (``take`` at most 50) and the next cursor.

        Raises :class:`NotFound`; :class:`UpstreamMisconfigured` when the tenant's plan has no
        session endpoints (the message says so).
        """
        ...

    def all_sessions(self, user_id: str) -> tuple[Session, ...]:
        """Return every session of the user (all pages). Raises like :meth:`list_sessions`."""
        ...

    def get_session(self, session_id: str) -> Session:
        """Return one session (check ``user_id`` before acting on it). Raises :class:`NotFound`."""
        ...

    def revoke_session(self, session_id: str) -> None:
        """End the session and revoke its refresh tokens. Raises :class:`NotFound`."""
        ...

    def delete_user_sessions(self, user_id: str) -> None:
        """End every session of the user. Raises :class:`NotFound`."""
        ...


def read_session_pages(
    gateway: Gateway, user_id: str, *, max_pages: int, take: int = 50
) -> tuple[tuple[Session, ...], bool]:
    """Read the user's sessions page by page: at most ``max_pages`` list calls.

    Returns the sessions and whether that was all of them (False when ``max_pages`` pages were
    read and the provider still had a next cursor). A cursor seen before ends the listing too:
    a guard against an upstream that pages forever. Raises what :meth:`Gateway.list_sessions`
    raises.
    """
    sessions: list[Session] = []
    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(max_pages):
        page = gateway.list_sessions(user_id, cursor, take)
        sessions.extend(page.sessions)
        if not page.next_cursor or page.next_cursor in seen:
            return tuple(sessions), True
        cursor = page.next_cursor
        seen.add(cursor)
    return tuple(sessions), False

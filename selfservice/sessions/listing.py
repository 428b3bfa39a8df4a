"""What the Sessions tab knows about Auth0 sessions: which one is this browser's, their order,
and how each is described to a person (device, applications, how they signed in).

Auth0 lists a user's sessions with a forward-only cursor in an order of its own (not by last
activity), so the tab reads *all* of them (:func:`fetch_sessions`, 50 per Management API call,
at most :data:`MAX_PAGES` calls), orders them here and pages locally. Only the rows of the
page shown are described (user-agent parsing, labels), so 1,000 sessions cost 20 calls and one
sort, not 1,000 descriptions.

Nothing here talks to Auth0 directly: :func:`fetch_sessions` goes through the gateway.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from selfservice.conf import get_settings
from selfservice.core.http import segment_urls
from selfservice.core.read_cache import SessionListing
from selfservice.gateway import GatewayError, UpstreamMisconfigured
from selfservice.sessions.devices import Device, describe

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase
    from django.utils.functional import Promise

    from selfservice.core.read_cache import ReadCache
    from selfservice.gateway import Session

__all__ = [
    "MAX_PAGES",
    "RowDescriber",
    "SessionRow",
    "application_names",
    "authentication_labels",
    "fetch_sessions",
    "forget_revoked",
    "has_expired",
    "is_plan_restriction",
    "order_sessions",
    "remember_revoked",
    "revoke_urls",
    "row_for",
]

#: Management API pages read per listing (50 sessions each): 1,000 sessions at most. A user
#: with more is told the list is incomplete; "sign out everywhere else" still ends them in turns.
MAX_PAGES = 20
PAGE_TAKE = 50
# Auth0 deletes sessions asynchronously (eventually consistent): sessions this browser just
# revoked are hidden from the list for this long, so a revoked row does not come back on reload.
REVOKED_MEMORY_SECONDS = 300
REVOKED_SESSION_KEY = "selfservice_revoked_sids"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Auth0's authentication method names (session.authentication.methods[].name).
METHOD_LABELS: dict[str, Promise] = {
    "pwd": _("Password"),
    "federated": _("Social or enterprise sign-in"),
    "passkey": _("Passkey"),
    "sms": _("Text message code"),
    "email": _("Email code"),
    "mock": _("Test sign-in"),
}
# The second factor of name "mfa" (its "type").
MFA_TYPES: dict[str, Promise] = {
    "otp": _("authenticator app"),
    "totp": _("authenticator app"),
    "sms": _("text message"),
    "phone": _("phone"),
    "voice": _("voice call"),
    "email": _("email"),
    "push": _("push notification"),
    "push-notification": _("push notification"),
    "webauthn-roaming": _("security key"),
    "webauthn-platform": _("device biometrics"),
    "recovery-code": _("recovery code"),
    "duo": _("Duo"),
}
# Messages Auth0 (or the emulator) may use when a tenant's plan has no session endpoints. What
# a real non-Enterprise tenant answers is unverified; a missing scope is *not* a plan problem.
_PLAN_CODES = frozenset({"operation_not_supported", "feature_not_enabled", "feature_not_available"})
_PLAN_WORDS = re.compile(r"not (?:enabled|available|supported)|enterprise|plan\b", re.IGNORECASE)


@dataclass(frozen=True)
class SessionRow:
    """One session as the tab shows it (built only for the rows on the page shown)."""

    id: str
    device: Device
    is_current: bool
    ip: str | None
    created_at: datetime | None
    last_active: datetime | None
    expires_at: datetime | None
    applications: tuple[str, ...]
    authentication: tuple[str, ...]
    #: Where this row's sign-out button posts (``selfservice:revoke-session``; see :func:`revoke_urls`).
    revoke_url: str = ""


def fetch_sessions(
    gateway: ReadCache, user_id: str, current_sid: str | None, hidden: Iterable[str] = ()
) -> SessionListing:
    """Every live session of ``user_id`` (one cached listing: at most :data:`MAX_PAGES` calls), in
    display order; ``complete`` is False when there were more than :data:`MAX_PAGES` pages.

    Raises what :meth:`Gateway.list_sessions` raises (:class:`NotFound`, the upstream errors).
    ``hidden`` ids (sessions just revoked, see :func:`remember_revoked`) are left out.
    """
    listing = gateway.session_listing(user_id, max_pages=MAX_PAGES, take=PAGE_TAKE)
    found, complete = listing.sessions, listing.complete
    skip = set(hidden)
    now = datetime.now(UTC)
    unique = {
        session.id: session
        for session in found
        if session.id and session.id not in skip and not has_expired(session, now)
    }
    return SessionListing(order_sessions(unique.values(), current_sid), complete)


def has_expired(session: Session, now: datetime) -> bool:
    """True once the session's absolute or idle lifetime is over.

    Auth0 removes expired sessions asynchronously, so the listing can still hold some; nobody
    is signed in there any more, so the tab neither shows nor counts them (a row saying
    "Expires 3 days ago" among "devices you are signed in on" would be wrong), and "sign out
    everywhere else" does not spend a revoke call on them.
    """
    return any(moment is not None and moment <= now for moment in (session.expires_at, session.idle_expires_at))


def order_sessions(sessions: Iterable[Session], current_sid: str | None) -> tuple[Session, ...]:
    """This browser's session first, then the most recently active first (ties: newest, id)."""

    def key(session: Session) -> tuple[bool, float, float, str]:
        active = session.last_interacted_at or session.updated_at or session.created_at or _EPOCH
        created = session.created_at or _EPOCH
        return (session.id != current_sid, -active.timestamp(), -created.timestamp(), session.id)

    return tuple(sorted(sessions, key=key))


def revoke_urls() -> Callable[[str], str]:
    """``session id -> its revoke URL``, reversing once per page instead of once per row."""
    return segment_urls("selfservice:revoke-session", "session_id")


def row_for(session: Session, current_sid: str | None, revoke_url: Callable[[str], str] | None = None) -> SessionRow:
    """Describe one session for a person (the user agent parsed, labels translated)."""
    return RowDescriber(current_sid, revoke_url).row(session)


class RowDescriber:
    """Describes the sessions of one page (or one API answer) in the active language.

    What rows share is worked out once: the settings, the revoke URL's shape, and the words for
    each distinct user agent, set of applications and set of sign-in methods (most of a user's
    sessions repeat them). Use one per request: the words are in that request's language.
    """

    def __init__(self, current_sid: str | None, revoke_url: Callable[[str], str] | None = None) -> None:
        self.current_sid = current_sid
        self.revoke_url = revoke_url or revoke_urls()
        self._devices: dict[str, Device] = {}
        self._applications: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._authentication: dict[tuple[Any, ...], tuple[str, ...]] = {}

    def rows(self, sessions: Iterable[Session]) -> list[SessionRow]:
        return [self.row(session) for session in sessions]

    def row(self, session: Session) -> SessionRow:
        device = session.device
        agent = device.last_user_agent or device.initial_user_agent or ""
        if agent not in self._devices:
            self._devices[agent] = describe(agent)
        if session.client_ids not in self._applications:
            self._applications[session.client_ids] = application_names(session.client_ids)
        methods = tuple((method.name, method.type) for method in session.authentication)
        if methods not in self._authentication:
            self._authentication[methods] = authentication_labels(session)
        expiries = [moment for moment in (session.expires_at, session.idle_expires_at) if moment is not None]
        return SessionRow(
            id=session.id,
            device=self._devices[agent],
            is_current=bool(self.current_sid) and session.id == self.current_sid,
            ip=device.last_ip or device.initial_ip,
            created_at=session.created_at or session.authenticated_at,
            last_active=session.last_interacted_at or session.updated_at or session.created_at,
            expires_at=min(expiries) if expiries else None,
            applications=self._applications[session.client_ids],
            authentication=self._authentication[methods],
            revoke_url=self.revoke_url(session.id),
        )


def application_names(client_ids: Sequence[str]) -> tuple[str, ...]:
    """``SESSIONS_CLIENT_NAMES`` names; the login client is "This site" unless named there."""
    names = get_settings().sessions_client_names
    login_client = str(getattr(settings, "SOCIAL_AUTH_AUTH0_KEY", "") or "")
    labels: list[str] = []
    for client_id in client_ids:
        label = names.get(client_id) or (str(_("This site")) if client_id == login_client else client_id)
        if label not in labels:
            labels.append(label)
    return tuple(labels)


def authentication_labels(session: Session) -> tuple[str, ...]:
    """How the user proved who they are in this session: "Password", "Multi-factor (security key)"."""
    labels: list[str] = []
    for method in session.authentication:
        name = (method.name or "").strip()
        if name == "mfa":
            kind = MFA_TYPES.get((method.type or "").strip())
            label = str(_("Multi-factor (%(type)s)") % {"type": kind}) if kind else str(_("Multi-factor"))
        elif name in METHOD_LABELS:
            label = str(METHOD_LABELS[name])
        elif name:
            label = str(_("Other method"))  # a custom method is named by a URL: not for people
        else:
            continue
        if label not in labels:
            labels.append(label)
    return tuple(labels)


def is_plan_restriction(error: GatewayError) -> bool:
    """True when Auth0 refused the session endpoints because of the tenant's plan.

    Session endpoints are Enterprise-only. A refusal for a missing scope (403 naming scopes) or
    bad credentials (401) is a configuration problem instead, reported as "unavailable".
    """
    if not isinstance(error, UpstreamMisconfigured) or error.status != 403 or error.scopes:
        return False
    if error.code == "insufficient_scope":
        return False
    return (error.code or "") in _PLAN_CODES or bool(_PLAN_WORDS.search(error.message or ""))


def remember_revoked(session: SessionBase, session_ids: Iterable[str]) -> None:
    """Keep ids this browser revoked for a while (Auth0 may still list them for a moment)."""
    now = time.time()
    kept = {sid: stamp for sid, stamp in _revoked(session).items() if now - stamp < REVOKED_MEMORY_SECONDS}
    kept.update({str(sid): now for sid in session_ids})
    session[REVOKED_SESSION_KEY] = kept


def forget_revoked(session: SessionBase) -> frozenset[str]:
    """The ids revoked recently from this browser (and forget the old ones)."""
    now = time.time()
    stored = _revoked(session)
    fresh = {sid: stamp for sid, stamp in stored.items() if now - stamp < REVOKED_MEMORY_SECONDS}
    if fresh != stored:
        session[REVOKED_SESSION_KEY] = fresh
    return frozenset(fresh)


def _revoked(session: SessionBase) -> dict[str, float]:
    value: Any = session.get(REVOKED_SESSION_KEY)
    if not isinstance(value, dict):
        return {}
    return {str(k): float(v) for k, v in value.items() if isinstance(v, int | float)}

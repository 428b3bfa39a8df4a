"""The per-user read cache in front of the gateway: what keeps the tabs up when Auth0 is busy.

A tab view makes no Auth0 call while its data is fresh, and shows the last copy, marked with its
age, when a new read cannot be made (budget spent, 429, 5xx, timeout). Everything lives in
Django's cache (``CACHE_ALIAS``), so every worker and host shares it:

- kinds: ``user`` (General and Preferences share it), ``methods`` (Security), ``sessions`` (all
  pages of the listing, paged locally) and the tenant's ``factors``; fresh for
  ``READ_CACHE_TTL[kind]`` seconds, then kept for ``READ_CACHE_STALE_TTL`` more as a fallback;
- writes go through and store Auth0's answer (a PATCH returns the user: a save needs no read),
  and every mutation updates or drops exactly the kinds it changed;
- concurrent misses for one user and kind make one call: a short lock in the cache, the others
  wait for its answer (or show their stale copy at once);
- keys hold a hash of the Auth0 user id and each entry names its owner, checked on every read,
  so a copy is never shown to anyone else; :func:`forget_user` drops a user's copies (logout,
  back-channel logout, account deletion).

:class:`ReadCache` implements the gateway contract, so views keep calling gateway methods; they
learn where data came from only through :attr:`ReadCache.stale_age`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from selfservice.conf import get_settings
from selfservice.core.cache_entries import USER_KINDS, Entry, entry_key, forget_user, packed
from selfservice.core.decoded_copies import Packed, unpack
from selfservice.core.read_ahead import ReadAhead
from selfservice.core.shared_cache import shared_cache
from selfservice.gateway import (
    AuthenticationMethod,
    EnrollmentTicket,
    Factor,
    Gateway,
    Identity,
    NotFound,
    Session,
    SessionPage,
    UpstreamRateLimited,
    UpstreamUnavailable,
    UpstreamUncertain,
    UserProfile,
    VerificationJob,
)
from selfservice.gateway.base import read_session_pages
from selfservice.gateway.budget import waiting

__all__ = ["USER_KINDS", "Freshness", "ReadCache", "SessionListing", "forget_user"]

T = TypeVar("T")
_Entry = Entry  # the name copies cached before core/cache_entries.py was split off were pickled under
#: After an enrollment ticket the user finishes at Auth0: methods are read again meanwhile.
ENROLLMENT_WINDOW = 600
POLL_INTERVAL = 0.02


@dataclass(frozen=True)
class Freshness:
    """How one kind was served: ``age`` seconds since Auth0 answered (at ``at``, a timestamp);
    ``stale`` past its TTL."""

    kind: str
    age: int
    stale: bool
    at: float


@dataclass(frozen=True)
class SessionListing:
    """Every session of the user as one read gave them, and whether that was all of them."""

    sessions: tuple[Session, ...]
    complete: bool


class ReadCache:
    """A :class:`~selfservice.gateway.Gateway` that reads through the shared per-user cache.

    One per request, for the signed-in user ``owner``. ``refresh=True`` (the tab's Refresh
    control) reads again although the copy is fresh, budget permitting.
    """

    def __init__(self, inner: Gateway, owner: str, *, refresh: bool = False) -> None:
        self.inner = inner
        self.owner = owner
        self.refresh = refresh
        self.settings = get_settings()
        self.cache = ReadAhead(shared_cache(self.settings.cache_alias))
        self.served: dict[str, Freshness] = {}
        self._read_here: dict[str, Any] = {}

    @property
    def stale_age(self) -> int | None:
        """Seconds since Auth0 answered for the oldest copy shown past its TTL; None: all fresh."""
        ages = [served.age for served in self.served.values() if served.stale]
        return max(ages) if ages else None

    # -- reads ------------------------------------------------------------------------------------

    def get_user(self, user_id: str) -> UserProfile:
        result: UserProfile = self._read("user", user_id, lambda: self.inner.get_user(user_id))
        return result

    def cached_user(self) -> UserProfile | None:
        """The owner's user object as this request or the cache has it (fresh or stale); no call."""
        kept = self._read_here.get("user")
        if kept is not None and kept[0] == self.owner:
            seen: UserProfile = kept[1]
            return seen
        entry = self._entry("user", self.owner)
        cached: UserProfile | None = entry.value if entry is not None else None
        return cached

    def list_authentication_methods(self, user_id: str) -> tuple[AuthenticationMethod, ...]:
        result: tuple[AuthenticationMethod, ...] = self._read(
            "methods", user_id, lambda: self.inner.list_authentication_methods(user_id)
        )
        return result

    def session_listing(self, user_id: str, *, max_pages: int, take: int = 50) -> SessionListing:
        """Every page of the user's sessions, read once and kept as one copy."""

        def read() -> SessionListing:
            sessions, complete = read_session_pages(self.inner, user_id, max_pages=max_pages, take=take)
            return SessionListing(sessions, complete)

        result: SessionListing = self._read("sessions", user_id, read)
        return result

    def all_sessions(self, user_id: str) -> tuple[Session, ...]:
        return self.session_listing(user_id, max_pages=200).sessions

    def cached_session(self, user_id: str, session_id: str) -> Session | None:
        """The session from the user's cached listing, any age, without calling Auth0.

        Session ids are never reused, so one in this user's own listing is theirs.
        """
        entry = self._entry("sessions", user_id)
        if entry is None:
            return None
        return next((s for s in entry.value.sessions if s.id == session_id), None)

    def list_factors(self) -> tuple[Factor, ...]:
        # Tenant-wide: the inner gateway caches it for FACTORS_CACHE_TTL; this keeps a fallback.
        key = self._factors_key()
        kept = self.cache.get(key)
        kept = kept if isinstance(kept, Entry) else None
        if kept is not None and time.time() - kept.at < self.settings.factors_cache_ttl:
            # As fresh as the inner gateway's copy: asking it (one more cache read) and storing
            # the answer again (a cache write) on every Security page would change nothing.
            fresh: tuple[Factor, ...] = kept.value
            return fresh
        try:
            with waiting(0 if kept is not None else self.settings.budget_wait):
                factors = self.inner.list_factors()
        except (UpstreamUnavailable, UpstreamRateLimited):
            if kept is None:
                raise
            self._mark("factors", kept, stale=True)
            result: tuple[Factor, ...] = kept.value
            return result
        self.cache.set(key, Entry(time.time(), "", factors), timeout=self._stale_ttl(86400))
        return factors

    # -- calls that are not cached ----------------------------------------------------------------

    def list_sessions(self, user_id: str, cursor: str | None = None, take: int = 50) -> SessionPage:
        return self.inner.list_sessions(user_id, cursor, take)

    def get_session(self, session_id: str) -> Session:
        return self.inner.get_session(session_id)

    def get_authentication_method(self, user_id: str, method_id: str) -> AuthenticationMethod:
        return self.inner.get_authentication_method(user_id, method_id)

    def create_password_change_ticket(
        self, user_id: str, result_url: str | None = None, client_id: str | None = None
    ) -> str:
        return self.inner.create_password_change_ticket(user_id, result_url, client_id)

    def send_verification_email(self, user_id: str, client_id: str | None = None) -> VerificationJob:
        return self.inner.send_verification_email(user_id, client_id)

    def invalidate_remember_browser(self, user_id: str) -> None:
        self.inner.invalidate_remember_browser(user_id)

    # -- writes: Auth0's answer is stored, or what changed is dropped -----------------------------

    def update_user(self, user_id: str, changes: Mapping[str, Any]) -> UserProfile:
        with self._unconfirmed_drops(user_id, ("user",)):
            return self._store("user", user_id, self.inner.update_user(user_id, changes))

    def change_email(self, user_id: str, email: str, client_id: str | None = None) -> UserProfile:
        with self._unconfirmed_drops(user_id, ("user",)):
            return self._store("user", user_id, self.inner.change_email(user_id, email, client_id))

    def update_metadata(self, user_id: str, changes: Mapping[str, Any]) -> UserProfile:
        with self._unconfirmed_drops(user_id, ("user",)):
            return self._store("user", user_id, self.inner.update_metadata(user_id, changes))

    def delete_user(self, user_id: str) -> None:
        self.inner.delete_user(user_id)
        self._forget(user_id)

    def link_identity(
        self,
        user_id: str,
        *,
        id_token: str | None = None,
        provider: str | None = None,
        secondary_user_id: str | None = None,
    ) -> tuple[Identity, ...]:
        with self._unconfirmed_drops(user_id, ("user",)):
            identities = self.inner.link_identity(
                user_id, id_token=id_token, provider=provider, secondary_user_id=secondary_user_id
            )
        return self._store_identities(user_id, identities)

    def unlink_identity(self, user_id: str, provider: str, secondary_user_id: str) -> tuple[Identity, ...]:
        with self._unconfirmed_drops(user_id, ("user",)):
            identities = self.inner.unlink_identity(user_id, provider, secondary_user_id)
        self._forget(f"{provider}|{secondary_user_id}")  # a user of its own again
        return self._store_identities(user_id, identities)

    def _store_identities(self, user_id: str, identities: tuple[Identity, ...]) -> tuple[Identity, ...]:
        """Write-through: Auth0 answers with the identities only, so the cached user gets them.

        The copy keeps its age (only what Auth0 just said is newer); with no copy, nothing is
        stored and the next view reads the user.
        """
        self._read_here.pop("user", None)
        entry = self._entry("user", user_id)
        if entry is None:
            return identities
        updated = dataclasses.replace(entry.value, identities=identities)
        kept = Entry(entry.at, user_id, updated)
        self.cache.set(entry_key(self.settings, "user", user_id), kept, timeout=self._stale_ttl(self._fresh_ttl("user", user_id)))
        return identities

    def delete_authentication_method(self, user_id: str, method_id: str) -> None:
        with self._unconfirmed_drops(user_id, ("methods", "user")):
            self.inner.delete_authentication_method(user_id, method_id)
        # Auth0 may remove linked methods too (a phone's voice twin): read the list again.
        self._forget(user_id, ("methods", "user"))

    def create_enrollment_ticket(self, user_id: str, factor: str) -> EnrollmentTicket:
        ticket = self.inner.create_enrollment_ticket(user_id, factor)
        # The user enrolls at Auth0 (a popup or another page): until they are back, a copy of
        # the methods would hide the new one, so they are read again for a while.
        self.cache.set(self._pending_key(user_id), 1, timeout=ENROLLMENT_WINDOW)
        self._forget(user_id, ("methods", "user"))
        return ticket

    def regenerate_recovery_code(self, user_id: str) -> str:
        with self._unconfirmed_drops(user_id, ("methods", "user")):
            code = self.inner.regenerate_recovery_code(user_id)
        self._forget(user_id, ("methods", "user"))
        return code

    def revoke_session(self, session_id: str) -> None:
        with self._unconfirmed_drops(self.owner, ("sessions",)):
            self.inner.revoke_session(session_id)
        self._drop_sessions(self.owner, keep=lambda session: session.id != session_id)

    def delete_user_sessions(self, user_id: str) -> None:
        with self._unconfirmed_drops(user_id, ("sessions",)):
            self.inner.delete_user_sessions(user_id)
        self._drop_sessions(user_id, keep=lambda session: False)

    @contextlib.contextmanager
    def _unconfirmed_drops(self, user_id: str, kinds: tuple[str, ...]) -> Iterator[None]:
        """A change whose outcome is unknown leaves no copy behind: the next view reads the truth."""
        try:
            yield
        except UpstreamUncertain:
            self._forget(user_id, kinds)
            for kind in kinds:
                self._read_here.pop(kind, None)
            raise

    # -- the cache ----------------------------------------------------------------------------------

    def read_ahead(self, *kinds: str, also: tuple[str, ...] = ()) -> None:
        """One cache round trip for the owner's ``kinds`` this request is about to read.

        ``"methods"`` brings whether an enrollment is in progress, ``"factors"`` the tenant's
        fallback copy; ``also``'s keys (of this cache, read through :attr:`cache`) come along.
        """
        keys = [entry_key(self.settings, kind, self.owner) for kind in kinds if kind in USER_KINDS]
        if "methods" in kinds:
            keys.append(self._pending_key(self.owner))
        if "factors" in kinds:
            keys.append(self._factors_key())
        self.cache.read_ahead([*keys, *also])

    def _forget(self, user_id: str, kinds: tuple[str, ...] = USER_KINDS) -> None:
        self.cache.forget()
        forget_user(user_id, kinds, self.settings)

    def _read(self, kind: str, user_id: str, fetch: Callable[[], T]) -> T:
        if kind in self._read_here and self._read_here[kind][0] == user_id:
            kept: T = self._read_here[kind][1]
            return kept
        entry = self._entry(kind, user_id)
        if entry is not None and not self.refresh and time.time() - entry.at < self._fresh_ttl(kind, user_id):
            return self._serve(kind, user_id, entry, stale=False, as_type=fetch)
        lock = f"{entry_key(self.settings, kind, user_id)}:lock"
        patience = self.settings.budget_wait + self.settings.timeout + 1
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            if self.cache.add(lock, 1, timeout=math.ceil(patience) + 1):
                try:
                    # Another reader may have stored a copy between our look and our lock.
                    latest = self._entry(kind, user_id)
                    if latest is not None and (entry is None or latest.at > entry.at) and not self.refresh:
                        return self._serve(kind, user_id, latest, stale=False, as_type=fetch)
                    return self._fetch(kind, user_id, fetch, entry)
                finally:
                    self.cache.delete(lock)
            if entry is not None:
                return self._serve(kind, user_id, entry, stale=True, as_type=fetch)  # another worker reads
            time.sleep(POLL_INTERVAL)
            newer = self._entry(kind, user_id)
            if newer is not None:
                return self._serve(kind, user_id, newer, stale=False, as_type=fetch)
        return self._fetch(kind, user_id, fetch, entry)  # the other reader never answered

    def _fetch(self, kind: str, user_id: str, fetch: Callable[[], T], entry: Entry | None) -> T:
        try:
            # With nothing to show instead, a read may wait briefly for budget.
            with waiting(0 if entry is not None else self.settings.budget_wait):
                value = fetch()
        except NotFound:
            self._forget(user_id, (kind,))
            raise
        except (UpstreamUnavailable, UpstreamRateLimited):
            if entry is None:
                raise
            return self._serve(kind, user_id, entry, stale=True, as_type=fetch)
        return self._store(kind, user_id, value)

    def _store(self, kind: str, user_id: str, value: T) -> T:
        entry = Entry(time.time(), user_id, value)
        self.cache.set(entry_key(self.settings, kind, user_id), packed(kind, entry), timeout=self._stale_ttl(self._fresh_ttl(kind, user_id)))
        self._mark(kind, entry, stale=False)
        return self._keep(kind, user_id, value)

    def _serve(self, kind: str, user_id: str, entry: Entry, *, stale: bool, as_type: Callable[[], T]) -> T:
        """A cached copy, recorded as served (``as_type`` only names the type the fetch returns)."""
        value: T = self._mark(kind, entry, stale=stale)
        return self._keep(kind, user_id, value)

    def _keep(self, kind: str, user_id: str, value: T) -> T:
        self._read_here[kind] = (user_id, value)
        return value

    def _entry(self, kind: str, user_id: str) -> Entry | None:
        entry = self.cache.get(entry_key(self.settings, kind, user_id))
        # The owner check: a hash collision or a tampered cache never shows another user's data.
        if not isinstance(entry, Entry) or entry.owner != user_id:
            return None
        return Entry(entry.at, entry.owner, unpack(entry.value)) if isinstance(entry.value, Packed) else entry

    def _mark(self, kind: str, entry: Entry, *, stale: bool) -> Any:
        now = time.time()
        self.served[kind] = Freshness(kind, max(int(now - entry.at), 0), stale, min(entry.at, now))
        return entry.value

    def _fresh_ttl(self, kind: str, user_id: str) -> int:
        if kind == "methods" and self.cache.get(self._pending_key(user_id)):
            return 0
        return self.settings.read_cache_ttl.get(kind, 0)

    def _stale_ttl(self, fresh: int) -> int:
        return max(fresh + self.settings.read_cache_stale_ttl, 1)

    def _factors_key(self) -> str:
        return f"{self.settings.cache_key_prefix}:read:factors"

    def _pending_key(self, user_id: str) -> str:
        return f"{entry_key(self.settings, 'methods', user_id)}:enrolling"

    def _drop_sessions(self, user_id: str, keep: Callable[[Session], bool]) -> None:
        self._read_here.pop("sessions", None)
        entry = self._entry("sessions", user_id)
        if entry is None:
            return
        listing = SessionListing(tuple(s for s in entry.value.sessions if keep(s)), entry.value.complete)
        kept = Entry(entry.at, user_id, listing)  # its age stays: only what we know changed did
        self.cache.set(entry_key(self.settings, "sessions", user_id), packed("sessions", kept), timeout=self._stale_ttl(0))

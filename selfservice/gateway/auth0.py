"""``Auth0Gateway``: the Management API through auth0-python, and the only module importing it.

Three seams keep every call honest:

- :func:`selfservice.gateway.connection.connection` builds the SDK client once per process and
  per settings shape; the token callable reads Django's cache on each call, so nothing about
  the token is per process.
- :meth:`Auth0Gateway._call` runs every SDK call with ``max_retries=0`` and the configured
  timeout (the SDK would otherwise retry 408/409/429/5xx, sleeping up to 60 s, inside a web
  request), retries a 401 exactly once with a fresh token, maps SDK and httpx exceptions to
  :mod:`selfservice.gateway.errors` and logs each failure at WARNING without secrets.
- Everything the SDK returns is turned into plain JSON (``model_dump``) and then into
  :mod:`selfservice.gateway.types` dataclasses; no SDK object leaves this module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from auth0.management import ManagementClient
from auth0.management.core import ApiError, ParsingError

from selfservice.conf import SelfServiceSettings, get_settings
from selfservice.core.shared_cache import process_copies, shared_cache

from .base import read_session_pages
from .connection import Connection, connection
from .errors import (
    GatewayError,
    Rejected,
    UnreadableAnswer,
    UpstreamUnavailable,
    UpstreamUncertain,
    error_from_response,
)
from .tokens import cache_key
from .types import (
    AuthenticationMethod,
    EnrollmentTicket,
    Factor,
    Identity,
    Session,
    SessionPage,
    UserProfile,
    VerificationJob,
    identities_from_auth0,
)

if TYPE_CHECKING:
    from auth0.management.core.request_options import RequestOptions

__all__ = ["Auth0Gateway", "Connection", "connection"]

T = TypeVar("T")
UNCONFIRMED = "Auth0 did not confirm the change: it may or may not have been made."
logger = logging.getLogger("selfservice.gateway")

# Root attributes the account pages may set (auth0-facts.md §2.2); the rest is not ours to touch.
ROOT_ATTRIBUTES = frozenset(
    {"name", "given_name", "family_name", "nickname", "picture", "email", "phone_number", "username", "password"}
)
# /guardian/factors names the phone factor "sms" (or "voice"); tickets call it "phone".
TICKET_FACTOR_NAMES = {"sms": "phone", "voice": "phone"}
ENROLLABLE_FACTORS = frozenset({"push-notification", "phone", "email", "otp", "webauthn-roaming", "webauthn-platform"})
#: Operations that change something at Auth0: an answer lost on the way makes the outcome unknown.
WRITES = frozenset({
    "update_user", "change_email", "send_verification_email", "update_metadata", "delete_user", "link_identity", "unlink_identity", "delete_authentication_method",
    "regenerate_recovery_code", "invalidate_remember_browser", "revoke_session", "delete_user_sessions",
})
PAGE_SIZE = 50  # the public-cloud maximum for both authentication methods and sessions
MAX_PAGES = 200  # a guard against an upstream that never stops paging
# The tenant's factors as this process last read them (by cache key, with their age), used only
# while the shared cache cannot be reached (one read per process and TTL, not per page).
_FACTORS_WHILE_UNREACHABLE = process_copies()


class Auth0Gateway:
    """The :class:`~selfservice.gateway.base.Gateway` for Auth0's Management API v2.

    Make one per request (``get_gateway()``): it remembers users it fetched, so a page asking
    for the same profile twice costs one call, and writes refresh what it remembers.
    """

    def __init__(self, settings: SelfServiceSettings | None = None) -> None:
        self.settings = settings if settings is not None else get_settings()
        self._users: dict[str, UserProfile] = {}

    # -- profile --------------------------------------------------------------------------------

    def get_user(self, user_id: str) -> UserProfile:
        if user_id not in self._users:
            data = self._call("get_user", lambda api, o: api.users.get(user_id, request_options=o))
            self._users[user_id] = UserProfile.from_auth0(_wire(data))
        return self._users[user_id]

    def update_user(self, user_id: str, changes: Mapping[str, Any]) -> UserProfile:
        unknown = sorted(set(changes) - ROOT_ATTRIBUTES)
        if unknown:
            raise ValueError(f"update_user() sets root attributes only; not allowed: {', '.join(unknown)}")
        if not changes:
            return self.get_user(user_id)
        fields = dict(changes)
        data = self._call("update_user", lambda api, o: api.users.update(user_id, **fields, request_options=o))
        return self._remember(user_id, data)

    def change_email(self, user_id: str, email: str, client_id: str | None = None) -> UserProfile:
        extra = _given(client_id=client_id)
        data = self._call("change_email", lambda api, o: api.users.update(
            user_id, email=email, email_verified=False, verify_email=True, **extra, request_options=o,
        ))
        return self._remember(user_id, data)

    def update_metadata(self, user_id: str, changes: Mapping[str, Any]) -> UserProfile:
        bad = sorted(_bad_metadata_keys(changes))
        if bad:
            raise Rejected(f"Names cannot contain '.' or '$': {', '.join(bad)}", "invalid_body")
        if not changes:
            # Never send {}: Auth0 reads an empty user_metadata object as "wipe it all".
            return self.get_user(user_id)
        metadata = dict(changes)
        data = self._call(
            "update_metadata", lambda api, o: api.users.update(user_id, user_metadata=metadata, request_options=o)
        )
        return self._remember(user_id, data)

    def delete_user(self, user_id: str) -> None:
        self._call("delete_user", lambda api, o: api.users.delete(user_id, request_options=o))
        self._users.pop(user_id, None)

    def link_identity(
        self,
        user_id: str,
        *,
        id_token: str | None = None,
        provider: str | None = None,
        secondary_user_id: str | None = None,
    ) -> tuple[Identity, ...]:
        by_id = provider is not None or secondary_user_id is not None
        if (id_token is None) == (not by_id) or (by_id and not (provider and secondary_user_id)):
            raise ValueError("link_identity() takes id_token, or provider and secondary_user_id")
        body: dict[str, Any] = (
            {"link_with": id_token} if id_token is not None else {"provider": provider, "user_id": secondary_user_id}
        )
        items = self._call(
            "link_identity", lambda api, o: api.users.identities.link(user_id, **body, request_options=o)
        )
        self._users.pop(user_id, None)
        return identities_from_auth0([_wire(item) for item in items or []])

    def unlink_identity(self, user_id: str, provider: str, secondary_user_id: str) -> tuple[Identity, ...]:
        items = self._call(
            "unlink_identity",
            lambda api, o: api.users.identities.delete(user_id, provider, secondary_user_id, request_options=o),
        )
        self._users.pop(user_id, None)
        return identities_from_auth0([_wire(item) for item in items or []])

    def create_password_change_ticket(
        self, user_id: str, result_url: str | None = None, client_id: str | None = None
    ) -> str:
        extra = _given(result_url=result_url, client_id=client_id)
        data = self._call(
            "create_password_change_ticket",
            lambda api, o: api.tickets.change_password(user_id=user_id, **extra, request_options=o),
        )
        if not data.ticket:
            raise self._malformed("create_password_change_ticket")
        return str(data.ticket)

    def send_verification_email(self, user_id: str, client_id: str | None = None) -> VerificationJob:
        extra = _given(client_id=client_id)
        data = self._call(
            "send_verification_email",
            lambda api, o: api.jobs.verification_email.create(user_id=user_id, **extra, request_options=o),
        )
        return VerificationJob.from_auth0(_wire(data))

    # -- MFA ------------------------------------------------------------------------------------

    def list_factors(self) -> tuple[Factor, ...]:
        # Tenant-wide and rarely changed: shared by every worker through Django's cache.
        cache = shared_cache(self.settings.cache_alias)
        key = cache_key(self.settings, "guardian-factors")
        ttl = self.settings.factors_cache_ttl
        cached = cache.get(key)
        if not isinstance(cached, list) and not cache.reached:  # the shared cache is down: this process's copy
            cached = _FACTORS_WHILE_UNREACHABLE.get(key, ttl)
        if not isinstance(cached, list):
            items = self._call("list_factors", lambda api, o: api.guardian.factors.list(request_options=o))
            cached = [
                {"name": f.get("name"), "enabled": f.get("enabled"), "trial_expired": f.get("trial_expired")}
                for f in (_wire(item) for item in items or [])
            ]
            if ttl > 0:
                cache.set(key, cached, timeout=ttl)
                _FACTORS_WHILE_UNREACHABLE.keep(key, cached)
        return tuple(Factor.from_auth0(item) for item in cached)

    def list_authentication_methods(self, user_id: str) -> tuple[AuthenticationMethod, ...]:
        # Page by hand: the SDK pager asks for one more (empty) page after the last one, which
        # would double the cost of the common case (a user with a handful of methods).
        methods: list[AuthenticationMethod] = []
        for page in range(MAX_PAGES):
            pager = self._methods_page(user_id, page)
            items = pager.items or []
            methods.extend(AuthenticationMethod.from_auth0(_wire(item)) for item in items)
            total = pager.response.total
            if len(items) < PAGE_SIZE or (total is not None and len(methods) >= total):
                break
        return tuple(methods)

    def _methods_page(self, user_id: str, page: int) -> Any:
        return self._call(
            "list_authentication_methods",
            lambda api, o: api.users.authentication_methods.list(
                user_id, page=page, per_page=PAGE_SIZE, include_totals=True, request_options=o
            ),
        )

    def get_authentication_method(self, user_id: str, method_id: str) -> AuthenticationMethod:
        data = self._call(
            "get_authentication_method",
            lambda api, o: api.users.authentication_methods.get(user_id, method_id, request_options=o),
        )
        return AuthenticationMethod.from_auth0(_wire(data))

    def delete_authentication_method(self, user_id: str, method_id: str) -> None:
        self._call(
            "delete_authentication_method",
            lambda api, o: api.users.authentication_methods.delete(user_id, method_id, request_options=o),
        )
        self._users.pop(user_id, None)  # the user's `multifactor` list may have changed

    def create_enrollment_ticket(self, user_id: str, factor: str) -> EnrollmentTicket:
        ticket_factor = TICKET_FACTOR_NAMES.get(factor, factor)
        if ticket_factor not in ENROLLABLE_FACTORS:
            raise Rejected(f"The factor {factor!r} cannot be enrolled with a ticket.", "unsupported_factor")
        data = self._call(
            "create_enrollment_ticket",
            lambda api, o: api.guardian.enrollments.create_ticket(
                user_id=user_id, factor=ticket_factor, send_mail=False, request_options=o
            ),
        )
        if not data.ticket_url:
            raise self._malformed("create_enrollment_ticket")
        return EnrollmentTicket(ticket_id=data.ticket_id, ticket_url=str(data.ticket_url))

    def regenerate_recovery_code(self, user_id: str) -> str:
        data = self._call(
            "regenerate_recovery_code", lambda api, o: api.users.regenerate_recovery_code(user_id, request_options=o)
        )
        self._users.pop(user_id, None)
        if not data.recovery_code:
            raise self._malformed("regenerate_recovery_code")
        return str(data.recovery_code)

    def invalidate_remember_browser(self, user_id: str) -> None:
        self._call(
            "invalidate_remember_browser",
            lambda api, o: api.users.multifactor.invalidate_remember_browser(user_id, request_options=o),
        )

    # -- sessions -------------------------------------------------------------------------------

    def list_sessions(self, user_id: str, cursor: str | None = None, take: int = PAGE_SIZE) -> SessionPage:
        take = min(max(int(take), 1), PAGE_SIZE)
        pager = self._call(
            "list_sessions",
            lambda api, o: api.users.sessions.list(
                user_id, from_=cursor or None, take=take, include_totals=True, request_options=o
            ),
        )
        return SessionPage(
            sessions=tuple(Session.from_auth0(_wire(item)) for item in pager.items or []),
            next_cursor=pager.response.next or None,
        )

    def all_sessions(self, user_id: str) -> tuple[Session, ...]:
        return read_session_pages(self, user_id, max_pages=MAX_PAGES)[0]

    def get_session(self, session_id: str) -> Session:
        data = self._call("get_session", lambda api, o: api.sessions.get(session_id, request_options=o))
        return Session.from_auth0(_wire(data))

    def revoke_session(self, session_id: str) -> None:
        self._call("revoke_session", lambda api, o: api.sessions.revoke(session_id, request_options=o))

    def delete_user_sessions(self, user_id: str) -> None:
        self._call("delete_user_sessions", lambda api, o: api.users.sessions.delete(user_id, request_options=o))

    # -- the one wrapper --------------------------------------------------------------------------

    def _call(self, operation: str, call: Callable[[ManagementClient, RequestOptions], T]) -> T:
        """Run one SDK call: no SDK retries, our timeout, one retry on 401, our errors.

        A change (:data:`WRITES`) whose answer timed out or could not be read raises
        :class:`UpstreamUncertain`: it was sent, so it may have happened.
        """
        conn = connection(self.settings)
        writing = operation in WRITES
        if writing:
            # What this request read may be changed by this call, and an unconfirmed answer
            # must be followed by a real read: keep no copy across a change.
            self._users.clear()
        timeout = self.settings.write_timeout if writing else self.settings.timeout
        options: RequestOptions = {"max_retries": 0, "timeout": timeout}
        for attempt in (1, 2):
            try:
                return call(conn.api, options)
            except ApiError as exc:
                if exc.status_code == 401 and attempt == 1:
                    # Revoked, rotated signing key, or expired early: drop it, fetch, try again.
                    self._log(operation, 401, _error_code(exc.body), "retrying with a fresh token")
                    conn.token.invalidate(conn.token.last_handed_out())
                    continue
                if writing and exc.status_code is not None and 200 <= exc.status_code < 300:
                    self._log(operation, exc.status_code, None, "the answer to a change could not be read")
                    raise UpstreamUncertain(UNCONFIRMED, status=exc.status_code) from exc
                error = error_from_response(exc.status_code, exc.body, exc.headers)
                self._log(operation, exc.status_code, error.code)
                raise error from exc
            except (ParsingError, UnreadableAnswer) as exc:
                status = getattr(exc, "status_code", None)
                self._log(operation, status, None, "response does not fit the SDK's model")
                if writing:
                    raise UpstreamUncertain(UNCONFIRMED, status=status) from exc
                raise UpstreamUnavailable("Auth0 sent a response that could not be read.", status=status) from exc
            except (httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                self._log(operation, None, None, type(exc).__name__)  # never sent
                raise UpstreamUnavailable("Auth0 did not answer in time.") from exc
            except httpx.TimeoutException as exc:
                self._log(operation, None, None, type(exc).__name__)
                if writing:
                    raise UpstreamUncertain(UNCONFIRMED) from exc
                raise UpstreamUnavailable("Auth0 did not answer in time.") from exc
            except httpx.RequestError as exc:
                self._log(operation, None, None, type(exc).__name__)
                raise UpstreamUnavailable("Auth0 could not be reached.") from exc
        raise AssertionError("unreachable: the second attempt returns or raises")

    def _log(self, operation: str, status: int | None, code: str | None, detail: str = "") -> None:
        logger.warning(
            "Auth0 %s failed: status=%s errorCode=%s%s", operation, status, code, f" ({detail})" if detail else ""
        )

    def _malformed(self, operation: str) -> GatewayError:
        self._log(operation, None, None, "required field missing from the response")
        if operation in WRITES:
            return UpstreamUncertain(UNCONFIRMED)
        return UpstreamUnavailable("Auth0 sent a response that could not be read.")

    def _remember(self, user_id: str, data: Any) -> UserProfile:
        profile = UserProfile.from_auth0(_wire(data))
        self._users[user_id] = profile
        return profile


def _wire(model: Any) -> dict[str, Any]:
    """An SDK model as Auth0's JSON (aliases such as ``isSocial``, ISO strings, no nulls)."""
    if isinstance(model, Mapping):
        return dict(model)
    dump = getattr(model, "model_dump", None)
    if dump is None:
        return {}
    data = dump(mode="json", by_alias=True, exclude_none=True)
    return data if isinstance(data, dict) else {}


def _given(**values: Any) -> dict[str, Any]:
    # Optional SDK arguments left out rather than sent as JSON null (null means "unset").
    return {key: value for key, value in values.items() if value is not None}


def _error_code(body: Any) -> str | None:
    return str(body.get("errorCode")) if isinstance(body, Mapping) and body.get("errorCode") else None


def _bad_metadata_keys(value: Any) -> set[str]:
    """Key names Auth0 refuses in metadata (``.`` or ``$``), at any depth."""
    bad: set[str] = set()
    if isinstance(value, Mapping):
        for key, item in value.items():
            if "." in str(key) or "$" in str(key):
                bad.add(str(key))
            bad |= _bad_metadata_keys(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            bad |= _bad_metadata_keys(item)
    return bad

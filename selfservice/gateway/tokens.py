"""The Management API token: one client-credentials token shared by every worker and host.

Why not auth0-python's own ``TokenProvider``: it hard-codes ``https://{domain}/oauth/token``,
opens its own ``httpx.Client()`` for each fetch (so neither ``AUTH0_BASE_URL`` nor an in-process
``AUTH0_TRANSPORT`` reaches it, nor our timeout) and caches the token in process memory, so N
gunicorn workers on M hosts would each fetch and hold their own. ``auth0.authentication.GetToken``
uses ``requests`` and cannot reach an in-process transport either.

So this module sends exactly what ``TokenProvider`` sends -- one form-encoded
``POST {origin}/oauth/token`` with ``grant_type=client_credentials``, ``client_id``,
``client_secret`` and ``audience`` -- through the same httpx client, transport and timeout as the
Management calls, and keeps the result in Django's cache (``CACHE_ALIAS``):

- the key holds a hash of domain + client_id + audience (never the secret), so two tenants or
  two clients never share a token;
- the entry stores ``expires_at`` and ``refresh_at``: a token is refreshed ``TOKEN_REFRESH_MARGIN``
  seconds before it expires (at half-life when it lives shorter than the margin);
- one fetch at a time across processes: ``cache.add(lock_key)`` is atomic on LocMem, the
  database cache and Redis. Whoever wins fetches; the others keep using a token that is due for
  refresh but still valid, or, when there is none, poll the cache briefly (bounded by the
  timeout) instead of fetching themselves. If the winner's fetch fails, its waiters raise the
  same kind of error (a 429 stays a 429) rather than each trying again; if an early refresh
  fails, the still-valid token keeps being used;
- :meth:`ManagementToken.invalidate` drops a token Auth0 refused (401), but only if it is still
  the cached one, so a fresh token fetched meanwhile by another worker survives.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

import httpx

from selfservice.core.shared_cache import SharedCache, shared_cache

from .errors import (
    GatewayError,
    UpstreamMisconfigured,
    UpstreamRateLimited,
    UpstreamUnavailable,
    error_from_response,
)

if TYPE_CHECKING:
    from selfservice.conf import SelfServiceSettings

__all__ = ["ManagementToken", "cache_key"]

logger = logging.getLogger("selfservice.gateway")

# How often a waiting worker looks at the cache while another one fetches the token.
POLL_INTERVAL = 0.02
# Waiters who find the fetch failed raise the same kind of error for this long (seconds).
FAILURE_TTL = 5


def _now() -> float:
    # One seam for "what time is it", so tests can move the clock instead of sleeping.
    return time.time()


def _pause() -> None:
    # One seam for the waiters' poll, so tests can tell when a worker is waiting.
    time.sleep(POLL_INTERVAL)


def cache_key(settings: SelfServiceSettings, kind: str) -> str:
    """``{CACHE_KEY_PREFIX}:{kind}:{hash of domain + client_id + audience}``.

    The hash keeps two tenants (or two M2M clients) apart without putting anything secret, or
    anything a cache backend might refuse (spaces, long keys), into the key.
    """
    identity = "\n".join((settings.auth0_domain, settings.auth0_client_id, settings.auth0_audience))
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"{settings.cache_key_prefix}:{kind}:{digest}"


class ManagementToken:
    """A callable returning a valid Management API access token (``ManagementClient(token=...)``).

    It holds no token itself: every call reads Django's cache, so it is safe to share between
    threads and to keep for the life of the process.
    """

    def __init__(self, settings: SelfServiceSettings, http: httpx.Client) -> None:
        self._settings = settings
        self._http = http
        self._key = cache_key(settings, "mgmt-token")
        self._lock_key = cache_key(settings, "mgmt-token-lock")
        self._failure_key = cache_key(settings, "mgmt-token-failure")
        # The lock lives as long as a fetch may take (connect + read + write timeouts).
        self._lock_ttl = math.ceil(settings.timeout * 3) + 1
        # The token handed out last on this thread: what a 401 refers to (see invalidate()).
        self._handed_out = threading.local()
        # The last token this process fetched or read: used only while the shared cache cannot be
        # reached, so an outage costs no token request at all until the token is due for refresh.
        self._local: dict[str, Any] | None = None

    def __call__(self) -> str:
        return self.get()

    @property
    def _cache(self) -> SharedCache:
        return shared_cache(self._settings.cache_alias)

    def get(self) -> str:
        """A token valid now; fetches one (under the shared lock) only when due."""
        token = self._get()
        self._handed_out.value = token
        return token

    def last_handed_out(self) -> str | None:
        """The token this thread's most recent :meth:`get` returned."""
        return getattr(self._handed_out, "value", None)

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (Auth0 answered 401 with it).

        With ``token``, only if it is still the cached one: another worker may already have
        replaced it, and that fresh token must not be thrown away.
        """
        cache = self._cache
        if token is None or (self._local or {}).get("access_token") == token:
            self._local = None  # Auth0 refused it: not a fallback any more
        if token is not None:
            entry = cache.get(self._key)
            if not isinstance(entry, dict) or entry.get("access_token") != token:
                return
        cache.delete(self._key)

    # -- internals ------------------------------------------------------------------------------

    def _get(self) -> str:
        cache = self._cache
        entry = self._read(cache)
        now = _now()
        if entry is not None and now < entry["refresh_at"]:
            return str(entry["access_token"])
        owner = uuid.uuid4().hex
        if cache.add(self._lock_key, owner, timeout=self._lock_ttl):
            try:
                return self._fetch_and_store(cache)
            except GatewayError:
                if entry is not None and _now() < entry["expires_at"]:
                    return str(entry["access_token"])  # an early refresh failed: keep the valid one
                raise
            finally:
                if cache.get(self._lock_key) == owner:
                    cache.delete(self._lock_key)
        if entry is not None and now < entry["expires_at"]:
            return str(entry["access_token"])  # due for refresh, still valid: someone else fetches
        return self._wait_for_other_fetch(cache)

    def _read(self, cache: SharedCache) -> dict[str, Any] | None:
        entry = cache.get(self._key)
        if entry is None and not cache.reached:
            entry = self._local
        if (
            isinstance(entry, dict)
            and isinstance(entry.get("access_token"), str)
            and isinstance(entry.get("refresh_at"), (int, float))
            and isinstance(entry.get("expires_at"), (int, float))
            and _now() < entry["expires_at"]
        ):
            self._local = entry  # every worker holds the shared token, should the cache go away
            return entry
        return None  # absent, expired, or written by something else: fetch a new one

    def _wait_for_other_fetch(self, cache: SharedCache) -> str:
        deadline = _now() + self._lock_ttl
        while _now() < deadline:
            _pause()
            entry = self._read(cache)
            if entry is not None:
                return str(entry["access_token"])
            if cache.get(self._lock_key) is None:
                # The fetch ended without a token: report what it hit rather than fetch again.
                entry = self._read(cache)
                if entry is not None:
                    return str(entry["access_token"])
                failure = cache.get(self._failure_key)
                if isinstance(failure, dict):
                    raise _error_from_record(failure)
                raise UpstreamUnavailable("Another worker's Management API token request failed.")
        raise UpstreamUnavailable("Timed out waiting for another worker to fetch the Management API token.")

    def _fetch_and_store(self, cache: SharedCache) -> str:
        entry = self._read(cache)  # another worker may have finished between our read and add()
        if entry is not None and _now() < entry["refresh_at"]:
            return str(entry["access_token"])
        try:
            access_token, expires_in = self._fetch()
        except GatewayError as exc:
            cache.set(self._failure_key, _failure_record(exc), timeout=FAILURE_TTL)
            raise
        fetched = _now()
        lead = float(self._settings.token_refresh_margin)
        if expires_in <= lead:
            lead = expires_in / 2
        entry = {
            "access_token": access_token,
            "expires_at": fetched + expires_in,
            "refresh_at": fetched + expires_in - lead,
        }
        self._local = entry
        cache.set(self._key, entry, timeout=max(int(expires_in), 1))
        cache.delete(self._failure_key)
        return access_token

    def _fetch(self) -> tuple[str, float]:
        settings = self._settings
        url = f"https://{settings.auth0_domain}/oauth/token"
        form = {
            "grant_type": "client_credentials",
            "client_id": settings.auth0_client_id,
            "client_secret": settings.auth0_client_secret,
            "audience": settings.auth0_audience,
        }
        try:
            response = self._http.post(url, data=form, timeout=settings.timeout)
        except httpx.TimeoutException as exc:
            logger.warning("Auth0 token request failed: timeout (%s)", type(exc).__name__)
            raise UpstreamUnavailable("Auth0 did not answer the token request in time.") from None
        except httpx.RequestError as exc:
            logger.warning("Auth0 token request failed: %s", type(exc).__name__)
            raise UpstreamUnavailable("Auth0 could not be reached for a token.") from None
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        status = response.status_code
        if status != 200 or not isinstance(body, dict):
            error: GatewayError
            if status in (401, 403):
                detail = error_from_response(status, body, response.headers).message
                error = UpstreamMisconfigured(
                    f"Auth0 refused the Management API token request: {detail} Check AUTH0_CLIENT_ID, "
                    "AUTH0_CLIENT_SECRET and that the client is authorized for the Management API audience.",
                    status=status,
                    code=body.get("error") if isinstance(body, dict) else None,
                )
            elif status == 429:
                error = error_from_response(status, body, response.headers)
            else:
                error = UpstreamUnavailable(f"Auth0 answered {status} to the token request.", status=status)
            code = body.get("error") if isinstance(body, dict) else None
            logger.warning("Auth0 token request failed: status=%s error=%s", status, code)
            raise error
        access_token, expires_in = body.get("access_token"), body.get("expires_in")
        if (
            not isinstance(access_token, str)
            or not access_token
            or not isinstance(expires_in, (int, float))
            or expires_in <= 0
        ):
            logger.warning("Auth0 token request failed: status=200 with an unusable body")
            raise UpstreamUnavailable("Auth0 sent a token response that could not be read.", status=200)
        return access_token, float(expires_in)


def _failure_record(exc: GatewayError) -> dict[str, Any]:
    """Enough of a failed fetch for waiters to raise the same kind of error (no secrets)."""
    return {
        "class": type(exc).__name__,
        "message": exc.message,
        "status": exc.status,
        "code": exc.code,
        "retry_after": getattr(exc, "retry_after", None),
    }


def _error_from_record(record: dict[str, Any]) -> GatewayError:
    kind, message = record.get("class"), str(record.get("message") or "")
    status, code = record.get("status"), record.get("code")
    if kind == UpstreamRateLimited.__name__:
        return UpstreamRateLimited(int(record.get("retry_after") or 1), message, status=status, code=code)
    if kind == UpstreamMisconfigured.__name__:
        return UpstreamMisconfigured(message, status=status, code=code)
    return UpstreamUnavailable(
        message or "Another worker's Management API token request failed.", status=status, code=code
    )

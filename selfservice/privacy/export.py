""""Download my data": everything held about the signed-in user, as one JSON document.

GDPR articles 15 (access) and 20 (portability). What goes in, and what never does:

- ``profile``: the Auth0 user's root attributes (an allow-list: email, names, picture, phone,
  dates, login count...), ``user_metadata``, ``identities`` (provider, connection, id, the
  linked identity's profile data) -- never the identity provider's ``access_token`` or
  ``refresh_token`` (the gateway never reads them) nor ``app_metadata`` (the site's own
  data: a site adds what it wants shown through the adapter);
- ``sessions``: every Auth0 session (device, IP, dates, applications, how the user signed in),
  or ``{"available": false}`` on a tenant whose plan has no session endpoints;
- ``authentication_methods``: type, name, dates, the masked phone or email Auth0 shows -- never
  a secret, a recovery code, a key or an enrollment ticket URL;
- ``activity``: the user's own audit events within the retention period;
- ``site``: what :meth:`DefaultAdapter.export_data
  <selfservice.core.adapter.DefaultAdapter.export_data>` returns.

The Auth0 parts are allow-lists of fields (``user_metadata`` is the user's own data, shown to
them on the Preferences tab, and goes in as it is). In what is not allow-listed -- the site's
part and the audit events' details -- every value under a secret-looking key (``password``,
``token``, ``secret``, ``code``, ``ticket_url`` ...) is replaced by ``"[redacted]"``, the rule
the audit log applies.

Reads go through the per-user read cache (:class:`~selfservice.core.read_cache.ReadCache`):
within the fresh TTL a download makes no Auth0 call; ``sources`` says how old each part is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from selfservice.core.audit import scrub
from selfservice.gateway import GatewayError
from selfservice.security.activity import events_for, label_for
from selfservice.sessions.listing import MAX_PAGES, PAGE_TAKE, is_plan_restriction

if TYPE_CHECKING:
    from django.http import HttpRequest

    from selfservice.core.adapter import DefaultAdapter
    from selfservice.core.read_cache import ReadCache
    from selfservice.gateway import AuthenticationMethod, Identity, Session, UserProfile

__all__ = ["FORMAT", "build_export", "export_filename", "to_json"]

#: Names the document's layout; bumped when a key changes meaning.
FORMAT = "selfservice-export/1"
PROFILE_FIELDS = (
    "user_id", "email", "email_verified", "username", "name", "given_name", "family_name", "nickname",
    "picture", "phone_number", "phone_verified", "created_at", "updated_at", "last_login", "logins_count",
    "blocked", "multifactor",
)
METHOD_FIELDS = (
    "id", "type", "name", "confirmed", "created_at", "enrolled_at", "last_auth_at", "phone_number", "email",
    "preferred_authentication_method", "credential_device_type", "credential_backed_up", "user_agent",
)
SESSION_FIELDS = (
    "id", "created_at", "updated_at", "authenticated_at", "last_interacted_at", "idle_expires_at", "expires_at",
)
# Audit rows about refused attempts name what was tried (another user's id): kept out.
_PRIVATE_TARGETS = ("refused", "mismatch")


def build_export(
    request: HttpRequest, gateway: ReadCache, auth0_user_id: str, adapter: DefaultAdapter
) -> dict[str, Any]:
    """The whole document for ``auth0_user_id`` (raises gateway errors: nothing half-built).

    Costs, when nothing is cached: one user read, one authentication-method list and one session
    listing (50 sessions a call). The site's part comes last, after every Auth0 read succeeded.
    """
    profile = gateway.get_user(auth0_user_id)
    methods = gateway.list_authentication_methods(auth0_user_id)
    sessions = _sessions(gateway, auth0_user_id)
    document: dict[str, Any] = {
        "format": FORMAT,
        "generated_at": _iso(timezone.now()),
        "profile": _profile(profile),
        "user_metadata": _plain(profile.user_metadata),
        "identities": [_identity(identity) for identity in profile.identities],
        "sessions": sessions,
        "authentication_methods": [_method(method) for method in methods],
        "activity": _activity(auth0_user_id),
        "sources": {kind: {"age_seconds": s.age, "stale": s.stale} for kind, s in gateway.served.items()},
    }
    document["site"] = scrub(_plain(adapter.export_data(request, profile) or {}))
    return document


def to_json(document: Mapping[str, Any]) -> bytes:
    """The document as UTF-8 JSON, indented for a person to read; dates as ISO 8601."""
    return json.dumps(document, indent=2, ensure_ascii=False, default=str).encode()


def export_filename(now: datetime | None = None) -> str:
    """``account-data-2026-12-02.json``: the date of the download, in the site's time zone."""
    return f"account-data-{timezone.localdate(now or timezone.now()).isoformat()}.json"


def _profile(profile: UserProfile) -> dict[str, Any]:
    data = asdict(profile)
    return {name: _plain(data[name]) for name in PROFILE_FIELDS}


def _identity(identity: Identity) -> dict[str, Any]:
    return {
        "provider": identity.provider,
        "user_id": identity.user_id,
        "connection": identity.connection,
        "is_social": identity.is_social,
        "profile_data": _plain(identity.profile_data),
    }


def _method(method: AuthenticationMethod) -> dict[str, Any]:
    data = asdict(method)
    return {name: _plain(data[name]) for name in METHOD_FIELDS}


def _sessions(gateway: ReadCache, auth0_user_id: str) -> dict[str, Any]:
    try:
        listing = gateway.session_listing(auth0_user_id, max_pages=MAX_PAGES, take=PAGE_TAKE)
    except GatewayError as error:
        if is_plan_restriction(error):
            return {"available": False, "items": []}
        raise
    return {"available": True, "complete": listing.complete, "items": [_session(s) for s in listing.sessions]}


def _session(session: Session) -> dict[str, Any]:
    data = asdict(session)
    item = {name: _plain(data[name]) for name in SESSION_FIELDS}
    item["device"] = _plain(data["device"])
    item["applications"] = list(session.client_ids)
    item["authentication"] = _plain(data["authentication"])
    return item


def _activity(auth0_user_id: str) -> list[dict[str, Any]]:
    events = []
    for event in events_for(auth0_user_id).iterator():
        private = any(event.action.endswith(suffix) for suffix in _PRIVATE_TARGETS)
        events.append({
            "at": _iso(event.created_at),
            "action": event.action,
            "label": label_for(event.action),
            "target": "" if private else event.target,
            "ip": event.ip,
            "user_agent": event.user_agent,
            "details": scrub(_plain(event.details)),
        })
    return events


def _plain(value: Any) -> Any:
    """JSON-ready: dates as ISO 8601 strings, tuples as lists, anything else unknown as text."""
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in (sorted(value, key=str) if isinstance(value, set | frozenset) else value)]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Iterable):
        return [_plain(item) for item in value]
    return str(value)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")

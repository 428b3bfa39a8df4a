"""Keep :class:`~selfservice.models.Auth0Session` (Auth0 ``sid`` -> Django session key) current.

Connected in ``SelfServiceConfig.ready()``:

- ``user_logged_in``: records the sign-in (audit action ``login``, shown on the activity page);
  social-auth runs the whole pipeline (including
  :func:`selfservice.pipeline.store_auth0_session`, which puts the ID token's ``sid`` in the
  session) and *then* calls Django's ``login()``, which cycles the session key and sends this
  signal. So here the ``sid`` is in the session and the key is final: the one moment to record
  the pair. (When ``login()`` had to flush the session because another user was signed in,
  the pipeline's copy on the request restores the ``sid``.)
- ``user_logged_out``: the session is about to be flushed; its rows go with it.

A Django session that simply expires (no logout) leaves its row behind, so each login also
prunes rows older than ``SESSION_COOKIE_AGE`` whose Django session is gone
(:func:`prune_stale_auth0_sessions`): one DELETE for database-backed sessions.

Back-channel logout and revoking a session from the Sessions tab read these rows to end the
right Django sessions, whatever ``SESSION_ENGINE`` stores them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import router
from django.http import HttpRequest
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase

from selfservice.core import audit
from selfservice.core.adapter import get_adapter, remember_auth0_user_id, resolve_auth0_user_id
from selfservice.core.read_cache import forget_user
from selfservice.login.pipeline import AUTH_TIME_KEY, REQUEST_ATTRIBUTE, SID_KEY
from selfservice.models import Auth0Session

__all__ = [
    "PRUNE_BATCH",
    "end_local_sessions",
    "forget_auth0_session",
    "prune_stale_auth0_sessions",
    "remember_auth0_session",
    "session_store",
]

#: Old rows checked one by one per login when sessions are not in the database (cache engine).
PRUNE_BATCH = 50


def remember_auth0_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in``: record which Auth0 session this (new) Django session belongs to."""
    session = getattr(request, "session", None)
    if request is None or session is None:
        return
    claims: dict[str, Any] = getattr(request, REQUEST_ATTRIBUTE, None) or {}
    sid = session.get(SID_KEY) or claims.get("sid")
    if not sid:
        return  # not an Auth0 login (admin, force_login): nothing to map
    if SID_KEY not in session:
        session[SID_KEY] = sid
        if claims.get("auth_time") is not None:
            session[AUTH_TIME_KEY] = claims["auth_time"]
    sub = claims.get("sub") or get_adapter().get_auth0_user_id(request) or ""
    remember_auth0_user_id(request, user, str(sub))
    # The sign-in itself, for the user's security activity (security/activity/).
    audit.record(request, action="login", auth0_user_id=str(sub))
    if not session.session_key:
        session.save()  # an engine that had not created the key yet
    key = session.session_key
    if not key:
        return  # cookie-based sessions have no server-side key (selfservice.W040)
    # A new Auth0 session exists and the profile changed (last login): cached copies are old.
    forget_user(str(sub))
    Auth0Session.objects.filter(session_key=key).delete()
    Auth0Session.objects.create(sid=str(sid), session_key=key, user=user, auth0_user_id=str(sub))
    prune_stale_auth0_sessions()


def prune_stale_auth0_sessions(now: datetime | None = None) -> int:
    """Delete rows of Django sessions that ended without a logout (expired); return how many.

    Only rows older than ``SESSION_COOKIE_AGE`` are candidates, and a candidate goes only when
    its Django session is gone too: a session saved again after login lives on past that age
    (its expiry moves with each save), and its row must stay for back-channel logout to end it.
    Database-backed engines (db, cached_db) answer with one DELETE ... WHERE session_key NOT IN
    (live sessions); other engines (cache) are asked about at most :data:`PRUNE_BATCH` old rows.
    """
    now = now or timezone.now()
    old = Auth0Session.objects.filter(created_at__lt=now - timedelta(seconds=settings.SESSION_COOKIE_AGE))
    store = session_store()
    get_model_class = getattr(store, "get_model_class", None)
    if get_model_class is not None:
        model = get_model_class()
        if router.db_for_read(model) == router.db_for_write(Auth0Session):
            live = model.objects.filter(expire_date__gt=now).values("session_key")
            deleted, _ = old.exclude(session_key__in=live).delete()
            return deleted
    keys = list(old.order_by("created_at").values_list("session_key", flat=True)[:PRUNE_BATCH])
    gone = [key for key in keys if not store().exists(key)]
    deleted, _ = Auth0Session.objects.filter(session_key__in=gone).delete() if gone else (0, {})
    return deleted


def forget_auth0_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_out``: the Django session ends, so do its mapping and the cached copies."""
    if request is not None and getattr(request, "user", None) is not None:
        forget_user(resolve_auth0_user_id(request) or "")
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        Auth0Session.objects.filter(session_key=key).delete()


def end_local_sessions(*, sid: str | None = None, sub: str | None = None) -> int:
    """Delete the Django sessions mapped to ``sid`` (or, with only ``sub``, to that user).

    Returns how many Django sessions were ended. Uses ``SESSION_ENGINE``'s ``SessionStore``, so
    db, cache and cached_db sessions all end; the mapping rows are deleted too.
    """
    if sid:
        rows = Auth0Session.objects.filter(sid=sid)
        if sub:
            rows = rows.filter(auth0_user_id__in=[sub, ""])
    elif sub:
        rows = Auth0Session.objects.filter(auth0_user_id=sub)
    else:
        return 0
    keys = set(rows.values_list("session_key", flat=True))
    store = session_store()
    for key in keys:
        store(session_key=key).delete()
    Auth0Session.objects.filter(session_key__in=keys).delete()
    return len(keys)


def session_store() -> type[SessionBase]:
    """The ``SessionStore`` of ``SESSION_ENGINE``: db, cache and cached_db sessions all end."""
    store: type[SessionBase] = import_module(settings.SESSION_ENGINE).SessionStore
    return store

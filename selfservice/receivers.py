"""Keep :class:`~selfservice.models.Auth0Session` (Auth0 ``sid`` -> Django session key) current.

Connected in ``SelfServiceConfig.ready()``:

- ``user_logged_in``: social-auth runs the whole pipeline (including
  :func:`selfservice.pipeline.store_auth0_session`, which puts the ID token's ``sid`` in the
  session) and *then* calls Django's ``login()``, which cycles the session key and sends this
  signal. So here the ``sid`` is in the session and the key is final: the one moment to record
  the pair. (When ``login()`` had to flush the session because another user was signed in,
  the pipeline's copy on the request restores the ``sid``.)
- ``user_logged_out``: the session is about to be flushed; its rows go with it.

Back-channel logout and revoking a session from the Sessions tab read these rows to end the
right Django sessions, whatever ``SESSION_ENGINE`` stores them.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import Auth0Session
from .pipeline import AUTH_TIME_KEY, REQUEST_ATTRIBUTE, SID_KEY

__all__ = ["forget_auth0_session", "remember_auth0_session"]


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
    if not session.session_key:
        session.save()  # an engine that had not created the key yet
    key = session.session_key
    if not key:
        return  # cookie-based sessions have no server-side key (selfservice.W040)
    from .adapter import get_adapter

    sub = claims.get("sub") or get_adapter().get_auth0_user_id(request) or ""
    Auth0Session.objects.filter(session_key=key).delete()
    Auth0Session.objects.create(sid=str(sid), session_key=key, user=user, auth0_user_id=str(sub))


def forget_auth0_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_out``: the Django session ends, so does its mapping."""
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        Auth0Session.objects.filter(session_key=key).delete()

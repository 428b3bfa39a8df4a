"""Deleting an account: Auth0 first, then (only then) everything this site holds.

Two halves, so that a refusal or a timeout at Auth0 leaves the site exactly as it was:

1. :func:`delete_upstream` ends every Auth0 session of the user
   (``DELETE /api/v2/users/{id}/sessions``), then deletes the user (``DELETE /api/v2/users/{id}``).
   A tenant whose plan has no session endpoints skips the first call (its sessions die with
   the user); a user Auth0 no longer knows counts as deleted (Auth0 answers 204 then anyway).
   Any other error is raised (:class:`UpstreamStepFailed`) and nothing local has changed.
2. :func:`delete_local` runs only after that succeeded: it ends every Django session mapped to
   the user's Auth0 sessions (any ``SESSION_ENGINE``), drops the user's read-cache copies,
   sends :data:`selfservice.signals.account_deleted` (the user still saved), then deletes or
   anonymises the Django user (``ACCOUNT_DELETION``) and the user's audit events, and keeps one
   ``account.delete`` audit row with no user, id, IP or user agent in it.

Other Django sessions of the user that no Auth0 session maps (signed in before the mapping
existed) end too: a deleted user cannot be loaded, and an anonymised one has an unusable
password, which changes the session hash Django checks on every request.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q

from selfservice import signals
from selfservice.core.read_cache import forget_user
from selfservice.gateway import GatewayError, NotFound, UpstreamUncertain
from selfservice.login.session_map import end_local_sessions
from selfservice.models import AuditEvent
from selfservice.sessions.listing import is_plan_restriction

if TYPE_CHECKING:
    from django.http import HttpRequest

    from selfservice.gateway import Gateway

__all__ = ["ANONYMISE", "DELETE", "UpstreamStepFailed", "anonymise_user", "delete_local", "delete_upstream"]

logger = logging.getLogger("selfservice")

DELETE = "delete"
ANONYMISE = "anonymise"


class UpstreamStepFailed(Exception):
    """Auth0 did not finish: ``step`` is ``"sessions"`` (nothing changed) or ``"user"``.

    After a failed ``"user"`` step the account still exists but its Auth0 sessions were ended
    already (the user is signed out of Auth0 elsewhere); ``error`` is the gateway's error.
    """

    def __init__(self, step: str, error: GatewayError) -> None:
        super().__init__(f"{step}: {error.message}")
        self.step = step
        self.error = error


def delete_upstream(gateway: Gateway, auth0_user_id: str) -> None:
    """End the user's Auth0 sessions, then delete the Auth0 user (raises :class:`UpstreamStepFailed`).

    Two Management API calls (the first is refused on plans without session endpoints, and
    skipped). Sessions go first: a user whose deletion then fails is at least signed out
    everywhere, never the other way round (a deleted account with live sessions).
    """
    try:
        gateway.delete_user_sessions(auth0_user_id)
    except NotFound:
        pass  # no such user any more: its sessions are gone with it
    except GatewayError as error:
        if not is_plan_restriction(error):
            raise UpstreamStepFailed("sessions", error) from error
        logger.info("The tenant has no session endpoints; the user's sessions end with the user.")
    try:
        with contextlib.suppress(NotFound):  # already deleted (another tab, an admin): as asked
            gateway.delete_user(auth0_user_id)
    except UpstreamUncertain as error:
        # It may be gone: the next attempt must read Auth0 again, not a cached profile.
        forget_user(auth0_user_id)
        raise UpstreamStepFailed("user", error) from error
    except GatewayError as error:
        raise UpstreamStepFailed("user", error) from error


def delete_local(request: HttpRequest, *, sender: type, auth0_user_id: str, mode: str) -> int:
    """Remove what the site holds about the (Auth0-deleted) signed-in user; return sessions ended.

    ``mode`` is ``"delete"`` or ``"anonymise"``. The caller signs the browser out afterwards.
    """
    user: Any = request.user
    ended = end_local_sessions(sub=auth0_user_id)
    forget_user(auth0_user_id)
    for receiver, outcome in signals.account_deleted.send_robust(
        sender=sender, request=request, user=user, auth0_user_id=auth0_user_id, mode=mode
    ):
        if isinstance(outcome, Exception):
            logger.error("An account_deleted receiver (%r) failed: %r", receiver, outcome)
    with transaction.atomic():
        events = AuditEvent.objects.filter(Q(auth0_user_id=auth0_user_id) | Q(user_id=user.pk))
        if mode == DELETE:
            events.delete()
            user.delete()
        else:
            events.update(auth0_user_id="", target="", ip=None, user_agent="", details={})
            anonymise_user(user)
        # What happened and when, with nothing that says who.
        AuditEvent.objects.create(action="account.delete", details={"mode": mode, "sessions_ended": ended})
    return ended


def anonymise_user(user: Any) -> None:
    """Keep the Django user row (the site's own relations point at it) but nothing personal.

    The login name becomes ``deleted-<random>``; email and names are emptied; the password is
    unusable and the user inactive; social-auth associations (which hold the Auth0 ``sub``) go.
    """
    associations = getattr(user, "social_auth", None)
    if associations is not None:
        associations.all().delete()
    username_field = getattr(user, "USERNAME_FIELD", "username")
    setattr(user, username_field, f"deleted-{uuid.uuid4().hex[:24]}")
    email_field = getattr(user, "EMAIL_FIELD", "email")
    for name in (email_field, "first_name", "last_name"):
        if name != username_field and hasattr(user, name):
            setattr(user, name, "")
    user.is_active = False
    user.set_unusable_password()
    user.save()

"""Signals a site can connect to, sent only *after* Auth0 accepted the change.

Connect receivers in your ``AppConfig.ready()``::

    from selfservice.signals import profile_updated

    @receiver(profile_updated)
    def sync_name(sender, request, user, auth0_user_id, changed_fields, **kwargs): ...

A receiver that raises turns the (already saved) change into an error page, so keep them
small or use ``send_robust``-style error handling inside them.
"""

from __future__ import annotations

from django.dispatch import Signal

__all__ = [
    "account_deleted",
    "authentication_method_removed",
    "preferences_updated",
    "profile_updated",
    "session_revoked",
]

# The signed-in user changed root attributes of their Auth0 profile on the General tab.
# Arguments:
#   sender          the view class that made the change
#   request         the HttpRequest
#   user            the Django user (request.user)
#   auth0_user_id   the Auth0 user id that was changed, e.g. "auth0|63d1..."
#   changed_fields  list of attribute names sent to Auth0, e.g. ["name", "nickname"]
profile_updated = Signal()

# The signed-in user removed one of their MFA authentication methods on the Security tab.
# Arguments: sender, request, user, auth0_user_id (as above), and
#   method_id       the Auth0 authentication method id, e.g. "totp|dev_Ab12..."
#   method_type     its type, e.g. "totp", "phone", "webauthn-roaming"
authentication_method_removed = Signal()

# The signed-in user ended one of their Auth0 sessions on the Sessions tab (one signal per
# session, also for "sign out everywhere else"); Auth0 accepted the revoke.
# Arguments:
#   sender          the view class
#   request         the HttpRequest
#   user            the Django user (request.user)
#   auth0_user_id   the session's owner, e.g. "auth0|63d1..."
#   session_id      the Auth0 session id (the ID token's sid)
#   current         True when it was this browser's own session (the user is signed out next)
session_revoked = Signal()

# The signed-in user saved preferences (user_metadata keys of the active schema).
# Arguments:
#   sender          the view class that made the change
#   request         the HttpRequest
#   user            the Django user (request.user)
#   auth0_user_id   the Auth0 user id that was changed
#   changed_keys    sorted list of the user_metadata keys sent (deleted ones included)
preferences_updated = Signal()

# The signed-in user deleted their account (Privacy tab). Sent once Auth0 deleted the user and
# its sessions, *before* the app deletes or anonymises the Django user (ACCOUNT_DELETION), so a
# receiver can still follow the user's relations to clean up the site's own data. Sent with
# send_robust: a receiver that raises is logged and the deletion still completes (the Auth0
# account is already gone; the local cleanup must not stop half-way).
# Arguments:
#   sender          the view class
#   request         the HttpRequest
#   user            the Django user (still saved)
#   auth0_user_id   the deleted Auth0 user id
#   mode            "delete" or "anonymise": what happens to the Django user next
account_deleted = Signal()

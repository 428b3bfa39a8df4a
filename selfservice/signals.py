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

__all__ = ["preferences_updated", "profile_updated"]

# The signed-in user changed root attributes of their Auth0 profile on the General tab.
# Arguments:
#   sender          the view class that made the change
#   request         the HttpRequest
#   user            the Django user (request.user)
#   auth0_user_id   the Auth0 user id that was changed, e.g. "auth0|63d1..."
#   changed_fields  list of attribute names sent to Auth0, e.g. ["name", "nickname"]
profile_updated = Signal()

# The signed-in user saved preferences (user_metadata keys of the active schema).
# Arguments:
#   sender          the view class that made the change
#   request         the HttpRequest
#   user            the Django user (request.user)
#   auth0_user_id   the Auth0 user id that was changed
#   changed_keys    sorted list of the user_metadata keys sent (deleted ones included)
preferences_updated = Signal()

# Later issues add: authentication_method_removed, session_revoked.

"""The app's own tables: what happened (AuditEvent) and, later, the Preferences schema.

Everything about the user themselves lives in Auth0; these tables only hold what the site
needs to keep on its side.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["AuditEvent", "Auth0Session"]


# -- PreferenceSchema ---------------------------------------------------------------------------
# The JSON Schema behind the Preferences tab (DESIGN.md "models.py") is added here by the
# Preferences issue, with its own migration (0002_...).


class AuditEvent(models.Model):
    """One change a user made to their own account (who, what, from where, when).

    Written by :func:`selfservice.audit.record` after the upstream write succeeded. ``details``
    holds names and ids (which fields changed, which session), never values of secrets.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        # Keep the trail when a Django user is deleted; auth0_user_id still says who it was.
        on_delete=models.SET_NULL,
        related_name="selfservice_audit_events",
    )
    auth0_user_id = models.CharField(_("Auth0 user id"), max_length=255, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target = models.CharField(_("target"), max_length=255, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.action} {self.target}".strip()


class Auth0Session(models.Model):
    """Which Django session belongs to which Auth0 session (the ID token's ``sid``).

    Written at login by :mod:`selfservice.receivers` (``user_logged_in``, once the session key
    is final) and deleted at logout. OIDC back-channel logout names an Auth0 session by ``sid``
    (or a user by ``sub``); these rows turn that into the Django session keys to end, whatever
    the session engine (db, cache, cached_db). ``auth0_user_id`` is the ``sub``, kept for
    logout tokens that carry no ``sid``.
    """

    sid = models.CharField(_("Auth0 session id"), max_length=255, db_index=True)
    session_key = models.CharField(_("Django session key"), max_length=255, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="selfservice_auth0_sessions",
    )
    auth0_user_id = models.CharField(_("Auth0 user id"), max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("Auth0 session")
        verbose_name_plural = _("Auth0 sessions")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return self.sid

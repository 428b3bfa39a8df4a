"""Security activity (``security/activity/``): the signed-in user's own recent security events.

Read from the audit log (:class:`~selfservice.models.AuditEvent`), never from Auth0: the page
makes no Management API call. What it shows:

- only rows whose ``auth0_user_id`` is the signed-in user's (nothing of anyone else, ever:
  the filter is the one query this page runs, besides the count);
- only rows younger than ``ACTIVITY_RETENTION_DAYS`` (the ``selfservice_prune`` command
  deletes the older ones; until it runs they are hidden here all the same);
- newest first, ``ACTIVITY_PAGE_SIZE`` per page, each with a translated label per action, the
  device ("Firefox 133 on Linux", from the user agent) and the IP address where known;
  refused attempts (a foreign session or method id, a step-up that came back as someone else)
  are marked as such.

A site that records its own actions with :func:`selfservice.core.audit.record` can name them
here by adding to :data:`LABELS` (a label per action) before the first request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from selfservice.conf import get_settings
from selfservice.core.views import AccountTabView
from selfservice.models import AuditEvent
from selfservice.security.mfa import FACTORS
from selfservice.sessions.devices import Device, describe

if TYPE_CHECKING:
    from django.utils.functional import Promise

__all__ = [
    "AREA_LABELS", "LABELS", "ActivityRow", "ActivityView", "events_for", "is_refused", "label_for", "prune",
    "retention_cutoff",
]

#: Action (as passed to ``audit.record``) -> what the user reads.
LABELS: dict[str, Promise] = {
    "login": _("Signed in"),
    "login.failed": _("Sign-in failed"),
    "stepup.mismatch": _("Confirming it was you with another account"),
    "profile.update": _("Profile changed"),
    "preferences.update": _("Preferences changed"),
    "email.change": _("Email address changed"),
    "email.update": _("Email address changed"),
    "email.verification": _("Verification email sent"),
    "email.resend_verification": _("Verification email sent"),
    "password.change": _("Password change started"),
    "password.ticket": _("Password change started"),
    "identity.link": _("Sign-in method linked"),
    "identity.unlink": _("Sign-in method unlinked"),
    "identity.link.start": _("Started linking a sign-in method"),
    "identity.link.refused": _("Linking a sign-in method"),
    "identity.unlink.refused": _("Unlinking a sign-in method"),
    "account.delete_refused": _("Deleting the account with a wrong confirmation"),
    "mfa.enroll": _("Started setting up a sign-in method"),
    "mfa.remove": _("Multi-factor method removed"),
    "mfa.remove.refused": _("Removing a method that is not yours"),
    "mfa.recovery_code": _("New recovery code"),
    "session.revoke": _("Signed out a session"),
    "session.revoke_others": _("Signed out everywhere else"),
    "session.revoke_refused": _("Signing out a session that is not yours"),
    "session.backchannel_logout": _("Signed out by the identity provider"),
    "privacy.export": _("Downloaded your data"),
}
#: The first part of an action -> the label of actions this table does not name exactly.
AREA_LABELS: dict[str, Promise] = {
    "login": _("Sign-in"),
    "profile": _("Profile changed"),
    "preferences": _("Preferences changed"),
    "email": _("Email address"),
    "password": _("Password"),
    "identity": _("Linked sign-in methods"),
    "mfa": _("Multi-factor authentication"),
    "session": _("Sessions"),
    "privacy": _("Privacy"),
    "account": _("Account"),
}
REFUSED_SUFFIXES = ("refused", "mismatch")


@dataclass(frozen=True)
class ActivityRow:
    """One event as the page lists it."""

    label: str
    detail: str
    refused: bool
    created_at: datetime
    ip: str | None
    device: Device | None


def label_for(action: str) -> str:
    """The translated label of ``action``: exact, then by area ("mfa.*"), else "Account change"."""
    label = LABELS.get(action) or AREA_LABELS.get(action.split(".", 1)[0])
    return str(label) if label is not None else str(_("Account change"))


def is_refused(action: str) -> bool:
    """True for attempts the app refused (a foreign id, a step-up as someone else)."""
    last = action.rsplit(".", 1)[-1]
    return any(last == suffix or last.endswith("_" + suffix) for suffix in REFUSED_SUFFIXES)


def detail_for(event: AuditEvent) -> str:
    """A short line of what the event touched, from ids and names the audit row keeps."""
    details: dict[str, Any] = event.details if isinstance(event.details, dict) else {}
    if event.action == "profile.update" and isinstance(details.get("fields"), list):
        return str(_("Changed: %(names)s")) % {"names": ", ".join(map(str, details["fields"]))}
    if event.action == "preferences.update" and isinstance(details.get("keys"), list):
        return str(_("Changed: %(names)s")) % {"names": ", ".join(map(str, details["keys"]))}
    if event.action == "mfa.enroll" and event.target in FACTORS:
        return str(FACTORS[event.target].title)
    if event.action == "mfa.remove" and details.get("type"):
        return str(details["type"])
    if event.action == "session.revoke" and details.get("device"):
        return str(details["device"])
    if event.action == "session.revoke_others" and isinstance(details.get("revoked"), int):
        count = details["revoked"]
        return ngettext("%(count)d session ended", "%(count)d sessions ended", count) % {"count": count}
    return ""


def retention_cutoff(now: datetime | None = None) -> datetime | None:
    """Events older than this are past ``ACTIVITY_RETENTION_DAYS`` (None: kept forever)."""
    days = get_settings().activity_retention_days
    if days is None:
        return None
    return (now or timezone.now()) - timedelta(days=days)


def events_for(auth0_user_id: str, now: datetime | None = None) -> QuerySet[AuditEvent]:
    """The user's own events within the retention period, newest first (empty id: none)."""
    if not auth0_user_id:
        return AuditEvent.objects.none()
    events = AuditEvent.objects.filter(auth0_user_id=auth0_user_id)
    cutoff = retention_cutoff(now)
    if cutoff is not None:
        events = events.filter(created_at__gte=cutoff)
    return events.order_by("-created_at", "-pk")


def prune(now: datetime | None = None, days: int | None = None) -> int:
    """Delete every user's events older than ``days`` (default ``ACTIVITY_RETENTION_DAYS``).

    Returns how many rows went. With retention off (None) and no ``days``, deletes nothing.
    """
    cutoff = (now or timezone.now()) - timedelta(days=days) if days is not None else retention_cutoff(now)
    if cutoff is None:
        return 0
    deleted, _kinds = AuditEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def row_for(event: AuditEvent) -> ActivityRow:
    return ActivityRow(
        label=label_for(event.action),
        detail=detail_for(event),
        refused=is_refused(event.action),
        created_at=event.created_at,
        ip=event.ip,
        device=describe(event.user_agent) if event.user_agent else None,
    )


class ActivityView(AccountTabView):
    """GET ``?page=N``: one page of the user's security events (no Auth0 call)."""

    http_method_names = ["get"]
    tab = "security"
    title = _("Security activity")
    template_name = "selfservice/security_activity.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        paginator = Paginator(events_for(self.auth0_user_id), get_settings().activity_page_size)
        page = paginator.get_page(request.GET.get("page"))
        return self.render_tab(
            rows=[row_for(event) for event in page.object_list],
            page_obj=page,
            retention_days=get_settings().activity_retention_days,
            activity_url=reverse("selfservice:activity"),
            security_url=self.tab_url(),
            focus_heading=bool(getattr(request, "htmx", False)),
        )

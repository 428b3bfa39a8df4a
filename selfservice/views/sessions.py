"""The Sessions tab (placeholder until session listing lands with its issue)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .mixins import AccountTabView

__all__ = ["SessionsView"]


class SessionsView(AccountTabView):
    """Shows an honest empty state; makes no upstream call."""

    tab = "sessions"
    title = _("Sessions")
    template_name = "selfservice/sessions.html"

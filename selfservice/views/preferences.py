"""The Preferences tab (placeholder until the schema-driven form lands with its issue)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .mixins import AccountTabView

__all__ = ["PreferencesView"]


class PreferencesView(AccountTabView):
    """Shows an honest empty state; makes no upstream call."""

    tab = "preferences"
    title = _("Preferences")
    template_name = "selfservice/preferences.html"

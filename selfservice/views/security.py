"""The Security tab (placeholder until MFA enrollment lands with its issue)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .mixins import AccountTabView

__all__ = ["SecurityView"]


class SecurityView(AccountTabView):
    """Shows an honest empty state; makes no upstream call."""

    tab = "security"
    title = _("Security")
    template_name = "selfservice/security.html"

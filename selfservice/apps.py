from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfServiceConfig(AppConfig):
    """Registers the system checks and the settings-cache receiver explicitly in ``ready()``."""

    name = "selfservice"
    verbose_name = _("Account self-service")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks
        from django.core.signals import setting_changed

        from . import checks as selfservice_checks
        from .conf import reset_settings_cache

        checks.register(selfservice_checks.check_settings, checks.Tags.security)
        setting_changed.connect(reset_settings_cache, dispatch_uid="selfservice-settings-cache")

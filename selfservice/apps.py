from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfServiceConfig(AppConfig):
    """Registers the system checks and the signal receivers explicitly in ``ready()``."""

    name = "selfservice"
    verbose_name = _("Account self-service")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out
        from django.core import checks
        from django.core.signals import setting_changed

        from selfservice import checks as selfservice_checks
        from selfservice.conf import reset_settings_cache
        from selfservice.login import session_map

        checks.register(selfservice_checks.check_settings, checks.Tags.security)
        setting_changed.connect(reset_settings_cache, dispatch_uid="selfservice-settings-cache")
        # Auth0 sid -> Django session key, for back-channel logout and revoking (Sessions tab).
        user_logged_in.connect(session_map.remember_auth0_session, dispatch_uid="selfservice-auth0-session-in")
        user_logged_out.connect(session_map.forget_auth0_session, dispatch_uid="selfservice-auth0-session-out")

"""Mount with ``path("account/", include("selfservice.urls"))``; names are stable (DESIGN.md)."""

from __future__ import annotations

from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.generic import RedirectView

from selfservice.core.step_up import StepUpView
from selfservice.login.backchannel import BackchannelLogoutView
from selfservice.login.views import LoginView, LogoutView
from selfservice.preferences.views import PreferencesValidateView, PreferencesView
from selfservice.privacy.views import DeleteAccountView, ExportView, PrivacyView
from selfservice.profile.email import ChangeEmailView
from selfservice.profile.identities import LinkIdentityView, UnlinkIdentityView
from selfservice.profile.password import ChangePasswordView
from selfservice.profile.verification import ResendVerificationView
from selfservice.profile.views import GeneralView
from selfservice.security.activity import ActivityView
from selfservice.security.views import EnrollView, RecoveryCodeView, RemoveMethodView, SecurityView
from selfservice.sessions.views import RevokeOtherSessionsView, RevokeSessionView, SessionsView

app_name = "selfservice"

urlpatterns = [
    path("", never_cache(RedirectView.as_view(pattern_name="selfservice:general")), name="index"),
    path("general/", GeneralView.as_view(), name="general"),
    path("general/email/", ChangeEmailView.as_view(), name="change-email"),
    path("general/email/verify/", ResendVerificationView.as_view(), name="resend-verification"),
    path("general/password/", ChangePasswordView.as_view(), name="change-password"),
    path("general/identities/link/", LinkIdentityView.as_view(), name="link-identity"),
    path("general/identities/<str:provider>/<str:user_id>/unlink/", UnlinkIdentityView.as_view(), name="unlink-identity"),
    path("preferences/", PreferencesView.as_view(), name="preferences"),
    path("preferences/validate/", PreferencesValidateView.as_view(), name="validate-preferences"),
    path("security/", SecurityView.as_view(), name="security"),
    path("security/enroll/", EnrollView.as_view(), name="enroll"),
    path("security/recovery-code/", RecoveryCodeView.as_view(), name="regenerate-recovery-code"),
    path("security/activity/", ActivityView.as_view(), name="activity"),
    path("security/<str:method_id>/remove/", RemoveMethodView.as_view(), name="remove-method"),
    path("sessions/", SessionsView.as_view(), name="sessions"),
    path("sessions/revoke-others/", RevokeOtherSessionsView.as_view(), name="revoke-other-sessions"),
    path("sessions/<str:session_id>/revoke/", RevokeSessionView.as_view(), name="revoke-session"),
    path("privacy/", PrivacyView.as_view(), name="privacy"),
    path("privacy/export/", ExportView.as_view(), name="export"),
    path("privacy/delete/", DeleteAccountView.as_view(), name="delete-account"),
    path("step-up/", StepUpView.as_view(), name="step-up"),
    path("backchannel-logout/", BackchannelLogoutView.as_view(), name="backchannel-logout"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
]

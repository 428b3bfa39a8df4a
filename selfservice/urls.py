"""Mount with ``path("account/", include("selfservice.urls"))``; names are stable (DESIGN.md)."""

from __future__ import annotations

from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.generic import RedirectView

from . import views

app_name = "selfservice"

urlpatterns = [
    path("", never_cache(RedirectView.as_view(pattern_name="selfservice:general")), name="index"),
    path("general/", views.GeneralView.as_view(), name="general"),
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("preferences/validate/", views.PreferencesValidateView.as_view(), name="validate-preferences"),
    path("security/", views.SecurityView.as_view(), name="security"),
    path("security/enroll/", views.EnrollView.as_view(), name="enroll"),
    path("security/recovery-code/", views.RecoveryCodeView.as_view(), name="regenerate-recovery-code"),
    path("security/<str:method_id>/remove/", views.RemoveMethodView.as_view(), name="remove-method"),
    path("sessions/", views.SessionsView.as_view(), name="sessions"),
    path("sessions/revoke-others/", views.RevokeOtherSessionsView.as_view(), name="revoke-other-sessions"),
    path("sessions/<str:session_id>/revoke/", views.RevokeSessionView.as_view(), name="revoke-session"),
    path("backchannel-logout/", views.BackchannelLogoutView.as_view(), name="backchannel-logout"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
]

"""The account tabs, one module each, plus the shared mixins."""

from __future__ import annotations

from .auth import LoginView, LogoutView
from .backchannel import BackchannelLogoutView
from .general import GeneralView
from .mixins import AccountMixin, AccountTabView, HtmxPartialMixin, UpstreamProblem
from .preferences import PreferencesValidateView, PreferencesView
from .security import EnrollView, RecoveryCodeView, RemoveMethodView, SecurityView
from .sessions import RevokeOtherSessionsView, RevokeSessionView, SessionsView

__all__ = [
    "AccountMixin",
    "AccountTabView",
    "EnrollView",
    "BackchannelLogoutView",
    "GeneralView",
    "HtmxPartialMixin",
    "LoginView",
    "LogoutView",
    "PreferencesValidateView",
    "PreferencesView",
    "RecoveryCodeView",
    "RemoveMethodView",
    "RevokeOtherSessionsView",
    "RevokeSessionView",
    "SecurityView",
    "SessionsView",
    "UpstreamProblem",
]

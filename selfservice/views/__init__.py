"""The account tabs, one module each, plus the shared mixins."""

from __future__ import annotations

from .auth import LoginView, LogoutView
from .general import GeneralView
from .mixins import AccountMixin, AccountTabView, HtmxPartialMixin, UpstreamProblem
from .preferences import PreferencesValidateView, PreferencesView
from .security import SecurityView
from .sessions import SessionsView

__all__ = [
    "AccountMixin",
    "AccountTabView",
    "GeneralView",
    "HtmxPartialMixin",
    "LoginView",
    "LogoutView",
    "PreferencesValidateView",
    "PreferencesView",
    "SecurityView",
    "SessionsView",
    "UpstreamProblem",
]

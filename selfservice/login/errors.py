"""What went wrong with an Auth0 login, in words a user can act on.

social-core raises one of its :class:`~social_core.exceptions.SocialAuthBaseException`
subclasses for every way the callback can fail (the user cancelled, the state is missing,
forged, replayed or expired, the token endpoint failed or was unreachable, the ID token does
not verify). Each carries a stable ``code`` and family, so :func:`classify` maps them to a
:class:`LoginFailure` without ever reading provider text: ``error_description`` comes from
the query string of a URL anyone can forge, so it is neither shown nor logged. Only a
provider's ``error`` token (``access_denied``, ``invalid_grant``) is kept, and only when it
looks like one (lowercase letters, digits, ``_.-``), because that is what an operator needs to
tell "cancelled" from "consent required".

Statuses: 403 when the user (or Auth0 on the tenant's behalf) declined, and when a step-up
sign-in came back as another Auth0 user (``user_mismatch``); 400 for every other
failed callback (bad, stale or forged parameters, and also a failing token endpoint: the
callback cannot be completed and must be started again, so it is not retried as a 5xx
would suggest).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import jwt
import requests
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from social_core.exceptions import (
    AuthAssociationError,
    AuthCanceled,
    AuthConfigurationError,
    AuthCredentialError,
    AuthInputError,
    AuthPolicyError,
    AuthProviderError,
    AuthResponseError,
    AuthSessionError,
    SocialAuthBaseException,
)

__all__ = ["HANDLED", "MESSAGES", "LoginFailure", "classify"]

#: What the login error middleware turns into a login page instead of a 500. Besides
#: social-core's own exceptions, the raw errors of the libraries it calls, in case a backend
#: (a site's subclass) lets one through unwrapped.
HANDLED: tuple[type[Exception], ...] = (SocialAuthBaseException, requests.RequestException, jwt.PyJWTError)

#: The line under "Signing in did not work. Please try again." for each reason (``None``:
#: nothing to add). "cancelled" and "rate_limited" have their own headline instead.
MESSAGES: dict[str, Promise | None] = {
    "cancelled": _("You cancelled signing in."),
    "missing_parameters": _("The link back from the sign-in page was incomplete."),
    "session_expired": _(
        "Your sign-in took too long, or it was started in another browser or tab. Start it again here."
    ),
    "state_mismatch": _("This sign-in link was already used, has expired, or was not started here."),
    "provider_error": _("The sign-in service could not complete the sign-in."),
    "provider_unavailable": _("The sign-in service did not answer. Wait a moment before trying again."),
    "code_rejected": _("The sign-in could not be confirmed with the sign-in service."),
    "invalid_response": _("The answer from the sign-in service could not be verified."),
    "configuration": _("Signing in to this site is not set up correctly. Please tell the site's administrators."),
    "not_allowed": _("This account may not sign in to this site."),
    "other_account": _("You signed in as a different account than the one signed in here, so this site signed you out."),
    "account_conflict": _("This sign-in belongs to another account of this site."),
    "unknown": None,
}

RETRY = _("Signing in did not work. Please try again.")
# A provider's error code as OAuth defines them: a short token, nothing a user typed.
_PROVIDER_CODE = re.compile(r"[a-z0-9_.-]{1,64}")
_UNAVAILABLE = {"timeout", "connection_failed", "unavailable", "rate_limited", "tls_error"}


@dataclass(frozen=True)
class LoginFailure:
    """One failed login: a stable ``reason`` (audit, logs), the HTTP status and the words shown."""

    reason: str
    status: int
    headline: Promise
    detail: Promise | None
    provider_error: str | None = None
    social_code: str = ""
    stage: str = ""

    @property
    def audit_details(self) -> dict[str, str]:
        """The audit row's details: the reason, and the provider's error token when it gave one."""
        details = {"reason": self.reason}
        if self.provider_error:
            details["provider_error"] = self.provider_error
        return details


def classify(error: Exception) -> LoginFailure:
    """The :class:`LoginFailure` for an exception raised by social-auth's begin or complete view."""
    provider = _provider_code(getattr(error, "provider_code", None))
    social_code = str(getattr(error, "code", "") or "")
    stage = str(getattr(error, "stage", "") or "")
    reason = _reason(error)
    if reason == "cancelled":
        return LoginFailure(reason, 403, MESSAGES["cancelled"] or RETRY, None, provider, social_code, stage)
    status = 403 if reason == "other_account" else 400
    return LoginFailure(reason, status, RETRY, MESSAGES[reason], provider, social_code, stage)


def _reason(error: Exception) -> str:
    # Order matters: AuthCanceled and the others all derive from SocialAuthBaseException.
    if isinstance(error, AuthCanceled):
        return "cancelled"
    if isinstance(error, requests.RequestException):
        return "provider_unavailable"
    if isinstance(error, jwt.PyJWTError):
        return "invalid_response"
    if not isinstance(error, SocialAuthBaseException):
        return "unknown"
    if error.code == "missing_parameter":
        return "missing_parameters"
    if error.code == "state_mismatch":
        return "state_mismatch"
    if error.code == "user_mismatch":  # a step-up (selfservice.core.step_up) came back as someone else
        return "other_account"
    families: tuple[tuple[type[SocialAuthBaseException], str], ...] = (
        (AuthConfigurationError, "configuration"),
        (AuthInputError, "missing_parameters"),
        (AuthSessionError, "session_expired"),
        (AuthCredentialError, "code_rejected"),
        (AuthResponseError, "invalid_response"),
        (AuthPolicyError, "not_allowed"),
        (AuthAssociationError, "account_conflict"),
    )
    for family, reason in families:
        if isinstance(error, family):
            return reason
    if isinstance(error, AuthProviderError):
        return "provider_unavailable" if error.code in _UNAVAILABLE else "provider_error"
    return "unknown"


def _provider_code(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and _PROVIDER_CODE.fullmatch(value):
        return value
    return None

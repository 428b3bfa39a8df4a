"""The only way the app talks to the identity provider.

    from selfservice.gateway import get_gateway, NotFound, UpstreamRateLimited

    gateway = get_gateway()            # a new instance: make one per request
    profile = gateway.get_user(auth0_user_id)

The class comes from ``SELFSERVICE["GATEWAY"]`` (default
``selfservice.gateway.auth0.Auth0Gateway``), so tests and other identity providers can swap
it. Importing this package does not import auth0-python; only the Auth0 gateway module does.
"""

from __future__ import annotations

import functools

from django.utils.module_loading import import_string

from selfservice.conf import get_settings

from .base import Gateway
from .errors import (
    GatewayError,
    NotFound,
    Rejected,
    UpstreamMisconfigured,
    UpstreamRateLimited,
    UpstreamUnavailable,
    UpstreamUncertain,
)
from .types import (
    AuthenticationMethod,
    EnrollmentTicket,
    Factor,
    Identity,
    Session,
    SessionAuthentication,
    SessionDevice,
    SessionPage,
    UserProfile,
    VerificationJob,
)

__all__ = [
    "AuthenticationMethod",
    "EnrollmentTicket",
    "Factor",
    "Gateway",
    "GatewayError",
    "Identity",
    "NotFound",
    "Rejected",
    "Session",
    "SessionAuthentication",
    "SessionDevice",
    "SessionPage",
    "UpstreamMisconfigured",
    "UpstreamRateLimited",
    "UpstreamUncertain",
    "UpstreamUnavailable",
    "UserProfile",
    "VerificationJob",
    "get_gateway",
    "get_gateway_class",
]


def get_gateway_class() -> type[Gateway]:
    """The class named by ``SELFSERVICE["GATEWAY"]`` (imported once per dotted path)."""
    return _gateway_class(get_settings().gateway)


@functools.cache
def _gateway_class(path: str) -> type[Gateway]:
    # Keyed by the path, so a settings change needs no hook here (and conf need not import us).
    cls: type[Gateway] = import_string(path)
    return cls


def get_gateway() -> Gateway:
    """A new gateway instance (per-user data it fetches lives as long as the instance)."""
    return get_gateway_class()()

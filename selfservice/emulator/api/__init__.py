"""Management and Authentication API routes, one module per Auth0 area."""

from __future__ import annotations

from selfservice.emulator.routing import Route

from . import (
    auth_methods,
    enrollment,
    guardian,
    identities,
    oauth,
    oidc,
    organizations,
    password_reset,
    sessions,
    tickets,
    users,
)

ROUTES: tuple[Route, ...] = (
    *oauth.ROUTES,
    *oidc.ROUTES,
    *enrollment.ROUTES,
    *password_reset.ROUTES,
    *users.ROUTES,
    *identities.ROUTES,
    *sessions.ROUTES,
    *auth_methods.ROUTES,
    *organizations.ROUTES,
    *guardian.ROUTES,
    *tickets.ROUTES,
)

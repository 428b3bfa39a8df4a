"""``GET /api/v2/users/{id}/organizations``: the organizations a user is a member of.

The app itself never calls it, but SDK-based components do at every login (the Auth0 Lab
components through node-auth0), so a tenant without it breaks them (auth0-facts.md §9b).
Offset pages like Auth0's: a bare array by default, ``{"organizations", "start", "limit",
"total"}`` with ``include_totals=true`` (the shape of go-auth0's ``TestUserManager_Organizations``
recording). Auth0 documents 404 for an unknown user and the scope ``read:organizations``.
Members are seeded with the user (``"organizations": [{"name": ...}]``, see ``Tenant.add_user``).
"""

from __future__ import annotations

from selfservice.emulator.http import Request, Response
from selfservice.emulator.routing import Route
from selfservice.emulator.tenant import Tenant

from . import paging


def list_user_organizations(tenant: Tenant, request: Request, user_id: str) -> Response:
    # Whether an empty page carries "total" is UNVERIFIED; Auth0's generic offset lists do.
    return paging.offset_response(request, "organizations", tenant.user_organizations(user_id))


ROUTES = (
    Route("GET", r"/api/v2/users/(?P<user_id>[^/]+)/organizations", list_user_organizations, ("read:organizations",)),
)

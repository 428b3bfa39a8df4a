"""The demo's "gateway status" page: proof that the site reaches its Auth0 tenant.

It asks the configured gateway (the emulator by default, or a real tenant) for the three demo
users, the tenant's MFA factors and each user's session count. Any ``GatewayError`` becomes a
friendly message with status 503; the page never fails with a 500 because Auth0 did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from selfservice.conf import get_settings
from selfservice.gateway import GatewayError, NotFound, UpstreamRateLimited, get_gateway
from selfservice.gateway.types import Factor, UserProfile

# The emulator's ``demo`` seed (DESIGN.md); a real tenant shows them as "not in this tenant".
DEMO_USER_IDS = ("auth0|alice", "google-oauth2|bob", "auth0|carol")


@dataclass(frozen=True)
class UserRow:
    """One line of the users table; ``profile`` is None when the tenant has no such user."""

    user_id: str
    profile: UserProfile | None
    session_count: int | None = None

    @property
    def provider(self) -> str:
        identity = self.profile.primary_identity if self.profile else None
        if identity is None:
            # Auth0 user ids are "{provider}|{id}".
            return self.user_id.split("|", 1)[0]
        return identity.provider


@dataclass(frozen=True)
class Status:
    users: tuple[UserRow, ...] = ()
    factors: tuple[Factor, ...] = ()
    error: str = ""


class GatewayStatusView(TemplateView):
    """GET only: show what the gateway returns, or why it could not."""

    template_name = "demo_project/gateway_status.html"
    http_method_names = ["get", "head", "options"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        status = fetch_status()
        context = self.get_context_data(
            status=status,
            enabled_factors=[factor for factor in status.factors if factor.enabled],
            tenant=get_settings().auth0_domain,
        )
        return self.render_to_response(context, status=503 if status.error else 200)


def fetch_status() -> Status:
    """Call the gateway; stop at the first error that is not a missing user (no pile of timeouts)."""
    gateway = get_gateway()
    rows: list[UserRow] = []
    try:
        factors = tuple(gateway.list_factors())
        for user_id in DEMO_USER_IDS:
            try:
                profile = gateway.get_user(user_id)
            except NotFound:
                rows.append(UserRow(user_id, None))
                continue
            rows.append(UserRow(user_id, profile, len(gateway.all_sessions(user_id))))
    except UpstreamRateLimited as exc:
        message = ngettext(
            "Auth0 is rate limiting this site. Try again in %(seconds)d second.",
            "Auth0 is rate limiting this site. Try again in %(seconds)d seconds.",
            exc.retry_after,
        ) % {"seconds": exc.retry_after}
        return Status(users=tuple(rows), error=message)
    except GatewayError:
        return Status(
            users=tuple(rows),
            error=_("The Auth0 tenant could not be reached or refused the request. Try again in a moment."),
        )
    return Status(users=tuple(rows), factors=factors)

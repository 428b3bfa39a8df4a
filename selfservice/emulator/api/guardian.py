"""Guardian: the tenant's MFA factors and enrollment tickets."""

from __future__ import annotations

from selfservice.emulator import records
from selfservice.emulator.errors import ApiError, invalid_body
from selfservice.emulator.http import Request, Response, json_response
from selfservice.emulator.routing import Route
from selfservice.emulator.tenant import FACTOR_NAMES, Tenant

# Tickets name the phone factor "phone"; /guardian/factors calls it "sms" (facts §0.6).
TICKET_FACTORS = {
    "push-notification": "push-notification",
    "phone": "sms",
    "email": "email",
    "otp": "otp",
    "webauthn-roaming": "webauthn-roaming",
    "webauthn-platform": "webauthn-platform",
}


def list_factors(tenant: Tenant, request: Request) -> Response:
    # A bare array, as Auth0 returns it (facts §4.1).
    return json_response(
        [{"name": name, "enabled": tenant.factors[name], "trial_expired": False} for name in FACTOR_NAMES]
    )


def set_factor(tenant: Tenant, request: Request, name: str) -> Response:
    if name not in FACTOR_NAMES:
        raise invalid_body(f"No enum match for: {name}", "name")
    body = request.json()
    if not isinstance(body, dict) or not isinstance(body.get("enabled"), bool):
        raise invalid_body("Missing required property: enabled")
    with tenant.lock:
        tenant.factors[name] = body["enabled"]
    return json_response({"enabled": body["enabled"]})


def create_ticket(tenant: Tenant, request: Request) -> Response:
    body = request.json_object()
    if not body.get("user_id"):
        raise invalid_body("Missing required property: user_id")
    factor = body.get("factor")
    if factor is not None and factor not in TICKET_FACTORS:
        raise invalid_body(f"No enum match for: {factor}", "factor")
    user = tenant.user(str(body["user_id"]))
    if factor is not None and not tenant.factors.get(TICKET_FACTORS[factor], False):
        # Auth0's exact refusal for a disabled factor is UNVERIFIED.
        raise ApiError(400, f"The factor {factor} is not enabled for this tenant.", "invalid_body")
    ticket_id = records.random_id(32)
    with tenant.lock:
        tenant.tickets[ticket_id] = {
            "ticket_id": ticket_id,
            "user_id": user["user_id"],
            "factor": factor,
            "created_at": records.iso(),
            "used": False,
        }
    url = f"{tenant.public_base(request.issuer)}mfa/enrollment?ticket={ticket_id}"
    return json_response({"ticket_id": ticket_id, "ticket_url": url})


ROUTES = (
    Route("GET", "/api/v2/guardian/factors", list_factors, ("read:guardian_factors",)),
    Route("PUT", r"/api/v2/guardian/factors/(?P<name>[^/]+)", set_factor, ("update:guardian_factors",)),
    Route("POST", "/api/v2/guardian/enrollments/ticket", create_ticket, ("create:guardian_enrollment_tickets",)),
)

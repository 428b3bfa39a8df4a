"""Tickets and jobs: password-change and email-verification tickets, verification-email jobs."""

from __future__ import annotations

import time

from selfservice.emulator import records
from selfservice.emulator.errors import ApiError, invalid_body
from selfservice.emulator.http import Request, Response, json_response
from selfservice.emulator.routing import Route
from selfservice.emulator.tenant import Tenant

DEFAULT_TICKET_TTL = 432000  # 5 days, when ttl_sec is 0 or absent (facts §5)
TICKET_FIELDS = {
    "result_url", "user_id", "client_id", "organization_id", "connection_id", "email", "ttl_sec",
    "mark_email_as_verified", "includeEmailInRedirect", "identity",
}


def password_change_ticket(tenant: Tenant, request: Request) -> Response:
    body = request.json_object(TICKET_FIELDS)
    by_user = "user_id" in body
    by_email = "email" in body or "connection_id" in body
    if by_user == by_email:
        raise invalid_body("Exactly one of user_id or (connection_id and email) is required")
    if by_user:
        user = tenant.user(str(body["user_id"]))
    else:
        found = tenant.find_user_by_email(str(body.get("email") or ""))
        if found is None:
            raise ApiError(404, "The user does not exist.", "inexistent_user")
        user = found
    if not any(i.get("provider") == "auth0" for i in user.get("identities") or []):
        # UNVERIFIED message: Auth0 only resets passwords of database identities.
        raise ApiError(400, "The user does not have a database identity.", "operation_not_supported")
    ttl = body.get("ttl_sec") or DEFAULT_TICKET_TTL
    if not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 0:
        raise invalid_body("Expected type integer but found type string", "ttl_sec")
    ticket_id = records.random_id(32)
    with tenant.lock:
        tenant.reset_tickets[ticket_id] = {
            "user_id": user["user_id"], "result_url": body.get("result_url"), "used": False,
            "expires": time.time() + ttl,
            "mark_email_as_verified": bool(body.get("mark_email_as_verified")),
        }
    ticket = f"{tenant.public_base(request.issuer)}u/reset-password?ticket={ticket_id}#"
    return json_response({"ticket": ticket}, 201)


def email_verification_ticket(tenant: Tenant, request: Request) -> Response:
    body = request.json_object(TICKET_FIELDS - {"connection_id", "email", "mark_email_as_verified"})
    if not body.get("user_id"):
        raise invalid_body("Missing required property: user_id")
    tenant.user(str(body["user_id"]))
    ticket = f"{tenant.public_base(request.issuer)}u/email-verification?ticket={records.random_id(32)}#"
    return json_response({"ticket": ticket}, 201)


def verification_email_job(tenant: Tenant, request: Request) -> Response:
    body = request.json_object({"user_id", "client_id", "identity", "organization_id"})
    if not body.get("user_id"):
        raise invalid_body("Missing required property: user_id")
    user = tenant.user(str(body["user_id"]))
    job = {
        "type": "verification_email",
        "status": "pending",
        "created_at": records.iso(),
        "id": f"job_{records.random_id(16)}",
    }
    with tenant.lock:
        tenant.jobs[job["id"]] = dict(job, user_id=body["user_id"])
    if user.get("email") and not user.get("email_verified"):
        tenant.send_email(user, "verification")
    return json_response(job, 201)


def get_job(tenant: Tenant, request: Request, job_id: str) -> Response:
    job = tenant.jobs.get(job_id)
    if job is None:
        raise ApiError(404, "The job does not exist.", "inexistent_job")
    with tenant.lock:
        job["status"] = "completed"  # the emulator "sends" the mail between two reads
    return json_response({k: v for k, v in job.items() if k != "user_id"})


ROUTES = (
    Route("POST", "/api/v2/tickets/password-change", password_change_ticket, ("create:user_tickets",)),
    Route("POST", "/api/v2/tickets/email-verification", email_verification_ticket, ("create:user_tickets",)),
    Route("POST", "/api/v2/jobs/verification-email", verification_email_job, ("update:users",)),
    Route("GET", r"/api/v2/jobs/(?P<job_id>[^/]+)", get_job, ("read:users", "create:users")),
)

"""The page a password-change ticket opens (``/u/reset-password?ticket=…``): it really changes it.

Auth0's page asks for the new password twice, checks the connection's password policy, and
then offers a way back to the application when the ticket named a ``result_url``. The
emulator does the same with a fixed policy (at least 8 characters), so a test or the demo can
walk the whole flow: the new password is what the login form accepts afterwards.
"""

from __future__ import annotations

import time
from html import escape
from typing import Any
from urllib.parse import urlsplit

from selfservice.emulator import pages, records
from selfservice.emulator.http import Request, Response, html_response
from selfservice.emulator.routing import Route
from selfservice.emulator.tenant import Tenant

MIN_LENGTH = 8
MAX_LENGTH = 128


def reset_password(tenant: Tenant, request: Request) -> Response:
    ticket_id = request.arg("ticket") or ""
    ticket = tenant.reset_tickets.get(ticket_id)
    if ticket is None or ticket["used"] or ticket["expires"] < time.time():
        return html_response(pages.error_page("Invalid link", "This password-change link is invalid, expired or was already used."), 400)
    user = tenant.users.get(ticket["user_id"])
    if user is None:
        return html_response(pages.error_page("Invalid link", "The user of this link no longer exists."), 400)
    if request.method == "POST":
        return _change(tenant, request, ticket_id, ticket, user)
    return html_response(_form(ticket_id, user))


def _form(ticket_id: str, user: dict[str, Any], error: str | None = None) -> str:
    error_html = f'<p class="error" role="alert" id="reset-error">{escape(error)}</p>' if error else ""
    described = ' aria-describedby="reset-error"' if error else ""
    account = escape(str(user.get("email") or user["user_id"]))
    return pages.page(
        "Change your password",
        f'<p class="badge">Auth0 emulator</p><h1>Change your password</h1><p>For {account}</p>{error_html}'
        f'<form method="post" action="/u/reset-password?ticket={escape(ticket_id)}">'
        f'<input type="hidden" name="username" autocomplete="username" value="{account}">'
        '<label for="password">New password</label><input id="password" name="password" type="password" '
        f'autocomplete="new-password" minlength="{MIN_LENGTH}" maxlength="{MAX_LENGTH}" required{described}>'
        '<label for="password_confirm">Confirm the new password</label><input id="password_confirm" '
        f'name="password_confirm" type="password" autocomplete="new-password" required{described}>'
        '<button type="submit">Reset password</button></form>',
    )


def _change(tenant: Tenant, request: Request, ticket_id: str, ticket: dict[str, Any], user: dict[str, Any]) -> Response:
    form = request.form()
    password = form.get("password", "")
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return html_response(_form(ticket_id, user, f"Use {MIN_LENGTH} to {MAX_LENGTH} characters."), 400)
    if password != form.get("password_confirm", ""):
        return html_response(_form(ticket_id, user, "The two passwords are not the same."), 400)
    with tenant.lock:
        ticket["used"] = True
        tenant.passwords[user["user_id"]] = password
        user["last_password_reset"] = records.iso()
        if ticket.get("mark_email_as_verified"):
            user["email_verified"] = True
        tenant.touch(user)
    tenant.send_email(user, "password_changed")
    back = str(ticket.get("result_url") or "")
    back_html = ""
    if urlsplit(back).scheme in ("http", "https"):
        back_html = f'<p><a id="back-to-app" href="{escape(back)}">Back to the application</a></p>'
    return html_response(pages.page(
        "Password changed",
        '<p class="badge">Auth0 emulator</p><h1 id="password-changed">Password changed</h1>'
        f"<p>You can now sign in with your new password.</p>{back_html}",
    ))


ROUTES = (
    Route("GET", "/u/reset-password", reset_password),
    Route("POST", "/u/reset-password", reset_password),
)

"""The page a Guardian enrollment ticket's ``ticket_url`` opens: it really enrolls the factor.

``otp`` shows a fresh TOTP secret (text and QR code) and checks a code from the app; the other
factors get a confirm step (with a phone number or email address where the factor needs one).
The new method then appears in the user's authentication methods.
"""

from __future__ import annotations

from html import escape
from typing import Any

from selfservice.emulator import pages, records, totp
from selfservice.emulator.http import Request, Response, html_response
from selfservice.emulator.routing import Route
from selfservice.emulator.tenant import Tenant

TITLES = {
    "otp": "Authenticator app", "phone": "Text message", "email": "Email",
    "webauthn-roaming": "Security key", "webauthn-platform": "This device (biometrics)",
    "push-notification": "Guardian push notifications", None: "Multi-factor authentication",
}
METHOD_TYPES = {
    "otp": "totp", "phone": "phone", "email": "email", "webauthn-roaming": "webauthn-roaming",
    "webauthn-platform": "webauthn-platform", "push-notification": "push",
}


def _qr_svg(data: str) -> str:
    try:
        import qrcode
        import qrcode.image.svg
    except ImportError:  # pragma: no cover - qrcode is a dependency; the text secret still works
        return ""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string(encoding="unicode")
    return f'<figure role="img" aria-label="QR code for your authenticator app">{svg}</figure>'


def enrollment(tenant: Tenant, request: Request) -> Response:
    ticket = tenant.tickets.get(request.arg("ticket") or "")
    if ticket is None or ticket["used"]:
        return html_response(pages.error_page("Invalid ticket", "This enrollment link is invalid or was already used."), 400)
    user = tenant.users.get(ticket["user_id"])
    if user is None:
        return html_response(pages.error_page("Invalid ticket", "The user of this ticket no longer exists."), 400)
    factor = ticket["factor"] or "otp"
    if factor == "otp":
        ticket.setdefault("secret", totp.new_secret())
    if request.method == "POST":
        return _complete(tenant, request, ticket, user, factor)
    return html_response(_form(tenant, request, ticket, user, factor))


def _form(tenant: Tenant, request: Request, ticket: dict[str, Any], user: dict[str, Any], factor: str,
          error: str | None = None, values: dict[str, str] | None = None) -> str:
    values = values or {}
    action = f"/mfa/enrollment?ticket={escape(ticket['ticket_id'])}"
    error_html = f'<p class="error" role="alert" id="enroll-error">{escape(error)}</p>' if error else ""
    described = ' aria-describedby="enroll-error"' if error else ""
    fields = ""
    intro = ""
    if factor == "otp":
        uri = totp.provisioning_uri(ticket["secret"], str(user.get("email") or user["user_id"]), request.host)
        intro = (
            "<p>Scan this QR code with your authenticator app, or type the key below, then enter the 6-digit code.</p>"
            f"{_qr_svg(uri)}<p>Key: <code id=\"totp-secret\">{escape(ticket['secret'])}</code></p>"
        )
        fields = ('<label for="code">6-digit code</label><input id="code" name="code" inputmode="numeric" '
                  f'autocomplete="one-time-code" pattern="[0-9 ]{{6,7}}" required{described}>')
    elif factor == "phone":
        fields = ('<label for="phone_number">Phone number</label><input id="phone_number" name="phone_number" '
                  f'type="tel" autocomplete="tel" required value="{escape(values.get("phone_number", ""))}"{described}>')
    elif factor == "email":
        fields = ('<label for="email">Email address</label><input id="email" name="email" type="email" required '
                  f'value="{escape(values.get("email") or str(user.get("email", "")))}"{described}>')
    elif factor.startswith("webauthn"):
        intro = "<p>The emulator stands in for your browser's security-key prompt.</p>"
        fields = ('<label for="name">Name this key</label><input id="name" name="name" required '
                  f'value="{escape(values.get("name", TITLES[factor]))}"{described}>')
    return pages.page(
        "Enroll",
        f'<p class="badge">Auth0 emulator</p><h1>Set up {escape(TITLES.get(factor, factor))}</h1>'
        f'<p>For {escape(str(user.get("email") or user["user_id"]))}</p>{intro}{error_html}'
        f'<form method="post" action="{action}">{fields}<button type="submit">Confirm</button></form>',
    )


def _complete(tenant: Tenant, request: Request, ticket: dict[str, Any], user: dict[str, Any], factor: str) -> Response:
    form = request.form()
    method: dict[str, Any] = {"type": METHOD_TYPES.get(factor, "totp"), "enrolled_at": records.iso()}
    if factor == "otp":
        if not totp.verify(ticket["secret"], form.get("code", "")):
            return html_response(_form(tenant, request, ticket, user, factor, "That code is not valid. Try again."), 400)
        method["_totp_secret"] = ticket["secret"]
    elif factor == "phone":
        number = form.get("phone_number", "").strip()
        if not (number.startswith("+") and number[1:].isdigit() and 8 <= len(number) <= 16):
            return html_response(_form(tenant, request, ticket, user, factor,
                                       "Enter the number in international format, e.g. +15555550123.", form), 400)
        method.update(phone_number=number, preferred_authentication_method="sms")
    elif factor == "email":
        address = form.get("email", "").strip()
        if "@" not in address:
            return html_response(_form(tenant, request, ticket, user, factor, "Enter an email address.", form), 400)
        method["email"] = address
    elif factor.startswith("webauthn"):
        method["name"] = form.get("name", "").strip()[:60] or TITLES[factor]
    recovery = None
    with tenant.lock:
        ticket["used"] = True
        methods = tenant.user_methods(user["user_id"])
        methods.append(records.build_method(method))
        if tenant.factors.get("recovery-code") and not any(m["type"] == "recovery-code" for m in methods):
            recovery = records.random_id(24, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            methods.append(records.build_method({"type": "recovery-code", "_code": recovery}))
        multifactor = user.setdefault("multifactor", [])
        if "guardian" not in multifactor:
            multifactor.append("guardian")
        user["multifactor_last_modified"] = records.iso()
    recovery_html = (
        f'<p>Save this recovery code somewhere safe: <code id="recovery-code">{escape(recovery)}</code></p>'
        if recovery else ""
    )
    return html_response(pages.page(
        "Enrolled",
        f'<p class="badge">Auth0 emulator</p><h1 id="enrolled">{escape(TITLES.get(factor, factor))} is set up</h1>'
        f"{recovery_html}<p>You can close this window and return to the application.</p>",
    ))


ROUTES = (
    Route("GET", "/mfa/enrollment", enrollment),
    Route("POST", "/mfa/enrollment", enrollment),
)

"""``python manage.py selfservice_diagnose``: can this site really use its Auth0 tenant?

``manage.py check`` validates settings without any network call; this command makes the calls
the account pages make and says, line by line, what works:

- the Management API token (client credentials) and the scopes it carries, against the ones
  the pages need (README "Auth0 Management API scopes");
- the MFA factors endpoint (Security tab);
- the session endpoints (Sessions tab), which exist on Enterprise plans only: on other plans
  the line says "not available on this plan" and the Sessions tab explains it to users;
- what to register as the login application's Back-Channel Logout URI.

Lines about what works go to stdout; each problem goes to stderr (and only there), so
``selfservice_diagnose 2>&1 >/dev/null`` shows exactly what needs fixing. The last line names
what is fine. Exit status 1 when something the pages need is broken (a plan without session
endpoints is reported as a note, not counted as broken).

The session probe asks for a session id no one has: the expected answer is 404, which the
gateway would log as a failed call (a WARNING on stderr, as if something were wrong). The
command drops that one log record, and nothing else: a 403, a 5xx or a timeout of the probe
is still logged, and reported as a problem.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import jwt
from django.core.management.base import BaseCommand, CommandError
from django.urls import NoReverseMatch, reverse

from selfservice.conf import get_settings
from selfservice.gateway import GatewayError, NotFound, budget, get_gateway
from selfservice.login.logout_tokens import expected_audience, expected_issuer
from selfservice.sessions.listing import is_plan_restriction

REQUIRED_SCOPES = (
    "read:users", "update:users", "delete:users", "read:sessions", "delete:sessions", "delete:refresh_tokens",
    "read:guardian_factors", "read:authentication_methods", "delete:authentication_methods",
    "create:guardian_enrollment_tickets", "create:user_tickets",
)
# An id no session has: a tenant with session endpoints answers 404, one without refuses.
PROBE_SESSION_ID = "selfservice-diagnose-probe"
# The gateway's logger (selfservice/gateway/auth0.py), whose failed-call WARNINGs reach stderr.
GATEWAY_LOGGER = "selfservice.gateway"


class Command(BaseCommand):
    help = "Check the Auth0 tenant: Management API token and scopes, MFA factors, session endpoints."

    def handle(self, *args: Any, **options: Any) -> None:
        settings = get_settings()
        self.problems: list[str] = []
        self.fine: list[str] = []
        self.stdout.write(f"Auth0 tenant: {settings.auth0_domain or '(AUTH0_DOMAIN not set)'}"
                          + (f" via {settings.auth0_base_url}" if settings.auth0_base_url else ""))
        token = self.check_token()
        if token is not None:
            self.check_scopes(token)
        with budget.waiting(10):  # a command may wait for the site's own budget; a page may not
            self.check_factors()
            self.check_sessions()
        self.backchannel_hint()
        self.budget_report()
        if self.fine:
            self.stdout.write(f"Fine: {', '.join(self.fine)}.")
        if self.problems:
            raise CommandError(f"{len(self.problems)} problem(s) found: {', '.join(self.problems)} (see above).")
        self.stdout.write(self.style.SUCCESS("Everything the account pages need answered."))

    def line(self, name: str, status: str, *, ok: bool | None = True) -> None:
        """One result: ``ok`` to stdout, a note (``None``) to stdout, a problem (``False``) to stderr."""
        text = f"{name}: {status}"
        if ok is False:
            self.problems.append(name)
            self.stderr.write(self.style.ERROR(text))
        elif ok is None:
            self.stdout.write(self.style.WARNING(text))
        else:
            self.fine.append(name)
            self.stdout.write(self.style.SUCCESS(text))

    def check_token(self) -> str | None:
        from selfservice.gateway.auth0 import connection

        try:
            token = connection(get_settings()).token.get()
        except GatewayError as error:
            self.line("Management API token", f"FAILED ({error.message})", ok=False)
            return None
        self.line("Management API token", "ok")
        return token

    def check_scopes(self, token: str) -> None:
        try:
            granted = set(str(jwt.decode(token, options={"verify_signature": False}).get("scope", "")).split())
        except jwt.PyJWTError:
            self.line("scopes", "unknown (the token is not a JWT)", ok=None)
            return
        missing = [scope for scope in REQUIRED_SCOPES if scope not in granted]
        if missing:
            self.line("scopes", f"missing {', '.join(missing)}", ok=False)
        else:
            self.line("scopes", "ok")

    def check_factors(self) -> None:
        try:
            factors = get_gateway().list_factors()
        except GatewayError as error:
            self.line("MFA factors endpoint", f"FAILED ({error.message})", ok=False)
            return
        enabled = ", ".join(f.name for f in factors if f.enabled) or "none enabled"
        self.line("MFA factors endpoint", f"ok ({enabled})")

    def check_sessions(self) -> None:
        try:
            with _expected_probe_answer_not_logged():
                get_gateway().get_session(PROBE_SESSION_ID)
        except NotFound:
            self.line("session endpoints", "available")
        except GatewayError as error:
            if is_plan_restriction(error):
                self.line(
                    "session endpoints",
                    "not available on this plan (Enterprise only); the Sessions tab explains this to users",
                    ok=None,
                )
            else:
                self.line("session endpoints", f"FAILED ({error.message})", ok=False)
        else:
            self.line("session endpoints", "available")

    def budget_report(self) -> None:
        """What the shared cache says about Management API use (all workers, all hosts)."""
        settings = get_settings()
        rules = ", ".join(f"{r.bucket} {r.limit}/{r.window:g}s" for r in settings.management_budget) or "none"
        used = budget.counters(settings)
        spent = "; ".join(
            f"{bucket}: {c['calls']} sent, {c['refused']} held back, {c['upstream_429']} answered 429"
            for bucket, c in used.items() if any(c.values())
        ) or "no calls counted since the cache was cleared"
        self.line("Management API budget", f"{rules}; {spent}", ok=True)

    def backchannel_hint(self) -> None:
        try:
            path = reverse("selfservice:backchannel-logout")
        except NoReverseMatch:
            self.line("back-channel logout", "selfservice.urls is not mounted", ok=None)
            return
        self.line(
            "back-channel logout",
            f"register https://YOUR-SITE{path} as the Back-Channel Logout URI of the application "
            f"{expected_audience() or '(SOCIAL_AUTH_AUTH0_KEY not set)'}; tokens must come from {expected_issuer()}",
            ok=None if not expected_audience() else True,
        )


class _ProbeNotFoundFilter(logging.Filter):
    """Drops the gateway's record of the probe's 404 (``Auth0 get_session failed: status=404``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        return tuple(args[:2]) != ("get_session", 404)


@contextmanager
def _expected_probe_answer_not_logged() -> Iterator[None]:
    """While the session probe runs, its expected 404 is not a WARNING; every other record stays."""
    logger = logging.getLogger(GATEWAY_LOGGER)
    expected = _ProbeNotFoundFilter()
    logger.addFilter(expected)
    try:
        yield
    finally:
        logger.removeFilter(expected)

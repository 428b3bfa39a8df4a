"""``python manage.py rundemo``: the demo site and its emulated Auth0 tenant, one command.

Order matters: migrate (so a fresh clone works), start the emulator on its socket, point
``SELFSERVICE`` at the port it actually got, then run Django's dev server *without* the
autoreloader (the reloader re-runs this command in a child process, which would start a second
emulator and lose the first one's state).

The emulator is started only when the settings define ``DEMO_EMULATOR`` (``{"host", "port"}``,
as ``demo_project.settings`` does while ``AUTH0_DOMAIN`` is unset). With a real tenant
configured, this is migrate + runserver. When ``DEMO_PREFERENCE_SCHEMA`` names a JSON file and
no preference schema is stored yet, it is loaded and activated (the Preferences tab's form).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.signals import setting_changed
from django.urls import reverse


class Command(BaseCommand):
    help = "Run the demo site with an emulated Auth0 tenant (seeded with the demo users)."
    # runserver runs the system checks itself, after SELFSERVICE points at the emulator.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=None, help="address of the site and the emulator (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port of the demo site (default 8000)")
        parser.add_argument(
            "--emulator-port", type=int, default=None,
            help="port of the emulated tenant (default: DEMO_EMULATOR['port'], 8001; 0 = any free port)",
        )
        parser.add_argument("--skip-migrate", action="store_true", help="do not run migrate first")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["skip_migrate"]:
            self.stdout.write("Applying migrations (SQLite file) ...")
            call_command("migrate", interactive=False, verbosity=max(options["verbosity"] - 1, 0))
        self.ensure_preference_schema()
        config = getattr(settings, "DEMO_EMULATOR", None)
        with self.emulated_tenant(config, options) as tenant_url:
            if tenant_url:
                self.stdout.write(self.style.SUCCESS(f"Emulated Auth0 tenant: {tenant_url}"))
                self.stdout.write("  users: alice@example.com, bob@example.com, carol@example.com (password demo-password)")
            else:
                self.stdout.write(f"Using the Auth0 tenant {settings.SELFSERVICE.get('AUTH0_DOMAIN')!r}.")
            self.serve(f"{options['host'] or '127.0.0.1'}:{options['port']}")

    def ensure_preference_schema(self) -> None:
        """Load ``settings.DEMO_PREFERENCE_SCHEMA`` (a JSON file) when no schema is stored yet."""
        path = getattr(settings, "DEMO_PREFERENCE_SCHEMA", None)
        if not path:
            return
        from selfservice.models import PreferenceSchema

        from .load_preference_schema import load

        if PreferenceSchema.objects.exists():
            return
        schema = json.loads(Path(path).read_text(encoding="utf-8"))
        stored = load(schema, str(schema.get("title") or "Preferences"), activate=True)
        self.stdout.write(f"Loaded the preference schema {stored} from {path}.")

    def serve(self, addrport: str) -> None:
        """Run Django's dev server in this process (tests replace this method)."""
        call_command("runserver", addrport, use_reloader=False)

    @contextmanager
    def emulated_tenant(self, config: dict[str, Any] | None, options: dict[str, Any]) -> Iterator[str | None]:
        """Start the emulator when configured and point ``SELFSERVICE`` at it; yield its URL."""
        if not config:
            yield None
            return
        from selfservice.emulator import Emulator
        from selfservice.emulator.settings import emulated_tenant

        host = options["host"] or str(config.get("host", "127.0.0.1"))
        port = options["emulator_port"]
        port = int(config.get("port", 8001)) if port is None else port
        emulator = Emulator(seed="demo")
        try:
            try:
                url = emulator.start(host, port)
            except OSError as exc:
                raise CommandError(
                    f"Cannot start the emulated tenant on {host}:{port} ({exc}). "
                    "Stop whatever uses that port or pass --emulator-port."
                ) from exc
            emulator.configure(public_url=url)
            # Both halves (Management API and login) at the port the emulator really got.
            tenant_settings = emulated_tenant(url, getattr(settings, "SELFSERVICE", None))
            # Back-channel logout over HTTP: ending a session at the tenant signs that browser
            # out of the demo too (real Auth0 needs a public https URL; the emulator allows loopback).
            site = f"http://{options['host'] or '127.0.0.1'}:{options['port']}"
            emulator.configure_client(
                tenant_settings["SOCIAL_AUTH_AUTH0_KEY"],
                backchannel_logout_urls=[site + reverse("selfservice:backchannel-logout")],
            )
            tenant_settings.update(_csp_for_tenant(_login_origin(), url))
            with _changed_settings(**tenant_settings):
                yield url
        finally:
            emulator.stop()


def _login_origin() -> str:
    """Where the site's login goes now: ``SOCIAL_AUTH_AUTH0_BASE_URL``, else ``https://{DOMAIN}``."""
    base = str(getattr(settings, "SOCIAL_AUTH_AUTH0_BASE_URL", "") or "")
    domain = str(getattr(settings, "SOCIAL_AUTH_AUTH0_DOMAIN", "") or "")
    return base.rstrip("/") or (f"https://{domain}" if domain else "")


def _csp_for_tenant(old: str, new: str) -> dict[str, Any]:
    """The site's Content-Security-Policy settings with the tenant ``old`` replaced by ``new``.

    The policy's ``form-action`` names the tenant (the login form posts there and the begin view
    redirects there): a demo started with ``--emulator-port`` would otherwise send the policy for
    port 8001, and the browser would refuse to go to the login page at the real port.
    """
    if not old or old == new:
        return {}
    changed: dict[str, Any] = {}
    for name in ("CONTENT_SECURITY_POLICY", "SECURE_CSP"):
        value = getattr(settings, name, None)
        if isinstance(value, dict):
            changed[name] = json.loads(json.dumps(value).replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1]))
    return changed


@contextmanager
def _changed_settings(**values: Any) -> Iterator[None]:
    """Set settings for the command's lifetime and send ``setting_changed`` both ways.

    The signal is what clears selfservice's settings cache. Unlike ``override_settings`` this
    keeps ``settings.SETTINGS_MODULE``, which runserver prints.
    """
    missing = object()
    previous = {name: getattr(settings, name, missing) for name in values}
    for name, value in values.items():
        setattr(settings, name, value)
        setting_changed.send(sender=Command, setting=name, value=value, enter=True)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is missing:
                delattr(settings, name)
            else:
                setattr(settings, name, value)
            setting_changed.send(sender=Command, setting=name, value=getattr(settings, name, None), enter=False)

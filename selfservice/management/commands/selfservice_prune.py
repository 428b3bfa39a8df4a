"""``python manage.py selfservice_prune [--days N] [--dry-run]``: forget old security events.

Deletes every audit event (:class:`~selfservice.models.AuditEvent`) older than
``SELFSERVICE["ACTIVITY_RETENTION_DAYS"]`` days (default 180), or ``--days N``: the activity page
stops showing them at that age, and keeping personal data (IP addresses, user agents) longer
than needed is what data-protection law asks sites not to do. Run it daily (cron, a scheduler).
With retention set to None and no ``--days`` it deletes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from selfservice.conf import get_settings
from selfservice.models import AuditEvent
from selfservice.security.activity import prune


class Command(BaseCommand):
    help = "Delete security events (audit rows) older than ACTIVITY_RETENTION_DAYS (or --days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="keep this many days instead of the setting")
        parser.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        days: int | None = options["days"]
        if days is not None and days < 1:
            raise CommandError("--days must be a positive whole number of days.")
        keep = days if days is not None else get_settings().activity_retention_days
        if keep is None:
            self.stdout.write("ACTIVITY_RETENTION_DAYS is None: events are kept forever; nothing deleted.")
            return
        now = timezone.now()
        if options["dry_run"]:
            count = AuditEvent.objects.filter(created_at__lt=now - timedelta(days=keep)).count()
            self.stdout.write(f"{count} event(s) older than {keep} days would be deleted.")
            return
        deleted = prune(now, days=keep)
        self.stdout.write(f"Deleted {deleted} event(s) older than {keep} days.")

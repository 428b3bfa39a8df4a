"""``python -m benchmarks.load.prepare``: the bench database, ready for a run, in one process.

Run by ``run.py`` before gunicorn starts (one Django start-up instead of three ``manage.py``
calls): creates the database when missing, migrates, loads the demo preference schema when
none is active (what ``rundemo`` does, so the Preferences tab renders its form), and forgets
the previous run's sessions so every run begins signed out.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.load.settings")

SCHEMA = Path(__file__).resolve().parents[2] / "demo_project" / "preference_schema.json"


def create_database(settings_db: dict[str, object]) -> bool:
    """Create the bench database when missing (PostgreSQL has no CREATE DATABASE IF NOT EXISTS)."""
    import psycopg
    from psycopg import sql

    name = str(settings_db["NAME"])
    params = {"host": settings_db["HOST"], "port": settings_db["PORT"], "user": settings_db["USER"],
              "password": settings_db.get("PASSWORD") or None, "dbname": "postgres", "autocommit": True,
              "connect_timeout": 5}
    with psycopg.connect(**params) as connection:  # type: ignore[arg-type]
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return False
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def main() -> int:
    import django
    from django.conf import settings

    if create_database(settings.DATABASES["default"]):
        print(f"created database {settings.DATABASES['default']['NAME']}", flush=True)
    django.setup()
    from django.contrib.sessions.models import Session
    from django.core.management import call_command

    from selfservice.management.commands.load_preference_schema import load
    from selfservice.models import Auth0Session, PreferenceSchema

    call_command("migrate", interactive=False, verbosity=0)
    if not PreferenceSchema.objects.filter(is_active=True).exists():
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        load(schema, str(schema.get("title") or "Preferences"), activate=True)
    Auth0Session.objects.all().delete()
    Session.objects.all().delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())

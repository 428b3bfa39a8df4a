"""``python manage.py load_preference_schema FILE.json [--name NAME] [--activate]`` or ``--example``.

Stores the JSON Schema in FILE as a new :class:`~selfservice.models.PreferenceSchema` version
(the next version number for that name), after the same checks the admin runs; an invalid
schema is refused with one line per problem and nothing is stored.

``--example`` loads the schema shipped inside the package (language, time zone, theme,
newsletter, notification channels) and makes it the active one: a fresh site's Preferences tab
has a form at once, and staff replace it in the admin when they write their own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Max

from selfservice.models import PreferenceSchema

#: The example schema, inside the package so the wheel carries it.
EXAMPLE_SCHEMA = Path(__file__).resolve().parents[2] / "preferences" / "example_schema.json"


class Command(BaseCommand):
    help = (
        "Load a JSON Schema file as a new version of a preference schema (checked like the admin does); "
        "--example loads and activates the example schema shipped with selfservice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="a JSON file holding the schema")
        parser.add_argument(
            "--example", action="store_true",
            help="load the example schema shipped with selfservice instead of a file, and activate it",
        )
        parser.add_argument("--name", default=None, help="schema name (default: the schema's title, else the file name)")
        parser.add_argument("--activate", action="store_true", help="make it the active schema")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["example"] == bool(options["file"]):
            raise CommandError("Give a schema FILE or --example (one of them).")
        path = EXAMPLE_SCHEMA if options["example"] else Path(options["file"])
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path} is not JSON: {exc}") from exc
        title = schema.get("title") if isinstance(schema, dict) else None
        name = str(options["name"] or title or path.stem)[:100]
        stored = load(schema, name, activate=options["activate"] or options["example"])
        state = "active" if stored.is_active else "not active"
        self.stdout.write(self.style.SUCCESS(f"Stored {stored} ({state})."))


def load(schema: Any, name: str, *, activate: bool) -> PreferenceSchema:
    """Store ``schema`` as the next version of ``name``; ``CommandError`` lists every problem."""
    with transaction.atomic():
        latest = PreferenceSchema.objects.select_for_update().filter(name=name).aggregate(v=Max("version"))["v"]
        candidate = PreferenceSchema(name=name, version=(latest or 0) + 1, schema=schema, is_active=activate)
        try:
            candidate.full_clean()
        except ValidationError as exc:
            lines = [f"  {field}: {message}" for field, errors in exc.message_dict.items() for message in errors]
            raise CommandError("The schema was not stored:\n" + "\n".join(lines)) from exc
        candidate.save()
    return candidate

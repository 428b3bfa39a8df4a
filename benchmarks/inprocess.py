"""What the in-process benchmarks share: Django on ``tests.settings``, one in-memory database, the emulator.

Everything runs in this process and nothing listens on a socket: the tenant is the emulator
behind ``httpx.WSGITransport`` (``AUTH0_TRANSPORT``), the database SQLite in memory, the cache
LocMem. So the numbers are deterministic where they count calls and comparable where they time
code, and a benchmark cannot leave a process or a port behind.

:func:`setup` is idempotent, so ``python -m benchmarks`` runs every table in one process;
:func:`tenant` points the site at one emulator for a block (``override_settings``, which
rebuilds ``get_settings()``) with the per-user change limits off (``RATELIMIT``), because a
benchmark repeats what a person would not, and clears every cache on the way in and out.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # ``python benchmarks/bench_pages.py`` as well as ``-m``
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from social_django.models import UserSocialAuth  # noqa: E402

from selfservice.conf import DEFAULTS  # noqa: E402
from selfservice.emulator import Emulator  # noqa: E402

TABS = ("general", "preferences", "security", "sessions")
HTMX = {"HX-Request": "true", "HX-Target": "selfservice-panel"}
DEMO_SCHEMA = ROOT / "demo_project" / "preference_schema.json"
_ready: list[bool] = []


def setup() -> None:
    """The test database (in memory, migrated) and the demo preference schema, once per process."""
    if _ready:
        return
    connection.creation.create_test_db(verbosity=0)
    call_command("load_preference_schema", str(DEMO_SCHEMA), activate=True, verbosity=0, stdout=io.StringIO())
    _ready.append(True)


def clear_caches() -> None:
    for cache in caches.all():
        cache.clear()


@contextlib.contextmanager
def tenant(emulator: Emulator, **selfservice: Any) -> Iterator[Emulator]:
    """The site talks to ``emulator`` in-process within the block; caches empty on entry and exit."""
    setup()
    values = {
        **settings.SELFSERVICE,
        "AUTH0_DOMAIN": "tenant.emulator.test",
        "AUTH0_TRANSPORT": emulator.transport(),
        "RATELIMIT": dict.fromkeys(DEFAULTS["RATELIMIT"]),  # every per-user limit off
        **selfservice,
    }
    with override_settings(SELFSERVICE=values):
        clear_caches()
        try:
            yield emulator
        finally:
            clear_caches()


def django_user(uid: str) -> Any:
    """The Django user linked to Auth0 user ``uid`` (made on first use)."""
    username = "bench-" + uid.replace("|", "-")
    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
    UserSocialAuth.objects.get_or_create(user=user, provider="auth0", uid=uid)
    return user


def client_for(uid: str) -> Client:
    """A test client signed in (``force_login``) as the Django user linked to ``uid``, as a login leaves it."""
    client = Client()
    user = django_user(uid)
    client.force_login(user)
    session = client.session
    session["selfservice_auth0_user_id"] = [str(user.pk), uid]  # what a real sign-in keeps (session_map)
    session["selfservice_auth0_auth_time"] = int(time.time())  # signed in just now: no step-up page
    session.save()
    return client


def management_calls(emulator: Emulator) -> list[tuple[str, str]]:
    """The Management API calls the tenant logged since its log was last cleared."""
    return [(r["method"], r["path"]) for r in emulator.requests() if r["path"].startswith("/api/v2/")]


def code_version() -> str:
    from benchmarks.load.ref import code_version as version

    return version(ROOT)
